import { JwtVerifier } from 'aws-jwt-verify';
import {
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { type Jwks, SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';

/** The verified claims of a token, as the authorizer hands them to the function. */
export type JwtClaims = Readonly<Record<string, unknown>>;

export interface JwtAuthorizerOptions {
  /** The user pool's issuer, e.g. `http://cognito:9229/local_abc` or `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  readonly issuer: string;
  /** App client ids accepted as `aud` (ID tokens) or `client_id` (access tokens). */
  readonly audience: readonly string[];
  /** Only this Cognito token kind passes (`token_use` claim). */
  readonly tokenUse: 'access' | 'id';
  /** Where the pool publishes its keys; default `<issuer>/.well-known/jwks.json`. */
  readonly jwksUri?: string;
  /** Fixed keys served in place of the JWKS endpoint (tests). */
  readonly jwks?: Jwks;
  readonly clockToleranceSeconds?: number;
}

/** Why a request was refused; the text goes into `WWW-Authenticate` as API Gateway does. */
export class UnauthorizedError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'UnauthorizedError';
  }
}

// API Gateway's JWT authorizer supports RSA-signed tokens only.
const RSA_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);

// aws-jwt-verify's own fetcher speaks HTTPS only; cognito-local serves its keys over plain HTTP
// inside the compose network.
const httpFetcher: Fetcher = {
  async fetch(uri) {
    const response = await fetch(uri, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET ${uri} answered ${response.status}`);
    return response.arrayBuffer();
  },
};

const fixedKeys = (jwks: Jwks): Fetcher => ({
  fetch: async () => new TextEncoder().encode(JSON.stringify(jwks)).buffer as ArrayBuffer,
});

/**
 * What API Gateway's HTTP API JWT authorizer checks, plus `token_use`, on aws-jwt-verify (the
 * library AWS maintains for Cognito tokens): the token from `Authorization: Bearer <token>`, a
 * `kid` naming a key of the pool's JWKS, an RSA signature by that key, `iss`, `aud` or (when `aud`
 * is absent) `client_id`, `exp`, `nbf` and `iat`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 *
 * Not aws-jwt-verify's CognitoJwtVerifier: it derives the issuer from the pool id as
 * `https://cognito-idp.<region>.amazonaws.com/<poolId>`, which a local pool does not have.
 */
export function createJwtAuthorizer(options: JwtAuthorizerOptions) {
  const tolerance = options.clockToleranceSeconds ?? 0;
  const verifier = JwtVerifier.create(
    {
      issuer: options.issuer,
      // Checked below: Cognito access tokens carry client_id instead of aud.
      audience: null,
      ...(options.jwksUri !== undefined ? { jwksUri: options.jwksUri } : {}),
      graceSeconds: tolerance,
      customJwtCheck: ({ header, payload }) => {
        if (!RSA_ALGORITHMS.has(header.alg ?? '')) throw new UnauthorizedError('the token algorithm is not allowed');
        for (const claim of ['exp', 'iat', 'sub'] as const) {
          if (payload[claim] === undefined) throw new UnauthorizedError(`the token's ${claim} claim is invalid`);
        }
        if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + tolerance) {
          throw new UnauthorizedError('the token was issued in the future');
        }
        const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        const presented = audiences.length > 0 ? audiences : typeof payload.client_id === 'string' ? [payload.client_id] : [];
        if (!presented.some((value) => options.audience.includes(value))) {
          throw new UnauthorizedError('the token does not have a valid audience');
        }
        if (payload.token_use !== options.tokenUse) throw new UnauthorizedError(`the token is not an ${options.tokenUse} token`);
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: options.jwks ? fixedKeys(options.jwks) : httpFetcher }) },
  );

  return async function authorize(authorizationHeader: string | undefined): Promise<JwtClaims> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
    const token = match?.[1] ?? authorizationHeader?.trim();
    if (!token) throw new UnauthorizedError('the request has no bearer token');
    try {
      // API Gateway requires a kid that names a key of the issuer's JWKS.
      if (typeof decomposeUnverifiedJwt(token).header.kid !== 'string') throw new UnauthorizedError('the token names no key (kid)');
      return (await verifier.verify(token)) as JwtClaims;
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      throw new UnauthorizedError(describe(error));
    }
  };
}

function describe(error: unknown): string {
  if (error instanceof JwtExpiredError) return 'the token has expired';
  if (error instanceof JwtNotBeforeError) return "the token's nbf claim is invalid";
  if (error instanceof JwtInvalidIssuerError) return "the token's iss claim is invalid";
  if (error instanceof JwtInvalidSignatureError) return 'the token signature is invalid';
  // An unknown kid makes the cache fetch the JWKS once more (keys rotate), then wait a while before
  // the next fetch for that kid.
  if (error instanceof KidNotFoundInJwksError || error instanceof WaitPeriodNotYetEndedJwkError) return 'no key of the issuer matches the token';
  if (error instanceof JwtWithoutValidKidError) return 'the token names no key (kid)';
  if (error instanceof JwtInvalidSignatureAlgorithmError) return 'the token algorithm is not allowed';
  if (error instanceof JwtParseError) return 'the token is malformed';
  if (error instanceof JwtBaseError) return 'the token could not be verified';
  return 'the token could not be verified';
}
