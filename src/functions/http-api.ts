import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, DependencyError, RequestError, type RequestErrorCode } from '../domain/errors';
import type { Logger } from '../domain/ports/logger';

/** What the HTTP API functions share: who the caller is, and how answers and errors are written. */

const STATUS: Readonly<Record<RequestErrorCode, number>> = {
  UNAUTHORIZED: 401,
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/**
 * The caller's user id: the `sub` claim that the HTTP API's JWT authorizer (payload format 2.0)
 * passes on after checking the token's signature, issuer, audience and expiry.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
export function callerUserId(event: APIGatewayProxyEventV2WithJWTAuthorizer): string {
  const claims = event?.requestContext?.authorizer?.jwt?.claims ?? {};
  const userId = claims.sub;
  if (typeof userId !== 'string' || userId === '') {
    throw new RequestError('UNAUTHORIZED', 'Sign in first: the request carries no user identity.');
  }
  // API Gateway accepts both Cognito token kinds when the audience matches; only access tokens
  // are meant for calling APIs.
  if (claims.token_use !== undefined && claims.token_use !== 'access') {
    throw new RequestError('UNAUTHORIZED', 'Use an access token to call this API.');
  }
  return userId;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    // Bodies hold bearer credentials (presigned upload and rendition URLs), and a deleted image
    // must not linger in a cache: never cache any of it.
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * The answer to a request that failed: its own status for a request error, 503 with Retry-After
 * for a dependency that is busy or down, 500 (logged at error level) for anything else.
 * `request` names the kind of request in the (constant) log messages.
 */
export function errorResponse(
  error: unknown,
  log: Logger,
  { request, internalErrorMessage }: { readonly request: 'upload' | 'images'; readonly internalErrorMessage: string },
): APIGatewayProxyStructuredResultV2 {
  if (error instanceof RequestError) {
    log.info(`${request} request refused`, { code: error.code, problems: error.problems });
    return json(STATUS[error.code], { error: { code: error.code, message: error.message } });
  }
  if (error instanceof DependencyError && error.retryable) {
    log.warn(`${request} request failed: dependency unavailable`, { error });
    return json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'A storage service is busy. Try again shortly.' } }, { 'Retry-After': '1' });
  }
  log.error(`${request} request failed`, { error, code: error instanceof AppError ? error.code : undefined });
  return json(500, { error: { code: 'INTERNAL_ERROR', message: internalErrorMessage } });
}
