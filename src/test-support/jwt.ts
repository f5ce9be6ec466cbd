import { createHmac, createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';

/**
 * Mints JSON Web Tokens for tests, good and forged, with node:crypto alone: RS256/384/512 with a
 * private key, HS256 with a secret (to try algorithm confusion), any header. A JWT is three
 * base64url parts, so this needs no library.
 */
export type JwtPayload = Record<string, unknown>;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJwt(payload: JwtPayload, key: KeyObject | Uint8Array, header: Record<string, unknown> = { alg: 'RS256' }): string {
  const signingInput = `${base64url({ typ: 'JWT', ...header })}.${base64url(payload)}`;
  const alg = String(header.alg);
  const hash = `sha${alg.slice(2)}`;
  const signature = alg.startsWith('HS')
    ? createHmac(hash, key as Uint8Array).update(signingInput).digest()
    : sign(hash, Buffer.from(signingInput), key as KeyObject);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** A token with `alg: none` and no signature. */
export const unsignedJwt = (payload: JwtPayload, header: Record<string, unknown> = {}) =>
  `${base64url({ alg: 'none', typ: 'JWT', ...header })}.${base64url(payload)}.`;

/** The payload of a token, unverified. */
export const decodeJwt = (token: string): JwtPayload =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as JwtPayload;

/** A fresh RSA key pair, the public half as a JWK. */
export function generateRsaKey(): { privateKey: KeyObject; publicJwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicJwk: publicKey.export({ format: 'jwk' }) };
}

export const privateKeyFromJwk = (jwk: JsonWebKey): KeyObject => createPrivateKey({ key: jwk, format: 'jwk' });
