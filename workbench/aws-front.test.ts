import { createHash } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { captureLogs } from '../src/test-support/fakes';
import { admit, createAwsFront } from './aws-front';
import { loadAwsFrontConfig } from './config';

/** What the stand-in for LocalStack received. */
interface Received {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly body: Buffer;
  /** Bytes received so far, updated while the body streams in. */
  bytesSoFar: number;
  complete: boolean;
  closedEarly: boolean;
}

type Reply = (request: IncomingMessage, response: ServerResponse, received: Received) => void;

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

/** A stand-in for LocalStack that records each request, and the front in front of it. */
async function start(reply: Reply = (_request, response) => response.end('ok')) {
  const received: Received[] = [];
  const upstream = createServer((req, res) => {
    const record: Received = { method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.alloc(0), bytesSoFar: 0, complete: false, closedEarly: false };
    received.push(record);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      record.bytesSoFar += chunk.length;
    });
    req.on('end', () => {
      Object.assign(record, { body: Buffer.concat(chunks), complete: true });
    });
    req.on('close', () => {
      if (!record.complete) record.closedEarly = true;
    });
    reply(req, res, record);
  });
  const upstreamUrl = await listen(upstream);
  const logs = captureLogs();
  const front = createAwsFront({ upstreamUrl, logger: logs.logger });
  const frontUrl = await listen(front);
  servers.push(front, upstream);
  return { received, frontUrl, logs, upstream };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Polls until `check` holds; the front streams, so what it passes shows up a little later. */
async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends exactly these bytes (ending with `Connection: close`) and returns the raw response text. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

const presigned = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=abc123';
const sigV4Header = 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd';

describe('which requests the AWS front lets through', () => {
  it.each([
    ['a SigV4 Authorization header', 'PUT', '/bucket/key', sigV4Header, 'authorization-header'],
    ['a SigV4a Authorization header', 'GET', '/bucket/key', 'AWS4-ECDSA-P256-SHA256 Credential=test/20260101/s3/aws4_request, SignedHeaders=host, Signature=ab', 'authorization-header'],
    ['a SigV2 Authorization header', 'GET', '/bucket/key', 'AWS test:c2lnbmF0dXJl', 'authorization-header'],
    ['a SigV4 presigned URL', 'PUT', `/bucket/key?${presigned}`, undefined, 'presigned-query'],
    ['one presigned parameter alone (LocalStack then refuses it as incomplete)', 'PUT', '/bucket/key?X-Amz-Credential=x', undefined, 'presigned-query'],
    ['a percent-encoded parameter name', 'PUT', '/bucket/key?X-Amz-Signatur%65=x', undefined, 'presigned-query'],
    ['a SigV2 presigned URL', 'GET', '/bucket/key?AWSAccessKeyId=test&Expires=1&Signature=abc', undefined, 'presigned-query'],
    ['a CORS preflight', 'OPTIONS', '/bucket/key', undefined, 'cors-preflight'],
    ['the health check', 'GET', '/_localstack/health', undefined, 'health-check'],
    ['the health check with a query', 'HEAD', '/_localstack/health?reload', undefined, 'health-check'],
  ])('passes %s', (_name, method, url, authorization, reason) => {
    expect(admit(method, url, authorization)).toEqual({ pass: true, reason });
  });

  it.each([
    ['a PUT with no signature', 'PUT', '/bucket/user-uploads/someone/x.png', undefined],
    ['a GET with no signature', 'GET', '/bucket/key', undefined],
    ['a DELETE with no signature', 'DELETE', '/bucket/key', undefined],
    ['a form POST with no signature', 'POST', '/bucket', undefined],
    ['a listing with no signature', 'GET', '/bucket?list-type=2', undefined],
    ['an upload URL with its query string removed', 'PUT', '/bucket/key', undefined],
    ['presigned parameter names in another case (LocalStack would not check them)', 'PUT', '/bucket/key?x-amz-signature=abc&x-amz-credential=x', undefined],
    ['a parameter that only looks like one', 'PUT', '/bucket/key?X-Amz-Signature-x=1&not-X-Amz-Signature=1', undefined],
    ['a Cognito bearer token', 'PUT', '/bucket/key', 'Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig'],
    ['an empty Authorization header', 'PUT', '/bucket/key', ''],
    ['a scheme name without a signature', 'PUT', '/bucket/key', 'AWS4-HMAC-SHA256'],
    ['the scheme in lower case', 'PUT', '/bucket/key', 'aws4-hmac-sha256 Credential=x, SignedHeaders=host, Signature=1'],
    ["LocalStack's other endpoints", 'GET', '/_localstack/info', undefined],
    ["LocalStack's message inspection endpoint", 'GET', '/_aws/sqs/messages?QueueUrl=x', undefined],
    ['a health check that writes', 'POST', '/_localstack/health', undefined],
    ['an unsigned SQS call', 'POST', '/', undefined],
  ])('refuses %s', (_name, method, url, authorization) => {
    expect(admit(method, url, authorization)).toEqual({ pass: false, reason: 'no-signature' });
  });
});

