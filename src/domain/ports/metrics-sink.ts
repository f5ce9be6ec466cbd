import type { BucketUsage } from '../measure-storage';

export interface MetricsSink {
  /** Publishes every bucket's figures in one call: all or nothing. */
  publishBucketUsage(usage: readonly BucketUsage[], measuredAt: Date): Promise<void>;
}
