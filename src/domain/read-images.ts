import { VISIBLE_STATUSES, type VisibleStatus } from '../contract';
import { RequestError } from './errors';
import { isImageId, isSafeUserId, thumbnailKey } from './image-key';
import { isSettledTombstone, visibleStatus } from './image-lifecycle';
import type { ImageRecord } from './image-record';
import type { PageCursorCodec } from './page-cursor';
import type { Clock } from './ports/clock';
import type { ImageRepository } from './ports/image-repository';
import type { Logger } from './ports/logger';
import type { DownloadUrlSigner, ObjectDeleter } from './ports/object-store';

/** GET /images/{imageId}, GET /images and DELETE /images/{imageId}: a user's own images only. */

export interface RenditionView {
  readonly width: number;
  readonly height: number;
  readonly format: string;
  readonly bytes: number;
  readonly url: string;
}

/** One image as the API shows it (src/openapi.json, schema Image). */
export interface ImageView {
  readonly imageId: string;
  readonly status: VisibleStatus;
  readonly fileName?: string;
  readonly contentType?: string;
  readonly createdAt: string;
  readonly processedAt?: string;
  readonly width?: number;
  readonly height?: number;
  readonly format?: string;
  readonly bytes?: number;
  readonly rejection?: { readonly reason: string; readonly message: string };
  readonly renditions?: readonly RenditionView[];
  readonly urlsExpireAt?: string;
}

export interface ImagePageView {
  readonly items: readonly ImageView[];
  readonly nextCursor?: string;
}

export interface ReadImagesDeps {
  readonly images: ImageRepository;
  readonly renditionUrls: DownloadUrlSigner;
  readonly cursors: PageCursorCodec;
  readonly clock: Clock;
  readonly policy: { readonly renditionUrlExpiresInSeconds: number };
}

export interface DeleteImageDeps {
  readonly images: ImageRepository;
  readonly originals: ObjectDeleter;
  readonly processed: ObjectDeleter;
  readonly clock: Clock;
  readonly logger: Logger;
}

export const LIST_LIMIT = { min: 1, max: 100, default: 20 } as const;
/**
 * How long a DELETED tombstone is kept before DynamoDB's TTL removes it: far longer than any upload
 * URL lives (UPLOAD_URL_EXPIRES_IN_SECONDS, at most an hour), so an upload under a deleted image's
 * URL always finds it. (DynamoDB Local never runs TTL; nothing reads a tombstone as an image.)
 */
export const TOMBSTONE_LIFETIME_SECONDS = 7 * 24 * 3600;
/** Attempts at the conditional delete while the processor changes the record under it. */
const DELETE_ATTEMPTS = 3;

const notFound = () => new RequestError('NOT_FOUND', 'No such image.');

function checkCaller(userId: string): void {
  if (!isSafeUserId(userId)) throw new RequestError('UNAUTHORIZED', 'The caller identity is not usable.');
}

function checkImageId(imageId: string | undefined): string {
  if (imageId === undefined || !isImageId(imageId)) {
    throw new RequestError('INVALID_REQUEST', 'The image id must be a lowercase UUID, as POST /uploads returned it in image_id.');
  }
  return imageId;
}

/**
 * The caller's record, or undefined: another user's image, an unknown id and an image whose delete
 * is complete (only its settled tombstone is left) look the same.
 */
async function ownRecord(images: ImageRepository, userId: string, imageId: string): Promise<ImageRecord | undefined> {
  const record = await images.get(imageId);
  return record && record.userId === userId && !isSettledTombstone(record) ? record : undefined;
}

export async function getImage(deps: ReadImagesDeps, input: { userId: string; imageId: string | undefined }): Promise<ImageView> {
  checkCaller(input.userId);
  const imageId = checkImageId(input.imageId);
  const record = await ownRecord(deps.images, input.userId, imageId);
  const view = record && (await toView(deps, record));
  if (!view) throw notFound();
  return view;
}

export interface ListQuery {
  readonly limit?: string;
  readonly cursor?: string;
  readonly status?: string;
}

/** Validates the query string of GET /images: every problem at once. */
export function parseListQuery(rawQueryString: string | undefined): ListQuery {
  const params = new URLSearchParams(rawQueryString ?? '');
  const problems: string[] = [];
  const query: Record<string, string> = {};
  for (const name of new Set(params.keys())) {
    if (name !== 'limit' && name !== 'cursor' && name !== 'status') problems.push(`unknown parameter "${name}"`);
    else if (params.getAll(name).length > 1) problems.push(`${name} is given more than once`);
    else query[name] = params.get(name)!;
  }
  if (query.limit !== undefined) {
    const limit = /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!(limit >= LIST_LIMIT.min && limit <= LIST_LIMIT.max)) problems.push(`limit must be a whole number from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`);
  }
  if (query.status !== undefined && !(VISIBLE_STATUSES as readonly string[]).includes(query.status)) {
    problems.push(`status must be one of ${VISIBLE_STATUSES.join(', ')}`);
  }
  if (query.cursor !== undefined && query.cursor === '') problems.push('cursor must not be empty');
  if (problems.length > 0) throw new RequestError('INVALID_REQUEST', `The request is invalid: ${problems.join('; ')}.`, problems);
  return query;
}

