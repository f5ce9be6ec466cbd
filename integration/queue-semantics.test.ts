import { spawnSync } from 'node:child_process';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createdEventBody } from '../src/domain/storage-event';
import { getImage, pollUntil, putObject, type ReceivedNotification, takeNotifications, type UploadGrant } from '../workbench/stack-client';
import { requestUpload } from './support/api';
import type { ImageRecord } from '../src/domain/image-record';
import * as images from '../src/test-support/images';
import { type ComposeStack, startComposeStack } from './support/compose-stack';
import { REPO_ROOT } from './support/images';
import { recordTrial } from './support/reliability';

const MAX_RECEIVE_COUNT = 3;
let running: ComposeStack;

beforeAll(async () => {
  running = await startComposeStack({ MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT), QUEUE_VISIBILITY_TIMEOUT_SECONDS: '2' });
});

afterAll(async () => {
  await running?.down();
});

async function upload(bytes: Buffer, contentType = 'image/png'): Promise<UploadGrant> {
  const response = await requestUpload(running.stack.endpoints.uploads, running.accessToken, { contentType, contentLength: bytes.length });
  expect(response.status).toBe(201);
  const grant = response.body as UploadGrant;
  expect((await putObject(grant.upload_url, grant.headers, bytes)).status).toBe(200);
  return grant;
}

const record = (imageId: string) => getImage(running.clients.dynamoDb, running.stack.imagesTable, imageId);

async function waitForStatus(imageId: string, status: ImageRecord['status'], timeoutMs = 60_000): Promise<ImageRecord> {
  return pollUntil(
    async () => {
      const current = await record(imageId);
      return current?.status === status && current.notifiedAt !== undefined ? current : undefined;
    },
    { timeoutMs, failure: () => `image ${imageId} did not become ${status} (and notified) within ${timeoutMs / 1000} s` },
  );
}

async function queueIsDrained(queueUrl: string, what: string): Promise<void> {
  await pollUntil(
    async () => {
      const { Attributes = {} } = await running.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, failure: () => `${what} still holds messages after 60 s` },
  );
}

async function notificationsFor(imageId: string): Promise<ReceivedNotification[]> {
  const found: ReceivedNotification[] = [];
  // Gather for a few seconds: duplicates, if any, arrive close together.
  const until = Date.now() + 3000;
  while (Date.now() < until) found.push(...(await takeNotifications(running.clients.sqs, running.stack.observerQueue.url, (n) => n.message.imageId === imageId)));
  return found;
}

const resend = (key: string, queueUrl: string) =>
  running.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: createdEventBody({ bucketName: running.stack.originalsBucket, key, region: running.stack.region, at: new Date() }),
    }),
  );

