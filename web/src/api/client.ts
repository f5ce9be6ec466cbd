import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/**
 * The HTTP API as the page uses it, typed from the OpenAPI contract (src/openapi.json, turned into
 * ./schema.ts by `npm run web:types`): a path, parameter or body the contract does not have does
 * not compile. Errors come back as ApiError (the API answered) or NetworkError (it did not);
 * `web/src/uploads/messages.ts` puts both into words.
 */

export type Image = components['schemas']['Image'];
export type ImagePage = components['schemas']['ImagePage'];
export type UploadGrant = components['schemas']['UploadGrant'];
export type UploadRequest = components['schemas']['UploadRequest'];
export type Rendition = components['schemas']['Rendition'];
export type ImageStatus = components['schemas']['ImageStatus'];
type ErrorBody = components['schemas']['Error'];
export type ApiErrorCode = ErrorBody['error']['code'];
export type Quota = NonNullable<ErrorBody['error']['quota']>;

/** The API answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The contract's error code, when the body had one (API Gateway's own answers have none). */
    readonly code: ApiErrorCode | undefined,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly quota?: Quota,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No answer at all: offline, DNS, refused connection, CORS refusal, or no answer in time. */
export class NetworkError extends Error {
  constructor(readonly timedOut: boolean) {
    super(timedOut ? 'The request timed out.' : 'The request could not be sent.');
    this.name = 'NetworkError';
  }
}

/** The token was refused (401): the caller signs the user in again. */
export class UnauthorizedError extends Error {
  constructor() {
    super('The API refused the access token.');
    this.name = 'UnauthorizedError';
  }
}

export interface ApiClientOptions {
  readonly apiUrl: string;
  /** A valid access token for each call; may throw to stop the call (the session ended). */
  readonly accessToken: () => Promise<string>;
  readonly fetch?: (request: Request) => Promise<Response>;
  readonly timeoutMs?: number;
}

export interface ApiClient {
  createUpload(request: UploadRequest): Promise<UploadGrant>;
  listImages(options?: { cursor?: string; limit?: number }): Promise<ImagePage>;
  getImage(imageId: string): Promise<Image>;
  /** Resolves once the image is gone, also when it already was (404). */
  deleteImage(imageId: string): Promise<void>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const client = createClient<paths>({
    baseUrl: options.apiUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // Answers carry presigned URLs and private data: never cached by the browser.
    cache: 'no-store',
  });
  client.use({
    async onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${await options.accessToken()}`);
      return request;
    },
  });
  const timeoutMs = options.timeoutMs ?? 30_000;

  /**
   * Runs one call; turns a thrown fetch into NetworkError and an error status into ApiError, except
   * errors `accept` takes as the outcome wanted.
   */
  async function call<T>(run: (signal: AbortSignal) => Promise<{ data?: T; error?: unknown; response: Response }>, accept?: (error: ApiError) => boolean): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    let result: { data?: T; error?: unknown; response: Response };
    try {
      result = await run(signal);
    } catch (error) {
      if (error instanceof TypeError || (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError'))) {
        throw new NetworkError(signal.aborted);
      }
      throw error;
    }
    const { response } = result;
    if (response.ok) return result.data as T;
    if (response.status === 401) throw new UnauthorizedError();
    const error = apiErrorOf(response, result.error);
    if (accept?.(error)) return undefined as T;
    throw error;
  }

  return {
    createUpload: (body) => call((signal) => client.POST('/uploads', { body, signal })),
    listImages: ({ cursor, limit } = {}) =>
      call((signal) =>
        client.GET('/images', {
          params: { query: { ...(cursor !== undefined ? { cursor } : {}), ...(limit !== undefined ? { limit } : {}) } },
          signal,
        }),
      ),
    getImage: (imageId) => call((signal) => client.GET('/images/{imageId}', { params: { path: { imageId } }, signal })),
    deleteImage: async (imageId) => {
      // The function's 404 (NOT_FOUND): already gone. A 404 without that code (no such route) is an error.
      await call((signal) => client.DELETE('/images/{imageId}', { params: { path: { imageId } }, signal }), (error) => error.code === 'NOT_FOUND');
    },
  };
}

function apiErrorOf(response: Response, body: unknown): ApiError {
  const retryAfter = Number(response.headers.get('Retry-After'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  if (error && typeof error === 'object' && typeof error.code === 'string') {
    return new ApiError(response.status, error.code, String(error.message ?? ''), retryAfterSeconds, error.quota);
  }
  // API Gateway's own answers ({"message": "..."}) and anything else.
  const message = typeof (body as { message?: unknown } | undefined)?.message === 'string' ? (body as { message: string }).message : '';
  return new ApiError(response.status, undefined, message, retryAfterSeconds);
}
