import { readFileSync } from 'node:fs';
import { throughputAt } from './processing';

// One concurrency level of the processor throughput benchmark, in a process of its own.
// Usage: throughput-worker.ts <photo file> <concurrency> <images>; prints one JSON line.
const [photoFile, concurrency, images] = process.argv.slice(2);
throughputAt(readFileSync(photoFile!), Number(concurrency), Number(images)).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
