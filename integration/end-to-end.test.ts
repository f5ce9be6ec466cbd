import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { decodeJwt, generateRsaKey, signJwt } from '../src/test-support/jwt';
import {
  getImage,
  latestBucketMetric,
  pollUntil,
  putObject,
  requestUpload,
  type StackDescription,
  takeNotifications,
  type UploadGrant,
} from '../workbench/stack-client';
import { type InboxMail, MailInbox } from '../workbench/mail-inbox';
import * as images from '../src/test-support/images';
import { type ComposeStack, startComposeStack } from './support/compose-stack';

let running: ComposeStack | undefined;
let stack: StackDescription;
let clients: ComposeStack['clients'];
let accessToken: string;
let idToken: string;

beforeAll(async () => {
  running = await startComposeStack({ METRICS_SCHEDULE_SECONDS: '3' });
  ({ stack, clients, accessToken, idToken } = running);
});

afterAll(async () => {
  await running?.down();
});

const countItems = async () => (await clients.dynamoDb.send(new ScanCommand({ TableName: stack.imagesTable, Select: 'COUNT' }))).Count ?? 0;

/** Asks the gateway for an upload URL and PUTs the bytes to it, as a browser would. */
async function upload(bytes: Buffer, contentType: string, fileName: string): Promise<UploadGrant> {
  const response = await requestUpload(stack.endpoints.uploads, accessToken, { contentType, contentLength: bytes.length, fileName });
  expect(response.status).toBe(201);
  const grant = response.body as UploadGrant;
  expect((await putObject(grant.upload_url, grant.headers, bytes)).status).toBe(200);
  return grant;
}

