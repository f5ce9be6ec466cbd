import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import sharp from 'sharp';
import { DynamoDbImageRepository } from '../src/adapters/dynamodb-image-repository';
import { RENDITION_CACHE_CONTROL } from '../src/contract';
import type { DoneImage, ImageRecord } from '../src/domain/image-record';
import { apiEvent } from '../src/test-support/events';
import { expectToMatchContract } from '../src/test-support/openapi-contract';
import { getImage } from '../workbench/stack-client';
import { expectSettledTombstone } from './support/tombstone';
import { provisionBuckets, provisionQueues, provisionTable, provisionUsageTable } from '../workbench/provisioning';
import { type Backends, startBackends } from './support/backends';
import { type RunningFunction, startFunction } from './support/function-container';
import { FUNCTION_IMAGES } from './support/images';

const ORIGINALS = 'it-images-originals';
const PROCESSED = 'it-images-renditions';
const TABLE = 'it-images-images';
const USAGE = 'it-images-usage';
const ALICE = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const BOB = '7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const unlimited = { pendingUploads: 1000, storedImages: 1000, storedBytes: 10 ** 12 };

let backends: Backends;
let imagesApi: RunningFunction;
let shortLivedUrls: RunningFunction;
let repository: DynamoDbImageRepository;
let sequence = 0;

beforeAll(async () => {
  backends = await startBackends();
  const { s3, sqs, dynamoDb } = backends.clients;
  const queues = await provisionQueues(sqs, {
    uploadQueueName: 'it-images-uploads',
    deadLetterQueueName: 'it-images-dlq',
    observerQueueName: 'it-images-observer',
    originalsBucketName: ORIGINALS,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
  });
  await provisionBuckets(s3, { originalsBucketName: ORIGINALS, processedBucketName: PROCESSED, corsAllowedOrigins: ['*'] }, queues.uploadQueue.arn);
  await provisionTable(dynamoDb, TABLE);
  await provisionUsageTable(dynamoDb, USAGE);
  repository = new DynamoDbImageRepository(dynamoDb, TABLE, USAGE);
  const environment = {
    ...backends.functionEnvironment,
    ORIGINALS_BUCKET: ORIGINALS,
    PROCESSED_BUCKET: PROCESSED,
    IMAGES_TABLE: TABLE,
    USAGE_TABLE: USAGE,
    // Rendition URLs signed for the address this test fetches them at.
    S3_PUBLIC_ENDPOINT: backends.endpoints.s3,
    CURSOR_SIGNING_KEY: 'integration-test-cursor-key-0123456789abcdef',
  };
  [imagesApi, shortLivedUrls] = await Promise.all([
    startFunction(FUNCTION_IMAGES.imagesApi, backends.network, environment),
    startFunction(FUNCTION_IMAGES.imagesApi, backends.network, { ...environment, RENDITION_URL_EXPIRES_IN_SECONDS: '1' }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([imagesApi?.stop(), shortLivedUrls?.stop()]);
  await backends?.stop();
});

const newId = () => `5c1d2e3f-4a5b-4c6d-8e7f-${String(++sequence).padStart(12, '0')}`;

/** A record and objects as POST /uploads, the upload and the processor leave them. */
async function seed(userId: string, options: { status?: 'PENDING' | 'DONE'; createdAt?: string; expiresAt?: number } = {}) {
  const imageId = newId();
  const originalS3Key = `user-uploads/${userId}/${imageId}.png`;
  const original = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } }).png().toBuffer();
  const now = Date.now();
  const reserved = await repository.reserve(
    {
      imageId,
      userId,
      originalS3Key,
      contentType: 'image/png',
      contentLength: original.length,
      originalFileName: `${imageId}.png`,
      createdAt: options.createdAt ?? new Date(now + sequence).toISOString(),
      expiresAt: options.expiresAt ?? Math.floor(now / 1000) + 3600,
    },
    unlimited,
    Math.floor(now / 1000),
  );
  if (!reserved.reserved) throw new Error(`could not reserve: ${JSON.stringify(reserved)}`);
  await backends.clients.s3.send(new PutObjectCommand({ Bucket: ORIGINALS, Key: originalS3Key, Body: original, ContentType: 'image/png' }));
  if (options.status !== 'DONE') return { imageId, originalS3Key, renditionKeys: [] as string[] };
  const renditions = [
    { key: `processed/${imageId}.jpg`, width: 32, height: 24, format: 'jpeg' as const, body: await sharp(original).resize(32).jpeg().toBuffer() },
    { key: `processed/${imageId}/1024.webp`, width: 64, height: 48, format: 'webp' as const, body: await sharp(original).webp().toBuffer() },
  ];
  for (const rendition of renditions) {
    await backends.clients.s3.send(
      new PutObjectCommand({ Bucket: PROCESSED, Key: rendition.key, Body: rendition.body, ContentType: `image/${rendition.format}`, CacheControl: RENDITION_CACHE_CONTROL }),
    );
  }
  const done: DoneImage = {
    status: 'DONE',
    imageId,
    userId,
    originalS3Key,
    processedS3Key: renditions[0]!.key,
    renditions: renditions.map(({ key, width, height, format, body }) => ({ key, width, height, format, bytes: body.length })),
    width: 64,
    height: 48,
    format: 'png',
    bytes: original.length,
    processedAt: new Date().toISOString(),
  };
  const previous = (await getImage(backends.clients.dynamoDb, TABLE, imageId)) as ImageRecord;
  if (!(await repository.finish(done, previous))) throw new Error('could not finish the seeded image');
  return { imageId, originalS3Key, renditionKeys: renditions.map((rendition) => rendition.key) };
}

