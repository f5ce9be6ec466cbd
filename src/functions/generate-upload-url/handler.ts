import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { createUpload, type CreateUploadDeps } from '../../domain/create-upload';
import { AppError, DependencyError, QuotaExceededError, RequestError, type RequestErrorCode } from '../../domain/errors';
import { type FunctionDeps, uploadFunctionDeps } from '../../config/wiring';
import type { Logger } from '../../domain/ports/logger';
import { lazyHandler } from '../lazy-handler';

const STATUS: Readonly<Record<RequestErrorCode, number>> = {
  UNAUTHORIZED: 401,
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/** An upload is usually processed within seconds of its PUT, which frees its reservation. */
const PENDING_QUOTA_RETRY_AFTER_SECONDS = 10;

/**
 * POST /uploads behind an HTTP API JWT authorizer (payload format 2.0). The caller is the `sub`
 * claim; API Gateway has already checked the token's signature, issuer, audience and expiry.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
 */
export function makeHandler(deps: FunctionDeps<CreateUploadDeps>) {
  return async (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const log = deps.logger.child({ requestId: context?.awsRequestId });
    try {
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
      const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      const upload = await createUpload(deps.useCase, { userId, body });
      log.info('upload url issued', { imageId: upload.imageId, userId, expiresInSeconds: upload.expiresInSeconds });
      return json(201, {
        upload_url: upload.uploadUrl,
        file_path: upload.filePath,
        image_id: upload.imageId,
        expires_in: upload.expiresInSeconds,
        headers: upload.headers,
      });
    } catch (error) {
      return errorResponse(error, log);
    }
  };
}

function errorResponse(error: unknown, log: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof RequestError) {
    log.info('upload request refused', { code: error.code, problems: error.problems });
    return json(STATUS[error.code], { error: { code: error.code, message: error.message } });
  }
  if (error instanceof QuotaExceededError) {
    log.info('upload request refused: quota', { quota: error.quota, limit: error.limit });
    const body = { error: { code: error.code, message: error.message, quota: { name: error.quota, limit: error.limit } } };
    // Pending reservations clear by themselves as uploads finish (or lapse): worth retrying soon.
    // Stored images and bytes clear only when the user deletes some: retrying cannot help.
    return error.quota === 'pendingUploads' ? json(429, body, { 'Retry-After': String(PENDING_QUOTA_RETRY_AFTER_SECONDS) }) : json(403, body);
  }
  if (error instanceof DependencyError && error.retryable) {
    log.warn('upload request failed: dependency unavailable', { error });
    return json(
      503,
      { error: { code: 'SERVICE_UNAVAILABLE', message: 'A storage service is busy. Try again shortly.' } },
      { 'Retry-After': '1' },
    );
  }
  log.error('upload request failed', { error, code: error instanceof AppError ? error.code : undefined });
  return json(500, { error: { code: 'INTERNAL_ERROR', message: 'The upload could not be prepared.' } });
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    // The body holds a bearer credential (the presigned URL): never cache it anywhere.
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export const handler = lazyHandler(() => makeHandler(uploadFunctionDeps()));
