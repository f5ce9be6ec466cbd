import type { FinishedImage, ImageRecord, ImageStatus, PendingImage } from '../image-record';

export interface ImageRepository {
  /** Throws if the id is already taken (ids are fresh UUIDs, so that never happens by chance). */
  createPending(image: PendingImage): Promise<void>;
  get(imageId: string): Promise<ImageRecord | undefined>;
  /**
   * Records a final outcome if the image lifecycle allows the move from the stored state
   * (src/domain/image-lifecycle.ts). Returns false, changing nothing, when it does not.
   */
  finish(image: FinishedImage): Promise<boolean>;
  /**
   * Notes that the notification of `status` went out, so a retry does not send it again. Changes
   * nothing if the record has meanwhile moved to another state (whose notification is still owed).
   */
  markNotified(imageId: string, status: ImageStatus, notifiedAt: string): Promise<void>;
}
