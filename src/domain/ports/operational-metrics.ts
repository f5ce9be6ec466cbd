/**
 * What the functions report about their own work, for dashboards and alarms (CloudWatch metrics in
 * AWS). Recording is synchronous and cheap; `flush` sends what was recorded, once per invocation.
 */

/** How one image (or one attempt at it) was settled by a processor invocation. */
export type ImageSettlement = 'DONE' | 'REJECTED' | 'ALREADY_FINISHED' | 'NOT_RESERVED' | 'DISCARDED' | 'RETRIED' | 'FAILED';

export interface ImageObservation {
  readonly status: ImageSettlement;
  /** The rejection reason, or the error code of a retried attempt. */
  readonly reason?: string;
  /** From S3's event time of the upload to the DONE record. */
  readonly uploadToDoneMs?: number;
  /** From the start of the image's work to its final record. */
  readonly processingMs?: number;
  readonly originalBytes?: number;
  readonly renditionBytes?: number;
}

export interface ProcessingMetrics {
  recordImage(observation: ImageObservation): void;
  flush(): void;
}

export interface StorageRunObservation {
  readonly status: 'PUBLISHED' | 'OUT_OF_TIME';
  readonly durationMs: number;
}

export interface StorageRunMetrics {
  recordRun(observation: StorageRunObservation): void;
  flush(): void;
}
