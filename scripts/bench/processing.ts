import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { mapWithConcurrency } from '../../src/domain/concurrency';
import { processUpload } from '../../src/domain/process-upload';
import { inMemoryProcessUploadDeps, TEST_ENCODING } from '../../src/test-support/render-settings';
import { median, round, withPeakRss } from './measure';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';

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

/** The processor use case with storage, table and topic as in-memory fakes, uploads reserved. */
function useCase() {
  const deps = inMemoryProcessUploadDeps({ maxUploadBytes: 100 * 1024 * 1024 });
  const { originals, images } = deps;
  let n = 0;
  return {
    deps,
    /** Stores the original and its reservation (setup, not measured) and returns the use case run for it. */
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

export interface OneDecodeResult {
  readonly input: string;
  readonly bytes: number;
  /** Fresh processes per path, and timed runs in each (after one warm-up). */
  readonly rounds: number;
  readonly runsPerRound: number;
  readonly runs: number;
  /** Median wall ms, CPU ms (every thread) and peak RSS MB of each path, each measured in a fresh process. */
  readonly paths: Readonly<Record<'use-case' | 'cascade-parallel' | 'cascade-serial' | 'per-output', { wallMs: number; cpuMs: number; peakRssMb: number }>>;
  /** The faster of the two bare one-decode paths on this input. */
  readonly best: 'cascade-parallel' | 'cascade-serial';
  readonly wallRatio: number;
  /**
   * The work done, use case over the best bare path: unlike wall time it does not count time spent
   * waiting for a core while other work runs on a shared machine, so it tells extra work in the use
   * case apart from waiting.
   */
  readonly cpuRatio: number;
  readonly rssRatio: number;
}

function measurePath(path: string, file: string, extension: string, runs: number): { times: number[]; cpuTimes: number[]; peakRssMb: number } {
  const worker = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'decode-worker.ts'), path, file, extension, String(runs)], {
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', MALLOC_ARENA_MAX: '2' },
  });
  if (worker.status !== 0) throw new Error(`decode worker ${path} failed: ${worker.stderr}`);
  return JSON.parse(worker.stdout.trim().split('\n').pop()!) as { times: number[]; cpuTimes: number[]; peakRssMb: number };
}

/**
 * The use case against the best bare-sharp path on the same inputs and outputs (a 256 px JPEG and
 * a 1024 px WebP): decode once, shrinking on load, then the outputs from that decoded image. Every
 * path runs in fresh processes (so peak RSS is its own), each warmed up once, in interleaved rounds.
 * The old decode-per-output pipeline is measured beside them for context.
 */
