import { parseOriginalKey } from './image-key';
import { canMove, isReservedFor } from './image-lifecycle';
import { notifyOutcome } from './image-notification';
import type { CreatedObject } from './storage-event';
import type { Clock } from './ports/clock';
import type { ImageRepository } from './ports/image-repository';
import type { FailedImage } from './image-record';
import type { Logger } from './ports/logger';
import type { Notifier } from './ports/notifier';

export interface MarkFailedDeps {
  readonly images: ImageRepository;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly originalsBucketName: string;
}

export type MarkFailedOutcome = 'FAILED' | 'ALREADY_FINISHED' | 'NOT_AN_UPLOAD' | 'NOT_RESERVED';

/**
 * For an upload whose message reached the dead-letter queue: records FAILED (never over DONE or
 * REJECTED) and tells subscribers, once. An image that did reach DONE or REJECTED but whose
 * notification kept failing gets that notification now. Retrying later may still turn FAILED into
 * DONE or REJECTED. `receiveCount` is SQS's ApproximateReceiveCount, which keeps counting across
 * the move to the DLQ.
 */
export async function markFailed(deps: MarkFailedDeps, object: CreatedObject, receiveCount: number): Promise<MarkFailedOutcome> {
  const parts = object.bucketName === deps.originalsBucketName ? parseOriginalKey(object.key) : undefined;
  if (!parts) {
    deps.logger.error('dead-lettered event for an object outside the upload layout', { bucketName: object.bucketName, key: object.key });
    return 'NOT_AN_UPLOAD';
  }
  const existing = await deps.images.get(parts.imageId);
  // Only a reserved upload can fail: an object nobody reserved, or one under another reservation's
  // id, must not gain a FAILED record that a redrive could later turn into DONE.
  if (!existing || !isReservedFor(existing, { userId: parts.userId, originalS3Key: object.key })) {
    deps.logger.error('dead-lettered event for an object without a matching reservation', { key: object.key, imageId: parts.imageId });
    return 'NOT_RESERVED';
  }
  // Nothing to record when FAILED may not be written over the stored state (a final one, or a
  // deleted image's tombstone), or is already stored and announced.
  const alreadySettled = !canMove(existing.status, 'FAILED') || (existing.status === 'FAILED' && existing.notifiedAt !== undefined);
  if (alreadySettled) {
    if (existing.notifiedAt === undefined) await notifyOutcome(deps, existing);
    return 'ALREADY_FINISHED';
  }
  const failed: FailedImage = {
    status: 'FAILED',
    imageId: parts.imageId,
    userId: parts.userId,
    originalS3Key: object.key,
    failureMessage: `Processing kept failing and the message was moved to the dead-letter queue (delivered ${receiveCount} times in all).`,
    processedAt: deps.clock.now().toISOString(),
  };
  if (!(await deps.images.finish(failed, existing))) return 'ALREADY_FINISHED';
  const { notifiedAt: _previous, ...stored } = { ...existing, ...failed };
  await notifyOutcome(deps, stored);
  return 'FAILED';
}
