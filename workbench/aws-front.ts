import { randomBytes } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Logger } from '../src/domain/ports/logger';
import { JsonLogger } from '../src/logging/json-logger';
import { loadAwsFrontConfig } from './config';

/**
 * The AWS endpoint of the local stack as programs on the host and browsers reach it
 * (docker-compose.yml: `aws-front`, on LOCALSTACK_PORT; presigned URLs point here).
 *
 * LocalStack accepts S3 requests that carry no signature at all. AWS refuses them: with Block
 * Public Access and no bucket policy, an anonymous request gets 403 AccessDenied
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
 * This front refuses every request that carries no AWS signature, and passes the others to
 * LocalStack byte for byte: method, raw path and query, headers with Host unchanged (the signature
 * covers them), bodies streamed both ways. LocalStack then checks presigned URLs itself
 * (S3_SKIP_SIGNATURE_VALIDATION=0). What this cannot reproduce is in the README ("What the local
 * stack cannot reproduce of AWS's access control").
 */

/**
 * The query parameters that make LocalStack validate a presigned URL: it checks the signature when
 * any one of them is present, by exact name (localstack/services/s3/utils.py,
 * is_presigned_url_request). A request the front lets through for its query must be one LocalStack
 * checks, so the names are matched exactly as LocalStack matches them: `x-amz-signature` is not one.
 */
const PRESIGNED_QUERY_PARAMETERS = [
  // Signature Version 4: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  // Signature Version 2, still accepted by S3 in older regions.
  'AWSAccessKeyId',
  'Signature',
  'Expires',
] as const;

/**
 * The Authorization schemes of AWS signatures (SigV4, SigV4a, SigV2). Anything else, a Cognito
 * `Bearer` token for example, is no AWS signature: S3 answers it with an error too.
 */
const AWS_AUTHORIZATION = /^(AWS4-HMAC-SHA256|AWS4-ECDSA-P256-SHA256|AWS) \S/;

/** LocalStack's health endpoint: the health checks of the stack and the tests call it unsigned. */
const HEALTH_PATH = '/_localstack/health';

export type Admission =
  | { readonly pass: true; readonly reason: 'authorization-header' | 'presigned-query' | 'cors-preflight' | 'health-check' }
  | { readonly pass: false; readonly reason: 'no-signature' };

/** Whether a request goes on to LocalStack, and why; from its method, raw URL and Authorization header. */
export function admit(method: string | undefined, rawUrl: string | undefined, authorization: string | undefined): Admission {
  if (authorization !== undefined && AWS_AUTHORIZATION.test(authorization)) return { pass: true, reason: 'authorization-header' };
  const url = new URL(rawUrl ?? '/', 'http://aws-front');
  if (PRESIGNED_QUERY_PARAMETERS.some((name) => url.searchParams.has(name))) return { pass: true, reason: 'presigned-query' };
  // A browser's preflight never carries credentials; S3 answers it from the bucket's CORS rules.
  if (method === 'OPTIONS') return { pass: true, reason: 'cors-preflight' };
  if ((method === 'GET' || method === 'HEAD') && url.pathname === HEALTH_PATH) return { pass: true, reason: 'health-check' };
  return { pass: false, reason: 'no-signature' };
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) concern one connection, not the request, and never take part
 * in a signature. `Expect` is answered by the front itself (see `checkContinue`).
 * Transfer-Encoding stays: Node decodes the chunks on one side and encodes them again on the other.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect']);

