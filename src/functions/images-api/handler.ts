import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { API_ROUTES, routeKey } from '../../contract';
import { imagesApiFunctionDeps, type ImagesApiDeps } from '../../config/wiring';
import { deleteImage, getImage, listImages, parseListQuery } from '../../domain/read-images';
import { callerUserId, errorResponse, json } from '../http-api';
import { lazyHandler } from '../lazy-handler';

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
      const userId = callerUserId(event);
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
      return errorResponse(error, log, { request: 'images', internalErrorMessage: 'The request could not be completed.' });
    }
  };
}

export const handler = lazyHandler(() => makeHandler(imagesApiFunctionDeps()));
