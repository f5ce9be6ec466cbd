import { RequestError } from './errors';
import { isSafeUserId, originalKey } from './image-key';
import { parseUploadRequest, type UploadPolicy } from './upload-request';
import type { Clock } from './ports/clock';
import type { IdGenerator } from './ports/id-generator';
import type { ImageRepository } from './ports/image-repository';
import type { UploadUrlSigner } from './ports/object-store';

export interface CreateUploadDeps {
  readonly signer: UploadUrlSigner;
  readonly images: ImageRepository;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly policy: UploadPolicy;
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
  await deps.images.createPending({
    imageId,
    userId: input.userId,
    originalS3Key: key,
    contentType: request.contentType,
    contentLength: request.contentLength,
    ...(request.fileName !== undefined ? { originalFileName: request.fileName } : {}),
    createdAt: deps.clock.now().toISOString(),
  });
  return {
    imageId,
    uploadUrl: presigned.url,
    filePath: key,
    expiresInSeconds: deps.policy.expiresInSeconds,
    headers: presigned.headers,
  };
}
