import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { typicalPhoto, uploadBurst } from '../../integration/support/burst';
import { startComposeStack } from '../../integration/support/compose-stack';
import { coldStarts } from './cold-start';
import { metricsAtScale } from './metrics-scale';
import { presigning } from './presign';
import { avifEffortLevels, oneDecodeComparison, processorThroughput } from './processing';
import { renderReport } from './report';
import { round } from './measure';

/**
 * npm run bench [-- --quick] [-- --output <file>]
 * Measures everything in one run and writes docs/BENCHMARKS.md (quick mode: .local/BENCHMARKS.quick.md).
 */
export async function runBenchmarks(options: { quick: boolean; output: string; log?: (line: string) => void }) {
  const log = options.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
  const { quick } = options;
  const started = Date.now();
  const step = (name: string) => log(`${name} (${round((Date.now() - started) / 1000, 0)} s)`);

  step('one decode: use case vs the best bare-sharp decode-once-then-cascade path, fresh processes');
  const overhead = await oneDecodeComparison(quick);
  step('AVIF encode time per effort level');
  const avif = await avifEffortLevels(quick);
  const photo = await typicalPhoto();
  step('processor throughput and memory at concurrency 1, 2, 4');
  const throughput = await processorThroughput(photo, quick);
  step('presigning: use case vs bare getSignedUrl');
  const presign = await presigning(quick);
  step('metrics at scale against LocalStack');
  const metrics = await metricsAtScale(quick, log);
  step('end to end through the local stack');
  const stack = await startComposeStack();
  let burst;
  try {
    burst = await uploadBurst(stack, { uploads: quick ? 10 : 200, clients: 16, photo });
  } finally {
    await stack.down();
  }
  step('cold start and image size');
  const cold = await coldStarts(quick);

  const machine = {
    cpu: `${cpus().length} × ${cpus()[0]?.model.trim()}`,
    memoryGiB: round(totalmem() / 2 ** 30, 0),
    kernel: release(),
    node: process.version,
    docker: spawnSync('docker', ['version', '-f', '{{.Server.Version}}'], { encoding: 'utf8' }).stdout.trim(),
  };
  const processorAtTwo = throughput.results.find((result) => result.concurrency === 2)!;
  const { records: _records, ...figures } = burst;
  const endToEnd = { ...figures, processorImagesPerSecond: processorAtTwo.imagesPerSecond, ratio: round(figures.imagesPerSecond / processorAtTwo.imagesPerSecond) };
  const report = renderReport({
    quick,
    date: new Date().toISOString(),
    durationSeconds: round((Date.now() - started) / 1000, 0),
    machine,
    overhead,
    avif,
    throughput,
    presign,
    metrics,
    endToEnd,
    cold,
  });
  mkdirSync(dirname(options.output), { recursive: true });
  writeFileSync(options.output, report);
  step(`wrote ${options.output}`);
  return { overhead, avif, throughput, presign, metrics, endToEnd, cold };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  const outputIndex = args.indexOf('--output');
  const output = outputIndex >= 0 ? args[outputIndex + 1]! : quick ? '.local/BENCHMARKS.quick.md' : 'docs/BENCHMARKS.md';
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  runBenchmarks({ quick, output }).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
