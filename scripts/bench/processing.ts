import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { mapWithConcurrency } from '../../src/domain/concurrency';
import { processUpload, type ProcessUploadDeps } from '../../src/domain/process-upload';
import { captureLogs, fixedClock, InMemoryImageRepository, InMemoryObjectStore, RecordingNotifier } from '../../src/test-support/fakes';
import { cpuTimeMs, median, round, withPeakRss } from './measure';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const LIMITS = { maxInputPixels: 50_000_000, maxFrames: 1000 };

/** Photo-like content (smooth gradients with noise), so codecs work as hard as on real photos. */
export async function photoLike(width: number, height: number, format: 'jpeg' | 'png' | 'webp'): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const i = (y * width + x) * 3;
      const noise = seed % 17;
      raw[i] = ((x * 255) / width + noise) & 0xff;
      raw[i + 1] = ((y * 255) / height + noise) & 0xff;
      raw[i + 2] = (128 + 100 * Math.sin(x / 97 + y / 131) + noise) & 0xff;
    }
  }
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  if (format === 'jpeg') return image.jpeg({ quality: 90 }).toBuffer();
  if (format === 'png') return image.png({ compressionLevel: 6 }).toBuffer();
  return image.webp({ quality: 90 }).toBuffer();
}

/** The processor use case with storage, table and topic as in-memory fakes. */
function useCase() {
  const originals = new InMemoryObjectStore();
  const images = new InMemoryImageRepository();
  const deps: ProcessUploadDeps = {
    originals,
    processed: new InMemoryObjectStore(),
    images,
    notifier: new RecordingNotifier(),
    clock: fixedClock(),
    logger: captureLogs('error').logger,
    policy: {
      originalsBucketName: 'originals',
      maxUploadBytes: 100 * 1024 * 1024,
      limits: LIMITS,
      thumbnailMaxPx: 256,
      renditions: [{ widthPx: 1024, format: 'webp' }],
    },
  };
  let n = 0;
  return {
    deps,
    /** Stores the original (setup, not measured) and returns the use case run for it. */
    prepare(bytes: Buffer, extension: string): () => Promise<void> {
      const imageId = `9b2e7c1a-4d3f-4a8b-b6c5-${String(++n).padStart(12, '0')}`;
      const key = `user-uploads/${USER}/${imageId}.${extension}`;
      originals.put(key, bytes);
      // The processor finishes only images reserved by POST /uploads.
      const reserved = images.createPending({ imageId, userId: USER, originalS3Key: key, contentType: 'image/jpeg', contentLength: bytes.length, createdAt: '2026-11-23T12:00:00.000Z' });
      return async () => {
        await reserved;
        const outcome = await processUpload(deps, { bucketName: 'originals', key, sizeBytes: bytes.length });
        if (outcome !== 'DONE') throw new Error(`expected DONE, got ${outcome}`);
      };
    },
  };
}

