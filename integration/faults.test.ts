import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateTopicCommand, DeleteTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { getImage, pollUntil, putObject, type ReceivedNotification, takeNotifications, type UploadGrant } from '../workbench/stack-client';
import { requestUpload } from './support/api';
import * as images from '../src/test-support/images';
import { type ComposeStack, startComposeStack } from './support/compose-stack';
import { recordTrial } from './support/reliability';

const IMAGES_PER_RUN = 12;
/** How long a dependency stays away: long enough for several attempts to fail against it. */
const OUTAGE_MS = 8000;

let running: ComposeStack;

beforeAll(async () => {
  running = await startComposeStack({
    QUEUE_VISIBILITY_TIMEOUT_SECONDS: '5',
    MAX_RECEIVE_COUNT: '5',
    // Fail fast against a dependency that does not answer, so retries happen within the outage.
    SDK_REQUEST_TIMEOUT_MS: '2000',
    AWS_MAX_ATTEMPTS: '2',
    // The outage test has one user reserve 50 uploads at once, over the default pending quota.
    MAX_PENDING_UPLOADS_PER_USER: '1000',
  });
});

afterAll(async () => {
  await running?.down();
});

async function requestGrants(count: number): Promise<UploadGrant[]> {
  const bytes = await images.png(640, 480);
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await requestUpload(running.stack.endpoints.uploads, running.accessToken, { contentType: 'image/png', contentLength: bytes.length });
      expect(response.status).toBe(201);
      return response.body as UploadGrant;
    }),
  );
}

async function putAll(grants: UploadGrant[]): Promise<void> {
  const bytes = await images.png(640, 480);
  const statuses = await Promise.all(grants.map(async (grant) => (await putObject(grant.upload_url, grant.headers, bytes)).status));
  expect(statuses.every((status) => status === 200)).toBe(true);
}

const outage = () => new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));

const failedAttemptsSoFar = () =>
  running.docker('logs', running.containerId('image-processor')).split('\n').filter((line) => line.includes('message will be retried')).length;

/** Every image DONE and notified, each exactly once in the table and the bucket, and an empty DLQ. */
async function expectAllDoneExactlyOnce(grants: UploadGrant[], fault: string, failedBefore: number): Promise<{ summary: string; failedAttempts: number }> {
  const ids = grants.map((grant) => grant.image_id);
  await pollUntil(
    async () => {
      const records = await Promise.all(ids.map((id) => getImage(running.clients.dynamoDb, running.stack.imagesTable, id)));
      return records.every((record) => record?.status === 'DONE' && record.notifiedAt !== undefined) ? true : undefined;
    },
    { timeoutMs: 180_000, failure: () => `not every image was DONE and notified within 180 s after ${fault}` },
  );
  const notifications: ReceivedNotification[] = [];
  await pollUntil(
    async () => {
      notifications.push(...(await takeNotifications(running.clients.sqs, running.stack.observerQueue.url, (n) => ids.includes(String(n.message.imageId)))));
      return new Set(notifications.map((n) => n.message.imageId)).size === ids.length ? true : undefined;
    },
    { timeoutMs: 30_000, failure: () => `not every image had its SNS notification within 30 s after ${fault}` },
  );
  for (const id of ids) {
    const { Contents = [] } = await running.clients.s3.send(new ListObjectsV2Command({ Bucket: running.stack.processedBucket, Prefix: `processed/${id}` }));
    expect(Contents).toHaveLength(2);
  }
  const { Attributes = {} } = await running.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: running.stack.deadLetterQueue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  expect(Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)).toBe(0);
  const failedAttempts = failedAttemptsSoFar() - failedBefore;
  const duplicates = notifications.length - ids.length;
  return {
    failedAttempts,
    summary: `${failedAttempts} failed attempts retried; all ${ids.length} DONE, 2 renditions each, DLQ empty; ${notifications.length} notifications (${duplicates} duplicate)`,
  };
}

describe('a dependency goes away in the middle of a run and comes back', () => {
  it('DynamoDB paused: messages are retried and every image ends DONE, once', async () => {
    // Arrange: URLs issued (PENDING written) before the outage.
    const grants = await requestGrants(IMAGES_PER_RUN);
    const dynamodb = running.containerId('dynamodb');
    const failedBefore = failedAttemptsSoFar();

    // Act
    running.docker('pause', dynamodb);
    try {
      await putAll(grants);
      await outage();
    } finally {
      running.docker('unpause', dynamodb);
    }

    // Assert
    const outcome = await expectAllDoneExactlyOnce(grants, 'DynamoDB came back', failedBefore);
    expect(outcome.failedAttempts).toBeGreaterThan(0);
    recordTrial({ area: 'Faults', trial: `DynamoDB Local paused for ${OUTAGE_MS / 1000} s while ${IMAGES_PER_RUN} uploads were processed`, runs: 1, outcome: outcome.summary });
  });

  it('LocalStack paused (S3, SQS and SNS at once): every image ends DONE, once', async () => {
    const grants = await requestGrants(IMAGES_PER_RUN);
    await putAll(grants);
    const localstack = running.containerId('localstack');
    const failedBefore = failedAttemptsSoFar();

    running.docker('pause', localstack);
    try {
      await outage();
    } finally {
      running.docker('unpause', localstack);
    }

    // The poller stops too while SQS is paused, so failed attempts are possible, not certain.
    const outcome = await expectAllDoneExactlyOnce(grants, 'LocalStack came back', failedBefore);
    recordTrial({ area: 'Faults', trial: `LocalStack (S3, SQS, SNS) paused for ${OUTAGE_MS / 1000} s right after ${IMAGES_PER_RUN} uploads`, runs: 1, outcome: outcome.summary });
  });

  it('SNS topic gone for a while: notifications are retried and sent once the topic is back', async () => {
    const grants = await requestGrants(IMAGES_PER_RUN);
    const { sns } = running.clients;
    const failedBefore = failedAttemptsSoFar();

    await sns.send(new DeleteTopicCommand({ TopicArn: running.stack.notificationsTopicArn }));
    try {
      await putAll(grants);
      await outage();
    } finally {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: running.stack.notificationsTopicArn.split(':').pop() }));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: running.stack.observerQueue.arn }));
    }

    const outcome = await expectAllDoneExactlyOnce(grants, 'the topic was recreated', failedBefore);
    expect(outcome.failedAttempts).toBeGreaterThan(0);
    recordTrial({ area: 'Faults', trial: `SNS topic deleted for ${OUTAGE_MS / 1000} s while ${IMAGES_PER_RUN} uploads were processed`, runs: 1, outcome: outcome.summary });
  });
});