/** Raw headers ([name, value, name, value, ...], names as sent) without the hop-by-hop ones. */
function endToEndHeaders(rawHeaders: readonly string[]): string[] {
  const connectionTokens = new Set<string>();
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]!.toLowerCase() === 'connection') {
      for (const token of rawHeaders[index + 1]!.split(',')) connectionTokens.add(token.trim().toLowerCase());
    }
  }
  const kept: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || connectionTokens.has(name)) continue;
    kept.push(rawHeaders[index]!, rawHeaders[index + 1]!);
  }
  return kept;
}

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** An error in S3's format (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
function sendS3Error(response: ServerResponse, status: number, code: string, message: string, requestId: string): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId><HostId>aws-front</HostId></Error>`;
  // S3 puts the bucket's CORS headers on its errors too, so a web page can read why it was refused
  // instead of seeing a bare network error. The local buckets allow any configured origin.
  const origin = response.req.headers.origin;
  response.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    ...(origin !== undefined ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {}),
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

export interface AwsFrontOptions {
  /** LocalStack, as the front reaches it: http://localstack:4566 in docker-compose.yml. */
  readonly upstreamUrl: string;
  readonly logger: Logger;
}

export function createAwsFront(options: AwsFrontOptions): Server {
  const upstream = new URL(options.upstreamUrl);
  // A connection per request: reusing one LocalStack has closed meanwhile would fail a request the
  // caller cannot always retry (a browser's PUT), and connecting inside the Docker network is cheap.
  const agent = new Agent({ keepAlive: false });
  const { logger } = options;

  /** The bucket (or LocalStack's `_localstack`), never the key: keys and queries are users' data. */
  const target = (rawUrl: string | undefined) => (rawUrl ?? '/').split('?')[0]!.split('/')[1] ?? '';

  const refuse = (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    logger.info('refused a request without an AWS signature', { requestId, method: request.method, target: target(request.url) });
    sendS3Error(response, 403, 'AccessDenied', 'Access Denied', requestId);
  };

  const forward = (request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    const outgoing = httpRequest({
      hostname: upstream.hostname,
      port: upstream.port,
      method: request.method,
      // As sent: not normalised, not re-encoded (a signature covers the path and the query).
      path: request.url,
      headers: endToEndHeaders(request.rawHeaders),
      setHost: false,
      agent,
    });
    outgoing.on('response', (incoming) => {
      response.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, endToEndHeaders(incoming.rawHeaders));
      pipeline(incoming, response, (error) => {
        const fields = { method: request.method, target: target(request.url), status: incoming.statusCode, durationMs: Date.now() - started };
        if (error) logger.warn('response from LocalStack interrupted', { ...fields, error: error.message });
        else logger.debug('passed to LocalStack', fields);
      });
    });
    let callerGone = false;
    outgoing.on('error', (error) => {
      if (callerGone) return logger.info('caller went away; its call to LocalStack stopped', { method: request.method, target: target(request.url) });
      if (response.headersSent) return void response.destroy();
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      logger.error('LocalStack unreachable', { requestId, upstream: upstream.origin, error: error.message });
      sendS3Error(response, 502, 'BadGateway', `The local AWS front could not reach LocalStack at ${upstream.origin}.`, requestId);
    });
    // The caller went away (or its timeout fired): stop the upstream call too.
    response.on('close', () => {
      if (response.writableFinished) return;
      callerGone = true;
      outgoing.destroy();
    });
    pipeline(request, outgoing, (error) => {
      if (error && !outgoing.destroyed) outgoing.destroy(error);
    });
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    if (admit(request.method, request.url, request.headers.authorization).pass) forward(request, response);
    else refuse(request, response);
  };

  // Uploads of up to 5 GiB take long: no request timeout of the front's own (the caller has one).
  const server = createServer({ requestTimeout: 0 }, handle);
  // `Expect: 100-continue` (the SDK sends it for large bodies): a refused request is answered
  // before its body is sent; a passed one is told to go on and streamed as it comes.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (!admit(request.method, request.url, request.headers.authorization).pass) return refuse(request, response);
    response.writeContinue();
    forward(request, response);
  });
  server.on('close', () => agent.destroy());
  return server;
}

async function main(): Promise<void> {
  const config = loadAwsFrontConfig();
  const logger = new JsonLogger({ level: config.logLevel, fields: { service: 'aws-front' } });
  const server = createAwsFront({ upstreamUrl: config.upstreamUrl, logger });
  await new Promise<void>((resolve) => server.listen(config.port, '0.0.0.0', resolve));
  logger.info('aws front ready', { port: config.port, upstream: config.upstreamUrl });
  const shutdown = (signal: string) => {
    logger.info('aws front stopping', { signal });
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    new JsonLogger({ level: 'error', fields: { service: 'aws-front' } }).error('aws front failed to start', { error });
    process.exit(1);
  });
}
