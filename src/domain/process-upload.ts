import { RENDITION_CACHE_CONTROL, type RenditionSpec } from '../contract';
import { ImageRejectedError, MisconfigurationError } from './errors';
import type { ImageFormat } from './image-format';
import { parseOriginalKey, renditionKey, thumbnailKey } from './image-key';
import { isFinal } from './image-lifecycle';
import { notifyOutcome, unknownObjectNotification } from './image-notification';
import { type DecodeLimits, type OutputSpec, renderImage } from './image-pipeline';
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
  readonly limits: DecodeLimits;
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
}

/**
 * NOT_RESERVED: no record for the image (deleted, or never issued by POST /uploads): the object is
 * removed and nothing else is done.
 * DISCARDED: the image was deleted while it was being processed; the renditions written are removed.
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
  const existing = await deps.images.get(parts.imageId);
  if (!existing) {
    // Only a record reserved by POST /uploads can be finished: a late event for a deleted image, or
    // an object nobody reserved, must not bring a record (or renditions) into existence.
    // Its bytes are removed too: an upload URL of a deleted image leads nowhere, and an object
    // nobody reserved has no owner to count it against.
    await deps.originals.deleteAll([object.key]);
    deps.logger.warn('upload without a reserved record removed', { imageId: parts.imageId, key: object.key });
    return 'NOT_RESERVED';
  }
  if (isFinal(existing.status)) {
    if (existing.notifiedAt === undefined) await notifyOutcome(deps, existing);
    return 'ALREADY_FINISHED';
  }
  const identity = { imageId: parts.imageId, userId: parts.userId, originalS3Key: object.key };
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
  existing: ImageRecord,
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
 * An object outside `user-uploads/<userId>/<imageId>.<ext>` was never issued by our upload
 * function. There is no image id to record it under, so it is reported and the message
 * acknowledged; the object itself is left alone.
 */
async function rejectUnknownObject(deps: ProcessUploadDeps, object: CreatedObject): Promise<void> {
  const notification = unknownObjectNotification(object, deps.clock.now().toISOString());
  deps.logger.warn('object outside the upload layout ignored', { bucketName: object.bucketName, key: object.key, reason: notification.reason });
  await deps.notifier.publish(notification);
}
