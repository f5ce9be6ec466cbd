import type { NotifiedStatus } from '../contract';
import type { ImageRecord } from './image-record';
import type { Clock } from './ports/clock';
import type { ImageRepository } from './ports/image-repository';
import type { Notifier } from './ports/notifier';

/** What subscribers learn about an image that reached a final state. */
export interface ImageNotification {
  readonly subject: string;
  /** Absent only for an object outside the upload layout, which has no image id. */
  readonly imageId?: string;
  readonly userId?: string;
  readonly status: NotifiedStatus;
  readonly originalS3Key: string;
  readonly processedS3Key?: string;
  readonly renditionKeys?: readonly string[];
  readonly reason?: string;
  readonly message?: string;
}

// SNS: "Subjects must be ASCII text ... and must be less than 100 characters long."
// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
const SUBJECT_MAX_LENGTH = 99;

/** The notification for an image in a final state, derived from its record alone. */
export function notificationFor(record: ImageRecord): ImageNotification | undefined {
  const name = record.originalFileName ?? record.imageId;
  const common = { imageId: record.imageId, userId: record.userId, originalS3Key: record.originalS3Key };
  switch (record.status) {
    case 'DONE':
      return {
        ...common,
        status: 'DONE',
        subject: subject(`Image processed: ${name}`),
        ...(record.processedS3Key !== undefined ? { processedS3Key: record.processedS3Key } : {}),
        renditionKeys: (record.renditions ?? []).map((rendition) => rendition.key),
      };
    case 'REJECTED':
      return {
        ...common,
        status: 'REJECTED',
        subject: subject(`Image rejected (${record.rejectionReason ?? 'unknown'}): ${name}`),
        ...(record.rejectionReason !== undefined ? { reason: record.rejectionReason } : {}),
        ...(record.rejectionMessage !== undefined ? { message: record.rejectionMessage } : {}),
      };
    case 'FAILED':
      return {
        ...common,
        status: 'FAILED',
        subject: subject(`Image processing failed: ${name}`),
        ...(record.failureMessage !== undefined ? { message: record.failureMessage } : {}),
      };
    case 'PENDING':
    case 'EXPIRED':
    case 'DELETED':
      return undefined;
  }
}

/** Subjects must be printable ASCII without line breaks. */
export function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX_LENGTH ? ascii : `${ascii.slice(0, SUBJECT_MAX_LENGTH - 3)}...`;
}

/**
 * Publishes the notification of a record in a final state, then notes that it went out, on
 * condition that the record still has the state that was announced. A retry after a failure between
 * the two publishes again: at least once, never zero times.
 */
export async function notifyOutcome(
  deps: { readonly notifier: Notifier; readonly images: ImageRepository; readonly clock: Clock },
  record: ImageRecord,
): Promise<void> {
  const notification = notificationFor(record);
  if (!notification) return;
  await deps.notifier.publish(notification);
  await deps.images.markNotified(record.imageId, record.status, deps.clock.now().toISOString());
}