describe('the AWS front', () => {
  it('refuses an unsigned PUT with S3 403 AccessDenied XML, without reaching LocalStack', async () => {
    const { frontUrl, received, logs } = await start();

    const response = await fetch(`${frontUrl}/imgproc-originals/user-uploads/victim/00000000-0000-4000-8000-000000000000.png`, {
      method: 'PUT',
      headers: { 'Content-Type': 'image/png' },
      body: Buffer.alloc(1000, 1),
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/xml');
    const body = await response.text();
    expect(body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><RequestId>[0-9A-F]{16}<\/RequestId>/);
    expect(body).toContain(`<RequestId>${response.headers.get('x-amz-request-id')}</RequestId>`);
    expect(received).toHaveLength(0);
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 'refused a request without an AWS signature', method: 'PUT', target: 'imgproc-originals' }));
    expect(JSON.stringify(logs.lines)).not.toContain('victim');
  });

  it("lets a web page read a refusal: CORS headers for the caller's origin, as S3 sends them on errors", async () => {
    const { frontUrl } = await start();

    const response = await fetch(`${frontUrl}/imgproc-originals/user-uploads/u/00000000-0000-4000-8000-000000000000.png`, {
      method: 'PUT',
      headers: { Origin: 'http://localhost:3000', 'Content-Type': 'image/png' },
      body: Buffer.alloc(10, 1),
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it('answers a refused HEAD with the status alone', async () => {
    const { frontUrl, received } = await start();

    const response = await fetch(`${frontUrl}/bucket/key`, { method: 'HEAD' });

    expect(response.status).toBe(403);
    expect(await response.text()).toBe('');
    expect(received).toHaveLength(0);
  });

  it('keeps the connection usable after refusing a request whose body it did not read', async () => {
    const { frontUrl, received } = await start();
    const agentOptions = { agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
    const send = (path: string, body: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${frontUrl}${path}`, { method: 'PUT', headers: { 'Content-Length': String(body.length) }, ...agentOptions }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end(body);
      });

    const refused = await send('/bucket/a', Buffer.alloc(256 * 1024, 1));
    const passed = await send(`/bucket/b?${presigned}`, Buffer.from('next'));

    expect([refused, passed]).toEqual([403, 200]);
    expect(received.map((r) => r.url)).toEqual([`/bucket/b?${presigned}`]);
    agentOptions.agent.destroy();
  });

  it('passes a signed request byte for byte: method, raw path and query, Host and every header as sent, body', async () => {
    const { frontUrl, received } = await start();
    const path = `/imgproc-originals/user-uploads/u1/../u2/%7Ekey%20name.png?${presigned}`;

    const answer = await rawExchange(
      frontUrl,
      `PUT ${path} HTTP/1.1\r\nHost: localhost:4566\r\nContent-Type: image/png\r\nIf-None-Match: *\r\nX-Amz-Meta-Note: a\r\nx-amz-meta-note: b\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
    );

    expect(answer).toMatch(/^HTTP\/1.1 200 OK\r\n/);
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.method).toBe('PUT');
    expect(got!.url).toBe(path);
    // Every end-to-end header, in order and spelled as sent; Connection is each hop's own.
    const endToEnd = got!.rawHeaders.flatMap((value, index, all) => (index % 2 === 0 && value.toLowerCase() !== 'connection' ? [value, all[index + 1]!] : []));
    expect(endToEnd).toEqual(['Host', 'localhost:4566', 'Content-Type', 'image/png', 'If-None-Match', '*', 'X-Amz-Meta-Note', 'a', 'x-amz-meta-note', 'b', 'Content-Length', '5']);
    expect(got!.body.toString()).toBe('hello');
  });

  it('passes an Authorization-signed call of any service (an SQS JSON call here)', async () => {
    const { frontUrl, received } = await start();

    const response = await fetch(`${frontUrl}/`, {
      method: 'POST',
      headers: { Authorization: sigV4Header.replace('/s3/', '/sqs/'), 'X-Amz-Target': 'AmazonSQS.ListQueues', 'Content-Type': 'application/x-amz-json-1.0' },
      body: '{}',
    });

    expect(response.status).toBe(200);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/', body: Buffer.from('{}') });
  });

  it("returns LocalStack's answer unchanged: status, headers, body", async () => {
    const { frontUrl } = await start((_req, res) => {
      res.writeHead(412, 'Precondition Failed', { 'Content-Type': 'application/xml', ETag: '"abc"', 'x-amz-request-id': 'R1' });
      res.end('<Error><Code>PreconditionFailed</Code></Error>');
    });

    const response = await fetch(`${frontUrl}/bucket/key?${presigned}`, { method: 'PUT', body: 'x' });

    expect(response.status).toBe(412);
    expect(response.statusText).toBe('Precondition Failed');
    expect(response.headers.get('etag')).toBe('"abc"');
    expect(response.headers.get('x-amz-request-id')).toBe('R1');
    expect(await response.text()).toBe('<Error><Code>PreconditionFailed</Code></Error>');
  });

  it('passes CORS preflights and the health check without a signature', async () => {
    const { frontUrl, received } = await start((req, res) => {
      if (req.method === 'OPTIONS') res.writeHead(200, { 'Access-Control-Allow-Origin': 'http://app.example', 'Access-Control-Allow-Methods': 'PUT' });
      res.end(req.method === 'OPTIONS' ? undefined : '{"services":{}}');
    });

    const preflight = await fetch(`${frontUrl}/imgproc-originals/user-uploads/u/k.png`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,if-none-match' },
    });
    const health = await fetch(`${frontUrl}/_localstack/health`);

    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ services: {} });
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['OPTIONS /imgproc-originals/user-uploads/u/k.png', 'GET /_localstack/health']);
    expect(received[0]!.rawHeaders).toEqual(expect.arrayContaining(['Access-Control-Request-Headers', 'content-type,if-none-match']));
  });

  it('streams a request body to LocalStack as it arrives, without waiting for its end', async () => {
    const { frontUrl, received } = await start((req, res) => req.on('end', () => res.end('stored')));
    const first = Buffer.alloc(64 * 1024, 1);
    const rest = Buffer.alloc(8 * 1024 * 1024, 2);
    const req = request(`${frontUrl}/bucket/big?${presigned}`, { method: 'PUT', headers: { 'Content-Length': String(first.length + rest.length) } });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
    });

    // Act: half-send the body, and hold the rest until LocalStack has the first part.
    req.write(first);
    await until(() => (received[0]?.bytesSoFar ?? 0) >= first.length, 'the first 64 KiB reach LocalStack while the client still holds the rest');
    const beforeTheRest = received[0]!.complete;
    req.end(rest);
    const response = await answered;

    // Assert
    expect(beforeTheRest).toBe(false);
    expect(response).toEqual({ status: 200, body: 'stored' });
    const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    expect(digest(received[0]!.body)).toBe(digest(Buffer.concat([first, rest])));
  });

  it('streams a chunked request body (no Content-Length) intact', async () => {
    const { frontUrl, received } = await start((req, res) => req.on('end', () => res.end()));
    const parts = [Buffer.alloc(100_000, 3), Buffer.alloc(5, 4), Buffer.alloc(300_000, 5)];

    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${frontUrl}/bucket/chunked?${presigned}`, { method: 'PUT' });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('error', reject);
      for (const part of parts) req.write(part);
      req.end();
    });

    expect(status).toBe(200);
    expect(received[0]!.rawHeaders).toEqual(expect.arrayContaining(['Transfer-Encoding', 'chunked']));
    expect(received[0]!.body.equals(Buffer.concat(parts))).toBe(true);
  });

  it('streams a response body to the caller as LocalStack sends it', async () => {
    let finish: () => void = () => undefined;
    const { frontUrl } = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      res.write(Buffer.alloc(64 * 1024, 9));
      finish = () => res.end(Buffer.alloc(1024, 8));
    });
    let receivedBytes = 0;
    const done = new Promise<number>((resolve, reject) => {
      const req = request(`${frontUrl}/bucket/photo.jpg?${presigned}`, (res) => {
        res.on('data', (chunk: Buffer) => (receivedBytes += chunk.length));
        res.on('end', () => resolve(receivedBytes));
      });
      req.on('error', reject);
      req.end();
    });

    await until(() => receivedBytes >= 64 * 1024, 'the first 64 KiB reach the caller while LocalStack still holds the rest');
    finish();

    expect(await done).toBe(65 * 1024);
  });

  it('answers Expect: 100-continue itself: refuses before the body is sent, or lets it come and streams it on', async () => {
    const { frontUrl, received } = await start((req, res) => req.on('end', () => res.end()));
    const put = (path: string) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = request(`${frontUrl}${path}`, { method: 'PUT', headers: { Expect: '100-continue', 'Content-Length': '4' } });
        req.on('continue', () => {
          continued = true;
          req.end('body');
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode!, continued });
          if (!continued) req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      });

    const refused = await put('/bucket/unsigned');
    const passed = await put(`/bucket/signed?${presigned}`);

    expect(refused).toEqual({ status: 403, continued: false });
    expect(passed).toEqual({ status: 200, continued: true });
    expect(received).toHaveLength(1);
    expect(received[0]!.body.toString()).toBe('body');
    expect(received[0]!.rawHeaders.map((name) => name.toLowerCase())).not.toContain('expect');
  });

  it('stops the call to LocalStack when the caller goes away mid-upload', async () => {
    const { frontUrl, received, logs } = await start(() => undefined);
    const req = request(`${frontUrl}/bucket/abandoned?${presigned}`, { method: 'PUT', headers: { 'Content-Length': String(1024 * 1024) } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(1024, 1));
    await until(() => (received[0]?.bytesSoFar ?? 0) > 0, 'the upload starts reaching LocalStack');

    req.destroy();

    await until(() => received[0]!.closedEarly, 'LocalStack sees the upload cut off');
    expect(received[0]!.complete).toBe(false);
    await until(() => logs.lines.length > 0, 'the front logs the stop');
    expect(logs.lines).toEqual([expect.objectContaining({ level: 'info', message: 'caller went away; its call to LocalStack stopped', method: 'PUT', target: 'bucket' })]);
  });

  it('answers 502 in S3 format when LocalStack cannot be reached', async () => {
    const closed = createServer();
    const deadUrl = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const logs = captureLogs();
    const front = createAwsFront({ upstreamUrl: deadUrl, logger: logs.logger });
    servers.push(front);

    const response = await fetch(`${await listen(front)}/bucket/key?${presigned}`, { method: 'PUT', body: 'x' });

    expect(response.status).toBe(502);
    expect(await response.text()).toContain('<Code>BadGateway</Code>');
    expect(logs.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'LocalStack unreachable' }));
  });
});

describe('AWS front settings', () => {
  it('default to LocalStack in the compose network on port 4566', () => {
    expect(loadAwsFrontConfig({})).toEqual({ logLevel: 'info', port: 4566, upstreamUrl: 'http://localstack:4566' });
  });

  it('report every problem at once', () => {
    expect(() => loadAwsFrontConfig({ AWS_FRONT_PORT: '0', AWS_FRONT_UPSTREAM_URL: 'https://localstack:4566', LOG_LEVEL: 'loud' })).toThrow(
      /3 problems[\s\S]*LOG_LEVEL[\s\S]*AWS_FRONT_PORT[\s\S]*AWS_FRONT_UPSTREAM_URL: "https:\/\/localstack:4566" is not an http:\/\/ URL/,
    );
  });
});
