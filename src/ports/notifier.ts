import type { ImageStatus } from './image-repository';

/** What subscribers learn about an image that reached a final state. */
export interface ImageNotification {
  readonly subject: string;
  /** Absent only for an object outside the upload layout, which has no image id. */
  readonly imageId?: string;
  readonly userId?: string;
  readonly status: Exclude<ImageStatus, 'PENDING'>;
  readonly originalS3Key: string;
  readonly processedS3Key?: string;
  readonly renditionKeys?: readonly string[];
  readonly reason?: string;
  readonly message?: string;
}

export interface Notifier {
  publish(notification: ImageNotification): Promise<void>;
}
