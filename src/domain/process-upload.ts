import { RENDITION_CACHE_CONTROL, type RenditionSpec } from '../contract';
import { ImageRejectedError, MisconfigurationError } from './errors';
import { contentTypeOf, type ImageFormat } from './image-format';
import { parseOriginalKey, renditionKey, thumbnailKey } from './image-key';
import { isFinal, isReservedFor } from './image-lifecycle';
import { foreignObjectNotification, notifyOutcome, unknownObjectNotification } from './image-notification';
import { type DecodeLimits, type EncodingSettings, type OutputSpec, renderImage } from './image-pipeline';
import type { DecodeMemoryGate } from './memory-gate';
import type { CreatedObject } from './storage-event';
import type { Clock } from './ports/clock';
import type { ImageRepository } from './ports/image-repository';
import type { DoneImage, ImageRecord, RejectedImage } from './image-record';
import type { Logger } from './ports/logger';
import type { Notifier } from './ports/notifier';
import type { ObjectDeleter, ObjectReader, ObjectWriter } from './ports/object-store';

export interface ProcessingPolicy {
  readonly originalsBucketName: string;
  readonly maxUploadBytes: number;
  /** The formats this deployment takes (ALLOWED_CONTENT_TYPES); HEIC only when switched on. */
  readonly acceptedFormats: readonly ImageFormat[];
  readonly limits: DecodeLimits;
  readonly encoding: EncodingSettings;
  /** The seed thumbnail `processed/<imageId>.jpg` fits in this square. */
  readonly thumbnailMaxPx: number;
  readonly renditions: readonly RenditionSpec[];
}

export interface ProcessUploadDeps {
  readonly originals: ObjectReader & ObjectDeleter;
  readonly processed: ObjectWriter & ObjectDeleter;
  readonly images: ImageRepository;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: ProcessingPolicy;
  /** The decode memory budget, shared by every record the process handles at once. */
  readonly decodeMemory: DecodeMemoryGate;
}

/**
 * NOT_RESERVED: the object matches no reservation and is never decoded. Where its image id is free
 * (no upload URL was ever issued for it) it gets a REJECTED record of its own, reason NOT_RESERVED;
 * where the id is another reservation's, that record is left alone. Either way it is reported.
 * DISCARDED: the image was deleted: an upload that still came under its URL is removed, as are the
 * renditions of an attempt that lost the race to the delete; nothing is recorded or sent.
 */
export type ProcessOutcome = 'DONE' | 'REJECTED' | 'ALREADY_FINISHED' | 'NOT_RESERVED' | 'DISCARDED';

/**
 * Turns one uploaded original into renditions, a DONE or REJECTED record and a notification.
 *
 * Safe to run any number of times for the same object, concurrently too: output keys are
 * deterministic, the final state is written only where the image lifecycle allows it, and the notification is
 * sent once the final state is stored, then marked as sent. A retry after any failure therefore
 * finishes exactly what the failed attempt left undone. Image problems end as REJECTED; failures
 * of S3, DynamoDB or SNS propagate as DependencyError so the message is retried.
 */
