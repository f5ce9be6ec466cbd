import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { CreateTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { getImage, putObject, type UploadGrant } from '../workbench/stack-client';
import { apiEvent } from '../src/test-support/events';
import { type RunningAwsFront, startAwsFront } from './support/aws-front';
import { type Backends, startBackends } from './support/backends';
import { type RunningFunction, startFunction } from './support/function-container';
import { FUNCTION_IMAGES } from './support/images';
import { recordTrial } from './support/reliability';

const BUCKET = 'it-upload-originals';
const TABLE = 'it-upload-images';
const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const claims = { sub: USER, token_use: 'access', client_id: 'client-1' };

let backends: Backends;
let front: RunningAwsFront;
let uploadFunction: RunningFunction;
let shortLivedUploadFunction: RunningFunction;

beforeAll(async () => {
  backends = await startBackends();
  front = await startAwsFront(backends.network);
  await backends.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await backends.clients.dynamoDb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'imageId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'imageId', KeyType: 'HASH' }],
    }),
  );
  const environment = {
    ...backends.functionEnvironment,
    ORIGINALS_BUCKET: BUCKET,
    IMAGES_TABLE: TABLE,
    // Signed for the address this test uses, the AWS front, as in docker-compose.yml; LocalStack
    // checks the Host header, which the front passes unchanged.
    S3_PUBLIC_ENDPOINT: front.url,
    MAX_UPLOAD_BYTES: '100000',
  };
  [uploadFunction, shortLivedUploadFunction] = await Promise.all([
    startFunction(FUNCTION_IMAGES.uploadUrl, backends.network, environment),
    startFunction(FUNCTION_IMAGES.uploadUrl, backends.network, { ...environment, UPLOAD_URL_EXPIRES_IN_SECONDS: '1' }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([uploadFunction?.stop(), shortLivedUploadFunction?.stop(), front?.stop()]);
  await backends?.stop();
});

/** Invokes the function through its emulator, as the HTTP API would. */
async function requestGrant(fn: RunningFunction, body: unknown, withClaims: Record<string, string> = claims) {
  const result = await fn.invoke(apiEvent({ claims: withClaims, body }));
  if (result.kind !== 'ok') throw new Error(`invocation failed: ${JSON.stringify(result)}\n${await fn.logs()}`);
  const response = result.payload as { statusCode: number; body: string };
  return { statusCode: response.statusCode, body: JSON.parse(response.body) as UploadGrant & { error?: { code: string } } };
}

const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(size - 8, 7)]);

