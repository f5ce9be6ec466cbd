import { ApiError, type Image, NetworkError } from '../api/client';
import { formatBytes, formatMegapixels, plural } from '../format';
import { typeList, type UploadLimits } from './check-file';

/**
 * Every failure a person can meet, in words that say what happened and what to do. The server's
 * own message is shown only where it is written for people (400: it lists what was wrong).
 */

/** S3 refused the PUT; `code` is the `<Code>` of its XML error, when it sent one. */
export class StorageRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`S3 answered ${status}${code ? ` ${code}` : ''}`);
    this.name = 'StorageRefusedError';
  }
}

/** The `<Code>` of an S3 XML error body. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html */
export function s3ErrorCode(xml: string): string | undefined {
  return /<Code>([^<]{1,100})<\/Code>/.exec(xml)?.[1];
}

export interface Failure {
  readonly message: string;
  /** Whether trying again can work without changing the file. */
  readonly retryable: boolean;
}

const retryIn = (seconds: number | undefined) => (seconds ? ` Try again in ${plural(seconds, 'second')}.` : ' Try again in a moment.');

/** Why a file could not be uploaded: an error of POST /uploads, of the PUT to S3, or of the network. */
export function uploadFailure(error: unknown, limits: UploadLimits): Failure {
  if (error instanceof NetworkError) {
    return {
      message: error.timedOut
        ? 'The server did not answer in time. Check your connection, then retry.'
        : 'The network connection failed. Check your connection, then retry.',
      retryable: true,
    };
  }
  if (error instanceof StorageRefusedError) return storageFailure(error);
  if (error instanceof ApiError) return apiFailure(error, limits);
  return { message: 'Something unexpected went wrong with this file. Retry, or reload the page.', retryable: true };
}

function apiFailure(error: ApiError, limits: UploadLimits): Failure {
  const { quota } = error;
  switch (error.status) {
    case 413:
      return { message: `This file is larger than the ${formatBytes(limits.maxUploadBytes)} limit.`, retryable: false };
    case 415:
      return { message: `This type of file is not accepted. Choose ${typeList(limits.allowedContentTypes)} images.`, retryable: false };
    case 429: {
      const limit = quota?.name === 'pendingUploads' ? ` (at most ${quota.limit} at once)` : '';
      return { message: `Too many uploads are in progress${limit}.${retryIn(error.retryAfterSeconds)}`, retryable: true };
    }
    case 403:
      if (error.code === 'QUOTA_EXCEEDED') {
        const what =
          quota?.name === 'storedBytes'
            ? `you can keep up to ${formatBytes(quota.limit)} of images`
            : quota?.name === 'storedImages'
              ? `you can keep up to ${plural(quota.limit, 'image')}`
              : 'you have used all your space';
        return { message: `Your storage is full: ${what}. Delete some images, then retry.`, retryable: true };
      }
      return { message: 'You are not allowed to upload this file.', retryable: false };
    case 400:
      return { message: `The upload was refused: ${error.message || 'the request was not valid.'}`, retryable: false };
    case 503:
      return { message: `The service is busy.${retryIn(error.retryAfterSeconds)}`, retryable: true };
    default:
      return { message: 'Something went wrong on the server. Try again in a moment.', retryable: true };
  }
}

function storageFailure(error: StorageRefusedError): Failure {
  switch (error.code) {
    case 'AccessDenied':
    case 'ExpiredToken':
    case 'SignatureDoesNotMatch':
      return { message: 'The storage service refused the file: its upload permission was not accepted (it may have expired). Retry to get a new one.', retryable: true };
    case 'PreconditionFailed':
    case 'ConditionalRequestConflict':
      return { message: 'The storage service refused the file: this upload was already used. Retry to upload it again.', retryable: true };
    case 'EntityTooLarge':
      return { message: 'The storage service refused the file: it is too large.', retryable: false };
    case 'SlowDown':
    case 'ServiceUnavailable':
    case 'InternalError':
      return { message: 'The storage service is busy. Try again in a moment.', retryable: true };
    default:
      return { message: `The storage service refused the file (HTTP ${error.status}${error.code ? `, ${error.code}` : ''}). Retry, or try again later.`, retryable: true };
  }
}

/** Why the processor refused an image (`rejection.reason`), in plain words. */
export function rejectionMessage(rejection: Image['rejection'], limits: UploadLimits): string {
  switch (rejection?.reason) {
    case 'NOT_AN_IMAGE':
      return 'This file is not an image.';
    case 'PIXEL_LIMIT_EXCEEDED':
      return `The image is larger than ${formatMegapixels(limits.maxInputPixels)}.`;
    case 'TOO_LARGE':
      return `The file is larger than the ${formatBytes(limits.maxUploadBytes)} limit.`;
    case 'EMPTY_FILE':
      return 'The file is empty.';
    case 'UNSUPPORTED_FORMAT':
      return 'This image format is not supported.';
    case 'CONTENT_TYPE_MISMATCH':
      return 'The file is a different kind of image than its name says.';
    case 'CORRUPT_IMAGE':
      return 'The image is damaged and cannot be read.';
    case 'TOO_MANY_FRAMES':
      return 'The animation has too many frames.';
    case 'ORIGINAL_NOT_FOUND':
      return 'The uploaded file was not found.';
    default:
      return rejection?.message ? `The image was refused: ${rejection.message}` : 'The image was refused.';
  }
}

/** One line about an image's state, for the gallery and the upload list. */
export function statusMessage(image: Pick<Image, 'status' | 'rejection'>, limits: UploadLimits): string {
  switch (image.status) {
    case 'PENDING':
      return 'Processing…';
    case 'DONE':
      return 'Ready';
    case 'REJECTED':
      return rejectionMessage(image.rejection, limits);
    case 'FAILED':
      return 'Processing failed. It will be retried by an operator.';
    case 'EXPIRED':
      return 'The file never arrived: its upload was not finished in time.';
    default:
      return String(image.status);
  }
}