/** How long the processor stays away in the outage test: longer than maxReceiveCount × the visibility timeout. */
const PROCESSOR_OUTAGE_MS = 6 * 60_000;
const WAITING_UPLOADS = 50;

async function queueDepth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await running.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

describe('the processor goes away for minutes while uploads wait', () => {
  // The longest test of the suite (about 8 minutes): the outage must outlast maxReceiveCount (5) ×
  // the visibility timeout, so that a mapping that spent receives on it would dead-letter the backlog.
  it(`processor stopped for ${PROCESSOR_OUTAGE_MS / 60_000} minutes with ${WAITING_UPLOADS} uploads waiting: no receive spent, all DONE, backlog moving within seconds`, async () => {
    // Arrange: a visibility timeout of 60 s for this test, so a backlog that only moved after it
    // expired could not pass for one that moved at once.
    const { sqs } = running.clients;
    const uploadQueue = running.stack.uploadQueue.url;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: uploadQueue, Attributes: { VisibilityTimeout: '60' } }));
    const grants = await requestGrants(WAITING_UPLOADS);
    const processor = running.containerId('image-processor');
    const keys = new Set(grants.map((grant) => grant.file_path));

    // Act: stop the processor, upload, wait out the outage, start it again.
    let depthAtEnd: { visible: number; inFlight: number };
    const stoppedAt = new Date().toISOString();
    running.docker('stop', '-t', '2', processor);
    try {
      // The gateway notices within a second and stops receiving once its long poll in flight ends
      // (up to 20 s: cutting it short could cost a message a receive). The uploads come after that,
      // so all 50 are waiting in the queue, none in a batch already received.
      await pollUntil(
        async () =>
          running.docker('logs', '--since', stoppedAt, running.containerId('gateway')).includes('mapping of a gone function container stopped') ? true : undefined,
        { timeoutMs: 60_000, intervalMs: 250, failure: () => 'the gateway did not stop receiving for the stopped processor within 60 s' },
      );
      await putAll(grants);
      await pollUntil(async () => ((await queueDepth(uploadQueue)).visible >= WAITING_UPLOADS ? true : undefined), {
        timeoutMs: 60_000,
        failure: () => `the ${WAITING_UPLOADS} upload events did not all reach the queue within 60 s`,
      });
      await new Promise((resolve) => setTimeout(resolve, PROCESSOR_OUTAGE_MS));
      depthAtEnd = await queueDepth(uploadQueue);
    } finally {
      running.docker('start', processor);
    }
    const restartedAt = Date.now();

    // Assert: nothing was received while the function was away...
    expect(depthAtEnd).toEqual({ visible: WAITING_UPLOADS, inFlight: 0 });
    // ...the backlog starts moving within seconds of the restart, not after the visibility timeout...
    const ids = grants.map((grant) => grant.image_id);
    const statuses = async () => Promise.all(ids.map(async (id) => (await getImage(running.clients.dynamoDb, running.stack.imagesTable, id))?.status));
    await pollUntil(async () => ((await statuses()).includes('DONE') ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 250,
      failure: () => 'no upload was DONE within 20 s of the processor starting again',
    });
    const firstDoneAfterMs = Date.now() - restartedAt;
    // ...and every upload ends DONE, each delivered once, with an empty DLQ.
    await pollUntil(async () => ((await statuses()).every((status) => status === 'DONE') ? true : undefined), {
      timeoutMs: 180_000,
      failure: () => `not all ${WAITING_UPLOADS} uploads were DONE within 180 s of the processor starting again`,
    });
    const allDoneAfterMs = Date.now() - restartedAt;
    const processed = running
      .docker('logs', processor)
      .split('\n')
      .filter((line) => line.includes('"upload processed"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as { key: string; receiveCount: number })
      .filter((entry) => keys.has(entry.key));
    expect(processed).toHaveLength(WAITING_UPLOADS);
    expect(processed.filter((entry) => entry.receiveCount !== 1)).toEqual([]);
    expect(await queueDepth(running.stack.deadLetterQueue.url)).toEqual({ visible: 0, inFlight: 0 });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: uploadQueue, Attributes: { VisibilityTimeout: '5' } }));
    recordTrial({
      area: 'Faults',
      trial: `Processor container stopped for ${PROCESSOR_OUTAGE_MS / 60_000} minutes with ${WAITING_UPLOADS} uploads waiting (maxReceiveCount 5, visibility timeout 60 s)`,
      runs: 1,
      outcome: `no message received while it was away; first DONE ${(firstDoneAfterMs / 1000).toFixed(1)} s and all ${WAITING_UPLOADS} DONE ${(allDoneAfterMs / 1000).toFixed(1)} s after it started again, each delivered once; DLQ empty`,
    });
  }, 15 * 60_000);
});
