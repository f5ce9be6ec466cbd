export interface BucketUsage {
  readonly bucketName: string;
  readonly objectCount: number;
  readonly totalBytes: number;
}

export interface MetricsSink {
  /** Publishes every bucket's figures in one call: all or nothing. */
  publishBucketUsage(usage: readonly BucketUsage[], measuredAt: Date): Promise<void>;
}
