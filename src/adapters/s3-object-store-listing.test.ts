import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { DependencyError } from '../domain/errors';
import type { ListedObject } from '../domain/ports/object-store';
import { S3ObjectStore } from './s3-object-store';

// listPages reads ListObjectsV2 bodies itself (see readKeysAndSizes) and leaves the rest to the SDK,
// so these tests run the real SDK client against a loopback server speaking S3's wire format:
// signing, retries, errors and aborts are the SDK's, observed from the server side.

type Reply = { status: number; body: string } | 'hang' | 'reset';

interface FakeS3 {
  readonly requests: { url: URL; authorization: string }[];
  readonly client: (options?: { maxAttempts?: number; requestTimeoutMs?: number }) => S3Client;
  close(): Promise<void>;
}

/** Answers each request with the next reply (the last one repeats). */
async function fakeS3(replies: Reply[]): Promise<FakeS3> {
  const requests: FakeS3['requests'] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push({ url: new URL(request.url ?? '/', 'http://s3.test'), authorization: String(request.headers.authorization ?? '') });
    const reply = replies[Math.min(requests.length, replies.length) - 1]!;
    if (reply === 'hang') return void held.push(response);
    if (reply === 'reset') return void request.socket.destroy();
    response.writeHead(reply.status, { 'content-type': 'application/xml', 'x-amz-request-id': `req-${requests.length}` });
    response.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const clients: S3Client[] = [];
  return {
    requests,
    client: (options = {}) => {
      const client = new S3Client({
        region: 'us-east-1',
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: options.maxAttempts ?? 3,
        ...(options.requestTimeoutMs !== undefined ? { requestHandler: { requestTimeout: options.requestTimeoutMs, throwOnRequestTimeout: true } } : {}),
      });
      clients.push(client);
      return client;
    },
    async close() {
      held.forEach((response) => response.destroy());
      clients.forEach((client) => client.destroy());
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const page = (objects: [string, number][], next?: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>originals</Name><Prefix></Prefix>` +
  `${next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ''}<KeyCount>${objects.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${next ? 'true' : 'false'}</IsTruncated>` +
  objects.map(([key, size]) => `<Contents><Key>${key}</Key><LastModified>2026-11-30T10:00:00.000Z</LastModified><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('') +
  '</ListBucketResult>';
const s3Error = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>host</HostId></Error>`;

async function listAll(store: S3ObjectStore, options: { startAfter?: string; signal?: AbortSignal } = {}): Promise<ListedObject[][]> {
  const pages: ListedObject[][] = [];
  for await (const listed of store.listPages(options)) pages.push([...listed]);
  return pages;
}

let s3: FakeS3 | undefined;
afterEach(async () => {
  await s3?.close();
  s3 = undefined;
});

describe('S3ObjectStore.listPages against an S3 wire-format server', () => {
  it('sends signed ListObjectsV2 requests from StartAfter, follows the continuation token, and yields each page', async () => {
    // Arrange
    s3 = await fakeS3([
      { status: 200, body: page([['p/4', 4], ['p/5 &amp; more', 5]], '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=') },
      { status: 200, body: page([['p/6', 6]]) },
    ]);

    // Act
    const pages = await listAll(new S3ObjectStore(s3.client(), 'originals'), { startAfter: 'p/3' });

    // Assert
    expect(pages).toEqual([
      [
        { key: 'p/4', sizeBytes: 4 },
        { key: 'p/5 & more', sizeBytes: 5 },
      ],
      [{ key: 'p/6', sizeBytes: 6 }],
    ]);
    const [first, second] = s3.requests;
    expect(first!.url.pathname).toBe('/originals/');
    expect(Object.fromEntries(first!.url.searchParams)).toMatchObject({ 'list-type': '2', 'max-keys': '1000', 'start-after': 'p/3' });
    expect(first!.url.searchParams.has('encoding-type')).toBe(false);
    expect(second!.url.searchParams.get('continuation-token')).toBe('1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=');
    expect(first!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/);
    expect(s3.requests).toHaveLength(2);
  });

  it('lists an empty bucket as one empty page', async () => {
    s3 = await fakeS3([{ status: 200, body: page([]) }]);

    await expect(listAll(new S3ObjectStore(s3.client(), 'originals'))).resolves.toEqual([[]]);
  });

  it('retries throttling (503 SlowDown) with the SDK and then reads the page', async () => {
    s3 = await fakeS3([
      { status: 503, body: s3Error('SlowDown', 'Please reduce your request rate.') },
      { status: 200, body: page([['a', 1]]) },
    ]);

    const pages = await listAll(new S3ObjectStore(s3.client(), 'originals'));

    expect(pages).toEqual([[{ key: 'a', sizeBytes: 1 }]]);
    expect(s3.requests).toHaveLength(2);
  });

  it('leaves a 200 answer that holds an S3 error to the SDK, which retries it', async () => {
    s3 = await fakeS3([
      { status: 200, body: s3Error('InternalError', 'We encountered an internal error. Please try again.') },
      { status: 200, body: page([['a', 1]]) },
    ]);

    const pages = await listAll(new S3ObjectStore(s3.client(), 'originals'));

    expect(pages).toEqual([[{ key: 'a', sizeBytes: 1 }]]);
    expect(s3.requests).toHaveLength(2);
  });

  it('reports a server error that outlasts the retries as a retryable DependencyError', async () => {
    s3 = await fakeS3([{ status: 500, body: s3Error('InternalError', 'We encountered an internal error. Please try again.') }]);

    const listing = listAll(new S3ObjectStore(s3.client({ maxAttempts: 2 }), 'originals'));

    await expect(listing).rejects.toBeInstanceOf(DependencyError);
    await expect(listing).rejects.toMatchObject({ operation: 'ListObjectsV2', retryable: true, message: expect.stringContaining('InternalError') });
    expect(s3.requests).toHaveLength(2);
  });

  it('reports access denied once, not retryable, with S3\'s error code', async () => {
    s3 = await fakeS3([{ status: 403, body: s3Error('AccessDenied', 'Access Denied') }]);

    const listing = listAll(new S3ObjectStore(s3.client(), 'originals'));

    await expect(listing).rejects.toMatchObject({ name: 'DependencyError', operation: 'ListObjectsV2', retryable: false, message: expect.stringContaining('AccessDenied') });
    expect(s3.requests).toHaveLength(1);
  });

  it('fails loudly on a 200 body that is not a listing, without retrying it or yielding a page', async () => {
    s3 = await fakeS3([{ status: 200, body: page([['a', 1], ['b', 2]]).replace('<KeyCount>2</KeyCount>', '<KeyCount>3</KeyCount>') }]);
    const yielded: unknown[] = [];

    const listing = (async () => {
      for await (const listed of new S3ObjectStore(s3!.client(), 'originals').listPages({})) yielded.push(listed);
    })();

    await expect(listing).rejects.toMatchObject({ name: 'DependencyError', retryable: false, cause: { name: 'ListPageFormatError' } });
    expect(yielded).toEqual([]);
    expect(s3.requests).toHaveLength(1);
  });

  it('retries a connection the server drops, then reads the page', async () => {
    s3 = await fakeS3(['reset', { status: 200, body: page([['a', 1]]) }]);

    await expect(listAll(new S3ObjectStore(s3.client(), 'originals'))).resolves.toEqual([[{ key: 'a', sizeBytes: 1 }]]);
    expect(s3.requests).toHaveLength(2);
  });

  it('stops a request in flight when the signal aborts', async () => {
    s3 = await fakeS3(['hang']);
    const abort = new AbortController();

    const listing = listAll(new S3ObjectStore(s3.client(), 'originals'), { signal: abort.signal });
    while (s3.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    abort.abort();

    await expect(listing).rejects.toMatchObject({ name: 'DependencyError', cause: { name: 'AbortError' } });
    expect(s3.requests).toHaveLength(1);
  });

  it('gives up on a server that never answers after the request timeout, as a retryable error', async () => {
    s3 = await fakeS3(['hang']);

    const listing = listAll(new S3ObjectStore(s3.client({ maxAttempts: 1, requestTimeoutMs: 100 }), 'originals'));

    await expect(listing).rejects.toMatchObject({ name: 'DependencyError', retryable: true, cause: { name: 'TimeoutError' } });
  });
});
