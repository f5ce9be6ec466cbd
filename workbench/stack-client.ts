import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { InitiateAuthCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { STORAGE_METRICS } from '../src/contract';
import type { StackEndpoints } from './aws-clients';
import type { ImageRecord } from '../src/domain/image-record';

/** What provisioning writes to the stack file (README: "The stack file"). */
export interface StackDescription {
  readonly region: string;
  /** `mailInbox`: the mail catcher's web inbox and HTTP API. */
  readonly endpoints: StackEndpoints & { readonly gateway: string; readonly uploads: string; readonly mailInbox: string };
  readonly originalsBucket: string;
  readonly processedBucket: string;
  readonly imagesTable: string;
  readonly uploadQueue: QueueDescription;
  readonly deadLetterQueue: QueueDescription;
  readonly observerQueue: QueueDescription;
  readonly notificationsTopicArn: string;
  readonly maxReceiveCount: number;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly demoUsername: string;
  /** The address subscribed to the topic with the e-mail protocol. */
  readonly demoEmail: string;
}

interface QueueDescription {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export function readStackFile(path: string): StackDescription {
  let stack: StackDescription;
  try {
    stack = JSON.parse(readFileSync(path, 'utf8')) as StackDescription;
  } catch (error) {
    throw new Error(`Cannot read the stack file ${path}: is the stack up (npm run stack:up)? ${String(error)}`, { cause: error });
  }
  return { ...stack, endpoints: { ...stack.endpoints, region: stack.region } };
}

export async function signIn(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  username: string,
  password: string,
): Promise<{ accessToken: string; idToken: string }> {
  const { AuthenticationResult } = await cognito.send(
    new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: username, PASSWORD: password } }),
  );
  if (!AuthenticationResult?.AccessToken || !AuthenticationResult.IdToken) throw new Error(`Sign-in of ${username} returned no tokens.`);
  return { accessToken: AuthenticationResult.AccessToken, idToken: AuthenticationResult.IdToken };
}

export interface UploadGrant {
  readonly upload_url: string;
  readonly file_path: string;
  readonly image_id: string;
  readonly expires_in: number;
  readonly headers: Record<string, string>;
}

/** POST /uploads; returns the status and the parsed body whatever the status. */
export async function requestUpload(
  uploadsUrl: string,
  token: string | undefined,
  body: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(uploadsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/**
 * A PUT with exactly these headers (Content-Length included, as a browser derives it from the
 * body). node:http rather than fetch, so a test can send headers fetch would rewrite.
 */
export function putObject(url: string, headers: Record<string, string>, body: Uint8Array): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'PUT', headers: { 'Content-Length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(Buffer.from(body));
  });
}

/** Polls until `check` returns a value or the deadline passes; then throws `failure()`. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; failure: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(options.failure());
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}

export async function getImage(dynamoDb: DynamoDBClient, table: string, imageId: string): Promise<ImageRecord | undefined> {
  const { Item } = await dynamoDb.send(new GetItemCommand({ TableName: table, Key: { imageId: { S: imageId } }, ConsistentRead: true }));
  return Item ? (unmarshall(Item) as ImageRecord) : undefined;
}

export interface ReceivedNotification {
  readonly subject?: string;
  readonly message: Record<string, unknown>;
  readonly attributes: Record<string, string>;
}

/**
 * Reads SNS notifications from the observer queue (SNS envelopes) and deletes each it returns.
 * Others are left for their owner, visible again after a short timeout.
 */
export async function takeNotifications(
  sqs: SQSClient,
  queueUrl: string,
  wanted: (notification: ReceivedNotification) => boolean,
): Promise<ReceivedNotification[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 2 }),
  );
  const taken: ReceivedNotification[] = [];
  for (const message of Messages) {
    const envelope = JSON.parse(message.Body ?? '{}') as {
      Subject?: string;
      Message?: string;
      MessageAttributes?: Record<string, { Value: string }>;
    };
    const notification: ReceivedNotification = {
      ...(envelope.Subject !== undefined ? { subject: envelope.Subject } : {}),
      message: JSON.parse(envelope.Message ?? '{}') as Record<string, unknown>,
      attributes: Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [name, value.Value])),
    };
    if (!wanted(notification)) continue;
    taken.push(notification);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  }
  return taken;
}

/** The latest datapoint of a CustomS3 metric for one bucket in the last ten minutes. */
export async function latestBucketMetric(
  cloudWatch: CloudWatchClient,
  namespace: string,
  metricName: typeof STORAGE_METRICS.bucketSizeBytes | typeof STORAGE_METRICS.numberOfObjects,
  bucketName: string,
): Promise<{ value: number; at: Date } | undefined> {
  const now = Date.now();
  const { Datapoints = [] } = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: [{ Name: STORAGE_METRICS.bucketDimension, Value: bucketName }],
      // LocalStack treats EndTime as exclusive: look a minute ahead.
      StartTime: new Date(now - 10 * 60_000),
      EndTime: new Date(now + 60_000),
      Period: 60,
      Statistics: ['Maximum'],
    }),
  );
  const latest = Datapoints.filter((point) => point.Timestamp && point.Maximum !== undefined).sort(
    (a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime(),
  )[0];
  return latest ? { value: latest.Maximum!, at: latest.Timestamp! } : undefined;
}
