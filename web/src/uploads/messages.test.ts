import { ApiError, NetworkError } from '../api/client';
import type { UploadLimits } from './check-file';
import { rejectionMessage, s3ErrorCode, statusMessage, StorageRefusedError, uploadFailure } from './messages';

const limits: UploadLimits = { maxUploadBytes: 25 * 1024 * 1024, allowedContentTypes: ['image/jpeg', 'image/png'], maxInputPixels: 50_000_000 };

describe('upload failures in words', () => {
  it.each([
    ['413', new ApiError(413, 'PAYLOAD_TOO_LARGE', 'contentLength 99 exceeds 26214400'), 'This file is larger than the 25 MB limit.', false],
    ['415', new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'x'), 'This type of file is not accepted. Choose JPEG or PNG images.', false],
    [
      '429 pending uploads',
      new ApiError(429, 'TOO_MANY_REQUESTS', 'x', 12, { name: 'pendingUploads', limit: 20 }),
      'Too many uploads are in progress (at most 20 at once). Try again in 12 seconds.',
      true,
    ],
    ['429 without details', new ApiError(429, undefined, 'Too Many Requests'), 'Too many uploads are in progress. Try again in a moment.', true],
    [
      '403 image quota',
      new ApiError(403, 'QUOTA_EXCEEDED', 'x', undefined, { name: 'storedImages', limit: 1000 }),
      'Your storage is full: you can keep up to 1000 images. Delete some images, then retry.',
      true,
    ],
    [
      '403 byte quota',
      new ApiError(403, 'QUOTA_EXCEEDED', 'x', undefined, { name: 'storedBytes', limit: 1024 ** 3 }),
      'Your storage is full: you can keep up to 1 GB of images. Delete some images, then retry.',
      true,
    ],
    ['400', new ApiError(400, 'INVALID_REQUEST', 'fileName must be at most 255 characters.'), 'The upload was refused: fileName must be at most 255 characters.', false],
    ['503', new ApiError(503, 'SERVICE_UNAVAILABLE', 'x', 2), 'The service is busy. Try again in 2 seconds.', true],
    ['500', new ApiError(500, 'INTERNAL_ERROR', 'x'), 'Something went wrong on the server. Try again in a moment.', true],
    ['network', new NetworkError(false), 'The network connection failed. Check your connection, then retry.', true],
    ['timeout', new NetworkError(true), 'The server did not answer in time. Check your connection, then retry.', true],
    [
      'S3 signature refusal',
      new StorageRefusedError(403, 'SignatureDoesNotMatch'),
      'The storage service refused the file: its upload permission was not accepted (it may have expired). Retry to get a new one.',
      true,
    ],
    ['S3 second upload', new StorageRefusedError(412, 'PreconditionFailed'), 'The storage service refused the file: this upload was already used. Retry to upload it again.', true],
    ['S3 other', new StorageRefusedError(400, undefined), 'The storage service refused the file (HTTP 400). Retry, or try again later.', true],
    ['anything else', new Error('boom'), 'Something unexpected went wrong with this file. Retry, or reload the page.', true],
  ])('%s', (_case, error, message, retryable) => {
    expect(uploadFailure(error, limits)).toEqual({ message, retryable });
  });

  it("reads the code of S3's XML error", () => {
    expect(s3ErrorCode('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>')).toBe('AccessDenied');
    expect(s3ErrorCode('not xml')).toBeUndefined();
  });
});

describe('rejections and statuses in words', () => {
  it.each([
    ['NOT_AN_IMAGE', 'This file is not an image.'],
    ['PIXEL_LIMIT_EXCEEDED', 'The image is larger than 50 megapixels.'],
    ['TOO_LARGE', 'The file is larger than the 25 MB limit.'],
    ['CORRUPT_IMAGE', 'The image is damaged and cannot be read.'],
    ['CONTENT_TYPE_MISMATCH', 'The file is a different kind of image than its name says.'],
    ['TOO_MANY_FRAMES', 'The animation has too many frames.'],
  ])('%s', (reason, message) => {
    expect(rejectionMessage({ reason, message: 'technical detail' }, limits)).toBe(message);
  });

  it("falls back on the processor's own words for a reason it does not know", () => {
    expect(rejectionMessage({ reason: 'NEW_REASON', message: 'It is purple.' }, limits)).toBe('The image was refused: It is purple.');
    expect(rejectionMessage(undefined, limits)).toBe('The image was refused.');
  });

  it('says where an image is', () => {
    expect(statusMessage({ status: 'PENDING' }, limits)).toBe('Processing…');
    expect(statusMessage({ status: 'DONE' }, limits)).toBe('Ready');
    expect(statusMessage({ status: 'REJECTED', rejection: { reason: 'NOT_AN_IMAGE', message: 'x' } }, limits)).toBe('This file is not an image.');
    expect(statusMessage({ status: 'FAILED' }, limits)).toMatch(/^Processing failed/);
    expect(statusMessage({ status: 'EXPIRED' }, limits)).toMatch(/never arrived/);
  });
});
