import { InvalidMessageError } from './errors';
import { epochMsOf } from './time';

/** An object S3 reported as created, with its key decoded. */
export interface CreatedObject {
  readonly bucketName: string;
  readonly key: string;
  readonly sizeBytes?: number;
  /** S3's time of the event (the upload completed), ISO 8601, when the record has a valid one. */
  readonly eventTime?: string;
}

export type StorageEvent =
  | { readonly kind: 'test' }
  | { readonly kind: 'records'; readonly created: readonly CreatedObject[]; readonly ignoredRecords: number };

/**
 * Reads the body of an SQS message carrying an S3 event notification.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * Anything else is an InvalidMessageError: it is never acknowledged, so the queue's redrive policy
 * moves it to the dead-letter queue where someone can look at it.
 */
export function parseStorageEvent(body: string): StorageEvent {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch (cause) {
    throw new InvalidMessageError('The message body is not JSON.', { cause });
  }
  if (!isObject(message)) throw new InvalidMessageError('The message body is not a JSON object.');
  // S3 sends this once when a notification configuration is saved.
  if (message.Event === 's3:TestEvent') return { kind: 'test' };
  if (!Array.isArray(message.Records) || message.Records.length === 0) {
    throw new InvalidMessageError('The message is not an S3 event notification: it has no Records.');
  }
  const created: CreatedObject[] = [];
  let ignoredRecords = 0;
  for (const record of message.Records) {
    if (!isObject(record) || record.eventSource !== 'aws:s3' || typeof record.eventName !== 'string') {
      throw new InvalidMessageError('A record is not an S3 event record.');
    }
    if (!record.eventName.startsWith('ObjectCreated:')) {
      ignoredRecords += 1;
      continue;
    }
    const s3 = isObject(record.s3) ? record.s3 : undefined;
    const bucket = s3 && isObject(s3.bucket) ? s3.bucket : undefined;
    const object = s3 && isObject(s3.object) ? s3.object : undefined;
    if (typeof bucket?.name !== 'string' || typeof object?.key !== 'string') {
      throw new InvalidMessageError('An S3 record has no bucket name or object key.');
    }
    const size = object.size;
    const eventTime = typeof record.eventTime === 'string' && epochMsOf(record.eventTime) !== undefined ? record.eventTime : undefined;
    created.push({
      bucketName: bucket.name,
      key: decodeKey(object.key),
      ...(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? { sizeBytes: size } : {}),
      ...(eventTime !== undefined ? { eventTime } : {}),
    });
  }
  return { kind: 'records', created, ignoredRecords };
}

/** S3 URL-encodes keys in notifications, with `+` for a space. */
function decodeKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, '%20'));
  } catch (cause) {
    throw new InvalidMessageError('An object key is not valid URL encoding.', { cause });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The notification S3 sends for a created object, as the processor receives it. Used to deliver an
 * upload again (retrying a FAILED image) exactly as S3 first delivered it.
 */
export function createdEventBody(object: { bucketName: string; key: string; region: string; at: Date; sizeBytes?: number }): string {
  // S3 form-encodes keys in notifications: spaces as +, slashes kept.
  const key = encodeURIComponent(object.key).replace(/%20/g, '+').replace(/%2F/g, '/');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: object.region,
        eventTime: object.at.toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: object.bucketName, arn: `arn:aws:s3:::${object.bucketName}` },
          object: { key, ...(object.sizeBytes !== undefined ? { size: object.sizeBytes } : {}) },
        },
      },
    ],
  });
}
