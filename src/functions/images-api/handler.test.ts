import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { ImagesApiDeps } from '../../config/wiring';
import { DependencyError } from '../../domain/errors';
import type { DoneImage } from '../../domain/image-record';
import { PageCursorCodec } from '../../domain/page-cursor';
import { apiEvent } from '../../test-support/events';
import { captureLogs, FakeDownloadSigner, InMemoryImageRepository, InMemoryObjectStore, ManualClock } from '../../test-support/fakes';
import { makeHandler } from './handler';

const ALICE = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const BOB = '7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const id = (n: number) => `9b2e7c1a-4d3f-4a8b-b6c5-${String(n).padStart(12, '0')}`;
const claimsOf = (sub: string) => ({ sub, token_use: 'access', client_id: 'client-1' });

function setup() {
  const images = new InMemoryImageRepository();
  const originals = new InMemoryObjectStore();
  const processed = new InMemoryObjectStore();
  const clock = new ManualClock(new Date('2026-11-23T12:00:00.000Z'));
  const logs = captureLogs('debug');
  const deps: ImagesApiDeps = {
    logger: logs.logger,
    read: { images, renditionUrls: new FakeDownloadSigner(), cursors: new PageCursorCodec('k'.repeat(32)), clock, policy: { renditionUrlExpiresInSeconds: 900 } },
    delete: { images, originals, processed, clock },
  };
  return { handler: makeHandler(deps), images, originals, processed, clock, logs };
}

type Env = ReturnType<typeof setup>;

/** A reserved image, as POST /uploads leaves it, created `n` seconds after noon. */
async function reserve(env: Env, n: number, userId = ALICE) {
  const key = `user-uploads/${userId}/${id(n)}.png`;
  env.originals.put(key, Buffer.from('png'));
  await env.images.createPending({
    imageId: id(n),
    userId,
    originalS3Key: key,
    contentType: 'image/png',
    contentLength: 1000 + n,
    originalFileName: `photo-${n}.png`,
    createdAt: `2026-11-23T12:00:${String(n).padStart(2, '0')}.000Z`,
    expiresAt: Date.parse('2026-11-23T12:20:00.000Z') / 1000,
  });
  return key;
}

async function process(env: Env, n: number, userId = ALICE) {
  const record = env.images.records.get(id(n))!;
  const renditions = [
    { key: `processed/${id(n)}.jpg`, width: 256, height: 192, format: 'jpeg' as const, bytes: 900 },
    { key: `processed/${id(n)}/1024.webp`, width: 1024, height: 768, format: 'webp' as const, bytes: 9000 },
  ];
  for (const rendition of renditions) env.processed.put(rendition.key, Buffer.from('x'));
  const done: DoneImage = {
    status: 'DONE',
    imageId: id(n),
    userId,
    originalS3Key: record.originalS3Key,
    processedS3Key: renditions[0]!.key,
    renditions,
    width: 2048,
    height: 1536,
    format: 'png',
    bytes: record.contentLength!,
    processedAt: '2026-11-23T12:01:00.000Z',
  };
  await env.images.finish(done, record);
}

/**
 * All a deleted image leaves in the table: its settled tombstone (owner, key, dates), kept until its
 * TTL so a late upload for it is removed (src/domain/image-lifecycle.ts). No file name, nothing else.
 */
function tombstoneOnly(env: Env, n: number, userId = ALICE) {
  expect(env.images.records.get(id(n))).toEqual({
    imageId: id(n),
    userId,
    originalS3Key: `user-uploads/${userId}/${id(n)}.png`,
    status: 'DELETED',
    deletedAt: expect.any(String),
    expiresAt: expect.any(Number),
    objectsRemovedAt: expect.any(String),
  });
  expect([...env.images.records.values()].filter((record) => record.status !== 'DELETED')).toEqual([]);
}