/** The same two renditions with sharp alone: no sniffing, no header check, no storage. */
async function bareSharp(bytes: Buffer): Promise<void> {
  const pipeline = sharp(bytes, { failOn: 'error', limitInputPixels: LIMITS.maxInputPixels, pages: 1, autoOrient: true });
  await Promise.all([
    pipeline.clone().resize({ width: 256, height: 256, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 80, mozjpeg: false }).toBuffer(),
    pipeline.clone().resize({ width: 1024, fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
  ]);
}

export interface OverheadResult {
  readonly input: string;
  readonly bytes: number;
  readonly runs: number;
  readonly useCaseCpuMs: number;
  readonly bareCpuMs: number;
  readonly ratio: number;
  readonly ratioRange: [number, number];
}

export async function processingOverhead(quick: boolean): Promise<OverheadResult[]> {
  const scale = quick ? 0.25 : 1;
  const inputs = [
    { input: '12 MP JPEG (4000×3000)', width: 4000, height: 3000, format: 'jpeg' as const, extension: 'jpg' },
    { input: '4K PNG (3840×2160)', width: 3840, height: 2160, format: 'png' as const, extension: 'png' },
    { input: '1080p WebP (1920×1080)', width: 1920, height: 1080, format: 'webp' as const, extension: 'webp' },
  ];
  const runs = quick ? 2 : 15;
  const results: OverheadResult[] = [];
  for (const spec of inputs) {
    const width = Math.round(spec.width * Math.sqrt(scale));
    const height = Math.round(spec.height * Math.sqrt(scale));
    const bytes = await photoLike(width, height, spec.format);
    const subject = useCase();
    // Warm both paths once (module loading, libvips' first-use initialisation).
    await subject.prepare(bytes, spec.extension)();
    await bareSharp(bytes);
    const useCaseTimes: number[] = [];
    const bareTimes: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const viaUseCase = subject.prepare(bytes, spec.extension);
      // Alternate the order so drift on a shared machine hits both sides alike.
      const first = run % 2 === 0;
      if (first) useCaseTimes.push(await cpuTimeMs(viaUseCase));
      bareTimes.push(await cpuTimeMs(() => bareSharp(bytes)));
      if (!first) useCaseTimes.push(await cpuTimeMs(viaUseCase));
    }
    const pairRatios = useCaseTimes.map((time, i) => time / bareTimes[i]!);
    results.push({
      input: quick ? `${spec.input}, scaled to ${width}×${height}` : spec.input,
      bytes: bytes.length,
      runs,
      useCaseCpuMs: round(median(useCaseTimes), 1),
      bareCpuMs: round(median(bareTimes), 1),
      ratio: round(median(useCaseTimes) / median(bareTimes)),
      ratioRange: [round(Math.min(...pairRatios)), round(Math.max(...pairRatios))],
    });
  }
  return results;
}

export interface ThroughputResult {
  readonly concurrency: number;
  readonly images: number;
  readonly imagesPerSecond: number;
  readonly speedupOverOne: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  readonly peakRssPerImageInFlightMb: number;
}

/**
 * One concurrency level in this process: N images through the use case, RSS sampled throughout.
 * Run in a fresh process per level (throughput-worker.ts), so one level's high-water mark does not
 * hide the next one's.
 */
export async function throughputAt(photo: Buffer, concurrency: number, images: number) {
  const warm = useCase();
  await warm.prepare(photo, 'jpg')();
  const baselineRss = process.memoryUsage().rss;
  const subject = useCase();
  const runs = Array.from({ length: images }, () => subject.prepare(photo, 'jpg'));
  const { peakRssBytes, wallMs } = await withPeakRss(() => mapWithConcurrency(runs, concurrency, (run) => run()));
  return { imagesPerSecond: images / (wallMs / 1000), baselineRssBytes: baselineRss, peakRssBytes };
}

/** Images per second at concurrency 1, 2 and 4, each in a fresh process, and peak RSS per image in flight. */
export async function processorThroughput(photo: Buffer, quick: boolean): Promise<{ results: ThroughputResult[] }> {
  const images = quick ? 6 : 48;
  const photoFile = join(mkdtempSync(join(tmpdir(), 'imgproc-bench-')), 'photo.jpg');
  writeFileSync(photoFile, photo);
  const results: ThroughputResult[] = [];
  for (const concurrency of [1, 2, 4]) {
    const worker = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'throughput-worker.ts'), photoFile, String(concurrency), String(images)], {
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    if (worker.status !== 0) throw new Error(`throughput worker failed: ${worker.stderr}`);
    const measured = JSON.parse(worker.stdout.trim().split('\n').pop()!) as { imagesPerSecond: number; baselineRssBytes: number; peakRssBytes: number };
    results.push({
      concurrency,
      images,
      imagesPerSecond: round(measured.imagesPerSecond),
      speedupOverOne: round(measured.imagesPerSecond / (results[0]?.imagesPerSecond ?? measured.imagesPerSecond)),
      baselineRssMb: round(measured.baselineRssBytes / 2 ** 20, 0),
      peakRssMb: round(measured.peakRssBytes / 2 ** 20, 0),
      peakRssPerImageInFlightMb: round((measured.peakRssBytes - measured.baselineRssBytes) / 2 ** 20 / concurrency, 1),
    });
  }
  rmSync(dirname(photoFile), { recursive: true, force: true });
  return { results };
}
