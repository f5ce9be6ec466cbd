import { DependencyError } from '../domain/errors';

// Error names AWS documents as throttling or transient, across the services we call.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
  // A write that collided with a concurrent DynamoDB transaction on the same item.
  'TransactionConflictException',
  'TimeoutError',
  'AbortError',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** Whether the same call may succeed later without anyone changing anything. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  return (
    e.$retryable !== undefined ||
    e.$fault === 'server' ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    TRANSIENT_ERROR_NAMES.has(e.name ?? '') ||
    TRANSIENT_NETWORK_CODES.has(e.code ?? '')
  );
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Wraps an SDK failure as a DependencyError naming the service and operation. */
export function dependencyError(service: string, operation: string, error: unknown): DependencyError {
  const name = errorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new DependencyError(service, operation, isTransient(error), `${service} ${operation} failed: ${name}: ${detail}`, {
    cause: error,
  });
}
