import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_ROUTES, QUOTA_NAMES, VISIBLE_STATUSES } from './contract';
import openApiDocument from './openapi.json';
import { expectToMatchContract } from './test-support/openapi-contract';

describe('the OpenAPI document (src/openapi.json)', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    // @seriousme/openapi-schema-validator checks against the official 3.1 schema; it is an ES module,
    // which this CommonJS test runs through the package's own command.
    const cli = join(__dirname, '..', 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');
    const run = spawnSync(process.execPath, [cli, join(__dirname, 'openapi.json')], { encoding: 'utf8' });

    expect(JSON.parse(run.stdout)).toEqual({ valid: true });
    expect(openApiDocument.openapi).toMatch(/^3\.1\./);
  });

  it('has a validator that notices an invalid document', () => {
    const cli = join(__dirname, '..', 'node_modules', '@seriousme', 'openapi-schema-validator', 'bin', 'validate-api-cli.js');
    const broken = join(tmpdir(), `openapi-broken-${process.pid}.json`);
    writeFileSync(broken, JSON.stringify({ ...openApiDocument, paths: { '/x': { get: { responses: { 200: { content: 'nope' } } } } } }));
    const run = spawnSync(process.execPath, [cli, broken], { encoding: 'utf8' });
    rmSync(broken);

    expect(run.stdout).toContain('"valid": false');
  });

  it('describes exactly the routes of src/contract.ts', () => {
    const documented = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(documented.sort()).toEqual(Object.values(API_ROUTES).map((route) => `${route.method} ${route.path}`).sort());
  });

  it('names the statuses and quotas as src/contract.ts does', () => {
    const { schemas } = openApiDocument.components;

    expect(schemas.ImageStatus.enum).toEqual([...VISIBLE_STATUSES]);
    expect(schemas.Error.properties.error.properties.quota.properties.name.enum).toEqual([...QUOTA_NAMES]);
  });

  it('refuses an answer that breaks it, so the suites that validate against it can fail', async () => {
    const imageId = '9b2e7c1a-4d3f-4a8b-b6c5-000000000001';
    const json = { 'content-type': 'application/json', 'cache-control': 'no-store' };

    await expect(expectToMatchContract({ method: 'GET', path: `/images/${imageId}`, status: 200, headers: json, body: { imageId, status: 'DONE', createdAt: '2026-11-23T12:00:00.000Z' } })).resolves.toBeUndefined();
    await expect(expectToMatchContract({ method: 'GET', path: `/images/${imageId}`, status: 200, headers: json, body: { imageId, status: 'GONE', createdAt: 'x' } })).rejects.toThrow(/does not match getImage/);
    await expect(expectToMatchContract({ method: 'GET', path: `/images/${imageId}`, status: 200, headers: { ...json, 'cache-control': 'max-age=60' }, body: { imageId, status: 'DONE', createdAt: '2026-11-23T12:00:00.000Z' } })).rejects.toThrow(/does not match/);
    await expect(expectToMatchContract({ method: 'GET', path: '/images', status: 418, headers: json, body: {} })).rejects.toThrow(/not documented/);
    await expect(expectToMatchContract({ method: 'PUT', path: '/images', status: 200, headers: json, body: {} })).rejects.toThrow(/no operation/);
    await expect(expectToMatchContract({ method: 'DELETE', path: `/images/${imageId}`, status: 204, headers: { 'cache-control': 'no-store' }, body: undefined })).resolves.toBeUndefined();
    await expect(expectToMatchContract({ method: 'GET', path: '/images', status: 401, headers: {}, body: { message: 'Unauthorized' } })).resolves.toBeUndefined();
  });
});
