import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import sharp from 'sharp';
import { RENDITION_CACHE_CONTROL } from '../src/contract';
import { createdEventBody } from '../src/domain/storage-event';
import { contractFetch } from '../src/test-support/openapi-contract';
import { requestUpload } from './support/api';
import { expectSettledTombstone } from './support/tombstone';
import { decodeJwt, generateRsaKey, signJwt } from '../src/test-support/jwt';
import {
  getImage,
  latestBucketMetric,
  pollUntil,
  putObject,
  signIn,
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

const MIB = 1024 * 1024;
/** The stored-bytes quota of this stack, small enough for a race to reach it. */
const MAX_BYTES_PER_USER = 100 * MIB;

beforeAll(async () => {
  running = await startComposeStack({ METRICS_SCHEDULE_SECONDS: '3', MAX_BYTES_PER_USER: String(MAX_BYTES_PER_USER) });
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

describe('the read side, end to end, as users', () => {
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const api = (path: string) => `${stack.endpoints.gateway}${path}`;

  /** A user of the local pool, signed in. */
  async function newUser(username: string): Promise<string> {
    const password = 'Other-passw0rd!';
    await clients.cognito.send(new AdminCreateUserCommand({ UserPoolId: stack.userPoolId, Username: username, MessageAction: 'SUPPRESS', TemporaryPassword: password }));
    await clients.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: stack.userPoolId, Username: username, Password: password, Permanent: true }));
    return (await signIn(clients.cognito, stack.userPoolClientId, username, password)).accessToken;
  }

  const exists = async (bucket: string, key: string) =>
    clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      (error: { name?: string }) => {
        if (error.name === 'NotFound') return false;
        throw error;
      },
    );

  const queueDrained = async () =>
    pollUntil(
      async () => {
        const { Attributes = {} } = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: stack.uploadQueue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, failure: () => 'the upload queue still holds messages after 60 s' },
    );

  async function upload(token: string, bytes: Buffer, contentType: string): Promise<UploadGrant> {
    const response = await requestUpload(stack.endpoints.uploads, token, { contentType, contentLength: bytes.length, fileName: 'read-side.jpg' });
    expect(response.status).toBe(201);
    const grant = response.body as UploadGrant;
    expect((await putObject(grant.upload_url, grant.headers, bytes)).status).toBe(200);
    return grant;
  }

  let otherToken: string;
  beforeAll(async () => {
    otherToken = await newUser('other-user');
  });

  it('polls an upload to DONE, fetches each rendition, lists it; another user gets 404; DELETE removes its objects, leaving a settled tombstone, and a redelivered event re-creates nothing', async () => {
    // Arrange: an upload, polled through the API until processed.
    const grant = await upload(accessToken, await images.orientation6Jpeg(), 'image/jpeg');
    const image = await pollUntil(
      async () => {
        const { status, body } = await contractFetch(api(`/images/${grant.image_id}`), { headers: bearer(accessToken) });
        expect(status).toBe(200);
        const current = body as { status: string };
        return current.status === 'PENDING' ? undefined : (body as { status: string; renditions: { url: string; width: number; height: number; format: string }[] });
      },
      { timeoutMs: 60_000, failure: () => `GET /images/${grant.image_id} did not leave PENDING within 60 s` },
    );
    expect(image).toMatchObject({ status: 'DONE', width: 20, height: 40, format: 'jpeg', fileName: 'read-side.jpg' });

    // Each rendition through its presigned URL: the right type, dimensions and caching.
    expect(image.renditions.map((rendition) => rendition.format)).toEqual(['jpeg', 'webp']);
    for (const rendition of image.renditions) {
      const fetched = await fetch(rendition.url);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe(`image/${rendition.format}`);
      expect(fetched.headers.get('cache-control')).toBe(RENDITION_CACHE_CONTROL);
      const metadata = await sharp(Buffer.from(await fetched.arrayBuffer())).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual([rendition.format, rendition.width, rendition.height]);
    }

    // The list shows it, newest first.
    const list = await contractFetch(api('/images?limit=5'), { headers: bearer(accessToken) });
    expect((list.body as { items: { imageId: string }[] }).items[0]?.imageId).toBe(grant.image_id);

    // Another user: the same 404 as for an unknown image, on GET and DELETE, and nothing changes.
    const othersGet = await contractFetch(api(`/images/${grant.image_id}`), { headers: bearer(otherToken) });
    const othersDelete = await contractFetch(api(`/images/${grant.image_id}`), { method: 'DELETE', headers: bearer(otherToken) });
    const unknown = await contractFetch(api('/images/00000000-0000-4000-8000-000000000000'), { headers: bearer(otherToken) });
    expect([othersGet.status, othersDelete.status, unknown.status]).toEqual([404, 404, 404]);
    expect(othersGet.body).toEqual(unknown.body);
    expect((await contractFetch(api('/images'), { headers: bearer(otherToken) })).body).toEqual({ items: [] });
    expect((await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id))?.status).toBe('DONE');

    // Act: the owner deletes it.
    const deleted = await contractFetch(api(`/images/${grant.image_id}`), { method: 'DELETE', headers: bearer(accessToken) });

    // Assert: the original, every rendition and the record are gone; a second DELETE is 404.
    expect(deleted.status).toBe(204);
    expect(await exists(stack.originalsBucket, grant.file_path)).toBe(false);
    const { Contents = [] } = await clients.s3.send(new ListObjectsV2Command({ Bucket: stack.processedBucket, Prefix: `processed/${grant.image_id}` }));
    expect(Contents).toEqual([]);
    const reservation = { imageId: grant.image_id, userId: decodeJwt(accessToken).sub as string, originalS3Key: grant.file_path };
    const tombstone = await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id);
    expectSettledTombstone(tombstone, reservation);
    expect((await contractFetch(api(`/images/${grant.image_id}`), { headers: bearer(accessToken) })).status).toBe(404);
    expect((await contractFetch(api(`/images/${grant.image_id}`), { method: 'DELETE', headers: bearer(accessToken) })).status).toBe(404);

    // A redelivered S3 event for the deleted image brings nothing back.
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: stack.uploadQueue.url, MessageBody: createdEventBody({ bucketName: stack.originalsBucket, key: grant.file_path, region: stack.region, at: new Date() }) }),
    );
    await queueDrained();
    expect(await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id)).toEqual(tombstone);
    const after = await clients.s3.send(new ListObjectsV2Command({ Bucket: stack.processedBucket, Prefix: `processed/${grant.image_id}` }));
    expect(after.Contents ?? []).toEqual([]);
  });

  it('deletes a PENDING image: its upload URL then leads nowhere', async () => {
    const photo = await images.png(64, 48);
    const response = await requestUpload(stack.endpoints.uploads, otherToken, { contentType: 'image/png', contentLength: photo.length });
    const grant = response.body as UploadGrant;

    const deleted = await contractFetch(api(`/images/${grant.image_id}`), { method: 'DELETE', headers: bearer(otherToken) });
    // The URL is still signed, so S3 takes the bytes; nothing may come of them.
    const put = await putObject(grant.upload_url, grant.headers, photo);

    expect(deleted.status).toBe(204);
    expect(put.status).toBe(200);
    await queueDrained();
    await pollUntil(async () => ((await exists(stack.originalsBucket, grant.file_path)) ? undefined : true), {
      timeoutMs: 30_000,
      failure: () => `the original uploaded after its image was deleted is still in s3://${stack.originalsBucket}/${grant.file_path}`,
    });
    expectSettledTombstone(await getImage(clients.dynamoDb, stack.imagesTable, grant.image_id), {
      imageId: grant.image_id,
      userId: decodeJwt(otherToken).sub as string,
      originalS3Key: grant.file_path,
    });
    expect((await contractFetch(api(`/images/${grant.image_id}`), { headers: bearer(otherToken) })).status).toBe(404);
  });

  async function race(token: string, contentLength: number) {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => requestUpload(stack.endpoints.uploads, token, { contentType: 'image/jpeg', contentLength })),
    );
    return responses;
  }

  const usageOf = async (token: string) => {
    const { Item } = await clients.dynamoDb.send(
      new GetItemCommand({ TableName: stack.usageTable, Key: { userId: { S: decodeJwt(token).sub as string } }, ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : undefined;
  };

  it('never lets 50 parallel requests of one user exceed the pending reservations: exactly 20 pass, the rest get 429 with Retry-After', async () => {
    const token = await newUser('quota-pending');

    const responses = await race(token, 1024);

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    for (const refused of responses.filter((response) => response.status === 429)) {
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.body).toMatchObject({ error: { code: 'TOO_MANY_REQUESTS', quota: { name: 'pendingUploads', limit: 20 } } });
    }
    expect(await usageOf(token)).toMatchObject({ pendingCount: 20, imageCount: 20, byteCount: 20 * 1024 });
  });

  it('never lets 50 parallel requests of one user exceed the bytes stored: exactly what fits passes, the rest get 403 QUOTA_EXCEEDED', async () => {
    const token = await newUser('quota-bytes');
    const contentLength = 6 * MIB;

    const responses = await race(token, contentLength);

    const fits = Math.floor(MAX_BYTES_PER_USER / contentLength);
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(fits);
    expect(statuses.filter((status) => status === 403)).toHaveLength(50 - fits);
    expect(responses.find((response) => response.status === 403)?.body).toMatchObject({ error: { code: 'QUOTA_EXCEEDED', quota: { name: 'storedBytes', limit: MAX_BYTES_PER_USER } } });
    expect(await usageOf(token)).toMatchObject({ imageCount: fits, byteCount: fits * contentLength });
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