describe('the local stack, end to end, as a user', () => {
  const uploaded: { key: string; bytes: number }[] = [];
  let processedImageId: string | undefined;

  it('signs in, uploads through a presigned URL and gets a processed image, a record, a notification and metrics', async () => {
    // Arrange
    const photo = await images.orientation6Jpeg();

    // Act: request an upload URL through the gateway, then PUT the bytes straight to S3.
    const response = await requestUpload(stack.endpoints.uploads, accessToken, {
      contentType: 'image/jpeg',
      contentLength: photo.length,
      fileName: 'e2e.jpg',
    });
    expect(response.status).toBe(201);
    const grant = response.body as UploadGrant;
    const put = await putObject(grant.upload_url, grant.headers, photo);
    expect(put.status).toBe(200);
    uploaded.push({ key: grant.file_path, bytes: photo.length });

    // Assert: every stage, each with its own deadline and message. Queue attributes are read, never
    // messages, so the check cannot take a message away from the poller.
    const queued = async () => {
      const { Attributes = {} } = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.uploadQueue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return { waiting: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
    };
    const status = async () => (await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id))?.status;
    await pollUntil(
      async () => {
        const queue = await queued();
        return queue.waiting + queue.inFlight > 0 || (await status()) !== 'PENDING' ? true : undefined;
      },
      { timeoutMs: 20_000, failure: () => `stage S3 notification: no event for ${grant.file_path} on the upload queue within 20 s after upload` },
    );
    await pollUntil(
      async () => {
        const queue = await queued();
        return queue.waiting === 0 || (await status()) !== 'PENDING' ? true : undefined;
      },
      { timeoutMs: 20_000, failure: () => `stage event source mapping: the upload event waited on the queue for 20 s and nothing took it` },
    );
    const record = await pollUntil(
      async () => {
        const current = await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id);
        return current?.status === 'DONE' || current?.status === 'REJECTED' ? current : undefined;
      },
      { timeoutMs: 60_000, failure: () => `stage image-processor: image ${grant.image_id} taken from the queue but not DONE within 60 s` },
    );
    const sub = decodeJwt(accessToken).sub;
    expect(record).toMatchObject({
      status: 'DONE',
      userId: sub,
      originalS3Key: `user-uploads/${sub}/${grant.image_id}.jpg`,
      processedS3Key: `processed/${grant.image_id}.jpg`,
      width: 20,
      height: 40,
      originalFileName: 'e2e.jpg',
    });
    for (const key of [`processed/${grant.image_id}.jpg`, `processed/${grant.image_id}/1024.webp`]) {
      await expect(clients.s3.send(new HeadObjectCommand({ Bucket: stack.processedBucket, Key: key }))).resolves.toBeDefined();
    }
    const notifications = await pollUntil(
      async () => {
        const found = await takeNotifications(clients.sqs, stack.observerQueue.url, (n) => n.message.imageId === grant.image_id);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 20_000, failure: () => `stage SNS: no notification for ${grant.image_id} on the observer queue within 20 s` },
    );
    expect(notifications[0]).toMatchObject({ subject: 'Image processed: e2e.jpg', attributes: { status: 'DONE', userId: sub } });
    processedImageId = grant.image_id;
    await pollUntil(
      async () => {
        const count = await latestBucketMetric(clients.cloudWatch, 'CustomS3', 'NumberOfObjects', stack.originalsBucket);
        const size = await latestBucketMetric(clients.cloudWatch, 'CustomS3', 'BucketSizeBytes', stack.originalsBucket);
        return count?.value === uploaded.length && size?.value === uploaded.reduce((sum, u) => sum + u.bytes, 0) ? true : undefined;
      },
      { timeoutMs: 30_000, failure: () => `stage s3-metrics: CustomS3 metrics for ${stack.originalsBucket} did not show the upload within 30 s (schedule every 3 s)` },
    );
  });

  it('e-mails the outcome of a good image and of a non-image to the demo address, in words, with no JSON', async () => {
    // Arrange: the first test's image was processed; now a file that is not an image.
    expect(processedImageId).toBeDefined();
    const grant = await upload(images.html(), 'image/png', 'notes.png');
    uploaded.push({ key: grant.file_path, bytes: images.html().length });
    await pollUntil(async () => ((await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id))?.status === 'REJECTED' ? true : undefined), {
      timeoutMs: 60_000,
      failure: () => `stage image-processor: the non-image ${grant.image_id} was not REJECTED within 60 s`,
    });
    const expected = new Map([
      [processedImageId!, 'Image processed: e2e.jpg'],
      [grant.image_id, 'Image rejected (NOT_AN_IMAGE): notes.png'],
    ]);

    // Act: read the mail catcher's HTTP API, as the demo does.
    const inbox = new MailInbox(stack.endpoints.mailInbox);
    const ours = (mail: InboxMail) => [...expected.keys()].some((imageId) => mail.text.includes(imageId));
    const mails = await pollUntil(
      async () => {
        const found = await inbox.mailsTo(stack.demoEmail, ours);
        return found.length >= expected.size ? found : undefined;
      },
      {
        timeoutMs: 20_000,
        failure: () => `stage SNS e-mail: fewer than ${expected.size} mails to ${stack.demoEmail} in ${stack.endpoints.mailInbox} within 20 s (docker compose logs localstack mailpit)`,
      },
    );

    // Assert: one mail per image, each with its subject and its outcome in words, and no JSON.
    expect(mails).toHaveLength(2);
    for (const [imageId, subject] of expected) {
      const mail = mails.find((candidate) => candidate.text.includes(`Image id:    ${imageId}`));
      expect(mail).toMatchObject({
        subject,
        to: [stack.demoEmail],
        from: { name: 'Image processing notifications', address: 'no-reply@sns.localhost' },
        html: '',
      });
      expect(mail!.text).toMatch(/^When: +\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/m);
      expect(mail!.text).not.toMatch(/[{}]/);
      expect(() => JSON.parse(mail!.text)).toThrow();
    }
    const byImage = (imageId: string) => mails.find((mail) => mail.text.includes(imageId))!.text;
    expect(byImage(processedImageId!)).toMatch(/^The image "e2e\.jpg" was processed\.\n/);
    expect(byImage(processedImageId!)).toMatch(/^Outcome: +processed \(DONE\)$/m);
    expect(byImage(grant.image_id)).toMatch(/^The image "notes\.png" was rejected because the file is not an image/);
    expect(byImage(grant.image_id)).toMatch(/^Outcome: +rejected \(NOT_AN_IMAGE\)$/m);
  });

  it('refuses a request without a token with 401, and records nothing', async () => {
    const before = await countItems();

    const response = await requestUpload(stack.endpoints.uploads, undefined, { contentType: 'image/png', contentLength: 10 });

    expect(response.status).toBe(401);
    expect(await countItems()).toBe(before);
  });

  it('refuses a forged token signed with another key under the pool key id with 401, and records nothing', async () => {
    const before = await countItems();
    const { privateKey } = generateRsaKey();
    const claims = decodeJwt(accessToken);
    const forged = signJwt({ ...claims, sub: 'someone-else' }, privateKey, { alg: 'RS256', kid: 'CognitoLocal' });

    const response = await requestUpload(stack.endpoints.uploads, forged, { contentType: 'image/png', contentLength: 10 });

    expect(response.status).toBe(401);
    expect(await countItems()).toBe(before);
  });

  it('refuses an ID token: only access tokens call the API', async () => {
    const response = await requestUpload(stack.endpoints.uploads, idToken, { contentType: 'image/png', contentLength: 10 });

    expect(response.status).toBe(401);
  });
});

