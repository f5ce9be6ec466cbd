import { DEFAULT_FORMATS } from '../domain/image-format';
import type { DecodeLimits, EncodingSettings } from '../domain/image-pipeline';
import { DecodeMemoryGate } from '../domain/memory-gate';
import type { ProcessUploadDeps } from '../domain/process-upload';
import { captureLogs, fixedClock, InMemoryImageRepository, InMemoryObjectStore, RecordingNotifier } from './fakes';

/** The processor's defaults, as tests and benchmarks use them. */
export const TEST_LIMITS: DecodeLimits = { maxInputPixels: 50_000_000, maxFrames: 1000 };
export const TEST_ENCODING: EncodingSettings = { avifEffort: 3, maxOutputEdgePx: 8192 };
/** What the deployed processor gets: 2048 MB, concurrency 2, 25 MiB uploads (src/domain/decode-memory.ts). */
export const TEST_BUDGET_BYTES = 1_596 * 1024 * 1024;

export function renderSettings(overrides: { limits?: Partial<DecodeLimits>; encoding?: Partial<EncodingSettings>; budgetBytes?: number } = {}) {
  return {
    limits: { ...TEST_LIMITS, ...overrides.limits },
    encoding: { ...TEST_ENCODING, ...overrides.encoding },
    memory: new DecodeMemoryGate(overrides.budgetBytes ?? TEST_BUDGET_BYTES),
  };
}

/** A processing policy for the use case, with every format accepted (HEIC included). */
export function testProcessingPolicy(overrides: { maxUploadBytes?: number; renditions?: { widthPx: number; format: 'jpeg' | 'webp' | 'avif' | 'png' }[]; maxFrames?: number } = {}) {
  return {
    originalsBucketName: 'originals',
    maxUploadBytes: overrides.maxUploadBytes ?? 1_000_000,
    acceptedFormats: [...DEFAULT_FORMATS, 'heic', 'heif'] as const,
    limits: { ...TEST_LIMITS, ...(overrides.maxFrames !== undefined ? { maxFrames: overrides.maxFrames } : {}) },
    encoding: TEST_ENCODING,
    thumbnailMaxPx: 256,
    renditions: overrides.renditions ?? [{ widthPx: 1024, format: 'webp' as const }],
  };
}

/**
 * The processor use case's dependencies with storage, table and topic as in-memory fakes, a fixed
 * clock and only errors logged: what benchmarks and child processes run the use case with.
 */
export function inMemoryProcessUploadDeps(options: { maxUploadBytes: number; budgetBytes?: number }) {
  return {
    originals: new InMemoryObjectStore(),
    processed: new InMemoryObjectStore(),
    images: new InMemoryImageRepository(),
    notifier: new RecordingNotifier(),
    clock: fixedClock(),
    logger: captureLogs('error').logger,
    decodeMemory: new DecodeMemoryGate(options.budgetBytes ?? TEST_BUDGET_BYTES),
    policy: testProcessingPolicy({ maxUploadBytes: options.maxUploadBytes }),
  } satisfies ProcessUploadDeps;
}
