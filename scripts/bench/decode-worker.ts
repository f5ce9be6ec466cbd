import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { processUpload } from '../../src/domain/process-upload';
import { inMemoryProcessUploadDeps } from '../../src/test-support/render-settings';
import { cpuTimeMs, median } from './measure';

/**
 * One path of the one-decode benchmark, in a process of its own so its peak RSS is its own.
 * Usage: decode-worker.ts <path> <file> <extension> <runs>; prints one JSON line:
 * { times (wall ms of each run, after a warm-up), cpuTimes (CPU ms of each run, every thread of the
 * process), wallMs (the median wall time), peakRssMb (the process' high-water mark) }.
 *   use-case        processUpload with in-memory storage, table and topic
 *   cascade-parallel bare sharp: one decode to the largest output, then both outputs at once
 *   cascade-serial   bare sharp: one decode, then the outputs one after the other
 *   per-output       bare sharp: each output decodes the source again, all at once (the old pipeline)
 */
const THUMBNAIL = { width: 256, height: 256 };
const RENDITION_WIDTH = 1024;

/** Straight to the largest output, shrinking on load; sharp works the size out from the header itself. */
function decodeOnce(bytes: Buffer) {
  return sharp(bytes, { failOn: 'error', pages: 1, autoOrient: true })
    .resize({ width: RENDITION_WIDTH, height: 8192, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
}

function outputs(data: Buffer, info: sharp.OutputInfo) {
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  return [
    () => sharp(data, raw).resize({ ...THUMBNAIL, fit: 'inside' }).flatten({ background: '#ffffff' }).jpeg({ quality: 80, mozjpeg: false }).toBuffer(),
    () => sharp(data, raw).webp({ quality: 80 }).toBuffer(),
  ];
}

const paths: Record<string, (bytes: Buffer, extension: string) => () => Promise<unknown>> = {
  'cascade-parallel': (bytes) => async () => {
    const { data, info } = await decodeOnce(bytes);
    await Promise.all(outputs(data, info).map((encode) => encode()));
  },
  'cascade-serial': (bytes) => async () => {
    const { data, info } = await decodeOnce(bytes);
    for (const encode of outputs(data, info)) await encode();
  },
  'per-output': (bytes) => async () => {
    const pipeline = sharp(bytes, { failOn: 'error', pages: 1, autoOrient: true });
    await Promise.all([
      pipeline.clone().resize({ ...THUMBNAIL, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 80, mozjpeg: false }).toBuffer(),
      pipeline.clone().resize({ width: RENDITION_WIDTH, fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
    ]);
  },
  'use-case': (bytes, extension) => {
    const deps = inMemoryProcessUploadDeps({ maxUploadBytes: 100 * 1024 * 1024 });
    const { originals, images } = deps;
    let n = 0;
    return async () => {
      const imageId = `9b2e7c1a-4d3f-4a8b-b6c5-${String(++n).padStart(12, '0')}`;
      const key = `user-uploads/u/${imageId}.${extension}`;
      // Stored as is: the fake's put() copies, which S3's adapter does not.
      originals.objects.set(key, { body: bytes, contentType: 'image/x' });
      await images.createPending({ imageId, userId: 'u', originalS3Key: key, contentType: 'image/x', contentLength: bytes.length, createdAt: 'x' });
      const outcome = await processUpload(deps, { bucketName: 'originals', key, sizeBytes: bytes.length });
      if (outcome !== 'DONE') throw new Error(`expected DONE, got ${outcome}`);
      // The bare paths keep nothing between runs either.
      originals.objects.delete(key);
      deps.processed.objects.clear();
      images.records.delete(imageId);
    };
  },
};

async function main(): Promise<void> {
  const [path, file, extension, runs] = process.argv.slice(2);
  const make = paths[path!];
  if (!make) throw new Error(`unknown path ${path}`);
  sharp.cache(false);
  const run = make(readFileSync(file!), extension!);
  await run(); // warm-up: module loading, libvips' first-use initialisation
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < Number(runs); i += 1) {
    const started = performance.now();
    cpuTimes.push(await cpuTimeMs(run));
    times.push(performance.now() - started);
  }
  const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
  process.stdout.write(`${JSON.stringify({ times, cpuTimes, wallMs: median(times), peakRssMb })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
