import { STORAGE_METRICS } from '../contract';
import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { MetricsSink } from '../domain/ports/metrics-sink';
import type { BucketUsage } from '../domain/measure-storage';
import { dependencyError } from './aws-errors';

// PutMetricData takes at most 1000 datums per call; two per bucket keeps us far below.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
const MAX_DATUMS_PER_CALL = 1000;

/** `BucketSizeBytes` (Bytes) and `NumberOfObjects` (Count) per bucket, dimension `BucketName`. */
export class CloudWatchMetricsSink implements MetricsSink {
  constructor(
    private readonly client: CloudWatchClient,
    readonly namespace: string,
  ) {}

  async publishBucketUsage(usage: readonly BucketUsage[], measuredAt: Date): Promise<void> {
    const data: MetricDatum[] = usage.flatMap((bucket) => {
      const dimensions = [{ Name: STORAGE_METRICS.bucketDimension, Value: bucket.bucketName }];
      return [
        { MetricName: STORAGE_METRICS.bucketSizeBytes, Unit: 'Bytes', Value: bucket.totalBytes, Dimensions: dimensions, Timestamp: measuredAt },
        { MetricName: STORAGE_METRICS.numberOfObjects, Unit: 'Count', Value: bucket.objectCount, Dimensions: dimensions, Timestamp: measuredAt },
      ];
    });
    if (data.length > MAX_DATUMS_PER_CALL) {
      throw new Error(`Too many buckets for one PutMetricData call: ${usage.length}.`);
    }
    try {
      await this.client.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: data }));
    } catch (error) {
      throw dependencyError('CloudWatch', 'PutMetricData', error);
    }
  }
}