/** Invokes the function as the HTTP API would, and checks its answer against src/openapi.json. */
async function call(fn: RunningFunction, method: 'GET' | 'DELETE', path: string, userId: string, query = '') {
  const imageId = /^\/images\/([^/]+)$/.exec(path)?.[1];
  const routeKey = `${method} ${imageId !== undefined ? '/images/{imageId}' : '/images'}`;
  const base = apiEvent({ claims: { sub: userId, token_use: 'access', client_id: 'client-1' } });
  const event = {
    ...base,
    routeKey,
    rawPath: path,
    rawQueryString: query,
    ...(imageId !== undefined ? { pathParameters: { imageId } } : {}),
    requestContext: { ...base.requestContext, routeKey, http: { ...base.requestContext.http, method, path } },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
  const result = await fn.invoke(event);
  if (result.kind !== 'ok') throw new Error(`invocation failed: ${JSON.stringify(result)}\n${await fn.logs()}`);
  const response = result.payload as { statusCode: number; headers?: Record<string, string>; body?: string };
  const body = response.body ? JSON.parse(response.body) : undefined;
  const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  await expectToMatchContract({ method, path: `${path}${query ? `?${query}` : ''}`, status: response.statusCode, headers, body });
  return { status: response.statusCode, headers, body };
}

const exists = async (bucket: string, key: string) =>
  backends.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (error: { name?: string }) => {
      if (error.name === 'NotFound') return false;
      throw error;
    },
  );

const usageOf = async (userId: string) => {
  const { Item } = await backends.clients.dynamoDb.send(new GetItemCommand({ TableName: USAGE, Key: { userId: { S: userId } }, ConsistentRead: true }));
  return Item ? unmarshall(Item) : undefined;
};

