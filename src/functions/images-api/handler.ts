import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { API_ROUTES, routeKey } from '../../contract';
import { imagesApiFunctionDeps, type ImagesApiDeps } from '../../config/wiring';
import { AppError, DependencyError, RequestError, type RequestErrorCode } from '../../domain/errors';
import type { Logger } from '../../domain/ports/logger';
import { deleteImage, getImage, listImages, parseListQuery } from '../../domain/read-images';
import { lazyHandler } from '../lazy-handler';

const STATUS: Readonly<Record<RequestErrorCode, number>> = {
  UNAUTHORIZED: 401,
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/**
 * GET /images/{imageId}, GET /images and DELETE /images/{imageId} behind the HTTP API's JWT
 * authorizer (payload format 2.0): one function for the read side, routed by the route key API
 * Gateway matched. The caller is the `sub` claim of an access token.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function makeHandler(deps: ImagesApiDeps) {
  return async (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const log = deps.logger.child({ requestId: context?.awsRequestId, routeKey: event?.routeKey });
    try {
      const claims = event?.requestContext?.authorizer?.jwt?.claims ?? {};
      const userId = claims.sub;
      if (typeof userId !== 'string' || userId === '') {
        throw new RequestError('UNAUTHORIZED', 'Sign in first: the request carries no user identity.');
      }
      if (claims.token_use !== undefined && claims.token_use !== 'access') {
        throw new RequestError('UNAUTHORIZED', 'Use an access token to call this API.');
      }
      const imageId = event.pathParameters?.imageId;
      switch (event.routeKey) {
        case routeKey(API_ROUTES.getImage):
          return json(200, await getImage(deps.read, { userId, imageId }));
        case routeKey(API_ROUTES.listImages):
          return json(200, await listImages(deps.read, { userId, query: parseListQuery(event.rawQueryString) }));
        case routeKey(API_ROUTES.deleteImage):
          await deleteImage({ ...deps.delete, logger: log }, { userId, imageId });
          return { statusCode: 204, headers: { 'Cache-Control': 'no-store' } };
        default:
          // Only a deployment that routes something else here gets this far.
          throw new Error(`images-api does not serve the route "${String(event?.routeKey)}".`);
      }
    } catch (error) {
      return errorResponse(error, log);
    }
  };
}

function errorResponse(error: unknown, log: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof RequestError) {
    log.info('images request refused', { code: error.code, problems: error.problems });
    return json(STATUS[error.code], { error: { code: error.code, message: error.message } });
  }
  if (error instanceof DependencyError && error.retryable) {
    log.warn('images request failed: dependency unavailable', { error });
    return json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'A storage service is busy. Try again shortly.' } }, { 'Retry-After': '1' });
  }
  log.error('images request failed', { error, code: error instanceof AppError ? error.code : undefined });
  return json(500, { error: { code: 'INTERNAL_ERROR', message: 'The request could not be completed.' } });
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    // Rendition URLs are bearer credentials, and a deleted image must not linger in a cache.
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export const handler = lazyHandler(() => makeHandler(imagesApiFunctionDeps()));
