import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { processUpload } from '../domain/process-upload';
import { inMemoryProcessUploadDeps } from './render-settings';

/**
 * One process for src/domain/resource-failure.test.ts: processes the same valid upload twice, on
 * the parent's word, while the parent squeezes and then restores this process' memory limit
 * (RLIMIT_DATA, through `prlimit --pid`). Speaks one JSON line per step on stdout.
 */
const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const IMAGE = '9b2e7c1a-4d3f-4a8b-b6c5-0e1f2a3b4c5d';
const KEY = `user-uploads/${USER}/${IMAGE}.jpg`;

const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const dataKiB = () => Number(/VmData:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);

async function main(): Promise<void> {
  // A valid progressive JPEG: libjpeg must hold every coefficient, 2 × 5000 × 4000 × 3 bytes = 114 MiB.
  const raw = Buffer.alloc(5000 * 4000 * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 7919) % 251;
  const photo = await sharp(raw, { raw: { width: 5000, height: 4000, channels: 3 } }).jpeg({ quality: 90, progressive: true, chromaSubsampling: '4:4:4' }).toBuffer();
  const deps = inMemoryProcessUploadDeps({ maxUploadBytes: 50_000_000, budgetBytes: 1024 * 1024 * 1024 });
  const { originals, images } = deps;
  originals.put(KEY, photo);
  await images.createPending({ imageId: IMAGE, userId: USER, originalS3Key: KEY, contentType: 'image/jpeg', contentLength: photo.length, createdAt: '2026-11-23T12:00:00.000Z' });
  // Warm everything up (libvips threads, code paths) while memory is plentiful, with another id.
  const warmKey = `user-uploads/${USER}/00000000-0000-4000-8000-000000000001.jpg`;
  originals.put(warmKey, await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red' } }).jpeg({ progressive: true }).toBuffer());
  await images.createPending({ imageId: '00000000-0000-4000-8000-000000000001', userId: USER, originalS3Key: warmKey, contentType: 'image/jpeg', contentLength: 1, createdAt: 'x' });
  await processUpload(deps, { bucketName: 'originals', key: warmKey });

  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  say({ step: 'ready', dataKiB: dataKiB() });
  for (const attempt of [1, 2]) {
    await lines.next();
    const outcome = await processUpload(deps, { bucketName: 'originals', key: KEY }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error: { name: (error as Error).name, code: (error as { code?: string }).code, retryable: (error as { retryable?: boolean }).retryable, message: (error as Error).message } }),
    );
    say({ step: 'attempt', attempt, ...outcome, status: images.records.get(IMAGE)?.status });
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  say({ step: 'crashed', message: String(error) });
  process.exit(1);
});
