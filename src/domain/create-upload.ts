import type { QuotaName } from '../contract';
import { QuotaExceededError, RequestError } from './errors';
import { isSafeUserId, originalKey } from './image-key';
import { parseUploadRequest, type UploadPolicy } from './upload-request';
import type { Clock } from './ports/clock';
import type { IdGenerator } from './ports/id-generator';
import type { ImageRepository, QuotaLimits } from './ports/image-repository';
import type { UploadUrlSigner } from './ports/object-store';

export interface CreateUploadDeps {
  readonly signer: UploadUrlSigner;
  readonly images: ImageRepository;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly policy: UploadPolicy & {
    readonly quotas: QuotaLimits;
    /** A reservation whose upload never came lapses (reads EXPIRED) this long after it was made. */
    readonly pendingExpiresAfterSeconds: number;
  };
}

export interface CreatedUpload {
  readonly imageId: string;
  readonly uploadUrl: string;
  readonly filePath: string;
  readonly expiresInSeconds: number;
  /** The headers the PUT must send, byte for byte: they are part of the signature. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Issues a presigned PUT for a new image in the caller's own folder and records it as PENDING.
 * The key is built from the caller's verified id and a fresh UUID only; nothing the caller sends
 * reaches it.
 */
export async function createUpload(
  deps: CreateUploadDeps,
  input: { userId: string; body: string | undefined },
): Promise<CreatedUpload> {
  if (!isSafeUserId(input.userId)) {
    throw new RequestError('UNAUTHORIZED', 'The caller identity is not usable.');
  }
  const request = parseUploadRequest(input.body, deps.policy);
  const imageId = deps.ids.newImageId();
  const key = originalKey(input.userId, imageId, request.format);
  const presigned = await deps.signer.presignPut({
    key,
    contentType: request.contentType,
    contentLength: request.contentLength,
    expiresInSeconds: deps.policy.expiresInSeconds,
  });
  const now = deps.clock.now();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const pending = {
    imageId,
    userId: input.userId,
    originalS3Key: key,
    contentType: request.contentType,
    contentLength: request.contentLength,
    ...(request.fileName !== undefined ? { originalFileName: request.fileName } : {}),
    createdAt: now.toISOString(),
    expiresAt: nowSeconds + deps.policy.pendingExpiresAfterSeconds,
  };
  let outcome = await deps.images.reserve(pending, deps.policy.quotas, nowSeconds);
  // Abandoned reservations are freed when they stand in the way, not by a sweeper: the usage item
  // names them, so no scan is ever needed (and DynamoDB's TTL, which removes their records, may lag days).
  if (!outcome.reserved && outcome.lapsedReservations > 0 && (await deps.images.expireReservations(input.userId, nowSeconds)) > 0) {
    outcome = await deps.images.reserve(pending, deps.policy.quotas, nowSeconds);
  }
  if (!outcome.reserved) throw quotaExceeded(outcome.exceeded, outcome.limit);
  return {
    imageId,
    uploadUrl: presigned.url,
    filePath: key,
    expiresInSeconds: deps.policy.expiresInSeconds,
    headers: presigned.headers,
  };
}

const QUOTA_MESSAGES: Readonly<Record<QuotaName, (limit: number) => string>> = {
  pendingUploads: (limit) => `You have ${limit} uploads waiting to be uploaded or processed; try again once some have finished.`,
  storedImages: (limit) => `You have reached the limit of ${limit} images; delete some to upload more.`,
  storedBytes: (limit) => `This upload would exceed your storage limit of ${limit} bytes; delete some images to upload more.`,
};

function quotaExceeded(quota: QuotaName, limit: number): QuotaExceededError {
  return new QuotaExceededError(quota, limit, QUOTA_MESSAGES[quota](limit));
}
