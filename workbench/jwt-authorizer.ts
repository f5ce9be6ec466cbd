import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface JwtAuthorizerOptions {
  /** The user pool's issuer, e.g. `http://cognito:9229/local_abc` or `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  readonly issuer: string;
  /** App client ids accepted as `aud` (ID tokens) or `client_id` (access tokens). */
  readonly audience: readonly string[];
  /** Only this Cognito token kind passes (`token_use` claim). */
  readonly tokenUse: 'access' | 'id';
  readonly keys: JWTVerifyGetKey;
  readonly clockToleranceSeconds?: number;
  readonly now?: () => Date;
}

/** Why a request was refused; the text goes into `WWW-Authenticate` as API Gateway does. */
export class UnauthorizedError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'UnauthorizedError';
  }
}

/**
 * What API Gateway's HTTP API JWT authorizer checks, plus `token_use`: the token from
 * `Authorization: Bearer <token>`, a `kid` naming a key of the pool's JWKS, an RSA signature by that
 * key, `iss`, `aud` or
 * (when `aud` is absent) `client_id`, `exp`, `nbf` and `iat`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
export function createJwtAuthorizer(options: JwtAuthorizerOptions) {
  const tolerance = options.clockToleranceSeconds ?? 0;
  return async function authorize(authorizationHeader: string | undefined): Promise<JWTPayload> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
    const token = match?.[1] ?? authorizationHeader?.trim();
    if (!token) throw new UnauthorizedError('the request has no bearer token');
    let payload: JWTPayload;
    try {
      // API Gateway requires a kid that names a key of the issuer's JWKS; jose would otherwise try
      // the only key of a one-key set.
      if (typeof protectedHeaderOf(token).kid !== 'string') throw new UnauthorizedError('the token names no key (kid)');
      ({ payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        // Only RSA, as API Gateway: `alg: none`, HMAC tricks and the rest fail here.
        algorithms: ['RS256', 'RS384', 'RS512'],
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'iat', 'sub'],
        ...(options.now ? { currentDate: options.now() } : {}),
      }));
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      throw new UnauthorizedError(describe(error));
    }
    const nowSeconds = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
    if (typeof payload.iat !== 'number' || payload.iat > nowSeconds + tolerance) {
      throw new UnauthorizedError('the token was issued in the future');
    }
    const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const presented = audiences.length > 0 ? audiences : typeof payload.client_id === 'string' ? [payload.client_id] : [];
    if (!presented.some((value) => options.audience.includes(value))) {
      throw new UnauthorizedError('the token does not have a valid audience');
    }
    if (payload.token_use !== options.tokenUse) {
      throw new UnauthorizedError(`the token is not an ${options.tokenUse} token`);
    }
    return payload;
  };
}

function protectedHeaderOf(token: string) {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new UnauthorizedError('the token is malformed');
  }
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is invalid`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token algorithm is not allowed';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'the token is malformed';
  return 'the token could not be verified';
}
