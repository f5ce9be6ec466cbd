import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, DeleteTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import sharp from 'sharp';
import { getImage, pollUntil, type ReceivedNotification, takeNotifications } from '../src/local/stack-client';
import { toSqsEvent } from '../src/local/sqs-event-source';
import * as images from '../src/test-support/images';
import { type Backends, startBackends } from './support/backends';
import { type RunningFunction, startFunction } from './support/function-container';
import { FUNCTION_IMAGES } from './support/images';

const ORIGINALS = 'it-proc-originals';
const PROCESSED = 'it-proc-renditions';
const TABLE = 'it-proc-images';
const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';

let backends: Backends;
let processor: RunningFunction;
let uploadQueueUrl: string;
let observerQueueUrl: string;
let topicArn: string;
let sequence = 0;

const createTable = async () => {
  await backends.clients.dynamoDb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'imageId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'imageId', KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client: backends.clients.dynamoDb, maxWaitTime: 30 }, { TableName: TABLE });
};

const createTopic = async () => {
  const { TopicArn } = await backends.clients.sns.send(new CreateTopicCommand({ Name: 'it-proc-events' }));
  const { Attributes } = await backends.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: observerQueueUrl, AttributeNames: ['QueueArn'] }));
  await backends.clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  return TopicArn!;
};

beforeAll(async () => {
  backends = await startBackends();
  const { s3, sqs } = backends.clients;
  await s3.send(new CreateBucketCommand({ Bucket: ORIGINALS }));
  await s3.send(new CreateBucketCommand({ Bucket: PROCESSED }));
  uploadQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'it-proc-uploads', Attributes: { VisibilityTimeout: '1' } }))).QueueUrl!;
  observerQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'it-proc-observer' }))).QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: uploadQueueUrl, AttributeNames: ['QueueArn'] }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: ORIGINALS,
      NotificationConfiguration: {
        QueueConfigurations: [
          { QueueArn: Attributes!.QueueArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'user-uploads/' }] } } },
        ],
      },
    }),
  );
  await createTable();
  topicArn = await createTopic();
  processor = await startFunction(FUNCTION_IMAGES.processor, backends.network, {
    ...backends.functionEnvironment,
    ORIGINALS_BUCKET: ORIGINALS,
    PROCESSED_BUCKET: PROCESSED,
    IMAGES_TABLE: TABLE,
    NOTIFICATIONS_TOPIC_ARN: topicArn,
  });
});

afterAll(async () => {
  await processor?.stop();
  await backends?.stop();
});

const imageId = () => `9b2e7c1a-4d3f-4a8b-b6c5-${String(++sequence).padStart(12, '0')}`;

/** Uploads an original and waits for the S3 event notification S3 puts on the queue for it. */
async function upload(bytes: Buffer, extension: string): Promise<{ id: string; key: string; message: Message }> {
  const id = imageId();
  const key = `user-uploads/${USER}/${id}.${extension}`;
  await backends.clients.s3.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: key, Body: bytes }));
  const message = await pollUntil(
    async () => {
      const { Messages = [] } = await backends.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: uploadQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const candidate of Messages) {
        // Drop S3's test event and events of earlier tests; keep ours.
        if (!candidate.Body?.includes(id)) {
          await backends.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: uploadQueueUrl, ReceiptHandle: candidate.ReceiptHandle }));
        }
      }
      return Messages.find((candidate) => candidate.Body?.includes(id));
    },
    { timeoutMs: 20_000, failure: () => `no SQS message within 20 s after uploading s3://${ORIGINALS}/${key}` },
  );
  return { id, key, message };
}

/** Invokes the processor with the message, as the SQS event source mapping does. */
async function invoke(message: Message): Promise<SQSBatchResponse> {
  const result = await processor.invoke(toSqsEvent([message], 'arn:aws:sqs:us-east-1:000000000000:it-proc-uploads', 'us-east-1'));
  if (result.kind !== 'ok') throw new Error(`processor invocation failed: ${JSON.stringify(result)}\n${await processor.logs()}`);
  return result.payload as SQSBatchResponse;
}

async function notificationsFor(id: string, count = 1): Promise<ReceivedNotification[]> {
  const found: ReceivedNotification[] = [];
  await pollUntil(
    async () => {
      found.push(...(await takeNotifications(backends.clients.sqs, observerQueueUrl, (n) => n.message.imageId === id)));
      return found.length >= count ? true : undefined;
    },
    { timeoutMs: 15_000, failure: () => `no SNS notification for ${id} on the observer queue within 15 s` },
  );
  return found;
}