export async function listImages(deps: ReadImagesDeps, input: { userId: string; query: ListQuery }): Promise<ImagePageView> {
  checkCaller(input.userId);
  const { query, userId } = input;
  const status = query.status as VisibleStatus | undefined;
  const after = query.cursor !== undefined ? deps.cursors.decode(query.cursor, userId, status) : undefined;
  const page = await deps.images.listByUser(userId, {
    limit: query.limit !== undefined ? Number(query.limit) : LIST_LIMIT.default,
    ...(after ? { after } : {}),
    ...(status ? { status } : {}),
    nowSeconds: Math.floor(deps.clock.now().getTime() / 1000),
  });
  const items = (await Promise.all(page.items.map((record) => toView(deps, record)))).filter((view): view is ImageView => view !== undefined);
  return { items, ...(page.next ? { nextCursor: deps.cursors.encode(userId, status, page.next) } : {}) };
}

/**
 * Deletes the caller's image: the record becomes a DELETED tombstone first (which releases its
 * share of the quotas, and which no processing can finish any more), then the original and every
 * rendition go, then the tombstone is settled: stripped to the image's owner and key, and kept
 * until its TTL (longer than any upload URL lives), so an upload that still comes under the
 * image's URL is removed rather than taken for an object nobody reserved (image-lifecycle.ts).
 * An attempt cut short leaves the full tombstone, which reads as gone; the user's next DELETE
 * finishes it. NOT_FOUND when there is nothing to delete.
 */
export async function deleteImage(deps: DeleteImageDeps, input: { userId: string; imageId: string | undefined }): Promise<void> {
  checkCaller(input.userId);
  const imageId = checkImageId(input.imageId);
  let record = await ownRecord(deps.images, input.userId, imageId);
  for (let attempt = 1; record && record.status !== 'DELETED'; attempt += 1) {
    const now = deps.clock.now();
    const tombstoneExpiresAt = Math.floor(now.getTime() / 1000) + TOMBSTONE_LIFETIME_SECONDS;
    if (await deps.images.markDeleted(record, now.toISOString(), tombstoneExpiresAt)) break;
    // The processor (or another DELETE) changed the record since it was read: read it again.
    if (attempt >= DELETE_ATTEMPTS) throw new Error(`Image ${imageId} kept changing during ${DELETE_ATTEMPTS} delete attempts.`);
    record = await ownRecord(deps.images, input.userId, imageId);
  }
  if (!record) throw notFound();
  const renditionKeys = [...new Set([thumbnailKey(imageId), ...(record.renditions ?? []).map((rendition) => rendition.key)])];
  await Promise.all([deps.originals.deleteAll([record.originalS3Key]), deps.processed.deleteAll(renditionKeys)]);
  await deps.images.settleDeleted(imageId, deps.clock.now().toISOString());
  deps.logger.info('image deleted', { imageId, userId: input.userId, previousStatus: record.status, objects: renditionKeys.length + 1 });
}

/** The API view of a record at this moment; undefined for a deleted image. */
async function toView(deps: ReadImagesDeps, record: ImageRecord): Promise<ImageView | undefined> {
  const now = deps.clock.now();
  const status = visibleStatus(record, now.getTime());
  if (!status) return undefined;
  const renditions =
    status === 'DONE'
      ? await Promise.all(
          (record.renditions ?? []).map(async (rendition) => ({
            width: rendition.width,
            height: rendition.height,
            format: rendition.format,
            bytes: rendition.bytes,
            url: await deps.renditionUrls.presignGet(rendition.key, deps.policy.renditionUrlExpiresInSeconds),
          })),
        )
      : undefined;
  const bytes = record.bytes ?? record.contentLength;
  return {
    imageId: record.imageId,
    status,
    ...(record.originalFileName !== undefined ? { fileName: record.originalFileName } : {}),
    ...(record.contentType !== undefined ? { contentType: record.contentType } : {}),
    // Every record made by POST /uploads has createdAt; this only guards hand-made ones.
    createdAt: record.createdAt ?? record.processedAt ?? '1970-01-01T00:00:00.000Z',
    ...(record.processedAt !== undefined && status !== 'PENDING' ? { processedAt: record.processedAt } : {}),
    ...(status === 'DONE' && record.width !== undefined && record.height !== undefined ? { width: record.width, height: record.height } : {}),
    ...(status === 'DONE' && record.format !== undefined ? { format: record.format } : {}),
    ...(bytes !== undefined ? { bytes } : {}),
    ...(status === 'REJECTED' ? { rejection: { reason: record.rejectionReason ?? 'UNKNOWN', message: record.rejectionMessage ?? '' } } : {}),
    ...(renditions
      ? { renditions, urlsExpireAt: secondsAfter(now, deps.policy.renditionUrlExpiresInSeconds).toISOString() }
      : {}),
  };
}

/** A moment `seconds` after `from` (the domain takes time from the Clock only). */
function secondsAfter(from: Date, seconds: number): Date {
  const later = structuredClone(from);
  later.setTime(from.getTime() + seconds * 1000);
  return later;
}
