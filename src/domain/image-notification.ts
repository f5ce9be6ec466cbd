import type { NotifiedStatus } from '../contract';
import type { RejectionReason } from './errors';
import type { ImageFormat } from './image-format';
import type { ImageRecord, Rendition } from './image-record';
import type { Clock } from './ports/clock';
import type { ImageRepository } from './ports/image-repository';
import type { Notifier } from './ports/notifier';

/**
 * What subscribers learn about an image that reached a final state: a structured body for programs,
 * and for people a subject and a plain-text mail (`emailText`) saying which image, what happened,
 * why in words, and when.
 */
export interface ImageNotification {
  readonly subject: string;
  /** What e-mail subscribers read instead of the structured body. */
  readonly emailText: string;
  /** Absent only for an object outside the upload layout, which has no image id. */
  readonly imageId?: string;
  readonly userId?: string;
  readonly status: NotifiedStatus;
  readonly originalS3Key: string;
  readonly processedS3Key?: string;
  readonly renditionKeys?: readonly string[];
  readonly reason?: string;
  readonly message?: string;
}

// SNS: "Subjects must be ASCII text ... and must be less than 100 characters long."
// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
const SUBJECT_MAX_LENGTH = 99;

/** Why an image was rejected, in words a person acts on: a clause after "because", and advice. */
const REJECTIONS: Readonly<Record<RejectionReason, { readonly because: string; readonly advice: string }>> = {
  INVALID_KEY: {
    because: 'it was not uploaded through the upload API: its key is not one the API hands out, so it belongs to no image',
    advice: 'Nothing was processed and the object was left where it is. If nobody expected it, check who can write to the bucket.',
  },
  ORIGINAL_NOT_FOUND: {
    because: 'the uploaded file was no longer in the bucket when its turn came',
    advice: 'Upload the file again.',
  },
  EMPTY_FILE: {
    because: 'the file is empty (0 bytes)',
    advice: 'Upload the file again; the first upload may have been cut short.',
  },
  TOO_LARGE: {
    because: 'the file is larger than the size limit',
    advice: 'Upload a smaller version of the picture.',
  },
  NOT_AN_IMAGE: {
    because: 'the file is not an image: its contents are not JPEG, PNG, WebP, GIF, AVIF or TIFF, whatever its name says',
    advice: 'Upload the picture itself, not a document or a web page saved under a picture name.',
  },
  UNSUPPORTED_FORMAT: {
    because: 'the file starts like an image but is not one of the formats this service can read',
    advice: 'Save the picture as JPEG, PNG or WebP and upload that file.',
  },
  CONTENT_TYPE_MISMATCH: {
    because: 'the file is a different kind of image than the type it was uploaded as',
    advice: 'Upload it again with its real type (for example image/png for a PNG file).',
  },
  CORRUPT_IMAGE: {
    because: 'the image is damaged or incomplete and cannot be decoded',
    advice: 'Open and save the picture again, or export a new copy, then upload that file.',
  },
  PIXEL_LIMIT_EXCEEDED: {
    because: 'the image has more pixels than the service accepts',
    advice: 'Scale the picture down and upload it again.',
  },
  TOO_MANY_FRAMES: {
    because: 'the animation has more frames than the service accepts',
    advice: 'Shorten the animation, or upload a still picture.',
  },
  DECODE_MEMORY_EXCEEDED: {
    because: 'decoding the image would take more memory than the service has for one image',
    advice: 'Scale the picture down, or save it as a baseline (not progressive) JPEG, and upload it again.',
  },
  NOT_RESERVED: {
    because: 'no upload URL was issued for this object: its image id was never reserved for this key',
    advice: 'Nothing was processed, and no other image was changed. Upload through the upload API; if nobody expected this object, check who can write to the bucket.',
  },
};

const FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  avif: 'AVIF',
  tiff: 'TIFF',
  heic: 'HEIC',
  heif: 'HEIF',
};

/** The notification for an image in a final state, derived from its record alone. */
export function notificationFor(record: ImageRecord): ImageNotification | undefined {
  const name = record.originalFileName ?? record.imageId;
  const common = { imageId: record.imageId, userId: record.userId, originalS3Key: record.originalS3Key };
  switch (record.status) {
    case 'DONE':
      return {
        ...common,
        status: 'DONE',
        subject: subject(`Image processed: ${name}`),
        emailText: doneText(record),
        ...(record.processedS3Key !== undefined ? { processedS3Key: record.processedS3Key } : {}),
        renditionKeys: (record.renditions ?? []).map((rendition) => rendition.key),
      };
    case 'REJECTED':
      return {
        ...common,
        status: 'REJECTED',
        subject: subject(`Image rejected (${record.rejectionReason ?? 'unknown'}): ${name}`),
        emailText: rejectedText(record),
        ...(record.rejectionReason !== undefined ? { reason: record.rejectionReason } : {}),
        ...(record.rejectionMessage !== undefined ? { message: record.rejectionMessage } : {}),
      };
    case 'FAILED':
      return {
        ...common,
        status: 'FAILED',
        subject: subject(`Image processing failed: ${name}`),
        emailText: failedText(record),
        ...(record.failureMessage !== undefined ? { message: record.failureMessage } : {}),
      };
    case 'PENDING':
    case 'EXPIRED':
    case 'DELETED':
      return undefined;
  }
}

/**
 * The notification for an object outside `user-uploads/<userId>/<imageId>.<ext>`: no upload URL
 * was ever issued for it, so there is no record, only the object and the time it was seen.
 */
export function unknownObjectNotification(object: { readonly bucketName: string; readonly key: string }, seenAt: string): ImageNotification {
  return strayObjectNotification(object, 'INVALID_KEY', 'is not a key the upload function issues.', seenAt);
}