export async function oneDecodeComparison(quick: boolean): Promise<OneDecodeResult[]> {
  const scale = quick ? 0.1 : 1;
  const inputs = [
    { input: '12 MP JPEG (4000×3000)', width: 4000, height: 3000, format: 'jpeg' as const, extension: 'jpg' },
    { input: '24 MP JPEG (6000×4000)', width: 6000, height: 4000, format: 'jpeg' as const, extension: 'jpg' },
    { input: '4K PNG (3840×2160)', width: 3840, height: 2160, format: 'png' as const, extension: 'png' },
    { input: '1080p WebP (1920×1080)', width: 1920, height: 1080, format: 'webp' as const, extension: 'webp' },
  ];
  // Most of the spread is between processes, not between runs in one process: on this machine one
  // round's ratio of two equal paths ranges over ±15-25 %, so the median of 5 rounds moved by
  // 0.1-0.5 from one run of the section to the next (the 4K PNG read 0.89, 1.51, 1.2, 1.01, 1.09,
  // 1.17), while 12 to 20 alternating rounds of the use case against the parallel cascade on it
  // gave 0.98 to 1.02. More, shorter rounds, for about twice the time.
  const rounds = quick ? 1 : 15;
  const runsPerRound = quick ? 2 : 3;
  const runs = rounds * runsPerRound;
  const dir = mkdtempSync(join(tmpdir(), 'imgproc-onedecode-'));
  const results: OneDecodeResult[] = [];
  try {
    for (const spec of inputs) {
      const width = Math.round(spec.width * Math.sqrt(scale));
      const height = Math.round(spec.height * Math.sqrt(scale));
      const bytes = await photoLike(width, height, spec.format);
      const file = join(dir, `input.${spec.extension}`);
      writeFileSync(file, bytes);
      // Rounds of one fresh process per path, the order rotated every round, so a shared machine's
      // drift in load hits every path alike. Ratios are paired: use case over the best bare path
      // within each round, then the median over rounds, so a burst of load in one round moves one
      // ratio rather than the result.
      const paths = ['use-case', 'cascade-parallel', 'cascade-serial', 'per-output'] as const;
      const perRound: Record<string, { wallMs: number; cpuMs: number; peakRssMb: number }>[] = [];
      const times = new Map<string, number[]>(paths.map((path) => [path, []]));
      const cpuTimes = new Map<string, number[]>(paths.map((path) => [path, []]));
      const peaks = new Map<string, number[]>(paths.map((path) => [path, []]));
      for (let round = 0; round < rounds; round += 1) {
        const measuredRound: Record<string, { wallMs: number; cpuMs: number; peakRssMb: number }> = {};
        for (let i = 0; i < paths.length; i += 1) {
          const path = paths[(i + round) % paths.length]!;
          const result = measurePath(path, file, spec.extension, runsPerRound);
          times.get(path)!.push(...result.times);
          cpuTimes.get(path)!.push(...result.cpuTimes);
          peaks.get(path)!.push(result.peakRssMb);
          measuredRound[path] = { wallMs: median(result.times), cpuMs: median(result.cpuTimes), peakRssMb: result.peakRssMb };
        }
        perRound.push(measuredRound);
      }
      const measured = Object.fromEntries(
        paths.map((path) => [path, { wallMs: median(times.get(path)!), cpuMs: median(cpuTimes.get(path)!), peakRssMb: median(peaks.get(path)!) }]),
      ) as OneDecodeResult['paths'];
      const best = measured['cascade-parallel'].wallMs <= measured['cascade-serial'].wallMs ? 'cascade-parallel' : 'cascade-serial';
      const pairedRatio = (metric: 'wallMs' | 'cpuMs' | 'peakRssMb') => median(perRound.map((round) => round['use-case']![metric] / round[best]![metric]));
      results.push({
        input: quick ? `${spec.input}, scaled to ${width}×${height}` : spec.input,
        bytes: bytes.length,
        rounds,
        runsPerRound,
        runs,
        paths: Object.fromEntries(
          Object.entries(measured).map(([path, m]) => [path, { wallMs: round(m.wallMs, 1), cpuMs: round(m.cpuMs, 1), peakRssMb: round(m.peakRssMb, 0) }]),
        ) as OneDecodeResult['paths'],
        best,
        wallRatio: round(pairedRatio('wallMs')),
        cpuRatio: round(pairedRatio('cpuMs')),
        rssRatio: round(pairedRatio('peakRssMb')),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export interface AvifEffortResult {
  readonly source: string;
  readonly outputPx: string;
  readonly runs: number;
  readonly levels: readonly { effort: number; encodeMs: number; bytes: number; bytesVsDefault: number }[];
  /** sharp's own default effort, the reference for bytes. */
  readonly sharpDefaultEffort: number;
  readonly chosenEffort: number;
}

/**
 * AVIF encode time per effort level: a 1024 px AVIF (quality 50, as the processor writes it) from a
 * 12 MP photo decoded once; only the encode is timed. Bytes are compared with sharp's default (4).
 */
export async function avifEffortLevels(quick: boolean): Promise<AvifEffortResult> {
  const width = quick ? 1200 : 4000;
  const height = quick ? 900 : 3000;
  const source = await photoLike(width, height, 'jpeg');
  const { data, info } = await sharp(source).resize(1024).raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const runs = quick ? 1 : 3;
  const levels = [];
  for (let effort = 0; effort <= 9; effort += 1) {
    if (quick && effort > 4) break;
    const times: number[] = [];
    let bytes = 0;
    // The slowest levels take tens of seconds each: measured once.
    for (let run = 0; run < (effort >= 6 ? 1 : runs); run += 1) {
      const started = performance.now();
      bytes = (await sharp(data, raw).avif({ quality: 50, effort }).toBuffer()).length;
      times.push(performance.now() - started);
    }
    levels.push({ effort, encodeMs: round(median(times), 0), bytes });
  }
  const reference = levels.find((level) => level.effort === 4)?.bytes ?? levels[levels.length - 1]!.bytes;
  return {
    source: quick ? `${width}×${height} JPEG` : '12 MP JPEG (4000×3000)',
    outputPx: `${info.width}×${info.height}`,
    runs,
    levels: levels.map((level) => ({ ...level, bytesVsDefault: round(level.bytes / reference, 3) })),
    sharpDefaultEffort: 4,
    chosenEffort: TEST_ENCODING.avifEffort,
  };
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