async function processed(key: string): Promise<Buffer> {
  const { Body } = await backends.clients.s3.send(new GetObjectCommand({ Bucket: PROCESSED, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

describe('image-processor, in its container, fed by a real S3 event notification', () => {
  it('renders oriented renditions without EXIF, records DONE and notifies', async () => {
    // Arrange: stored 40×20 with orientation 6 and GPS in its EXIF: displayed as 20×40.
    const original = await sharp(await images.orientation6Jpeg())
      .withExifMerge({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .jpeg()
      .toBuffer();
    const { id, key, message } = await upload(original, 'jpg');

    // Act
    const response = await invoke(message);

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    const record = await getImage(backends.clients.dynamoDb, TABLE, id);
    expect(record).toMatchObject({
      status: 'DONE',
      userId: USER,
      originalS3Key: key,
      processedS3Key: `processed/${id}.jpg`,
      width: 20,
      height: 40,
      format: 'jpeg',
      renditions: [
        { key: `processed/${id}.jpg`, width: 20, height: 40, format: 'jpeg' },
        { key: `processed/${id}/1024.webp`, width: 20, height: 40, format: 'webp' },
      ],
    });
    for (const rendition of record!.renditions!) {
      const metadata = await sharp(await processed(rendition.key)).metadata();
      expect([metadata.width, metadata.height]).toEqual([20, 40]);
      expect(metadata.exif).toBeUndefined();
      expect(metadata.orientation).toBeUndefined();
    }
    const [notification] = await notificationsFor(id);
    expect(notification).toMatchObject({
      subject: `Image processed: ${id}`,
      attributes: { status: 'DONE', userId: USER },
      message: { imageId: id, status: 'DONE', processedS3Key: `processed/${id}.jpg` },
    });
  });

  it('records a non-image as REJECTED, notifies, and acknowledges the message', async () => {
    const { id, message } = await upload(images.html(), 'jpg');

    const response = await invoke(message);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await getImage(backends.clients.dynamoDb, TABLE, id)).toMatchObject({ status: 'REJECTED', rejectionReason: 'NOT_AN_IMAGE' });
    const [notification] = await notificationsFor(id);
    expect(notification).toMatchObject({ attributes: { status: 'REJECTED' }, message: { reason: 'NOT_AN_IMAGE' } });
  });

  it('changes nothing when the same message is delivered again', async () => {
    const { id, message } = await upload(await images.png(300, 200), 'png');
    await invoke(message);
    const first = await getImage(backends.clients.dynamoDb, TABLE, id);
    await notificationsFor(id);

    const again = await invoke(message);

    expect(again).toEqual({ batchItemFailures: [] });
    expect(await getImage(backends.clients.dynamoDb, TABLE, id)).toEqual(first);
    expect(await takeNotifications(backends.clients.sqs, observerQueueUrl, (n) => n.message.imageId === id)).toEqual([]);
  });

  it('reports the message as a batch item failure while the table is gone, and finishes it once the table is back', async () => {
    const { id, message } = await upload(await images.png(300, 200), 'png');
    await backends.clients.dynamoDb.send(new DeleteTableCommand({ TableName: TABLE }));

    const duringFault = await invoke(message);
    await createTable();
    const afterRepair = await invoke(message);

    expect(duringFault).toEqual({ batchItemFailures: [{ itemIdentifier: message.MessageId }] });
    expect(afterRepair).toEqual({ batchItemFailures: [] });
    expect(await getImage(backends.clients.dynamoDb, TABLE, id)).toMatchObject({ status: 'DONE', notifiedAt: expect.any(String) });
    expect(await notificationsFor(id)).toHaveLength(1);
  });

  it('retries a notification that could not be sent because the topic was gone, and sends it exactly once', async () => {
    const { id, message } = await upload(await images.png(300, 200), 'png');
    await backends.clients.sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));

    const duringFault = await invoke(message);
    const recordDuringFault = await getImage(backends.clients.dynamoDb, TABLE, id);
    await createTopic();
    const afterRepair = await invoke(message);

    expect(duringFault).toEqual({ batchItemFailures: [{ itemIdentifier: message.MessageId }] });
    expect(recordDuringFault).toMatchObject({ status: 'DONE' });
    expect(recordDuringFault).not.toHaveProperty('notifiedAt');
    expect(afterRepair).toEqual({ batchItemFailures: [] });
    expect(await getImage(backends.clients.dynamoDb, TABLE, id)).toMatchObject({ status: 'DONE', notifiedAt: expect.any(String) });
    expect(await notificationsFor(id)).toHaveLength(1);
    expect(await takeNotifications(backends.clients.sqs, observerQueueUrl, (n) => n.message.imageId === id)).toEqual([]);
  });
});
