import { RequestError } from './errors';
import { contentTypeOf, formatFromContentType, type ImageFormat } from './image-format';

export interface UploadPolicy {
  readonly allowedFormats: readonly ImageFormat[];
  readonly maxUploadBytes: number;
  readonly expiresInSeconds: number;
}

export interface UploadRequest {
  readonly format: ImageFormat;
  readonly contentType: string;
  readonly contentLength: number;
  readonly fileName?: string;
}

export const MAX_REQUEST_BODY_BYTES = 4096;
export const MAX_FILE_NAME_LENGTH = 255;
const KNOWN_FIELDS = new Set(['contentType', 'contentLength', 'fileName']);
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Validates the JSON body of `POST /uploads`. Every problem with the shape is reported at once
 * (400); a well-formed request for a type we do not take is 415, and one that is too big is 413.
 */
export function parseUploadRequest(body: string | undefined, policy: UploadPolicy): UploadRequest {
  if (body === undefined || body.trim() === '') {
    throw new RequestError('INVALID_REQUEST', 'The request body must be a JSON object.', ['body is empty']);
  }
  if (Buffer.byteLength(body, 'utf8') > MAX_REQUEST_BODY_BYTES) {
    throw new RequestError('INVALID_REQUEST', `The request body must be at most ${MAX_REQUEST_BODY_BYTES} bytes.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RequestError('INVALID_REQUEST', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestError('INVALID_REQUEST', 'The request body must be a JSON object.');
  }
  const fields = parsed as Record<string, unknown>;
  const problems: string[] = [];

  for (const name of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(name)) problems.push(`unknown field "${name}"`);
  }

  const { contentType, contentLength, fileName } = fields;
  if (typeof contentType !== 'string' || contentType.trim() === '') {
    problems.push('contentType is required and must be a string such as "image/png"');
  }
  if (contentLength === undefined) {
    problems.push('contentLength is required: the exact size of the file in bytes');
  } else if (typeof contentLength !== 'number' || !Number.isSafeInteger(contentLength) || contentLength < 1) {
    problems.push('contentLength must be a positive whole number of bytes');
  }
  if (fileName !== undefined) {
    if (typeof fileName !== 'string' || fileName.length === 0 || fileName.length > MAX_FILE_NAME_LENGTH) {
      problems.push(`fileName must be a string of 1 to ${MAX_FILE_NAME_LENGTH} characters`);
    } else if (CONTROL_CHARACTERS.test(fileName)) {
      problems.push('fileName must not contain control characters');
    }
  }
  if (problems.length > 0) {
    throw new RequestError('INVALID_REQUEST', `The request is invalid: ${problems.join('; ')}.`, problems);
  }

  // MIME types are case-insensitive (RFC 2045 §5.1).
  const normalisedType = (contentType as string).trim().toLowerCase();
  const format = formatFromContentType(normalisedType);
  if (!format || !policy.allowedFormats.includes(format)) {
    const allowed = policy.allowedFormats.map(contentTypeOf).join(', ');
    throw new RequestError('UNSUPPORTED_MEDIA_TYPE', `contentType must be one of: ${allowed}.`);
  }
  const size = contentLength as number;
  if (size > policy.maxUploadBytes) {
    throw new RequestError(
      'PAYLOAD_TOO_LARGE',
      `contentLength ${size} exceeds the maximum upload size of ${policy.maxUploadBytes} bytes.`,
    );
  }
  return {
    format,
    contentType: contentTypeOf(format),
    contentLength: size,
    ...(typeof fileName === 'string' ? { fileName } : {}),
  };
}
