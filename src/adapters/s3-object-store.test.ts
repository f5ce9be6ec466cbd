import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockClient } from 'aws-sdk-client-mock';
import { presignS3Client } from '../config/aws-clients';
import { DependencyError, ImageRejectedError } from '../domain/errors';
import { S3ObjectStore, S3UploadUrlSigner } from './s3-object-store';

const s3 = mockClient(S3Client);
const body = (...chunks: Buffer[]) => sdkStreamMixin(Readable.from(chunks));
const store = () => new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'originals');

beforeEach(() => s3.reset());

describe('S3ObjectStore.exists', () => {
  it('asks with HEAD, so nothing of the object is downloaded', async () => {
    s3.on(HeadObjectCommand, { Bucket: 'originals', Key: 'user-uploads/u/a.jpg' }).resolves({ ContentLength: 6 });

    await expect(store().exists('user-uploads/u/a.jpg')).resolves.toBe(true);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('answers false for a missing key (HEAD answers NotFound, with no body)', async () => {
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    await expect(store().exists('k')).resolves.toBe(false);
  });

  it('maps a 503 to a retryable DependencyError', async () => {
    s3.on(HeadObjectCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 } }));

    await expect(store().exists('k')).rejects.toMatchObject({ name: 'DependencyError', retryable: true });
  });
});

describe('S3ObjectStore.read', () => {
  it('gets the object from its bucket and returns the bytes', async () => {
    s3.on(GetObjectCommand, { Bucket: 'originals', Key: 'user-uploads/u/a.jpg' }).resolves({
      ContentLength: 6,
      Body: body(Buffer.from('abc'), Buffer.from('def')),
    });

    await expect(store().read('user-uploads/u/a.jpg', { maxBytes: 10 })).resolves.toEqual(Buffer.from('abcdef'));
  });

  it('refuses an object whose announced length exceeds the limit', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 11, Body: body(Buffer.alloc(11)) });

    await expect(store().read('k', { maxBytes: 10 })).rejects.toMatchObject({ reason: 'TOO_LARGE' });
  });

  it('cuts off a body that turns out longer than the limit, leaving the rest unread', async () => {
    let chunksRead = 0;
    const endless = new Readable({
      read() {
        chunksRead += 1;
        this.push(Buffer.alloc(6));
      },
    });
    s3.on(GetObjectCommand).resolves({ Body: sdkStreamMixin(endless) });

    await expect(store().read('k', { maxBytes: 10 })).rejects.toMatchObject({ reason: 'TOO_LARGE' });
    expect(endless.destroyed).toBe(true);
    expect(chunksRead).toBeLessThan(10);
  });

  it('reports a missing key as ORIGINAL_NOT_FOUND', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

    const attempt = store().read('k', { maxBytes: 10 });

    await expect(attempt).rejects.toBeInstanceOf(ImageRejectedError);
    await expect(attempt).rejects.toMatchObject({ reason: 'ORIGINAL_NOT_FOUND' });
  });

  it('maps a 503 to a retryable DependencyError', async () => {
    s3.on(GetObjectCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 } }));

    await expect(store().read('k', { maxBytes: 10 })).rejects.toMatchObject({
      name: 'DependencyError',
      retryable: true,
      operation: 'GetObject',
    });
  });
});

describe('S3ObjectStore.write', () => {
  it('puts the bytes with their content type', async () => {
    s3.on(PutObjectCommand).resolves({});

    await store().write('processed/a.jpg', Buffer.from('x'), { contentType: 'image/jpeg' });

    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'originals',
      Key: 'processed/a.jpg',
      Body: Buffer.from('x'),
      ContentType: 'image/jpeg',
    });
  });

  it('maps access denied to a DependencyError that is not retryable', async () => {
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

    const attempt = store().write('k', Buffer.from('x'), { contentType: 'image/jpeg' });

    await expect(attempt).rejects.toBeInstanceOf(DependencyError);
    await expect(attempt).rejects.toMatchObject({ retryable: false });
  });
});

// listPages: s3-object-store-listing.test.ts, against a loopback server (it reads the raw response).

describe('S3UploadUrlSigner', () => {
  // The real presign client from the composition root: signing sends no request.
  const runtime = { logLevel: 'info', s3ForcePathStyle: true, sdkConnectTimeoutMs: 1000, sdkRequestTimeoutMs: 1000 } as const;
  const signer = new S3UploadUrlSigner(presignS3Client(runtime, 'http://localhost:4566'), 'originals');

  it('signs the type, the length and the write-once condition into a URL on the public endpoint', async () => {
    const { url, headers } = await signer.presignPut({
      key: 'user-uploads/u/a b.png',
      contentType: 'image/png',
      contentLength: 1234,
      expiresInSeconds: 300,
    });

    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe('http://localhost:4566/originals/user-uploads/u/a%20b.png');
    expect(parsed.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;if-none-match');
    expect(parsed.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '1234', 'If-None-Match': '*' });
  });

  it('puts no checksum of an empty body into the URL', async () => {
    const { url } = await signer.presignPut({ key: 'k.png', contentType: 'image/png', contentLength: 1, expiresInSeconds: 60 });

    expect([...new URL(url).searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
  });
});
