import { BatchWriteItemCommand, DeleteTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteTopicCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { ENV, ORIGINALS_PREFIX } from '../../src/contract';
import { getImage, pollUntil, type ReceivedNotification, takeNotifications } from '../../workbench/stack-client';
import { provisionBuckets, provisionQueues, provisionTable, provisionTopic, provisionUsageTable } from '../../workbench/provisioning';
import { toSqsEvent } from '../../workbench/sqs-event-source';
import type { ImageRecord } from '../../src/domain/image-record';
import { DynamoDbImageRepository } from '../../src/adapters/dynamodb-image-repository';
import { contentTypeOf, formatFromExtension } from '../../src/domain/image-format';
import { type Backends, startBackends } from './backends';
import { type RunningFunction, startFunction } from './function-container';
import { FUNCTION_IMAGES } from './images';

/**
 * image-processor in its container with everything around it that AWS would provide: originals
 * bucket with its S3 → SQS notification, processed bucket, table, topic with an observer queue.
 * The test plays the event source mapping: it takes S3's message from the queue and invokes.
 */
export interface ProcessorRig {
  readonly backends: Backends;
  readonly processor: RunningFunction;
  readonly names: { originals: string; processed: string; table: string; usage: string };
  readonly userId: string;
  /**
   * Reserves the upload as generate-upload-url does (a PENDING record), unless `reserve` is false,
   * then puts the object and takes S3's event for it from the queue. `userId` changes whose folder
   * the object goes to; `id` reuses an image id.
   */
  upload(bytes: Buffer, extension: string, options?: { reserve?: boolean; userId?: string; id?: string }): Promise<{ id: string; key: string; message: Message }>;
  invoke(message: Message): Promise<SQSBatchResponse>;
  record(id: string): Promise<ImageRecord | undefined>;
  notificationsFor(id: string, count?: number): Promise<ReceivedNotification[]>;
  unclaimedNotificationsFor(id: string): Promise<ReceivedNotification[]>;
  processed(key: string): Promise<Buffer>;
  /** Reserves this key as generate-upload-url does: a PENDING record and its share of the usage. */
  reserve(id: string, key: string, bytes: number): Promise<void>;
  /** Replaces the processor container with a new one, on the same resources, with other limits. */
  restartProcessor(options: { memoryMb?: number; ulimits?: Record<string, { hard: number; soft: number }> }): Promise<void>;
  removeTable(): Promise<void>;
  createTable(): Promise<void>;
  removeTopic(): Promise<void>;
  createTopic(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProcessorRig(
  prefix: string,
  options: { memoryMb?: number; environment?: Record<string, string>; ulimits?: Record<string, { hard: number; soft: number }> } = {},
): Promise<ProcessorRig> {
  const names = { originals: `${prefix}-originals`, processed: `${prefix}-renditions`, table: `${prefix}-images`, usage: `${prefix}-usage` };
  const userId = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
  const backends = await startBackends();
  const { s3, sqs, sns, dynamoDb } = backends.clients;
  // The same resources provisioning creates for the local stack. The test plays the event source
  // mapping and may receive a message many times while it looks for its own: no redrive in practice.
  const queues = await provisionQueues(sqs, {
    uploadQueueName: `${prefix}-uploads`,
    deadLetterQueueName: `${prefix}-uploads-dlq`,
    observerQueueName: `${prefix}-observer`,
    originalsBucketName: names.originals,
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 1000,
  });
  const uploadQueueUrl = queues.uploadQueue.url;
  const observerQueueUrl = queues.observerQueue.url;
  await provisionBuckets(s3, { originalsBucketName: names.originals, processedBucketName: names.processed, corsAllowedOrigins: ['*'] }, queues.uploadQueue.arn);
  const topicName = `${prefix}-events`;
  let topicArn = '';
  const createTopic = async () => {
    topicArn = await provisionTopic(sns, sqs, topicName, queues.observerQueue);
  };
  // A table "outage" keeps its items: removeTable saves them, createTable puts them back.
  let saved: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue>[] = [];
  const createTable = async () => {
    await provisionTable(dynamoDb, names.table);
    for (let i = 0; i < saved.length; i += 25) {
      await dynamoDb.send(new BatchWriteItemCommand({ RequestItems: { [names.table]: saved.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    saved = [];
  };
  await createTable();
  await provisionUsageTable(dynamoDb, names.usage);
  // Records are reserved as POST /uploads reserves them: the processor finishes nothing else.
  const repository = new DynamoDbImageRepository(dynamoDb, names.table, names.usage);
  const unlimited = { pendingUploads: 1000, storedImages: 1_000_000, storedBytes: Number.MAX_SAFE_INTEGER };
  await createTopic();
  const environment = {
    ...backends.functionEnvironment,
    [ENV.originalsBucket]: names.originals,
    [ENV.processedBucket]: names.processed,
    [ENV.imagesTable]: names.table,
    [ENV.usageTable]: names.usage,
    [ENV.notificationsTopicArn]: topicArn,
    ...options.environment,
  };
  let processor = await startFunction(FUNCTION_IMAGES.processor, backends.network, environment, options);

  let sequence = 0;
  const rig: ProcessorRig = {
    backends,
    get processor() {
      return processor;
    },
    names,
    userId,
    async upload(bytes, extension, uploadOptions = {}) {
      const id = uploadOptions.id ?? `9b2e7c1a-4d3f-4a8b-b6c5-${String(++sequence).padStart(12, '0')}`;
      const key = `${ORIGINALS_PREFIX}${uploadOptions.userId ?? userId}/${id}.${extension}`;
      if (uploadOptions.reserve ?? true) await rig.reserve(id, key, bytes.length);
      await s3.send(new PutObjectCommand({ Bucket: names.originals, Key: key, Body: bytes }));
      const message = await pollUntil(
        async () => {
          const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: uploadQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
          for (const candidate of Messages) {
            // Drop S3's test event and leftovers of earlier tests; keep ours.
            if (!candidate.Body?.includes(key)) await sqs.send(new DeleteMessageCommand({ QueueUrl: uploadQueueUrl, ReceiptHandle: candidate.ReceiptHandle }));
          }
          return Messages.find((candidate) => candidate.Body?.includes(key));
        },
        { timeoutMs: 20_000, failure: () => `no SQS message within 20 s after uploading s3://${names.originals}/${key}` },
      );
      return { id, key, message };
    },
    async invoke(message) {
      const result = await processor.invoke(toSqsEvent([message], `arn:aws:sqs:us-east-1:000000000000:${prefix}-uploads`, 'us-east-1'));
      if (result.kind !== 'ok') throw new Error(`processor invocation failed: ${JSON.stringify(result)}\n${await processor.logs()}`);
      return result.payload as SQSBatchResponse;
    },
    record: (id) => getImage(dynamoDb, names.table, id),
    async notificationsFor(id, count = 1) {
      const found: ReceivedNotification[] = [];
      await pollUntil(
        async () => {
          found.push(...(await takeNotifications(sqs, observerQueueUrl, (n) => n.message.imageId === id)));
          return found.length >= count ? true : undefined;
        },
        { timeoutMs: 15_000, failure: () => `no SNS notification for ${id} on the observer queue within 15 s` },
      );
      return found;
    },
    unclaimedNotificationsFor: (id) => takeNotifications(sqs, observerQueueUrl, (n) => n.message.imageId === id),
    async processed(key) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: names.processed, Key: key }));
      return Buffer.from(await Body!.transformToByteArray());
    },
    async reserve(id, key, bytes) {
      const format = formatFromExtension(key.slice(key.lastIndexOf('.') + 1));
      const now = new Date();
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const reserved = await repository.reserve(
        {
          imageId: id,
          userId: key.split('/')[1]!,
          originalS3Key: key,
          contentType: format ? contentTypeOf(format) : 'application/octet-stream',
          contentLength: bytes,
          createdAt: now.toISOString(),
          expiresAt: nowSeconds + 3600,
        },
        unlimited,
        nowSeconds,
      );
      if (!reserved.reserved) throw new Error(`could not reserve ${id}: ${JSON.stringify(reserved)}`);
    },
    async restartProcessor(restartOptions) {
      await processor.stop();
      processor = await startFunction(FUNCTION_IMAGES.processor, backends.network, environment, restartOptions);
    },
    removeTable: async () => {
      saved = (await dynamoDb.send(new ScanCommand({ TableName: names.table, ConsistentRead: true }))).Items ?? [];
      await dynamoDb.send(new DeleteTableCommand({ TableName: names.table }));
    },
    createTable,
    removeTopic: async () => {
      await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    },
    createTopic,
    async stop() {
      await processor.stop();
      await backends.stop();
    },
  };
  return rig;
}
