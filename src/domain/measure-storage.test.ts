import { captureLogs, fixedClock, InMemoryObjectStore, RecordingMetricsSink } from '../test-support/fakes';
import { DependencyError } from './errors';
import { hexPartitionBoundaries, keyRanges, measureStorage, type MeasureStorageDeps } from './measure-storage';
import type { ListedObject, ObjectLister } from './ports/object-store';

function bucketWith(keys: Record<string, number>): InMemoryObjectStore {
  const store = new InMemoryObjectStore();
  for (const [key, size] of Object.entries(keys)) store.put(key, Buffer.alloc(size));
  return store;
}

function setup(buckets: Record<string, InMemoryObjectStore>, policy: Partial<MeasureStorageDeps['policy']> = {}) {
  const metrics = new RecordingMetricsSink();
  const logs = captureLogs();
  const deps: MeasureStorageDeps = {
    listerFor: (bucketName) => buckets[bucketName]!,
    metrics,
    clock: fixedClock('2026-11-23T12:00:00.000Z'),
    logger: logs.logger,
    policy: {
      bucketNames: Object.keys(buckets),
      partitionBoundaries: hexPartitionBoundaries(['user-uploads/', 'processed/']),
      maxParallelListings: 4,
      reserveMs: 1000,
      ...policy,
    },
  };
  return { deps, metrics, logs };
}

const plenty = { remainingTimeMs: () => 900_000 };

/** Keys spread across and between the partition boundaries, edge cases included. */
function variedKeys(): Record<string, number> {
  const keys: Record<string, number> = {
    '': 0,
    'a-file-before-everything': 1,
    'processed/': 2,
    'processed/0': 3,
    'processed/f': 4,
    'processed/g-after-hex': 5,
    'user-uploads/': 6,
    'user-uploads/0': 7,
    'user-uploads/00/x.jpg': 8,
    'user-uploads/f/x.jpg': 9,
    'user-uploads/F-upper': 10,
    'user-uploads/ü-unicode': 11,
    'zzz-after-everything': 12,
    '~tilde': 13,
  };
  for (let i = 0; i < 200; i += 1) keys[`user-uploads/${(i * 2654435761).toString(16)}/${i}.jpg`] = i;
  for (let i = 0; i < 50; i += 1) keys[`processed/${(i * 40503).toString(16)}.jpg`] = 1000 + i;
  return keys;
}

describe('keyRanges', () => {
  it('covers the whole key space with no gap and no overlap', () => {
    expect(keyRanges(['b', 'a', 'b'])).toEqual([{ endAt: 'a' }, { startAfter: 'a', endAt: 'b' }, { startAfter: 'b' }]);
    expect(keyRanges([])).toEqual([{}]);
  });
});

describe('measureStorage', () => {
  it.each([
    ['no partitioning', []],
    ['the default hex partitions', hexPartitionBoundaries(['user-uploads/', 'processed/'])],
    ['boundaries that are keys themselves', ['processed/0', 'user-uploads/', 'zzz-after-everything']],
  ])('counts every object exactly once with %s', async (_case, partitionBoundaries) => {
    // Arrange
    const keys = variedKeys();
    const { deps, metrics } = setup({ originals: bucketWith(keys) }, { partitionBoundaries });

    // Act
    const outcome = await measureStorage(deps, plenty);

    // Assert
    const expected = { bucketName: 'originals', objectCount: Object.keys(keys).length, totalBytes: Object.values(keys).reduce((a, b) => a + b, 0) };
    expect(outcome).toMatchObject({ status: 'PUBLISHED', usage: [expected] });
    expect(metrics.calls).toEqual([{ usage: [expected], measuredAt: new Date('2026-11-23T12:00:00.000Z') }]);
  });

  it('publishes every bucket in one call, including an empty one', async () => {
    const { deps, metrics } = setup({
      originals: bucketWith({ 'user-uploads/a/1.jpg': 10, 'user-uploads/b/2.jpg': 20 }),
      processed: bucketWith({ 'processed/1.jpg': 5 }),
      empty: bucketWith({}),
    });

    await measureStorage(deps, plenty);

    expect(metrics.calls).toHaveLength(1);
    expect(metrics.calls[0]!.usage).toEqual([
      { bucketName: 'originals', objectCount: 2, totalBytes: 30 },
      { bucketName: 'processed', objectCount: 1, totalBytes: 5 },
      { bucketName: 'empty', objectCount: 0, totalBytes: 0 },
    ]);
  });

  it('lists partitions in parallel, never more than the limit at once', async () => {
    const store = bucketWith(variedKeys());
    let inFlight = 0;
    let peak = 0;
    const counting: ObjectLister = {
      async *listPages(options) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          yield* store.listPages(options) as AsyncIterable<readonly ListedObject[]>;
        } finally {
          inFlight -= 1;
        }
      },
    };
    const { deps } = setup({ originals: store }, { maxParallelListings: 3 });

    const outcome = await measureStorage({ ...deps, listerFor: () => counting }, plenty);

    expect(outcome.status).toBe('PUBLISHED');
    expect(peak).toBe(3);
  });

  it('stops, publishes nothing and logs why when time runs short', async () => {
    const { deps, metrics, logs } = setup({ originals: bucketWith(variedKeys()) });
    let remainingMs = 5000;

    const outcome = await measureStorage(deps, { remainingTimeMs: () => (remainingMs -= 200) });

    expect(outcome).toMatchObject({ status: 'OUT_OF_TIME' });
    expect(metrics.calls).toHaveLength(0);
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'storage measurement stopped: not enough time left, nothing published' }),
    );
  });

  it('stops a listing whose page does not come in time, instead of running past the reserve', async () => {
    // A lister whose request hangs until aborted, like a slow ListObjectsV2.
    const hanging: ObjectLister = {
      async *listPages(options) {
        await new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
        yield [];
      },
    };
    const { deps, metrics } = setup({ originals: bucketWith({}) });
    let remainingMs = 1100;

    const outcome = await measureStorage({ ...deps, listerFor: () => hanging }, { remainingTimeMs: () => (remainingMs -= 1) });

    expect(outcome).toMatchObject({ status: 'OUT_OF_TIME' });
    expect(metrics.calls).toHaveLength(0);
  });

  it('does not start listing when the invocation begins inside the reserve', async () => {
    const store = bucketWith(variedKeys());
    let pagesListed = 0;
    const counting: ObjectLister = {
      async *listPages(options) {
        for await (const page of store.listPages(options)) {
          pagesListed += 1;
          yield page;
        }
      },
    };
    const { deps } = setup({ originals: store });

    const outcome = await measureStorage({ ...deps, listerFor: () => counting }, { remainingTimeMs: () => 500 });

    expect(outcome).toMatchObject({ status: 'OUT_OF_TIME', objectsCounted: 0 });
    expect(pagesListed).toBe(0);
  });

  it('publishes nothing when a listing fails, and says which call failed', async () => {
    const store = bucketWith(variedKeys());
    store.faults.failNext();
    const { deps, metrics } = setup({ originals: store });

    await expect(measureStorage(deps, plenty)).rejects.toBeInstanceOf(DependencyError);
    expect(metrics.calls).toHaveLength(0);
  });
});

describe('hexPartitionBoundaries', () => {
  it('makes one boundary per hex digit after each prefix', () => {
    const boundaries = hexPartitionBoundaries(['p/']);
    expect(boundaries).toHaveLength(16);
    expect(boundaries[0]).toBe('p/0');
    expect(boundaries[15]).toBe('p/f');
  });
});
