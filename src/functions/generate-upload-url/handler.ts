import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { createUpload, type CreateUploadDeps } from '../../domain/create-upload';
import { QuotaExceededError } from '../../domain/errors';
import { type FunctionDeps, uploadFunctionDeps } from '../../config/wiring';
import type { Logger } from '../../domain/ports/logger';
import { callerUserId, errorResponse, json } from '../http-api';
import { lazyHandler } from '../lazy-handler';

/** An upload is usually processed within seconds of its PUT, which frees its reservation. */
const PENDING_QUOTA_RETRY_AFTER_SECONDS = 10;

/**
 * POST /uploads behind an HTTP API JWT authorizer (payload format 2.0); the caller is the `sub`
 * claim of an access token (callerUserId).
 */
export function makeHandler(deps: FunctionDeps<CreateUploadDeps>) {
  return async (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context?: Pick<Context, 'awsRequestId'>,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const log = deps.logger.child({ requestId: context?.awsRequestId });
    try {
      const userId = callerUserId(event);
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
      return uploadErrorResponse(error, log);
    }
  };
}

function uploadErrorResponse(error: unknown, log: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof QuotaExceededError) {
    log.info('upload request refused: quota', { quota: error.quota, limit: error.limit });
    const body = { error: { code: error.code, message: error.message, quota: { name: error.quota, limit: error.limit } } };
    // Pending reservations clear by themselves as uploads finish (or lapse): worth retrying soon.
    // Stored images and bytes clear only when the user deletes some: retrying cannot help.
    return error.quota === 'pendingUploads' ? json(429, body, { 'Retry-After': String(PENDING_QUOTA_RETRY_AFTER_SECONDS) }) : json(403, body);
  }
  return errorResponse(error, log, { request: 'upload', internalErrorMessage: 'The upload could not be prepared.' });
}

export const handler = lazyHandler(() => makeHandler(uploadFunctionDeps()));