function event(method: 'GET' | 'DELETE', path: string, options: { userId?: string; query?: string; claims?: Record<string, string> } = {}) {
  const base = apiEvent({ claims: options.claims ?? claimsOf(options.userId ?? ALICE) });
  const imageId = /^\/images\/([^/]+)$/.exec(path)?.[1];
  const routeKey = `${method} ${imageId !== undefined ? '/images/{imageId}' : '/images'}`;
  return {
    ...base,
    routeKey,
    rawPath: path,
    rawQueryString: options.query ?? '',
    ...(imageId !== undefined ? { pathParameters: { imageId } } : {}),
    requestContext: { ...base.requestContext, routeKey, http: { ...base.requestContext.http, method, path } },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const body = (response: { body?: string }) => JSON.parse(response.body ?? 'null');

describe('images-api: GET /images/{imageId}', () => {
  it('shows a DONE image with every rendition and a short-lived URL for each, never cached', async () => {
    const env = setup();
    await reserve(env, 1);
    await process(env, 1);

    const response = await env.handler(event('GET', `/images/${id(1)}`));

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    expect(body(response)).toEqual({
      imageId: id(1),
      status: 'DONE',
      fileName: 'photo-1.png',
      contentType: 'image/png',
      createdAt: '2026-11-23T12:00:01.000Z',
      processedAt: '2026-11-23T12:01:00.000Z',
      width: 2048,
      height: 1536,
      format: 'png',
      bytes: 1001,
      renditions: [
        { width: 256, height: 192, format: 'jpeg', bytes: 900, url: `https://renditions.example/processed/${id(1)}.jpg?expires=900&signature=fake` },
        { width: 1024, height: 768, format: 'webp', bytes: 9000, url: `https://renditions.example/processed/${id(1)}/1024.webp?expires=900&signature=fake` },
      ],
      urlsExpireAt: '2026-11-23T12:15:00.000Z',
    });
  });

  it('shows a PENDING image without renditions, and the same image as EXPIRED once its deadline passed', async () => {
    const env = setup();
    await reserve(env, 2);

    const pending = body(await env.handler(event('GET', `/images/${id(2)}`)));
    env.clock.advance(20 * 60);
    const expired = body(await env.handler(event('GET', `/images/${id(2)}`)));

    expect(pending).toEqual({ imageId: id(2), status: 'PENDING', fileName: 'photo-2.png', contentType: 'image/png', createdAt: '2026-11-23T12:00:02.000Z', bytes: 1002 });
    expect(expired).toMatchObject({ status: 'EXPIRED' });
  });

  it('shows a REJECTED image with its reason and message', async () => {
    const env = setup();
    await reserve(env, 3);
    const record = env.images.records.get(id(3))!;
    await env.images.finish(
      { status: 'REJECTED', imageId: id(3), userId: ALICE, originalS3Key: record.originalS3Key, rejectionReason: 'NOT_AN_IMAGE', rejectionMessage: 'The file is HTML.', processedAt: '2026-11-23T12:00:30.000Z' },
      record,
    );

    expect(body(await env.handler(event('GET', `/images/${id(3)}`)))).toMatchObject({
      status: 'REJECTED',
      rejection: { reason: 'NOT_AN_IMAGE', message: 'The file is HTML.' },
      processedAt: '2026-11-23T12:00:30.000Z',
    });
  });

  it('answers the same 404 for another user\'s image as for an unknown id', async () => {
    const env = setup();
    await reserve(env, 4, BOB);

    const others = await env.handler(event('GET', `/images/${id(4)}`));
    const unknown = await env.handler(event('GET', `/images/${id(99)}`));

    expect(others.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(others.body).toBe(unknown.body);
    expect(body(others)).toEqual({ error: { code: 'NOT_FOUND', message: 'No such image.' } });
  });

  it.each(['not-a-uuid', '9B2E7C1A-4D3F-4A8B-B6C5-000000000001', '..%2F..'])('answers 400 for the image id %s', async (imageId) => {
    const env = setup();

    const response = await env.handler(event('GET', `/images/${imageId}`));

    expect(response.statusCode).toBe(400);
    expect(body(response).error.code).toBe('INVALID_REQUEST');
  });

  it.each([
    ['no claims', {}],
    ['an ID token', { sub: ALICE, token_use: 'id' }],
  ])('answers 401 for %s', async (_case, claims) => {
    const env = setup();

    expect((await env.handler(event('GET', `/images/${id(1)}`, { claims }))).statusCode).toBe(401);
  });

  it('answers 503 with Retry-After while the table is throttling', async () => {
    const env = setup();
    env.images.faults.failNext(1, 'GetItem');

    const response = await env.handler(event('GET', `/images/${id(1)}`));

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '1' });
  });
});

describe('images-api: GET /images', () => {
  async function seven(env: Env) {
    for (let n = 1; n <= 7; n += 1) await reserve(env, n);
    await reserve(env, 8, BOB);
  }

  it('lists the caller\'s images only, newest first, 20 by default', async () => {
    const env = setup();
    await seven(env);

    const page = body(await env.handler(event('GET', '/images')));

    expect(page.items.map((item: { imageId: string }) => item.imageId)).toEqual([7, 6, 5, 4, 3, 2, 1].map(id));
    expect(page).not.toHaveProperty('nextCursor');
  });

  it('pages with an opaque cursor until the last page, which has none', async () => {
    const env = setup();
    await seven(env);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = body(await env.handler(event('GET', '/images', { query })));
      seen.push(...page.items.map((item: { imageId: string }) => item.imageId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1].map(id));
    expect(pages).toBe(3);
  });

  it('filters by the status as the API shows it: EXPIRED includes reservations past their deadline', async () => {
    const env = setup();
    await seven(env);
    await process(env, 7);
    env.clock.advance(20 * 60);

    const expired = body(await env.handler(event('GET', '/images', { query: 'status=EXPIRED' })));
    const done = body(await env.handler(event('GET', '/images', { query: 'status=DONE' })));
    const pending = body(await env.handler(event('GET', '/images', { query: 'status=PENDING' })));

    expect(expired.items).toHaveLength(6);
    expect(expired.items.every((item: { status: string }) => item.status === 'EXPIRED')).toBe(true);
    expect(done.items.map((item: { imageId: string }) => item.imageId)).toEqual([id(7)]);
    expect(pending.items).toEqual([]);
  });

  it('refuses another user\'s cursor, an altered one and one for another filter with 400, reading nothing', async () => {
    const env = setup();
    await seven(env);
    const alicesCursor = body(await env.handler(event('GET', '/images', { query: 'limit=2' }))).nextCursor as string;
    const [payload, signature] = alicesCursor.split('.');
    const content = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...content, u: BOB })).toString('base64url');

    const attempts = [
      event('GET', '/images', { userId: BOB, query: `cursor=${encodeURIComponent(alicesCursor)}` }),
      event('GET', '/images', { userId: BOB, query: `cursor=${forgedPayload}.${signature}` }),
      event('GET', '/images', { query: `cursor=${payload}.${signature!.slice(0, -2)}AA` }),
      event('GET', '/images', { query: `cursor=${encodeURIComponent(alicesCursor)}&status=DONE` }),
      event('GET', '/images', { query: 'cursor=garbage' }),
    ];
    env.images.faults.failNext(100, 'Query');
    const responses = await Promise.all(attempts.map((attempt) => env.handler(attempt)));

    expect(responses.map((response) => response.statusCode)).toEqual([400, 400, 400, 400, 400]);
    expect(body(responses[0]!).error).toEqual({ code: 'INVALID_REQUEST', message: expect.stringContaining('cursor') });
  });

  it.each([
    ['limit=0', 'limit must be a whole number from 1 to 100'],
    ['limit=101', 'limit must be a whole number from 1 to 100'],
    ['limit=ten', 'limit must be a whole number from 1 to 100'],
    ['status=DELETED', 'status must be one of PENDING, DONE, REJECTED, FAILED, EXPIRED'],
    ['limit=1&limit=2', 'limit is given more than once'],
    ['sort=asc', 'unknown parameter "sort"'],
  ])('answers 400 to %s', async (query, problem) => {
    const env = setup();

    const response = await env.handler(event('GET', '/images', { query }));

    expect(response.statusCode).toBe(400);
    expect(body(response).error.message).toContain(problem);
  });

  it('accepts limit=100 and limit=1', async () => {
    const env = setup();
    await seven(env);

    expect(body(await env.handler(event('GET', '/images', { query: 'limit=100' }))).items).toHaveLength(7);
    expect(body(await env.handler(event('GET', '/images', { query: 'limit=1' }))).items).toHaveLength(1);
  });
});