export async function processUpload(deps: ProcessUploadDeps, object: CreatedObject): Promise<ProcessOutcome> {
  const { policy } = deps;
  if (object.bucketName !== policy.originalsBucketName) {
    // The queue is wired to a bucket this function is not configured for: a deployment fault. Not
    // acknowledged, so the message is retried and kept in the dead-letter queue, where the alarm sees it.
    throw new MisconfigurationError(
      `An event from bucket "${object.bucketName}" reached a processor configured for "${policy.originalsBucketName}".`,
    );
  }
  const parts = parseOriginalKey(object.key);
  if (!parts) {
    await rejectUnknownObject(deps, object);
    return 'REJECTED';
  }
  const identity = { imageId: parts.imageId, userId: parts.userId, originalS3Key: object.key };
  const existing = await deps.images.get(parts.imageId);
  if (!existing) return recordUnreserved(deps, identity);
  if (!isReservedFor(existing, identity)) {
    await reportForeignObject(deps, object, parts.userId);
    return 'NOT_RESERVED';
  }
  if (existing.status === 'DELETED') return discardLateUpload(deps, identity);
  if (isFinal(existing.status)) {
    if (existing.notifiedAt === undefined) await notifyOutcome(deps, existing);
    return 'ALREADY_FINISHED';
  }
  try {
    const done = await render(deps, identity, parts.format, object.sizeBytes);
    if (await finish(deps, done, existing)) return 'DONE';
    return (await discardIfDeleted(deps, done)) ? 'DISCARDED' : 'ALREADY_FINISHED';
  } catch (error) {
    if (!(error instanceof ImageRejectedError)) throw error;
    const rejected: RejectedImage = {
      ...identity,
      status: 'REJECTED',
      rejectionReason: error.reason,
      rejectionMessage: error.message,
      processedAt: deps.clock.now().toISOString(),
    };
    deps.logger.warn('image rejected', { imageId: parts.imageId, reason: error.reason, detail: error.message });
    return (await finish(deps, rejected, existing)) ? 'REJECTED' : 'ALREADY_FINISHED';
  }
}

async function render(
  deps: ProcessUploadDeps,
  identity: { imageId: string; userId: string; originalS3Key: string },
  declaredFormat: ImageFormat,
  reportedSizeBytes: number | undefined,
): Promise<DoneImage> {
  const { policy } = deps;
  if (reportedSizeBytes !== undefined && reportedSizeBytes > policy.maxUploadBytes) {
    throw new ImageRejectedError('TOO_LARGE', `The file is ${reportedSizeBytes} bytes; the limit is ${policy.maxUploadBytes}.`);
  }
  if (!policy.acceptedFormats.includes(declaredFormat)) {
    throw new ImageRejectedError('UNSUPPORTED_FORMAT', `${contentTypeOf(declaredFormat)} is not accepted by this deployment.`);
  }
  const original = await deps.originals.read(identity.originalS3Key, { maxBytes: policy.maxUploadBytes });
  const thumbnail: OutputSpec = {
    key: thumbnailKey(identity.imageId),
    maxWidthPx: policy.thumbnailMaxPx,
    maxHeightPx: policy.thumbnailMaxPx,
    format: 'jpeg',
  };
  const outputs: OutputSpec[] = [
    thumbnail,
    ...policy.renditions.map((spec) => ({
      key: renditionKey(identity.imageId, spec.widthPx, spec.format),
      maxWidthPx: spec.widthPx,
      format: spec.format,
    })),
  ];
  const { source, outputs: rendered } = await renderImage(original, {
    expectedFormat: declaredFormat,
    outputs,
    limits: policy.limits,
    encoding: policy.encoding,
    memory: deps.decodeMemory,
  });
  await Promise.all(
    rendered.map((output) =>
      deps.processed.write(output.key, output.body, { contentType: `image/${output.format}`, cacheControl: RENDITION_CACHE_CONTROL }),
    ),
  );
  return {
    ...identity,
    status: 'DONE',
    processedS3Key: thumbnail.key,
    renditions: rendered.map(({ key, width, height, format, bytes }) => ({ key, width, height, format, bytes })),
    width: source.width,
    height: source.height,
    format: source.format,
    bytes: source.bytes,
    processedAt: deps.clock.now().toISOString(),
  };
}

/** Stores the final state, then notifies. False when another delivery got there first. */
async function finish(
  deps: ProcessUploadDeps,
  image: DoneImage | RejectedImage,
  existing: ImageRecord | undefined,
): Promise<boolean> {
  if (!(await deps.images.finish(image, existing))) return false;
  const { notifiedAt: _previous, ...stored } = { ...existing, ...image };
  await notifyOutcome(deps, stored);
  return true;
}