describe('images-api, in its container against LocalStack and DynamoDB Local', () => {
  it('shows a DONE image with presigned rendition URLs that S3 serves, immutable, and refuses once tampered', async () => {
    const { imageId } = await seed(ALICE, { status: 'DONE' });

    const { status, body } = await call(imagesApi, 'GET', `/images/${imageId}`, ALICE);

    expect(status).toBe(200);
    expect(body).toMatchObject({ imageId, status: 'DONE', width: 64, height: 48, format: 'png' });
    for (const rendition of body.renditions as { url: string; width: number; height: number; format: string }[]) {
      const fetched = await fetch(rendition.url);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe(`image/${rendition.format}`);
      expect(fetched.headers.get('cache-control')).toBe(RENDITION_CACHE_CONTROL);
      const metadata = await sharp(Buffer.from(await fetched.arrayBuffer())).metadata();
      expect([metadata.width, metadata.height]).toEqual([rendition.width, rendition.height]);
      const tampered = new URL(rendition.url);
      tampered.pathname = tampered.pathname.replace(imageId, newId());
      expect((await fetch(tampered)).status).toBe(403);
    }
  });

  it('signs rendition URLs that S3 refuses once they expire', async () => {
    const { imageId } = await seed(ALICE, { status: 'DONE' });
    const { body } = await call(shortLivedUrls, 'GET', `/images/${imageId}`, ALICE);
    const url = (body.renditions as { url: string }[])[0]!.url;

    // Waiting for a point in time, not for a result: the URL is only meaningful after it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(body.urlsExpireAt) - Date.now()) + 1500));

    expect((await fetch(url)).status).toBe(403);
  });

  it('answers the same 404 for another user\'s image as for an unknown one, on GET and DELETE, and deletes nothing', async () => {
    const { imageId, originalS3Key } = await seed(BOB, { status: 'DONE' });

    const others = await call(imagesApi, 'GET', `/images/${imageId}`, ALICE);
    const unknown = await call(imagesApi, 'GET', `/images/${newId()}`, ALICE);
    const othersDelete = await call(imagesApi, 'DELETE', `/images/${imageId}`, ALICE);

    expect([others.status, unknown.status, othersDelete.status]).toEqual([404, 404, 404]);
    expect(others.body).toEqual(unknown.body);
    expect(await exists(ORIGINALS, originalS3Key)).toBe(true);
    expect((await getImage(backends.clients.dynamoDb, TABLE, imageId))?.status).toBe('DONE');
  });

  it('lists a user\'s images newest first through the index, page by page, and refuses another user\'s cursor', async () => {
    const user = '11111111-2222-4333-8444-555555555555';
    const seeded = [];
    for (let i = 0; i < 12; i += 1) seeded.push((await seed(user, { createdAt: `2026-11-23T10:00:${String(i).padStart(2, '0')}.000Z` })).imageId);
    await seed(BOB);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const { status, body } = await call(imagesApi, 'GET', '/images', user, `limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(status).toBe(200);
      pages.push(body.items.map((item: { imageId: string }) => item.imageId));
      cursor = body.nextCursor;
    } while (cursor);
    const firstPage = await call(imagesApi, 'GET', '/images', user, 'limit=5');
    const stolen = await call(imagesApi, 'GET', '/images', BOB, `cursor=${encodeURIComponent(firstPage.body.nextCursor)}`);

    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    expect(pages.flat()).toEqual([...seeded].reverse());
    expect(stolen.status).toBe(400);
  });

  it('shows a reservation past its deadline as EXPIRED, in GET and in the status filter', async () => {
    const user = '22222222-3333-4444-8555-666666666666';
    const { imageId } = await seed(user, { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const fresh = await seed(user);

    const single = await call(imagesApi, 'GET', `/images/${imageId}`, user);
    const expired = await call(imagesApi, 'GET', '/images', user, 'status=EXPIRED');
    const pending = await call(imagesApi, 'GET', '/images', user, 'status=PENDING');

    expect(single.body.status).toBe('EXPIRED');
    expect(expired.body.items.map((item: { imageId: string }) => item.imageId)).toEqual([imageId]);
    expect(pending.body.items.map((item: { imageId: string }) => item.imageId)).toEqual([fresh.imageId]);
  });

  it('deletes the original and every rendition, leaves a settled tombstone, gives the quota back, then answers 404', async () => {
    const user = '33333333-4444-4555-8666-777777777777';
    const { imageId, originalS3Key, renditionKeys } = await seed(user, { status: 'DONE' });
    const pendingOne = await seed(user);
    expect(await usageOf(user)).toMatchObject({ imageCount: 2, pendingCount: 1 });

    const first = await call(imagesApi, 'DELETE', `/images/${imageId}`, user);
    const second = await call(imagesApi, 'DELETE', `/images/${imageId}`, user);
    const pendingDeleted = await call(imagesApi, 'DELETE', `/images/${pendingOne.imageId}`, user);

    expect([first.status, second.status, pendingDeleted.status]).toEqual([204, 404, 204]);
    expect(await exists(ORIGINALS, originalS3Key)).toBe(false);
    for (const key of renditionKeys) expect(await exists(PROCESSED, key)).toBe(false);
    expectSettledTombstone(await getImage(backends.clients.dynamoDb, TABLE, imageId), { imageId, userId: user, originalS3Key });
    expectSettledTombstone(await getImage(backends.clients.dynamoDb, TABLE, pendingOne.imageId), { imageId: pendingOne.imageId, userId: user, originalS3Key: pendingOne.originalS3Key });
    expect(await usageOf(user)).toMatchObject({ imageCount: 0, byteCount: 0, pendingCount: 0 });
    expect(Object.keys((await usageOf(user))!).filter((name) => name.startsWith('pending#'))).toEqual([]);
  });

  it.each([
    ['GET', '/images', 'limit=0'],
    ['GET', '/images', 'status=DELETED'],
    ['GET', '/images', 'cursor=forged.cursor'],
    ['GET', '/images/not-an-id', ''],
  ] as const)('answers 400 to %s %s?%s', async (method, path, query) => {
    expect((await call(imagesApi, method, path, ALICE, query)).status).toBe(400);
  });
});