describe('the local stack as AWS is: unsigned requests refused, a stack file that needs no DNS', () => {
  const originalExists = (key: string) =>
    clients.s3.send(new HeadObjectCommand({ Bucket: stack.originalsBucket, Key: key })).then(
      () => true,
      (error: { name?: string }) => (error.name === 'NotFound' ? false : Promise.reject(error)),
    );
  const originalBytes = async (key: string) =>
    Buffer.from(await (await clients.s3.send(new GetObjectCommand({ Bucket: stack.originalsBucket, Key: key }))).Body!.transformToByteArray());

  it("refuses S3 requests with no signature: an upload URL without its query, a PUT into another user's folder, a PUT over a DONE original", async () => {
    // Arrange: one image DONE, one URL issued and not used.
    const photo = await images.png(64, 48);
    const grantFor = async (bytes: Buffer) =>
      (await requestUpload(stack.endpoints.uploads, accessToken, { contentType: 'image/png', contentLength: bytes.length })).body as UploadGrant;
    const doneGrant = await grantFor(photo);
    expect((await putObject(doneGrant.upload_url, doneGrant.headers, photo)).status).toBe(200);
    const done = await pollUntil(
      async () => {
        const current = await getImage(clients.dynamoDb, stack.imagesTable, doneGrant.image_id);
        return current?.status === 'DONE' && current.notifiedAt !== undefined ? current : undefined;
      },
      { timeoutMs: 60_000, failure: () => `image ${doneGrant.image_id} not DONE within 60 s` },
    );
    const unusedGrant = await grantFor(photo);
    const pending = await getImage(clients.dynamoDb, stack.imagesTable, unusedGrant.image_id);
    const strangerImageId = randomUUID();
    const strangerKey = `user-uploads/${randomUUID()}/${strangerImageId}.png`;
    const other = await images.png(32, 32);

    // Act
    const withoutQuery = await putObject(unusedGrant.upload_url.split('?')[0]!, unusedGrant.headers, photo);
    const intoAnotherFolder = await putObject(`${stack.endpoints.s3}/${stack.originalsBucket}/${strangerKey}`, { 'Content-Type': 'image/png' }, other);
    const overDone = await putObject(`${stack.endpoints.s3}/${stack.originalsBucket}/${doneGrant.file_path}`, { 'Content-Type': 'image/png' }, other);

    // Assert
    for (const refused of [withoutQuery, intoAnotherFolder, overDone]) {
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('<Code>AccessDenied</Code>');
    }
    expect(await originalExists(unusedGrant.file_path)).toBe(false);
    expect(await getImage(clients.dynamoDb, stack.imagesTable, unusedGrant.image_id)).toEqual(pending);
    expect(await originalExists(strangerKey)).toBe(false);
    expect(await getImage(clients.dynamoDb, stack.imagesTable, strangerImageId)).toBeUndefined();
    expect((await originalBytes(doneGrant.file_path)).equals(photo)).toBe(true);
    expect(await getImage(clients.dynamoDb, stack.imagesTable, doneGrant.image_id)).toEqual(done);
  });

  it('writes a stack file whose every URL names this machine without DNS, and answers there', async () => {
    // Arrange: every URL anywhere in the stack file.
    const urls: URL[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string' && /^https?:\/\//.test(value)) urls.push(new URL(value));
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(stack);
    const queues = [stack.uploadQueue, stack.deadLetterQueue, stack.observerQueue];

    // Act: resolve each host as the system does (no DNS server needed for these), and use each
    // queue URL as the SDK does by default: as the endpoint of the call.
    const addresses = await Promise.all(urls.map(async (url) => ({ url: url.href, addresses: (await lookup(url.hostname, { all: true })).map((a) => a.address) })));
    const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const byQueueUrl = new SQSClient({ region: stack.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, logger: silent });
    const arns = await Promise.all(
      queues.map(async (queue) => (await byQueueUrl.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn),
    );
    const answers = await Promise.all([...new Set(urls.map((url) => url.origin))].map(async (origin) => ({ origin, answered: (await fetch(origin)).status > 0 })));

    // Assert
    expect(urls.map((url) => url.href)).toEqual(expect.arrayContaining(queues.map((queue) => queue.url)));
    for (const url of urls) expect({ url: url.href, host: url.hostname }).toEqual({ url: url.href, host: expect.stringMatching(/^(localhost|127\.0\.0\.1|\[::1\])$/) });
    for (const resolved of addresses) expect(resolved.addresses.every((address) => address === '127.0.0.1' || address === '::1')).toBe(true);
    expect(arns).toEqual(queues.map((queue) => queue.arn));
    expect(answers.every((answer) => answer.answered)).toBe(true);
  });
});
