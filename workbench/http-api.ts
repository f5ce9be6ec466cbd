import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { API_ROUTES, type ApiRoute, OPENAPI_DOCUMENT_PATH, routeKey } from '../src/contract';
import type { Logger } from '../src/domain/ports/logger';
import { type JwtClaims, UnauthorizedError } from './jwt-authorizer';
import type { FunctionInvoker } from './rie-client';
import type { WebSite } from './web-site';

/** API Gateway's payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface HttpApiOptions {
  readonly authorize: (authorizationHeader: string | undefined) => Promise<JwtClaims>;
  readonly uploadFunction: FunctionInvoker;
  /** images-api: GET /images, GET and DELETE /images/{imageId}. */
  readonly imagesFunction: FunctionInvoker;
  /** Served as is at GET /openapi.json, without a token. */
  readonly openApiDocument: unknown;
  /** Origins allowed by CORS; `*` allows any. Empty: no CORS headers at all. */
  readonly corsAllowedOrigins: readonly string[];
  readonly logger: Logger;
  /** The web app, served beside the API (workbench/web-site.ts). */
  readonly site?: WebSite;
}

interface RouteBinding {
  readonly route: ApiRoute;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
  readonly invoker: (options: HttpApiOptions) => FunctionInvoker;
}

/** The routes of the HTTP API (src/contract.ts), each with the function it invokes, as infra/ wires them. */
const ROUTES: readonly RouteBinding[] = [
  [API_ROUTES.createUpload, (options: HttpApiOptions) => options.uploadFunction],
  [API_ROUTES.listImages, (options: HttpApiOptions) => options.imagesFunction],
  [API_ROUTES.getImage, (options: HttpApiOptions) => options.imagesFunction],
  [API_ROUTES.deleteImage, (options: HttpApiOptions) => options.imagesFunction],
].map(([route, invoker]) => {
  const path = (route as ApiRoute).path;
  const parameterNames = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((match) => match[1]!);
  // A path parameter is one segment, as in API Gateway.
  const pattern = new RegExp(`^${path.replace(/\{[A-Za-z]+\}/g, '([^/]+)')}$`);
  return { route: route as ApiRoute, pattern, parameterNames, invoker: invoker as RouteBinding['invoker'] };
});

/**
 * What API Gateway does for the routes of an HTTP API with a JWT authorizer: refuse without a
 * valid token (401, nothing invoked), otherwise invoke the route's function with a payload format
 * 2.0 event and turn its result into the HTTP response. A path no route matches, or a method no
 * route of the path has, is 404 as in API Gateway. Also answers CORS preflights, `GET /health` for
 * the local stack's health check and `GET /openapi.json` (the contract, src/openapi.json).
 */
export function createHttpApi(options: HttpApiOptions): Server {
  return createServer((request, response) => {
    const started = Date.now();
    const requestId = randomUUID();
    handle(options, request, response, requestId)
      .catch((error: unknown) => {
        options.logger.error('gateway request failed', { requestId, error });
        send(response, 500, { message: 'Internal Server Error' });
      })
      .finally(() => {
        const path = request.url?.split('?')[0];
        const fields = { requestId, method: request.method, path, status: response.statusCode, durationMs: Date.now() - started };
        // Health checks every 2 s would drown the access log.
        if (path === '/health') options.logger.debug('http request', fields);
        else options.logger.info('http request', fields);
      });
  });
}

async function handle(options: HttpApiOptions, request: IncomingMessage, response: ServerResponse, requestId: string) {
  const url = new URL(request.url ?? '/', 'http://gateway');
  const cors = corsHeaders(options.corsAllowedOrigins, request.headers.origin);
  if (url.pathname === '/health' && request.method === 'GET') return send(response, 200, { status: 'ok' });
  if (options.site?.handle(request, response, url.pathname)) return;
  if (url.pathname === OPENAPI_DOCUMENT_PATH && request.method === 'GET') {
    return send(response, 200, options.openApiDocument, { ...cors, 'Cache-Control': 'no-cache' });
  }
  const candidates = ROUTES.filter((binding) => binding.pattern.test(url.pathname));
  if (candidates.length === 0) return send(response, 404, { message: 'Not Found' }, cors);
  if (request.method === 'OPTIONS') {
    return send(response, 204, undefined, {
      ...cors,
      'Access-Control-Allow-Methods': [...candidates.map((binding) => binding.route.method), 'OPTIONS'].join(', '),
      'Access-Control-Allow-Headers': 'authorization, content-type',
      'Access-Control-Max-Age': '3600',
    });
  }
  const binding = candidates.find((candidate) => candidate.route.method === request.method);
  if (!binding) return send(response, 404, { message: 'Not Found' }, cors);

  let claims: JwtClaims;
  try {
    claims = await options.authorize(request.headers.authorization);
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    options.logger.info('request refused by the JWT authorizer', { requestId, reason: error.description });
    return send(response, 401, { message: 'Unauthorized' }, {
      ...cors,
      'WWW-Authenticate': `Bearer scope="" error="invalid_token" error_description="${error.description}"`,
    });
  }

  const body = await readBody(request);
  if (body === undefined) return send(response, 413, { message: 'Request Entity Too Large' }, cors);
  const values = binding.pattern.exec(url.pathname)!.slice(1);
  const pathParameters = Object.fromEntries(binding.parameterNames.map((name, i) => [name, decodeSegment(values[i]!)]));
  const invoker = binding.invoker(options);
  const result = await invoker.invoke(toEvent(request, url, body, claims, requestId, binding.route, pathParameters));
  if (result.kind !== 'ok') {
    options.logger.error('function failed', { requestId, function: invoker.url, result });
    return send(response, 500, { message: 'Internal Server Error' }, cors);
  }
  const output = result.payload as {
    statusCode?: number;
    headers?: Record<string, string>;
    body?: string;
    isBase64Encoded?: boolean;
  } | null;
  if (typeof output?.statusCode !== 'number') {
    // Payload 2.0: a result without statusCode is returned as a 200 JSON body.
    return send(response, 200, output, cors);
  }
  const bytes = output.body === undefined ? undefined : Buffer.from(output.body, output.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(output.statusCode, { ...output.headers, ...cors, ...(bytes ? { 'Content-Length': String(bytes.length) } : {}) });
  response.end(bytes);
}

/** API Gateway hands path parameters to the function decoded. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  claims: JwtClaims,
  requestId: string,
  route: ApiRoute,
  pathParameters: Record<string, string>,
) {
  const now = new Date();
  const headers = Object.fromEntries(
    Object.entries(request.headers)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
  );
  const textual = /^(application\/(json|x-www-form-urlencoded)|text\/)/i.test(headers['content-type'] ?? '');
  const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: routeKey(route),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      // API Gateway hands claims to the function as strings.
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: stringifyClaims(claims), scopes: [] } },
    },
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    isBase64Encoded: body.length > 0 && !textual,
    ...(body.length > 0 ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
  };
  return event;
}

function stringifyClaims(claims: JwtClaims): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [name, Array.isArray(value) ? `[${value.join(' ')}]` : String(value)]),
  );
}

function corsHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  if (!origin || allowed.length === 0) return {};
  if (allowed.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
  return allowed.includes(origin) ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  response.writeHead(status, {
    ...headers,
    ...(bytes ? { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) } : {}),
  });
  response.end(bytes);
}
