import type { QuotaName } from '../contract';

/**
 * The error hierarchy every layer speaks. `code` is stable and machine-readable; `retryable` says
 * honestly whether the same call may succeed later without anyone changing anything.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Why a request to create an upload cannot be accepted; each code maps to one HTTP status. */
export type RequestErrorCode =
  | 'UNAUTHORIZED'
  | 'INVALID_REQUEST'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE';

export class RequestError extends AppError {
  constructor(
    override readonly code: RequestErrorCode,
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message, code, false);
  }
}

/**
 * A per-user limit of POST /uploads is reached. `pendingUploads` clears by itself as uploads finish
 * (429 with Retry-After); the stored limits only when the user deletes images (403).
 */
export class QuotaExceededError extends AppError {
  constructor(
    readonly quota: QuotaName,
    readonly limit: number,
    message: string,
  ) {
    super(message, quota === 'pendingUploads' ? 'TOO_MANY_REQUESTS' : 'QUOTA_EXCEEDED', false);
  }
}

/** Why an uploaded object will never become a processed image. Recorded as REJECTED. */
export type RejectionReason =
  | 'INVALID_KEY'
  | 'ORIGINAL_NOT_FOUND'
  | 'EMPTY_FILE'
  | 'TOO_LARGE'
  | 'NOT_AN_IMAGE'
  | 'UNSUPPORTED_FORMAT'
  | 'CONTENT_TYPE_MISMATCH'
  | 'CORRUPT_IMAGE'
  | 'PIXEL_LIMIT_EXCEEDED'
  | 'DECODE_MEMORY_EXCEEDED'
  | 'TOO_MANY_FRAMES'
  | 'NOT_RESERVED';

export class ImageRejectedError extends AppError {
  constructor(
    readonly reason: RejectionReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, reason, false, options);
  }
}

/**
 * The machine ran short of memory (or threads) while decoding or encoding. Says nothing about the
 * image: the message is retried, and the image is never rejected for it.
 */
export class ResourceExhaustedError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'RESOURCE_EXHAUSTED', true, options);
  }
}

/** The deployment does not fit together (for example a queue fed by an unexpected bucket). */
export class MisconfigurationError extends AppError {
  constructor(message: string) {
    super(message, 'MISCONFIGURATION', false);
  }
}

/** A message on the queue that is not an S3 event notification we can read. */
export class InvalidMessageError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'INVALID_MESSAGE', false, options);
  }
}

/**
 * A call to a service we depend on failed. `retryable` is true for throttling, 5xx, timeouts and
 * network errors; false for faults that need a person (missing table, access denied).
 */
export class DependencyError extends AppError {
  constructor(
    readonly service: string,
    readonly operation: string,
    retryable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'DEPENDENCY_FAILURE', retryable, options);
  }
}
