import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs } from '../src/test-support/fakes';
import { createHttpApi } from './http-api';
import type { StackDescription } from './stack-client';
import { contentSecurityPolicy, createWebSite, siteConfigFromStack } from './web-site';

const stack = {
  region: 'us-east-1',
  endpoints: {
    gateway: 'http://localhost:3000',
    uploads: 'http://localhost:3000/uploads',
    s3: 'http://localhost:4566',
    sqs: 'http://localhost:4566',
    sns: 'http://localhost:4566',
    cloudwatch: 'http://localhost:4566',
    dynamodb: 'http://localhost:8000',
    cognito: 'http://localhost:9229',
  },
  userPoolId: 'local_6o3tbbRJ',
  userPoolClientId: 'ccb5fze1example9ixjrc1wq8s',
  demoUsername: 'demo',
  uploadLimits: { maxUploadBytes: 26_214_400, allowedContentTypes: ['image/jpeg', 'image/png'], maxInputPixels: 50_000_000 },
} as unknown as StackDescription;

let folder: string;
let server: Server | undefined;
const logs = captureLogs();

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'web-site-'));
  mkdirSync(join(folder, 'web/assets'), { recursive: true });
  writeFileSync(join(folder, 'web/index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(folder, 'web/assets/app-ABC.js'), 'console.log(1)');
  writeFileSync(join(folder, 'web/assets/styles-DEF.css'), 'body{}');
});

afterEach(() => {
  server?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function start(options: { withStackFile?: boolean } = {}) {
  const stackFile = join(folder, 'stack.json');
  if (options.withStackFile !== false) writeFileSync(stackFile, JSON.stringify(stack));
  server = createHttpApi({
    authorize: async () => ({ sub: 'u' }),
    uploadFunction: { url: 'http://upload', probe: async () => true, invoke: async () => ({ kind: 'ok', payload: { statusCode: 201 } }) },
    imagesFunction: { url: 'http://images', probe: async () => true, invoke: async () => ({ kind: 'ok', payload: { statusCode: 200 } }) },
    openApiDocument: { openapi: '3.1.0' },
    corsAllowedOrigins: ['*'],
    logger: logs.logger,
    site: createWebSite({ root: join(folder, 'web'), stackFile, logger: logs.logger }),
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the web app on the local gateway', () => {
  it('serves the page at /, always revalidated, with a content security policy for this stack', async () => {
    const base = await start();

    const response = await fetch(`${base}/`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<!doctype html><title>t</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http://localhost:4566; " +
        "connect-src 'self' http://localhost:3000 http://localhost:9229 http://localhost:4566; object-src 'none'; base-uri 'none'; " +
        "form-action 'self'; frame-ancestors 'none'",
    );
  });

  it('serves the hashed assets for good, with their types', async () => {
    const base = await start();

    const script = await fetch(`${base}/assets/app-ABC.js`);
    const styles = await fetch(`${base}/assets/styles-DEF.css`, { method: 'HEAD' });

    expect(await script.text()).toBe('console.log(1)');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(styles.status).toBe(200);
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(styles.headers.get('content-length')).toBe('6');
  });

  it('generates config.json from the stack file, never cached', async () => {
    const base = await start();

    const response = await fetch(`${base}/config.json`);

    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      apiUrl: 'http://localhost:3000',
      region: 'us-east-1',
      userPoolId: 'local_6o3tbbRJ',
      userPoolClientId: 'ccb5fze1example9ixjrc1wq8s',
      cognitoEndpoint: 'http://localhost:9229',
      maxUploadBytes: 26_214_400,
      allowedContentTypes: ['image/jpeg', 'image/png'],
      maxInputPixels: 50_000_000,
    });
  });

  it('answers 503 for config.json while there is no stack file, and says why in the log', async () => {
    const base = await start({ withStackFile: false });

    const response = await fetch(`${base}/config.json`);

    expect(response.status).toBe(503);
    expect(logs.lines.some((line) => line.message === 'cannot build config.json from the stack file')).toBe(true);
  });

  it('serves nothing outside the bundle, and leaves other paths and methods to the API', async () => {
    const base = await start();

    for (const path of ['/assets/../../stack.json', '/%2e%2e/stack.json', '/assets/missing.js', '/web/index.html']) {
      const response = await fetch(`${base}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
    }
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/uploads`, { method: 'POST', headers: { Authorization: 'Bearer x' }, body: '{}' })).status).toBe(201);
  });

  it('refuses to start without a bundle', () => {
    expect(() => createWebSite({ root: join(folder, 'nothing'), stackFile: 'x', logger: logs.logger })).toThrow('No web app in');
  });
});

describe('what the page is told', () => {
  it('is refused when the stack file predates the upload limits', () => {
    expect(() => siteConfigFromStack({ ...stack, uploadLimits: undefined } as unknown as StackDescription)).toThrow(/no uploadLimits/);
  });

  it('lists each origin once in the policy', () => {
    const config = siteConfigFromStack(stack);

    expect(contentSecurityPolicy({ ...config, cognitoEndpoint: 'http://localhost:3000/cognito' }, 'http://localhost:4566')).toContain(
      "connect-src 'self' http://localhost:3000 http://localhost:4566;",
    );
  });
});
