import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalstackContainer } from '@testcontainers/localstack';
import { S3ObjectStore } from '../../src/adapters/s3-object-store';
import { mapWithConcurrency } from '../../src/domain/concurrency';
import { hexPartitionBoundaries, measureStorage } from '../../src/domain/measure-storage';
import { captureLogs, fixedClock, RecordingMetricsSink } from '../../src/test-support/fakes';
import { baseImages } from '../../integration/support/images';
import { median, round } from './measure';

export interface MetricsScaleResult {
  readonly objects: number;
  readonly runs: number;
  readonly onePartitionObjectsPerSecond: number;
  readonly defaultPartitionsObjectsPerSecond: number;
  readonly partitions: number;
  /** Default partitioning rate ÷ one partition rate. */
  readonly speedup: number;
  readonly populateSeconds: number;
}

/**
 * s3-metrics' use case with the real S3 adapter against LocalStack, on a bucket of `objects`
 * objects under user-uploads/<uuid>/: one key range versus the default hex partitions.
 */
export async function metricsAtScale(quick: boolean, log: (line: string) => void): Promise<MetricsScaleResult> {
  const objects = quick ? 2_000 : 100_000;
  const runs = quick ? 1 : 3;
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const localstack = await new LocalstackContainer(baseImages().LOCALSTACK_IMAGE).withEnvironment({ SERVICES: 's3', DISABLE_EVENTS: '1' }).start();
  try {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: localstack.getConnectionUri(),
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const bucket = 'bench-metrics';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const populateStarted = Date.now();
    let written = 0;
    await mapWithConcurrency(Array.from({ length: objects }, (_, i) => i), 32, async (i) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `user-uploads/${randomUUID()}/${randomUUID()}.jpg`, Body: Buffer.alloc(1 + (i % 50)) }));
      written += 1;
      if (written % 10_000 === 0) log(`metrics bench: ${written}/${objects} objects written`);
    });
    const populateSeconds = (Date.now() - populateStarted) / 1000;
    const expectedBytes = Array.from({ length: objects }, (_, i) => 1 + (i % 50)).reduce((a, b) => a + b, 0);

    const rate = async (partitionBoundaries: string[]) => {
      const sink = new RecordingMetricsSink();
      const started = performance.now();
      const outcome = await measureStorage(
        {
          listerFor: (name) => new S3ObjectStore(s3, name),
          metrics: sink,
          clock: fixedClock(),
          logger: captureLogs('error').logger,
          policy: { bucketNames: [bucket], partitionBoundaries, maxParallelListings: 16, reserveMs: 0 },
        },
        { remainingTimeMs: () => 900_000 },
      );
      const seconds = (performance.now() - started) / 1000;
      if (outcome.status !== 'PUBLISHED' || outcome.usage[0]!.objectCount !== objects || outcome.usage[0]!.totalBytes !== expectedBytes) {
        throw new Error(`metrics bench counted ${JSON.stringify(outcome)}, expected ${objects} objects and ${expectedBytes} bytes`);
      }
      return objects / seconds;
    };
    const defaults = hexPartitionBoundaries(['user-uploads/', 'processed/']);
    const one: number[] = [];
    const partitioned: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      one.push(await rate([]));
      partitioned.push(await rate(defaults));
    }
    return {
      objects,
      runs,
      onePartitionObjectsPerSecond: round(median(one), 0),
      defaultPartitionsObjectsPerSecond: round(median(partitioned), 0),
      partitions: defaults.length + 1,
      speedup: round(median(partitioned) / median(one)),
      populateSeconds: round(populateSeconds, 0),
    };
  } finally {
    await localstack.stop();
  }
}
