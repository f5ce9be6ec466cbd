import { ORIGINALS_PREFIX, PROCESSED_PREFIX } from '../contract';
import { extensionOf, formatFromExtension, type ImageFormat } from './image-format';

/**
 * The S3 key layout. Originals: `user-uploads/<userId>/<imageId>.<ext>`; seed thumbnail:
 * `processed/<imageId>.jpg`; other renditions: `processed/<imageId>/<width>.<ext>`.
 */

// Cognito subs are UUIDs; anything outside this alphabet (slashes, dots, `..`, encoded tricks)
// could escape the user's folder, so it never reaches a key.
const SAFE_USER_ID = /^[A-Za-z0-9_-]{1,128}$/;
const IMAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ORIGINAL_KEY = /^user-uploads\/([^/]+)\/([^/]+)\.([a-z0-9]+)$/;

export const isSafeUserId = (userId: string): boolean => SAFE_USER_ID.test(userId);
export const isImageId = (imageId: string): boolean => IMAGE_ID.test(imageId);

export function originalKey(userId: string, imageId: string, format: ImageFormat): string {
  if (!isSafeUserId(userId)) throw new Error('unsafe user id');
  if (!isImageId(imageId)) throw new Error('invalid image id');
  return `${ORIGINALS_PREFIX}${userId}/${imageId}.${extensionOf(format)}`;
}

export interface OriginalKeyParts {
  readonly userId: string;
  readonly imageId: string;
  readonly format: ImageFormat;
}

/** Reads an original key back; `undefined` for anything our upload function would never issue. */
export function parseOriginalKey(key: string): OriginalKeyParts | undefined {
  const match = ORIGINAL_KEY.exec(key);
  if (!match) return undefined;
  const [, userId = '', imageId = '', extension = ''] = match;
  const format = formatFromExtension(extension);
  if (!isSafeUserId(userId) || !isImageId(imageId) || !format) return undefined;
  return { userId, imageId, format };
}

export const thumbnailKey = (imageId: string): string => `${PROCESSED_PREFIX}${imageId}.jpg`;

export const renditionKey = (imageId: string, widthPx: number, format: ImageFormat): string =>
  `${PROCESSED_PREFIX}${imageId}/${widthPx}.${extensionOf(format)}`;
