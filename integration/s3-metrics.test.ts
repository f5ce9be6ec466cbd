import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { latestBucketMetric, pollUntil } from '../workbench/stack-client';
import { scheduledEvent } from '../workbench/schedule';
import { mapWithConcurrency } from '../src/domain/concurrency';
import { type Backends, startBackends } from './support/backends';
import { type RunningFunction, startFunction } from './support/function-container';
import { FUNCTION_IMAGES } from './support/images';

// Names that are not substrings of each other: LocalStack matches dimensions with LIKE.
const ORIGINALS = 'it-metrics-uploads';
const PROCESSED = 'it-metrics-thumbs';
const NAMESPACE = 'CustomS3';

let backends: Backends;
let metrics: RunningFunction;

beforeAll(async () => {
  backends = await startBackends();
  await backends.clients.s3.send(new CreateBucketCommand({ Bucket: ORIGINALS }));
  await backends.clients.s3.send(new CreateBucketCommand({ Bucket: PROCESSED }));
  metrics = await startFunction(FUNCTION_IMAGES.metrics, backends.network, {
    ...backends.functionEnvironment,
    ORIGINALS_BUCKET: ORIGINALS,
    PROCESSED_BUCKET: PROCESSED,
    AWS_LAMBDA_FUNCTION_TIMEOUT: '120',
  });
});

afterAll(async () => {
  await metrics?.stop();
  await backends?.stop();
});

async function put(bucket: string, objects: { key: string; size: number }[]) {
  await mapWithConcurrency(objects, 8, ({ key, size }) =>
    backends.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(size, 1) })),
  );
}

describe('s3-metrics, in its container against LocalStack', () => {
  it('publishes exactly the object counts and byte totals of both buckets', async () => {
    // Arrange: keys on every side of the partition boundaries, sizes that add up to known totals.
    const originals = Array.from({ length: 150 }, (_, i) => ({
      key: `user-uploads/${(i * 2654435761 % 4294967296).toString(16).padStart(8, '0')}/${i}.jpg`,
      size: 100 + i,
    }));
    originals.push({ key: 'a-key-before-the-prefix', size: 7 }, { key: 'user-uploads/', size: 3 }, { key: 'zzz-after-everything', size: 11 });
    const thumbnails = Array.from({ length: 40 }, (_, i) => ({ key: `processed/${i.toString(16)}-${i}.jpg`, size: 1000 }));
    await put(ORIGINALS, originals);
    await put(PROCESSED, thumbnails);
    const expected: Record<string, { count: number; bytes: number }> = {
      [ORIGINALS]: { count: originals.length, bytes: originals.reduce((sum, o) => sum + o.size, 0) },
      [PROCESSED]: { count: thumbnails.length, bytes: 40 * 1000 },
    };

    // Act
    const result = await metrics.invoke(scheduledEvent('arn:aws:events:us-east-1:000000000000:rule/it', 'us-east-1', new Date()));

    // Assert
    expect(result).toMatchObject({
      kind: 'ok',
      payload: {
        status: 'PUBLISHED',
        usage: [
          { bucketName: ORIGINALS, objectCount: expected[ORIGINALS]!.count, totalBytes: expected[ORIGINALS]!.bytes },
          { bucketName: PROCESSED, objectCount: expected[PROCESSED]!.count, totalBytes: expected[PROCESSED]!.bytes },
        ],
      },
    });
    for (const bucket of [ORIGINALS, PROCESSED]) {
      const [count, bytes] = await pollUntil(
        async () => {
          const values = await Promise.all([
            latestBucketMetric(backends.clients.cloudWatch, NAMESPACE, 'NumberOfObjects', bucket),
            latestBucketMetric(backends.clients.cloudWatch, NAMESPACE, 'BucketSizeBytes', bucket),
          ]);
          return values.every(Boolean) ? values : undefined;
        },
        { timeoutMs: 10_000, failure: () => `no ${NAMESPACE} datapoints for ${bucket} within 10 s after the invocation` },
      );
      expect(count!.value).toBe(expected[bucket]!.count);
      expect(bytes!.value).toBe(expected[bucket]!.bytes);
    }
  });

  it('refuses an event that is not a scheduled event, and publishes nothing', async () => {
    const result = await metrics.invoke({ source: 'aws.s3', 'detail-type': 'Object Created' });

    expect(result).toMatchObject({ kind: 'function-error', errorMessage: expect.stringContaining('expects an EventBridge scheduled event') });
  });
});