/** A PUT to a raw path, so `..` reaches S3 as sent instead of being normalised away by a URL parser. */
function putRawPath(uploadUrl: string, rawPath: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const url = new URL(uploadUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: 'PUT', path: `${rawPath}${url.search}`, headers: { ...headers, 'Content-Length': String(body.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('generate-upload-url, in its container against LocalStack with S3 signature validation on', () => {
  it('issues a URL that accepts exactly the declared upload, and records it as PENDING', async () => {
    // Arrange
    const bytes = png(5000);

    // Act
    const { statusCode, body: grant } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: bytes.length, fileName: 'a.png' });
    const put = await putObject(grant.upload_url, grant.headers, bytes);

    // Assert
    expect(statusCode).toBe(201);
    expect(grant.file_path).toMatch(new RegExp(`^user-uploads/${USER}/[0-9a-f-]{36}\\.png$`));
    expect(put.status).toBe(200);
    const head = await backends.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: grant.file_path }));
    expect(head).toMatchObject({ ContentType: 'image/png', ContentLength: bytes.length });
    expect(await getImage(backends.clients.dynamoDb, TABLE, grant.image_id)).toMatchObject({
      status: 'PENDING',
      userId: USER,
      originalS3Key: grant.file_path,
      contentType: 'image/png',
      contentLength: bytes.length,
      originalFileName: 'a.png',
    });
  });

  it('is refused by S3 for another content type', async () => {
    const bytes = png(1000);
    const { body: grant } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: bytes.length });

    const put = await putObject(grant.upload_url, { ...grant.headers, 'Content-Type': 'text/html' }, bytes);

    expect(put.status).toBe(403);
    expect(put.body).toContain('SignatureDoesNotMatch');
    recordTrial({ area: 'Presign abuse', trial: 'PUT with another Content-Type than signed', runs: 1, outcome: `S3 refused: ${put.status} SignatureDoesNotMatch` });
  });

  it('is refused by S3 for another size', async () => {
    const { body: grant } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: 1000 });

    const put = await putObject(grant.upload_url, { ...grant.headers, 'Content-Length': '1001' }, png(1001));

    expect(put.status).toBe(403);
    recordTrial({ area: 'Presign abuse', trial: 'PUT of another size than signed', runs: 1, outcome: `S3 refused: ${put.status}` });
  });

  it.each([
    ['another user folder', (path: string) => path.replace(USER, 'another-user')],
    ['a path that climbs out with ../', (path: string) => path.replace(`${USER}/`, `${USER}/../another-user/`)],
    ['another file name', (path: string) => path.replace(/[0-9a-f-]{36}\.png$/, '00000000-0000-4000-8000-000000000000.png')],
  ])('is refused by S3 for a key tampered into %s', async (name, tamper) => {
    const bytes = png(1000);
    const { body: grant } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: bytes.length });
    const path = new URL(grant.upload_url).pathname;

    const status = await putRawPath(grant.upload_url, tamper(path), grant.headers, bytes);

    expect(status).toBe(403);
    recordTrial({ area: 'Presign abuse', trial: `key tampered into ${name}`, runs: 1, outcome: `S3 refused: ${status}` });
  });

  it('is refused by S3 once expired', async () => {
    const bytes = png(1000);
    const { body: grant } = await requestGrant(shortLivedUploadFunction, { contentType: 'image/png', contentLength: bytes.length });
    expect(grant.expires_in).toBe(1);
    const signedAt = new URL(grant.upload_url).searchParams.get('X-Amz-Date')!;
    const expiresAt = Date.parse(signedAt.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) + 1000;

    // Waiting for a point in time, not for a result: the URL is only meaningful after it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 1100));
    const put = await putObject(grant.upload_url, grant.headers, bytes);

    expect(put.status).toBe(403);
    expect(put.body).toContain('expired');
    recordTrial({ area: 'Presign abuse', trial: 'PUT after the URL expired (1 s lifetime)', runs: 1, outcome: `S3 refused: ${put.status} Request has expired` });
  });

  it('accepts only one upload per URL (If-None-Match: *)', async () => {
    const bytes = png(1000);
    const { body: grant } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: bytes.length });

    const first = await putObject(grant.upload_url, grant.headers, bytes);
    const replay = await putObject(grant.upload_url, grant.headers, bytes);

    expect(first.status).toBe(200);
    expect(replay.status).toBe(412);
    recordTrial({ area: 'Presign abuse', trial: 'the same URL used twice', runs: 1, outcome: `first PUT ${first.status}, replay refused ${replay.status} (If-None-Match: *)` });
  });

  describe('requests with no signature at all, refused by the AWS front as AWS refuses them', () => {
    const OTHER_USER = 'b2c3d4e5-0000-4000-8000-00000000000b';
    const objectBytes = async (key: string) => {
      const object = await backends.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    };
    const exists = (key: string) =>
      backends.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
        () => true,
        (error: { name?: string }) => (error.name === 'NotFound' ? false : Promise.reject(error)),
      );
    const recordsUnder = async (prefix: string) =>
      (await backends.clients.dynamoDb.send(new ScanCommand({ TableName: TABLE }))).Items?.filter((item) => item.originalS3Key?.S?.startsWith(prefix)) ?? [];

    it('refuses a PUT to an upload URL with its query string removed, and the URL still works afterwards', async () => {
      // Arrange
      const bytes = png(1000);
      const { body: grant } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: bytes.length });
      const pending = await getImage(backends.clients.dynamoDb, TABLE, grant.image_id);

      // Act
      const put = await putObject(grant.upload_url.split('?')[0]!, grant.headers, bytes);

      // Assert
      expect(put.status).toBe(403);
      expect(put.body).toContain('<Code>AccessDenied</Code>');
      expect(await exists(grant.file_path)).toBe(false);
      expect(await getImage(backends.clients.dynamoDb, TABLE, grant.image_id)).toEqual(pending);
      expect((await putObject(grant.upload_url, grant.headers, bytes)).status).toBe(200);
      recordTrial({ area: 'Presign abuse', trial: 'PUT to an upload URL with its query string removed', runs: 1, outcome: `refused: ${put.status} AccessDenied, nothing written, record unchanged` });
    });

    it("refuses a PUT with no token into another user's folder, where no URL was ever issued", async () => {
      // Arrange
      const imageId = randomUUID();
      const key = `user-uploads/${OTHER_USER}/${imageId}.png`;

      // Act
      const put = await putObject(`${front.url}/${BUCKET}/${key}`, { 'Content-Type': 'image/png' }, png(1000));

      // Assert
      expect(put.status).toBe(403);
      expect(put.body).toContain('<Code>AccessDenied</Code>');
      expect(await exists(key)).toBe(false);
      expect(await getImage(backends.clients.dynamoDb, TABLE, imageId)).toBeUndefined();
      expect(await recordsUnder(`user-uploads/${OTHER_USER}/`)).toEqual([]);
      recordTrial({ area: 'Presign abuse', trial: "unsigned PUT into another user's folder, no URL issued", runs: 1, outcome: `refused: ${put.status} AccessDenied, no object, no record` });
    });

    it('refuses a PUT with no signature over an existing original, which keeps its bytes and record', async () => {
      // Arrange: an original uploaded through its URL.
      const original = png(1000);
      const { body: grant } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: original.length });
      expect((await putObject(grant.upload_url, grant.headers, original)).status).toBe(200);
      const record = await getImage(backends.clients.dynamoDb, TABLE, grant.image_id);

      // Act
      const put = await putObject(`${front.url}/${BUCKET}/${grant.file_path}`, { 'Content-Type': 'image/png' }, png(2000));

      // Assert
      expect(put.status).toBe(403);
      expect(put.body).toContain('<Code>AccessDenied</Code>');
      expect((await objectBytes(grant.file_path)).equals(original)).toBe(true);
      expect(await getImage(backends.clients.dynamoDb, TABLE, grant.image_id)).toEqual(record);
      recordTrial({ area: 'Presign abuse', trial: 'unsigned PUT over an existing original', runs: 1, outcome: `refused: ${put.status} AccessDenied, original bytes and record unchanged` });
    });

    it('are what LocalStack alone accepts: the gap the front closes', async () => {
      const key = `user-uploads/${OTHER_USER}/${randomUUID()}.png`;

      const put = await putObject(`${backends.endpoints.s3}/${BUCKET}/${key}`, { 'Content-Type': 'image/png' }, png(1000));

      expect(put.status).toBe(200);
      expect(await exists(key)).toBe(true);
    });
  });

  it.each([
    ['no claims', {}],
    ['a sub with path tricks', { ...claims, sub: '../another-user' }],
  ])('answers 401 for %s', async (_case, withClaims) => {
    const { statusCode, body } = await requestGrant(uploadFunction, { contentType: 'image/png', contentLength: 10 }, withClaims);

    expect(statusCode).toBe(401);
    expect(body.error?.code).toBe('UNAUTHORIZED');
  });

  it.each([
    [400, { contentType: 'image/png' }],
    [413, { contentType: 'image/png', contentLength: 100001 }],
    [415, { contentType: 'image/svg+xml', contentLength: 10 }],
  ])('answers %i to a bad request', async (status, body) => {
    expect((await requestGrant(uploadFunction, body)).statusCode).toBe(status);
  });
});