/**
 * The notification for an object whose image id belongs to another reservation (another user's
 * folder, or another key): that image is not touched, so this one carries no image id, only the
 * key's user, the object and the time it was seen.
 */
export function foreignObjectNotification(object: { readonly bucketName: string; readonly key: string }, userId: string, seenAt: string): ImageNotification {
  return { ...strayObjectNotification(object, 'NOT_RESERVED', "was not reserved by its image id's upload.", seenAt), userId };
}

/** A rejected object that no record stands for: only the object, why, and when it was seen. */
function strayObjectNotification(
  object: { readonly bucketName: string; readonly key: string },
  reason: 'INVALID_KEY' | 'NOT_RESERVED',
  problem: string,
  seenAt: string,
): ImageNotification {
  const location = `s3://${object.bucketName}/${object.key}`;
  const message = `${location} ${problem}`;
  return {
    subject: subject(`Upload rejected (${reason}): ${object.key}`),
    status: 'REJECTED',
    originalS3Key: object.key,
    reason,
    message,
    emailText: mail(
      `An object was rejected because ${REJECTIONS[reason].because}.`,
      [
        ['Details', printable(message)],
        ['What to do', REJECTIONS[reason].advice],
      ],
      [
        ['Object', printable(location)],
        ['Outcome', `rejected (${reason})`],
        ['When', when(seenAt)],
      ],
    ),
  };
}

function doneText(record: ImageRecord): string {
  const original =
    record.width !== undefined && record.height !== undefined && record.format !== undefined
      ? `${record.width} × ${record.height} px ${FORMAT_NAMES[record.format]}${record.bytes !== undefined ? `, ${bytes(record.bytes)}` : ''}`
      : undefined;
  return mail(`The image "${displayName(record)}" was processed.`, [], [
    ...identity(record, 'processed (DONE)'),
    ...(original !== undefined ? ([['Original', original]] as const) : []),
    ...renditionLines(record.renditions ?? []),
    ['Uploaded as', printable(record.originalS3Key)],
  ]);
}

function rejectedText(record: ImageRecord): string {
  const reason = record.rejectionReason;
  const words = reason !== undefined ? REJECTIONS[reason] : undefined;
  return mail(
    words ? `The image "${displayName(record)}" was rejected because ${words.because}.` : `The image "${displayName(record)}" was rejected.`,
    [
      ...(record.rejectionMessage !== undefined ? ([['Details', printable(record.rejectionMessage)]] as const) : []),
      ...(words ? ([['What to do', words.advice]] as const) : []),
    ],
    [...identity(record, `rejected (${reason ?? 'no reason recorded'})`), ['Uploaded as', printable(record.originalS3Key)]],
  );
}

function failedText(record: ImageRecord): string {
  return mail(
    `The image "${displayName(record)}" could not be processed: every attempt failed on our side, not because of the image.`,
    [
      ...(record.failureMessage !== undefined ? ([['Details', printable(record.failureMessage)]] as const) : []),
      ['What happens next', 'The upload is kept. Once the cause is fixed, an operator can process it again; nothing needs to be uploaded again.'],
    ],
    [...identity(record, 'failed (FAILED)'), ['Uploaded as', printable(record.originalS3Key)]],
  );
}

type Line = readonly [label: string, value: string];

function identity(record: ImageRecord, outcome: string): Line[] {
  return [
    ['Image', displayName(record)],
    ['Image id', record.imageId],
    ['Outcome', outcome],
    ...(record.processedAt !== undefined ? ([['When', when(record.processedAt)]] as const) : []),
  ];
}

function renditionLines(renditions: readonly Rendition[]): Line[] {
  return renditions.map((rendition, index) => [
    index === 0 ? 'Renditions' : '',
    `${rendition.key} (${rendition.width} × ${rendition.height} px ${FORMAT_NAMES[rendition.format]}, ${bytes(rendition.bytes)})`,
  ]);
}

/**
 * A plain-text mail: a headline, paragraphs of explanation ("Label: text"), then an aligned table
 * of facts. SNS e-mail is text/plain, so layout is spaces and line breaks only.
 */
function mail(headline: string, explanation: readonly Line[], facts: readonly Line[]): string {
  const width = Math.max(...facts.map(([label]) => label.length)) + 2;
  return [
    headline,
    '',
    ...explanation.flatMap(([label, text]) => [`${label}: ${text}`, '']),
    ...facts.map(([label, value]) => `${(label ? `${label}:` : '').padEnd(width)}${value}`),
    '',
  ].join('\n');
}

function displayName(record: ImageRecord): string {
  return printable(record.originalFileName ?? record.imageId);
}

/** No control characters (line breaks included) from stored text into the mail's layout. */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, '?');
}

/** An ISO 8601 UTC timestamp as a person reads it; anything else as it is. */
function when(isoTimestamp: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(isoTimestamp);
  return match ? `${match[1]} ${match[2]} UTC` : printable(isoTimestamp);
}

function bytes(count: number): string {
  return `${String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} bytes`;
}

/** Subjects must be printable ASCII without line breaks. */
export function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX_LENGTH ? ascii : `${ascii.slice(0, SUBJECT_MAX_LENGTH - 3)}...`;
}

/**
 * Publishes the notification of a record in a final state, then notes that it went out, on
 * condition that the record still has the state that was announced. A retry after a failure between
 * the two publishes again: at least once, never zero times.
 */
export async function notifyOutcome(
  deps: { readonly notifier: Notifier; readonly images: ImageRepository; readonly clock: Clock },
  record: ImageRecord,
): Promise<void> {
  const notification = notificationFor(record);
  if (!notification) return;
  await deps.notifier.publish(notification);
  await deps.images.markNotified(record.imageId, record.status, deps.clock.now().toISOString());
}