describe(`queue semantics (maxReceiveCount ${MAX_RECEIVE_COUNT})`, () => {
  it('a duplicate delivery, concurrent or late, gives one record and never a regression', async () => {
    // Arrange: the upload's own event plus four copies at once, then one more after DONE.
    const grant = await upload(await images.png(400, 300));
    await Promise.all(Array.from({ length: 4 }, () => resend(grant.file_path, running.stack.uploadQueue.url)));
    const done = await waitForStatus(grant.image_id, 'DONE');
    await queueIsDrained(running.stack.uploadQueue.url, 'the upload queue');

    // Act
    await resend(grant.file_path, running.stack.uploadQueue.url);
    await queueIsDrained(running.stack.uploadQueue.url, 'the upload queue');

    // Assert
    expect(await record(grant.image_id)).toEqual(done);
    const { Contents = [] } = await running.clients.s3.send(new ListObjectsV2Command({ Bucket: running.stack.processedBucket, Prefix: `processed/${grant.image_id}` }));
    expect(Contents).toHaveLength(2);
    const notifications = await notificationsFor(grant.image_id);
    expect(notifications.length).toBeGreaterThanOrEqual(1);
    expect(notifications.every((n) => n.attributes.status === 'DONE')).toBe(true);
    recordTrial({
      area: 'Queue semantics',
      trial: 'the same upload event delivered 5 times at once, then once more after DONE',
      runs: 1,
      outcome: `1 DONE record (unchanged by the late copy), 2 renditions, ${notifications.length} DONE notification(s)`,
    });
  });

  it(`a poison message is retried ${MAX_RECEIVE_COUNT} times, lands in the DLQ and is logged whole by the dead-letter consumer`, async () => {
    const marker = `poison-${Date.now()}`;
    const { MessageId } = await running.clients.sqs.send(new SendMessageCommand({ QueueUrl: running.stack.uploadQueue.url, MessageBody: `{"not":"an S3 event","marker":"${marker}"}` }));

    const deadLetterLog = await pollUntil(
      async () => running.docker('logs', running.containerId('dead-letter')).split('\n').find((line) => line.includes(marker)),
      { timeoutMs: 60_000, failure: () => `the poison message ${MessageId} did not reach the dead-letter consumer within 60 s` },
    );

    const attemptsByProcessor = running.docker('logs', running.containerId('image-processor')).split('\n').filter((line) => line.includes(MessageId!) && line.includes('message will be retried'));
    expect(attemptsByProcessor).toHaveLength(MAX_RECEIVE_COUNT);
    expect(JSON.parse(deadLetterLog)).toMatchObject({ level: 'error', message: 'dead-lettered message is not an S3 event; acknowledged after logging it' });
    await queueIsDrained(running.stack.deadLetterQueue.url, 'the dead-letter queue');
    recordTrial({ area: 'Queue semantics', trial: 'a message that is not an S3 event', runs: 1, outcome: `retried ${attemptsByProcessor.length} times, moved to the DLQ, logged whole and acknowledged there` });
  });

  it('an upload that keeps failing ends FAILED via the DLQ, and the documented retry command brings it to DONE', async () => {
    // Arrange: the processed bucket disappears, so every attempt fails to write renditions.
    const bucket = running.stack.processedBucket;
    const { Contents = [] } = await running.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    if (Contents.length > 0) await running.clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: Contents.map(({ Key }) => ({ Key })) } }));
    await running.clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const grant = await upload(await images.png(320, 240));

    // Act 1: it fails until the DLQ consumer marks it.
    const failed = await waitForStatus(grant.image_id, 'FAILED', 90_000);
    const failureNotices = await notificationsFor(grant.image_id);

    // Act 2: fix the cause, run the documented command.
    await running.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const retry = spawnSync('npx', ['ts-node', '--transpile-only', 'workbench/retry-failed.ts', grant.image_id], {
      cwd: REPO_ROOT,
      env: { ...process.env, STACK_FILE: running.stackFile },
      encoding: 'utf8',
    });
    const done = await waitForStatus(grant.image_id, 'DONE');

    // Assert
    const failedAttempts = running.docker('logs', running.containerId('image-processor')).split('\n').filter((line) => line.includes('message will be retried') && line.includes('NoSuchBucket'));
    expect(failedAttempts).toHaveLength(MAX_RECEIVE_COUNT);
    expect(failed.failureMessage).toContain('moved to the dead-letter queue');
    expect(failureNotices.map((n) => n.attributes.status)).toEqual(['FAILED']);
    expect(retry.stdout).toContain(`requeued ${grant.image_id}`);
    expect(done).toMatchObject({ status: 'DONE', processedS3Key: `processed/${grant.image_id}.jpg` });
    expect(done).not.toHaveProperty('failureMessage');
    expect((await notificationsFor(grant.image_id)).map((n) => n.attributes.status)).toContain('DONE');
    recordTrial({
      area: 'Queue semantics',
      trial: 'processed bucket deleted: every attempt fails; bucket restored; `npm run retry-failed`',
      runs: 1,
      outcome: `FAILED via the DLQ after ${MAX_RECEIVE_COUNT} failed attempts (FAILED notified), then DONE after the retry command`,
    });
  });

  it('a late dead letter for an image already DONE changes nothing (events out of order)', async () => {
    const grant = await upload(await images.png(200, 100));
    const done = await waitForStatus(grant.image_id, 'DONE');

    await resend(grant.file_path, running.stack.deadLetterQueue.url);
    await queueIsDrained(running.stack.deadLetterQueue.url, 'the dead-letter queue');

    expect(await record(grant.image_id)).toEqual(done);
    expect((await notificationsFor(grant.image_id)).map((n) => n.attributes.status)).toEqual(['DONE']);
    recordTrial({ area: 'Queue semantics', trial: 'a dead letter arriving after the image is DONE', runs: 1, outcome: 'record stays DONE, no FAILED notification' });
  });
});
