import { S3Client } from '@aws-sdk/client-s3';
import { S3UploadUrlSigner } from '../../adapters/s3-object-store';
import type { CreateUploadDeps } from '../../domain/create-upload';
import { DependencyError } from '../../domain/errors';
import { apiEvent } from '../../test-support/events';
import { captureLogs, fixedClock, InMemoryImageRepository, sequentialIds } from '../../test-support/fakes';
import { makeHandler } from './handler';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const accessToken = { sub: USER, token_use: 'access', client_id: 'client-1', scope: 'aws.cognito.signin.user.admin' };

function setup() {
  const images = new InMemoryImageRepository();
  const logs = captureLogs('debug');
  const presignClient = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://localhost:4566',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const useCase: CreateUploadDeps = {
    signer: new S3UploadUrlSigner(presignClient, 'originals'),
    images,
    ids: sequentialIds(),
    clock: fixedClock(),
    policy: {
      allowedFormats: ['jpeg', 'png'],
      maxUploadBytes: 1000,
      expiresInSeconds: 300,
      quotas: { pendingUploads: 2, storedImages: 3, storedBytes: 2000 },
      pendingExpiresAfterSeconds: 1200,
    },
  };
  const handler = makeHandler({ useCase, logger: logs.logger });
  return { handler, images, logs };
}

const parse = (body: string | undefined) => JSON.parse(body ?? 'null');

describe('generate-upload-url handler', () => {
  const request = (contentLength = 500) => apiEvent({ claims: accessToken, body: { contentType: 'image/png', contentLength } });

  it('answers 429 with Retry-After once the pending reservations are used up', async () => {
    const { handler } = setup();
    await handler(request());
    await handler(request());

    const response = await handler(request());

    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'Retry-After': '10', 'Cache-Control': 'no-store' });
    expect(parse(response.body)).toEqual({
      error: { code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('2 uploads waiting'), quota: { name: 'pendingUploads', limit: 2 } },
    });
  });

  it('answers 403 QUOTA_EXCEEDED when the upload would exceed the bytes stored', async () => {
    const { handler, images } = setup();
    await handler(request(900));
    await handler(request(900));
    for (const record of [...images.records.values()]) {
      await images.finish({ ...record, status: 'FAILED', failureMessage: 'x', processedAt: 'now' }, record);
    }

    const response = await handler(request(201));

    expect(response.statusCode).toBe(403);
    expect(response.headers?.['Retry-After']).toBeUndefined();
    expect(parse(response.body)).toMatchObject({ error: { code: 'QUOTA_EXCEEDED', quota: { name: 'storedBytes', limit: 2000 } } });
    expect((await handler(request(200))).statusCode).toBe(201);
  });

  it('answers 201 with the seed contract plus id, lifetime and the headers to send', async () => {
    // Arrange
    const { handler, images, logs } = setup();

    // Act
    const response = await handler(apiEvent({ claims: accessToken, body: { contentType: 'image/png', contentLength: 500 } }), {
      awsRequestId: 'req-1',
    });

    // Assert
    expect(response.statusCode).toBe(201);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    const body = parse(response.body);
    const imageId = '00000000-0000-4000-8000-000000000001';
    expect(body).toEqual({
      upload_url: expect.stringMatching(new RegExp(`^http://localhost:4566/originals/user-uploads/${USER}/${imageId}\\.png\\?`)),
      file_path: `user-uploads/${USER}/${imageId}.png`,
      image_id: imageId,
      expires_in: 300,
      headers: { 'Content-Type': 'image/png', 'Content-Length': '500', 'If-None-Match': '*' },
    });
    expect(images.records.get(imageId)?.status).toBe('PENDING');
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 'upload url issued', imageId, requestId: 'req-1' }));
    expect(JSON.stringify(logs.lines)).not.toContain('X-Amz-Signature');
  });

  it('decodes a base64-encoded body', async () => {
    const { handler } = setup();
    const body = Buffer.from(JSON.stringify({ contentType: 'image/jpeg', contentLength: 10 })).toString('base64');

    const response = await handler(apiEvent({ claims: accessToken, body, isBase64Encoded: true }));

    expect(response.statusCode).toBe(201);
    expect(parse(response.body).file_path).toMatch(/\.jpg$/);
  });

  it.each([
    ['no claims', {}],
    ['an empty sub', { ...accessToken, sub: '' }],
    ['a sub with path tricks', { ...accessToken, sub: '../other-user' }],
    ['a sub with a slash', { ...accessToken, sub: 'a/b' }],
    ['an ID token', { ...accessToken, token_use: 'id' }],
  ])('answers 401 for %s and records nothing', async (_case, claims) => {
    const { handler, images } = setup();

    const response = await handler(apiEvent({ claims, body: { contentType: 'image/png', contentLength: 1 } }));

    expect(response.statusCode).toBe(401);
    expect(parse(response.body).error.code).toBe('UNAUTHORIZED');
    expect(images.records.size).toBe(0);
  });

  it('answers 401 when the event has no authorizer at all', async () => {
    const { handler } = setup();
    const event = apiEvent({ body: { contentType: 'image/png', contentLength: 1 } });
    delete (event.requestContext as { authorizer?: unknown }).authorizer;

    expect((await handler(event)).statusCode).toBe(401);
  });

  it.each([
    [400, 'INVALID_REQUEST', '{not json'],
    [400, 'INVALID_REQUEST', { contentType: 'image/png' }],
    [413, 'PAYLOAD_TOO_LARGE', { contentType: 'image/png', contentLength: 1001 }],
    [415, 'UNSUPPORTED_MEDIA_TYPE', { contentType: 'image/svg+xml', contentLength: 10 }],
  ])('answers %i %s', async (status, code, body) => {
    const { handler } = setup();

    const response = await handler(apiEvent({ claims: accessToken, body }));

    expect(response.statusCode).toBe(status);
    expect(parse(response.body)).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('never answers 500 to bad input', async () => {
    const { handler } = setup();
    const bodies = [undefined, '', ' ', 'null', '0', '"x"', '[]', '{}', '{"contentType":null}', '{"__proto__":{"x":1}}', '\u0000', 'x'.repeat(10_000)];

    const statuses = await Promise.all(bodies.map(async (body) => (await handler(apiEvent({ claims: accessToken, body }))).statusCode));

    expect(statuses.every((status) => status! >= 400 && status! < 500)).toBe(true);
  });

  it('answers 503 with Retry-After when the table is throttling', async () => {
    const { handler, images } = setup();
    images.reserve = async () => {
      throw new DependencyError('DynamoDB', 'PutItem', true, 'throttled');
    };

    const response = await handler(apiEvent({ claims: accessToken, body: { contentType: 'image/png', contentLength: 1 } }));

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '1' });
    expect(parse(response.body).error.code).toBe('SERVICE_UNAVAILABLE');
  });

  it('answers 500 without details when the table is missing, and logs the cause', async () => {
    const { handler, images, logs } = setup();
    images.reserve = async () => {
      throw new DependencyError('DynamoDB', 'PutItem', false, 'DynamoDB PutItem failed: ResourceNotFoundException');
    };

    const response = await handler(apiEvent({ claims: accessToken, body: { contentType: 'image/png', contentLength: 1 } }));

    expect(response.statusCode).toBe(500);
    expect(parse(response.body)).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'The upload could not be prepared.' } });
    expect(logs.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'upload request failed', code: 'DEPENDENCY_FAILURE' }));
  });
});
