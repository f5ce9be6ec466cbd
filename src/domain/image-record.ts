import type { ImageStatus, ProcessingStage } from '../contract';
import type { RejectionReason } from './errors';
import type { ImageFormat } from './image-format';

export type { ImageStatus } from '../contract';

export interface Rendition {
  readonly key: string;
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
  readonly bytes: number;
}

/** Written when the upload URL is issued, so an image can be tracked from that moment. */
export interface PendingImage {
  readonly imageId: string;
  readonly userId: string;
  readonly originalS3Key: string;
  readonly contentType: string;
  readonly contentLength: number;
  readonly originalFileName?: string;
  readonly createdAt: string;
  /** When the reservation lapses if no upload came (epoch seconds): the record's TTL attribute. */
  readonly expiresAt: number;
}

/** When each processing stage happened (ISO 8601), stored with the final state: see PROCESSING_STAGES. */
export type StageTimes = Readonly<Partial<Record<ProcessingStage, string>>>;

export interface DoneImage {
  readonly status: 'DONE';
  readonly imageId: string;
  readonly userId: string;
  readonly originalS3Key: string;
  readonly processedS3Key: string;
  readonly renditions: readonly Rendition[];
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
  readonly bytes: number;
  readonly processedAt: string;
  readonly stages?: StageTimes;
}

export interface RejectedImage {
  readonly status: 'REJECTED';
  readonly imageId: string;
  readonly userId: string;
  readonly originalS3Key: string;
  readonly rejectionReason: RejectionReason;
  readonly rejectionMessage: string;
  readonly processedAt: string;
  /** Only on the record of an object nobody reserved, which has no reservation to take it from. */
  readonly createdAt?: string;
  readonly stages?: StageTimes;
}

/** The message could not be processed after every retry (written from the dead-letter queue). */
export interface FailedImage {
  readonly status: 'FAILED';
  readonly imageId: string;
  readonly userId: string;
  readonly originalS3Key: string;
  readonly failureMessage: string;
  readonly processedAt: string;
  readonly stages?: StageTimes;
}

export type FinishedImage = DoneImage | RejectedImage | FailedImage;

/** What the table holds for one image: the fields of every state it has passed through. */
export interface ImageRecord {
  readonly imageId: string;
  readonly userId: string;
  readonly originalS3Key: string;
  readonly status: ImageStatus;
  readonly contentType?: string;
  readonly contentLength?: number;
  readonly originalFileName?: string;
  readonly createdAt?: string;
  readonly processedS3Key?: string;
  readonly renditions?: readonly Rendition[];
  readonly width?: number;
  readonly height?: number;
  readonly format?: ImageFormat;
  readonly bytes?: number;
  readonly rejectionReason?: RejectionReason;
  readonly rejectionMessage?: string;
  readonly failureMessage?: string;
  readonly processedAt?: string;
  readonly notifiedAt?: string;
  /** Epoch seconds; only while PENDING, EXPIRED or DELETED (the TTL attribute). */
  readonly expiresAt?: number;
  readonly deletedAt?: string;
  /** On a DELETED tombstone once the image's objects are gone (image-lifecycle.ts: settledTombstone). */
  readonly objectsRemovedAt?: string;
  readonly stages?: StageTimes;
}

