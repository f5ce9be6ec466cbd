import { ConditionalCheckFailedException, ProvisionedThroughputExceededException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { dependencyError, isTransient } from './aws-errors';

const $metadata = {};

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });
}

describe('isTransient', () => {
  it.each([
    ['DynamoDB throttling', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata })],
    ['S3 503 SlowDown', new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 } })],
    ['an HTTP 500', new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 } })],
    ['an HTTP 429', new S3ServiceException({ name: 'TooManyRequests', $fault: 'client', $metadata: { httpStatusCode: 429 } })],
    ['a refused connection', networkError('ECONNREFUSED')],
    ['a reset connection', networkError('ECONNRESET')],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('treats %s as transient', (_case, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['a missing table', new ResourceNotFoundException({ message: 'Requested resource not found', $metadata })],
    ['a failed condition', new ConditionalCheckFailedException({ message: 'no', $metadata })],
    ['access denied', new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } })],
    ['a programming error', new TypeError('x is undefined')],
    ['a non-error', 'just a string'],
  ])('treats %s as needing a person', (_case, error) => {
    expect(isTransient(error)).toBe(false);
  });
});

describe('dependencyError', () => {
  it('names the service, the operation and the cause, and keeps the original error', () => {
    const cause = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata });

    const error = dependencyError('DynamoDB', 'PutItem', cause);

    expect(error).toMatchObject({
      name: 'DependencyError',
      code: 'DEPENDENCY_FAILURE',
      service: 'DynamoDB',
      operation: 'PutItem',
      retryable: false,
      message: 'DynamoDB PutItem failed: ResourceNotFoundException: Requested resource not found',
    });
    expect(error.cause).toBe(cause);
  });
});
