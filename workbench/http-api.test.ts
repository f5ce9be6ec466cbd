import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { captureLogs } from '../src/test-support/fakes';
import type { JwtClaims } from './jwt-authorizer';
import { createHttpApi } from './http-api';
import { UnauthorizedError } from './jwt-authorizer';
import type { FunctionInvoker, InvokeResult } from './rie-client';

const claims: JwtClaims = { sub: 'user-1', token_use: 'access', exp: 1795438800, iat: 1795435200, groups: ['a', 'b'] };

async function start(result: InvokeResult, corsAllowedOrigins: string[] = ['*']) {
  const events: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
  const uploadFunction: FunctionInvoker = {
    url: 'http://upload:8080',
      probe: async () => true,
    async invoke(event) {
      events.push(event as APIGatewayProxyEventV2WithJWTAuthorizer);
      return result;
    },
  };
  const imageEvents: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
  const imagesFunction: FunctionInvoker = {
    url: 'http://images:8080',
    probe: async () => true,
    async invoke(event) {
      imageEvents.push(event as APIGatewayProxyEventV2WithJWTAuthorizer);
      return { kind: 'ok', payload: { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"items":[]}' } };
    },
  };
  const server: Server = createHttpApi({
    authorize: async (header) => {
      if (header !== 'Bearer good') throw new UnauthorizedError('the token signature is invalid');
      return claims;
    },
    uploadFunction,
    imagesFunction,
    openApiDocument: { openapi: '3.1.0', info: { title: 'test' } },
    corsAllowedOrigins,
    logger: captureLogs().logger,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, events, imageEvents, url };
}

const created: InvokeResult = {
  kind: 'ok',
  payload: { statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: '{"upload_url":"u"}' },
};

let current: Awaited<ReturnType<typeof start>> | undefined;
afterEach(() => current?.server.close());

describe('local HTTP API', () => {
  it('routes the read side to images-api with the route key and the decoded path parameter', async () => {
    current = await start(created);
    const imageId = '9b2e7c1a-4d3f-4a8b-b6c5-000000000001';

    const get = await fetch(`${current.url()}/images/${imageId}`, { headers: { Authorization: 'Bearer good' } });
    const remove = await fetch(`${current.url()}/images/${imageId}`, { method: 'DELETE', headers: { Authorization: 'Bearer good' } });
    const list = await fetch(`${current.url()}/images?limit=5&status=DONE`, { headers: { Authorization: 'Bearer good' } });

    expect([get.status, remove.status, list.status]).toEqual([200, 200, 200]);
    expect(current.events).toHaveLength(0);
    expect(current.imageEvents.map((event) => [event.routeKey, event.requestContext.http.method, event.pathParameters, event.rawQueryString])).toEqual([
      ['GET /images/{imageId}', 'GET', { imageId }, ''],
      ['DELETE /images/{imageId}', 'DELETE', { imageId }, ''],
      ['GET /images', 'GET', undefined, 'limit=5&status=DONE'],
    ]);
  });

  it('checks the token on the read side too, invoking nothing without one', async () => {
    current = await start(created);

    const response = await fetch(`${current.url()}/images`);

    expect(response.status).toBe(401);
    expect(current.imageEvents).toHaveLength(0);
  });

  it('answers 404 for a method or path no route has, as API Gateway does', async () => {
    current = await start(created);

    const statuses = await Promise.all([
      fetch(`${current.url()}/images`, { method: 'POST', headers: { Authorization: 'Bearer good' } }),
      fetch(`${current.url()}/images/a/b`, { headers: { Authorization: 'Bearer good' } }),
      fetch(`${current.url()}/uploads`, { headers: { Authorization: 'Bearer good' } }),
    ]);

    expect(statuses.map((response) => response.status)).toEqual([404, 404, 404]);
    expect(current.imageEvents).toHaveLength(0);
  });

  it('serves the OpenAPI document without a token, and answers preflights with the methods of the path', async () => {
    current = await start(created);

    const document = await fetch(`${current.url()}/openapi.json`);
    const preflight = await fetch(`${current.url()}/images/x`, { method: 'OPTIONS', headers: { Origin: 'http://app.example' } });

    expect(document.status).toBe(200);
    expect(await document.json()).toEqual({ openapi: '3.1.0', info: { title: 'test' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, DELETE, OPTIONS');
  });

  it('invokes the function with a payload 2.0 event and returns its response', async () => {
    current = await start(created);

    const response = await fetch(`${current.url()}/uploads`, {
      method: 'POST',
      headers: { Authorization: 'Bearer good', 'Content-Type': 'application/json', Origin: 'http://app.example' },
      body: '{"contentType":"image/png","contentLength":5}',
    });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ upload_url: 'u' });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const [event] = current.events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /uploads',
      rawPath: '/uploads',
      body: '{"contentType":"image/png","contentLength":5}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/uploads' }, stage: '$default' },
    });
    // API Gateway passes every claim as a string.
    expect(event!.requestContext.authorizer.jwt.claims).toEqual({
      sub: 'user-1',
      token_use: 'access',
      exp: '1795438800',
      iat: '1795435200',
      groups: '[a b]',
    });
  });

  it.each([
    ['no token', {}],
    ['a bad token', { Authorization: 'Bearer forged' }],
  ])('answers 401 to %s and invokes nothing', async (_case, headers) => {
    current = await start(created);

    const response = await fetch(`${current.url()}/uploads`, { method: 'POST', headers, body: '{}' });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(current.events).toHaveLength(0);
  });

  it('answers 500 when the function fails', async () => {
    current = await start({ kind: 'function-error', errorType: 'Runtime.ImportModuleError', errorMessage: 'x' });

    const response = await fetch(`${current.url()}/uploads`, { method: 'POST', headers: { Authorization: 'Bearer good' }, body: '{}' });

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('returns a result without statusCode as a 200 JSON body, as payload 2.0 does', async () => {
    current = await start({ kind: 'ok', payload: { hello: 'world' } });

    const response = await fetch(`${current.url()}/uploads`, { method: 'POST', headers: { Authorization: 'Bearer good' }, body: '{}' });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('base64-encodes a body that is not text', async () => {
    current = await start(created);

    await fetch(`${current.url()}/uploads`, {
      method: 'POST',
      headers: { Authorization: 'Bearer good', 'Content-Type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2]),
    });

    expect(current.events[0]).toMatchObject({ isBase64Encoded: true, body: 'AAEC' });
  });

  it('answers CORS preflights for allowed origins only', async () => {
    current = await start(created, ['http://app.example']);

    const allowed = await fetch(`${current.url()}/uploads`, { method: 'OPTIONS', headers: { Origin: 'http://app.example' } });
    const other = await fetch(`${current.url()}/uploads`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });

    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 404 for other routes and methods', async () => {
    current = await start(created);

    expect((await fetch(`${current.url()}/other`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${current.url()}/uploads`, { method: 'GET' })).status).toBe(404);
  });
});
