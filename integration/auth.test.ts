import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { decodeJwt, generateRsaKey, type JwtPayload as JWTPayload, privateKeyFromJwk, signJwt } from '../src/test-support/jwt';
import { contractFetch } from '../src/test-support/openapi-contract';
import { requestUpload } from './support/api';
import { type ComposeStack, startComposeStack } from './support/compose-stack';
import { recordTrial } from './support/reliability';

let running: ComposeStack;
/** cognito-local's signing key: it ships in the npm package, so anyone can mint pool tokens locally. */
let poolKey: KeyObject;
let valid: JWTPayload;

beforeAll(async () => {
  running = await startComposeStack();
  const { jwk } = JSON.parse(
    running.docker('exec', running.containerId('cognito'), 'cat', '/opt/cognito-local/node_modules/cognito-local/lib/keys/cognitoLocal.private.json'),
  ) as { jwk: JsonWebKey };
  poolKey = privateKeyFromJwk(jwk);
  valid = decodeJwt(running.accessToken);
});

afterAll(async () => {
  await running?.down();
});

/** Invocations the upload function's emulator has started so far. */
const invocations = () => (running.docker('logs', running.containerId('generate-upload-url')).match(/START RequestId/g) ?? []).length;

const sign = async (claims: JWTPayload, key: KeyObject | Uint8Array = poolKey, header: Record<string, string> = { alg: 'RS256', kid: 'CognitoLocal' }) =>
  signJwt(claims, key, header);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = { contentType: 'image/png', contentLength: 100 };

async function send(authorization: string | undefined) {
  const response = await contractFetch(running.stack.endpoints.uploads, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(authorization !== undefined ? { Authorization: authorization } : {}) },
    body: JSON.stringify(body),
  });
  return response.status;
}

describe('the gateway refuses every bad token with 401 and invokes nothing', () => {
  const cases: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['an empty bearer', async () => 'Bearer '],
    ['a malformed token', async () => 'Bearer abc.def'],
    ['Basic credentials', async () => `Basic ${Buffer.from('demo:password').toString('base64')}`],
    ['a token signed with another key under the pool key id', async () => `Bearer ${await sign(valid, generateRsaKey().privateKey)}`],
    ['the wrong issuer', async () => `Bearer ${await sign({ ...valid, iss: 'http://cognito:9229/local_someonelse' })}`],
    ['another app client', async () => `Bearer ${await sign({ ...valid, client_id: 'another-client' })}`],
    ['another audience', async () => `Bearer ${await sign({ ...valid, aud: 'another-client' })}`],
    ['an expired token', async () => `Bearer ${await sign({ ...valid, iat: nowSeconds() - 7200, exp: nowSeconds() - 60 })}`],
    ['a token not valid yet', async () => `Bearer ${await sign({ ...valid, nbf: nowSeconds() + 3600 })}`],
    ['alg "none"', async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(valid)}.`],
    ['HS256 signed with the public key (algorithm confusion)', async () => {
      const jwks = await (await fetch(`${running.stack.endpoints.cognito}/${running.stack.userPoolId}/.well-known/jwks.json`)).text();
      return `Bearer ${await sign(valid, new TextEncoder().encode(jwks), { alg: 'HS256', kid: 'CognitoLocal' })}`;
    }],
    ['an ID token (the kind we do not accept)', async () => `Bearer ${running.idToken}`],
    ['a token without token_use', async () => `Bearer ${await sign({ ...valid, token_use: undefined })}`],
  ];

  it.each(cases)('%s', async (name, authorization) => {
    // Arrange
    const header = await authorization();
    const before = invocations();

    // Act
    const status = await send(header);

    // Assert
    expect(status).toBe(401);
    expect(invocations()).toBe(before);
    recordTrial({ area: 'Auth', trial: name, runs: 1, outcome: '401 Unauthorized, upload function not invoked' });
  });

  it('accepts the genuine access token (so the refusals above are about the token, not the route)', async () => {
    expect(await send(`Bearer ${running.accessToken}`)).toBe(201);
  });
});

describe('a validly signed token whose sub carries path tricks never reaches a key', () => {
  it.each(['../victim', 'a/b', '..', 'victim%2F..', 'x/../../etc'])('sub %j gets 401 from the function: no upload URL, no record', async (sub) => {
    const token = await sign({ ...valid, sub });
    const items = async () => (await running.clients.dynamoDb.send(new ScanCommand({ TableName: running.stack.imagesTable, Select: 'COUNT' }))).Count;
    const before = await items();

    const response = await requestUpload(running.stack.endpoints.uploads, token, body);

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    expect(await items()).toBe(before);
    recordTrial({ area: 'Auth', trial: `validly signed token with sub ${JSON.stringify(sub)}`, runs: 1, outcome: '401 from the function: no upload URL issued, no record' });
  });
});
