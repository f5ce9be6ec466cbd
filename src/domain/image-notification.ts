import type { ImageRecord } from '../ports/image-repository';
import type { ImageNotification } from '../ports/notifier';

const SUBJECT_MAX_LENGTH = 100; // SNS Subject limit: ASCII, at most 100 characters.

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
      return undefined;
  }
}

/** Subjects must be printable ASCII without line breaks. */
export function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX_LENGTH ? ascii : `${ascii.slice(0, SUBJECT_MAX_LENGTH - 3)}...`;
}