describe('images-api: DELETE /images/{imageId}', () => {
  it('deletes the original, every rendition and the record, gives the quota back, and answers 204; then 404', async () => {
    const env = setup();
    const key = await reserve(env, 1);
    await process(env, 1);
    env.originals.put('user-uploads/someone-else/keep.png', Buffer.from('x'));

    const first = await env.handler(event('DELETE', `/images/${id(1)}`));
    const second = await env.handler(event('DELETE', `/images/${id(1)}`));

    expect(first).toEqual({ statusCode: 204, headers: { 'Cache-Control': 'no-store' } });
    expect(second.statusCode).toBe(404);
    expect(env.originals.objects.has(key)).toBe(false);
    expect([...env.originals.objects.keys()]).toEqual(['user-uploads/someone-else/keep.png']);
    expect(env.processed.objects.size).toBe(0);
    tombstoneOnly(env, 1);
    expect(env.images.usageOf(ALICE)).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
    expect((await env.handler(event('GET', `/images/${id(1)}`))).statusCode).toBe(404);
  });

  it('deletes a PENDING image and ends its reservation', async () => {
    const env = setup();
    await reserve(env, 2);

    expect((await env.handler(event('DELETE', `/images/${id(2)}`))).statusCode).toBe(204);
    tombstoneOnly(env, 2);
    expect(env.images.usageOf(ALICE)).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
  });

  it('answers 404 for another user\'s image and leaves it alone', async () => {
    const env = setup();
    const key = await reserve(env, 3, BOB);

    expect((await env.handler(event('DELETE', `/images/${id(3)}`))).statusCode).toBe(404);
    expect(env.images.records.get(id(3))?.status).toBe('PENDING');
    expect(env.originals.objects.has(key)).toBe(true);
  });

  it('finishes a delete cut short after the tombstone, when asked again', async () => {
    const env = setup();
    const key = await reserve(env, 4);
    await process(env, 4);
    env.originals.faults.failNext(1, 'DeleteObjects');

    const interrupted = await env.handler(event('DELETE', `/images/${id(4)}`));
    const meanwhile = await env.handler(event('GET', `/images/${id(4)}`));
    const again = await env.handler(event('DELETE', `/images/${id(4)}`));

    expect(interrupted.statusCode).toBe(503);
    expect(meanwhile.statusCode).toBe(404);
    expect(again.statusCode).toBe(204);
    expect(env.originals.objects.has(key)).toBe(false);
    expect(env.processed.objects.size).toBe(0);
    tombstoneOnly(env, 4);
    expect(env.images.usageOf(ALICE)).toMatchObject({ images: 0, bytes: 0 });
  });

  it('deletes what the processor finished between the read and the tombstone', async () => {
    const env = setup();
    await reserve(env, 5);
    const markDeleted = env.images.markDeleted.bind(env.images);
    let raced = false;
    env.images.markDeleted = async (previous, deletedAt, expiresAt) => {
      if (!raced) {
        raced = true;
        await process(env, 5);
      }
      return markDeleted(previous, deletedAt, expiresAt);
    };

    expect((await env.handler(event('DELETE', `/images/${id(5)}`))).statusCode).toBe(204);
    expect(env.processed.objects.size).toBe(0);
    tombstoneOnly(env, 5);
    expect(env.images.usageOf(ALICE)).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
  });

  it('shows the REJECTED record of an object nobody reserved in the caller\'s folder, and deletes it and the object without touching the quota', async () => {
    // Arrange: what the processor records for an object no upload URL was issued for.
    const env = setup();
    const key = `user-uploads/${ALICE}/${id(6)}.png`;
    env.originals.put(key, Buffer.from('png'));
    const seenAt = '2026-11-23T12:00:06.000Z';
    await env.images.finish(
      { status: 'REJECTED', imageId: id(6), userId: ALICE, originalS3Key: key, rejectionReason: 'NOT_RESERVED', rejectionMessage: 'No upload URL was issued for this object.', processedAt: seenAt, createdAt: seenAt },
      undefined,
    );

    // Act
    const shown = await env.handler(event('GET', `/images/${id(6)}`));
    const listed = await env.handler(event('GET', '/images'));
    const deleted = await env.handler(event('DELETE', `/images/${id(6)}`));

    // Assert
    expect(shown.statusCode).toBe(200);
    expect(body(shown)).toMatchObject({ imageId: id(6), status: 'REJECTED', rejection: { reason: 'NOT_RESERVED' } });
    expect(body(listed).items.map((item: { imageId: string }) => item.imageId)).toEqual([id(6)]);
    expect(deleted.statusCode).toBe(204);
    expect(env.originals.objects.has(key)).toBe(false);
    tombstoneOnly(env, 6);
    expect(env.images.usageOf(ALICE)).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
  });

  it('answers 500 to a route it does not serve', async () => {
    const env = setup();
    const stray = { ...event('GET', '/images'), routeKey: 'POST /images' } as APIGatewayProxyEventV2WithJWTAuthorizer;

    expect((await env.handler(stray)).statusCode).toBe(500);
    expect(env.logs.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'images request failed' }));
  });

  it('maps a non-retryable storage failure to 500 without details', async () => {
    const env = setup();
    await reserve(env, 6);
    env.images.get = async () => {
      throw new DependencyError('DynamoDB', 'GetItem', false, 'ResourceNotFoundException');
    };

    const response = await env.handler(event('DELETE', `/images/${id(6)}`));

    expect(response.statusCode).toBe(500);
    expect(body(response)).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'The request could not be completed.' } });
  });
});