/**
 * This attempt lost the race for the final write. If another delivery finished the image, its
 * renditions are these very keys and stay. If the image was deleted meanwhile, nothing refers to
 * what this attempt wrote any more: it is removed, so a delete always leaves nothing behind.
 */
async function discardIfDeleted(deps: ProcessUploadDeps, done: DoneImage): Promise<boolean> {
  const now = await deps.images.get(done.imageId);
  if (now?.status === 'DONE') return false;
  await deps.processed.deleteAll(done.renditions.map((rendition) => rendition.key));
  deps.logger.info('renditions of an image deleted during processing removed', { imageId: done.imageId, status: now?.status ?? 'none' });
  return true;
}

/**
 * The image was deleted, and its tombstone says this very object was reserved for it: an upload
 * that still came under the image's URL (a PENDING image can be deleted too), or an event for it
 * still in the queue. Nothing may come of it: the object is removed, nothing recorded or sent.
 */
async function discardLateUpload(deps: ProcessUploadDeps, identity: { imageId: string; originalS3Key: string }): Promise<ProcessOutcome> {
  await deps.originals.deleteAll([identity.originalS3Key]);
  deps.logger.warn('upload for a deleted image removed', { imageId: identity.imageId, key: identity.originalS3Key });
  return 'DISCARDED';
}

/**
 * An object in the upload layout whose image id has no record at all: no upload URL was issued for
 * it (a deleted image keeps its tombstone for longer than any upload URL lives), so it was written
 * by other means, e.g. by a tool with its own write access to the bucket. It is never decoded and
 * never becomes DONE: it gets a REJECTED record of its own, with reason NOT_RESERVED, that its
 * folder's user sees and can delete, and a notification, and operators see it at error level. It
 * holds no quota. An event whose object is gone too (older than any tombstone) leaves nothing to record.
 */
async function recordUnreserved(
  deps: ProcessUploadDeps,
  identity: { imageId: string; userId: string; originalS3Key: string },
): Promise<ProcessOutcome> {
  if (!(await deps.originals.exists(identity.originalS3Key))) {
    deps.logger.info('event for an object that is gone and has no record ignored', { imageId: identity.imageId, key: identity.originalS3Key });
    return 'DISCARDED';
  }
  const reason = 'NOT_RESERVED';
  deps.logger.error('object without a reserved record rejected', { imageId: identity.imageId, key: identity.originalS3Key, reason });
  const seenAt = deps.clock.now().toISOString();
  const rejected: RejectedImage = {
    ...identity,
    status: 'REJECTED',
    rejectionReason: reason,
    rejectionMessage: 'No upload URL was issued for this object.',
    processedAt: seenAt,
    createdAt: seenAt,
  };
  // False only when a concurrent delivery of the same event recorded it first (and notifies).
  await finish(deps, rejected, undefined);
  return 'NOT_RESERVED';
}

/**
 * An object whose image id belongs to another reservation: another user's image, or the same id
 * under another key. That record is left exactly as it is; the object is reported at error level
 * and announced as REJECTED without the image id, so no subscriber takes it for the other image.
 */
async function reportForeignObject(deps: ProcessUploadDeps, object: CreatedObject, userId: string): Promise<void> {
  const notification = foreignObjectNotification(object, userId, deps.clock.now().toISOString());
  deps.logger.error('object does not match the reservation of its image id; record left alone', { bucketName: object.bucketName, key: object.key, reason: notification.reason });
  await deps.notifier.publish(notification);
}

/**
 * An object outside `user-uploads/<userId>/<imageId>.<ext>` was never issued by our upload
 * function. There is no image id to record it under, so it is reported and the message
 * acknowledged; the object itself is left alone.
 */
async function rejectUnknownObject(deps: ProcessUploadDeps, object: CreatedObject): Promise<void> {
  const notification = unknownObjectNotification(object, deps.clock.now().toISOString());
  deps.logger.warn('object outside the upload layout ignored', { bucketName: object.bucketName, key: object.key, reason: notification.reason });
  await deps.notifier.publish(notification);
}
