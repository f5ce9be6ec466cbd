import { generateRsaKey, type JwtPayload as JWTPayload, signJwt, unsignedJwt } from '../src/test-support/jwt';
import { createJwtAuthorizer, UnauthorizedError } from './jwt-authorizer';

const ISSUER = 'http://cognito:9229/local_pool';
const CLIENT_ID = 'client-1';
const nowSeconds = Math.floor(Date.now() / 1000);

async function keys() {
  const pool = generateRsaKey();
  const attacker = generateRsaKey();
  const publicJwk = { ...pool.publicJwk, kid: 'pool-key', alg: 'RS256', use: 'sig' };
  return { pool, attacker, jwks: { keys: [publicJwk] }, publicJwk };
}

let k: Awaited<ReturnType<typeof keys>>;
beforeAll(async () => {
  k = await keys();
});

const accessClaims = (overrides: JWTPayload = {}): JWTPayload => ({
  sub: 'user-1',
  token_use: 'access',
  client_id: CLIENT_ID,
  scope: 'aws.cognito.signin.user.admin',
  iss: ISSUER,
  iat: nowSeconds - 60,
  exp: nowSeconds + 3600,
  ...overrides,
});

async function sign(claims: JWTPayload, options: { key?: Parameters<typeof signJwt>[1]; alg?: string; kid?: string } = {}) {
  return signJwt(claims, options.key ?? k.pool.privateKey, { alg: options.alg ?? 'RS256', kid: options.kid ?? 'pool-key' });
}

const authorizer = () =>
  createJwtAuthorizer({ issuer: ISSUER, audience: [CLIENT_ID], tokenUse: 'access', jwks: k.jwks as Parameters<typeof createJwtAuthorizer>[0]['jwks'] });

async function refusal(header: string | undefined): Promise<string> {
  try {
    await authorizer()(header);
  } catch (error) {
    if (error instanceof UnauthorizedError) return error.description;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('JWT authorizer', () => {
  it('accepts a valid access token and returns its claims', async () => {
    const claims = await authorizer()(`Bearer ${await sign(accessClaims())}`);
    expect(claims).toMatchObject({ sub: 'user-1', token_use: 'access', client_id: CLIENT_ID });
  });

  it('accepts the bare token too, as API Gateway does', async () => {
    await expect(authorizer()(await sign(accessClaims()))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it.each([
    ['no Authorization header', undefined, 'the request has no bearer token'],
    ['an empty header', '', 'the request has no bearer token'],
    ['a token that is not a JWT', 'Bearer not-a-jwt', 'the token is malformed'],
  ])('refuses %s', async (_case, header, reason) => {
    expect(await refusal(header)).toBe(reason);
  });

  it('refuses a token signed by another key under the same key id', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims(), { key: k.attacker.privateKey })}`)).toBe('the token signature is invalid');
  });

  it('refuses a token whose key id the issuer does not publish', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims(), { kid: 'other' })}`)).toBe('no key of the issuer matches the token');
  });

  it('refuses a token without a key id, even when signed by the pool key', async () => {
    const noKid = signJwt(accessClaims(), k.pool.privateKey, { alg: 'RS256' });

    expect(await refusal(`Bearer ${noKid}`)).toBe('the token names no key (kid)');
  });

  it('refuses alg "none"', async () => {
    const unsigned = unsignedJwt(accessClaims(), { kid: 'pool-key' });
    expect(await refusal(`Bearer ${unsigned}`)).toMatch(/algorithm is not allowed|malformed/);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(k.publicJwk));
    expect(await refusal(`Bearer ${await sign(accessClaims(), { key: secret, alg: 'HS256' })}`)).toBe('the token algorithm is not allowed');
  });

  it('refuses a token from another issuer', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims({ iss: 'http://evil.example/pool' }))}`)).toBe("the token's iss claim is invalid");
  });

  it('refuses an access token for another app client', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims({ client_id: 'other-client' }))}`)).toBe('the token does not have a valid audience');
  });

  it('refuses an ID token with the right audience: only access tokens call the API', async () => {
    const idToken = await sign(accessClaims({ token_use: 'id', aud: CLIENT_ID, client_id: undefined }));
    expect(await refusal(`Bearer ${idToken}`)).toBe('the token is not an access token');
  });

  it('checks aud, not client_id, when both are present', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims({ aud: 'other-client' }))}`)).toBe('the token does not have a valid audience');
  });

  it('refuses an expired token', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims({ iat: nowSeconds - 7200, exp: nowSeconds - 1 }))}`)).toBe('the token has expired');
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims({ nbf: nowSeconds + 60 }))}`)).toBe("the token's nbf claim is invalid");
  });

  it('refuses a token issued in the future', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims({ iat: nowSeconds + 60 }))}`)).toBe('the token was issued in the future');
  });

  it('refuses a token without a subject', async () => {
    expect(await refusal(`Bearer ${await sign(accessClaims({ sub: undefined }))}`)).toBe("the token's sub claim is invalid");
  });
});
