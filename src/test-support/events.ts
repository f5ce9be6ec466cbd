import { createdEventBody } from '../domain/storage-event';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';

/** Typed factories for the events AWS sends, with the fields the handlers read. */

export function apiEvent(options: {
  claims?: Record<string, string | number | boolean | string[]>;
  body?: unknown;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const body = typeof options.body === 'string' || options.body === undefined ? options.body : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey: 'POST /uploads',
    rawPath: '/uploads',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: options.isBase64Encoded ?? false,
    ...(body !== undefined ? { body } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/uploads', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'request-1',
      routeKey: 'POST /uploads',
      stage: '$default',
      time: '23/Nov/2026:12:00:00 +0000',
      timeEpoch: 1795435200000,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: options.claims ?? {}, scopes: [] },
      },
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** The body S3 puts on the queue for one created object. Keys are URL-encoded as S3 does. */
export const s3EventBody = (bucketName: string, key: string, sizeBytes = 1234): string =>
  createdEventBody({ bucketName, key, region: 'us-east-1', at: new Date('2026-11-23T12:00:00.000Z'), sizeBytes });

export const s3TestEventBody = (bucketName: string) =>
  JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-23T12:00:00.000Z', Bucket: bucketName });

export function sqsRecord(body: string, messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795435200000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795435200000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:image-uploads',
    awsRegion: 'us-east-1',
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

export const scheduledEvent = (): ScheduledEvent => ({
  version: '0',
  id: 'event-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: '2026-11-23T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:000000000000:rule/s3-metrics'],
  detail: {},
});
