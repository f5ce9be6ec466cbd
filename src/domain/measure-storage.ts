import { mapWithConcurrency } from './concurrency';
import type { Clock } from './ports/clock';
import type { Logger } from './ports/logger';
import type { MetricsSink } from './ports/metrics-sink';
import type { ObjectLister } from './ports/object-store';

export interface BucketUsage {
  readonly bucketName: string;
  readonly objectCount: number;
  readonly totalBytes: number;
}

export interface MeasurementPolicy {
  readonly bucketNames: readonly string[];
  /**
   * ASCII keys that split each bucket's key space into ranges listed in parallel. Any set of
   * boundaries counts every object exactly once; good ones just make the ranges even.
   */
  readonly partitionBoundaries: readonly string[];
  readonly maxParallelListings: number;
  /** Stop listing when less than this is left, to leave time to publish (or to give up cleanly). */
  readonly reserveMs: number;
}

export interface MeasureStorageDeps {
  readonly listerFor: (bucketName: string) => ObjectLister;
  readonly metrics: MetricsSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: MeasurementPolicy;
}

export type MeasureOutcome =
  | { readonly status: 'PUBLISHED'; readonly usage: readonly BucketUsage[]; readonly partitions: number }
  | { readonly status: 'OUT_OF_TIME'; readonly objectsCounted: number; readonly partitionsUnfinished: number };

/** A range of keys: after `startAfter` (exclusive, or from the start) up to `endAt` (inclusive, or to the end). */
export interface KeyRange {
  readonly startAfter?: string;
  readonly endAt?: string;
}

export function keyRanges(boundaries: readonly string[]): KeyRange[] {
  const sorted = [...new Set(boundaries)].sort(compareKeys);
  const ranges: KeyRange[] = [];
  let startAfter: string | undefined;
  for (const endAt of sorted) {
    ranges.push(startAfter === undefined ? { endAt } : { startAfter, endAt });
    startAfter = endAt;
  }
  ranges.push(startAfter === undefined ? {} : { startAfter });
  return ranges;
}

/**
 * S3 lists keys in UTF-8 byte order. JavaScript compares UTF-16 code units, which agrees with it
 * whenever one side is ASCII at the first difference, as it always is against our ASCII boundaries.
 */
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

class OutOfTime extends Error {}

/**
 * Counts the objects and bytes of every configured bucket and publishes them in one call.
 * Pages are summed as they arrive (no key is kept). When the Lambda's remaining time falls to the
 * reserve, every listing stops at once (requests in flight included) and nothing is published,
 * rather than publishing a partial count as a real one.
 */
export async function measureStorage(
  deps: MeasureStorageDeps,
  input: { remainingTimeMs: () => number },
): Promise<MeasureOutcome> {
  const { policy } = deps;
  const ranges = keyRanges(policy.partitionBoundaries);
  const tasks = policy.bucketNames.flatMap((bucketName) => ranges.map((range) => ({ bucketName, range })));
  const abort = new AbortController();
  let objectsCounted = 0;
  let partitionsDone = 0;
  let outOfTime = false;
  const stopForTime = () => {
    outOfTime = true;
    abort.abort();
  };
  // Also while a page is on its way: a slow request must not carry the run past the reserve.
  const deadline = setTimeout(stopForTime, Math.max(0, input.remainingTimeMs() - policy.reserveMs));

  const countRange = async (task: { bucketName: string; range: KeyRange }) => {
    let objectCount = 0;
    let totalBytes = 0;
    const { startAfter, endAt } = task.range;
    const lister = deps.listerFor(task.bucketName);
    if (input.remainingTimeMs() < policy.reserveMs) stopForTime();
    if (abort.signal.aborted) throw new OutOfTime();
    listing: for await (const page of lister.listPages({ ...(startAfter !== undefined ? { startAfter } : {}), signal: abort.signal })) {
      for (const object of page) {
        if (endAt !== undefined && compareKeys(object.key, endAt) > 0) break listing;
        objectCount += 1;
        objectsCounted += 1;
        totalBytes += object.sizeBytes;
      }
      if (input.remainingTimeMs() < policy.reserveMs) stopForTime();
      if (abort.signal.aborted) throw new OutOfTime();
    }
    partitionsDone += 1;
    return { bucketName: task.bucketName, objectCount, totalBytes };
  };

  // The first failure of any kind stops every other listing at once.
  const countRangeOrStopAll = (task: { bucketName: string; range: KeyRange }) =>
    countRange(task).catch((error: unknown) => {
      abort.abort();
      throw error;
    });

  let counts: Awaited<ReturnType<typeof countRange>>[];
  try {
    counts = await mapWithConcurrency(tasks, policy.maxParallelListings, countRangeOrStopAll);
  } catch (error) {
    // Out of time wins over the errors of the listings it cut short; any other first error is thrown.
    if (!outOfTime) throw error;
    const partitionsUnfinished = tasks.length - partitionsDone;
    deps.logger.error('storage measurement stopped: not enough time left, nothing published', {
      objectsCounted,
      partitionsUnfinished,
      reserveMs: policy.reserveMs,
      remainingMs: input.remainingTimeMs(),
    });
    return { status: 'OUT_OF_TIME', objectsCounted, partitionsUnfinished };
  } finally {
    clearTimeout(deadline);
  }

  const usage = policy.bucketNames.map((bucketName) => {
    const mine = counts.filter((count) => count.bucketName === bucketName);
    return {
      bucketName,
      objectCount: mine.reduce((sum, count) => sum + count.objectCount, 0),
      totalBytes: mine.reduce((sum, count) => sum + count.totalBytes, 0),
    };
  });
  await deps.metrics.publishBucketUsage(usage, deps.clock.now());
  return { status: 'PUBLISHED', usage, partitions: tasks.length };
}

const HEX_DIGITS = '0123456789abcdef';

/**
 * One boundary per hex digit after each prefix: our keys continue with a UUID (a Cognito sub or
 * an image id) right after `user-uploads/` and `processed/`, so this splits them 16 ways evenly.
 */
export function hexPartitionBoundaries(prefixes: readonly string[]): string[] {
  return prefixes.flatMap((prefix) => [...HEX_DIGITS].map((digit) => `${prefix}${digit}`));
}
