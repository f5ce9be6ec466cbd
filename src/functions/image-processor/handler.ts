import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mapWithConcurrency } from '../../domain/concurrency';
import { AppError, InvalidMessageError } from '../../domain/errors';
import { markFailed } from '../../domain/mark-failed';
import { processUpload } from '../../domain/process-upload';
import { parseStorageEvent } from '../../domain/storage-event';
import { processorFunctionDeps, type ProcessorDeps } from '../../config/wiring';

/**
 * SQS event source mapping with ReportBatchItemFailures: every message that did not finish is
 * returned in `batchItemFailures`, so SQS redelivers only those and, after maxReceiveCount, moves
 * them to the dead-letter queue. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function makeHandler(deps: ProcessorDeps) {
  return async (event: SQSEvent, context?: Pick<Context, 'awsRequestId'>): Promise<SQSBatchResponse> => {
    if (!Array.isArray(event?.Records)) throw new Error('image-processor expects an SQS event with Records.');
    const batchItemFailures: SQSBatchItemFailure[] = [];
    await mapWithConcurrency(event.Records, deps.concurrency, async (message) => {
      const log = deps.logger.child({
        requestId: context?.awsRequestId,
        messageId: message.messageId,
        receiveCount: Number(message.attributes?.ApproximateReceiveCount ?? 1),
      });
      try {
        const storageEvent = parseStorageEvent(message.body);
        if (storageEvent.kind === 'test') {
          log.info('s3 test event acknowledged');
          return;
        }
        for (const object of storageEvent.created) {
          const outcome = await processUpload({ ...deps.useCase, logger: log }, object);
          log.info('upload processed', { key: object.key, outcome });
        }
      } catch (error) {
        batchItemFailures.push({ itemIdentifier: message.messageId });
        log.error('message will be retried', {
          code: error instanceof AppError ? error.code : 'UNEXPECTED',
          retryable: error instanceof AppError ? error.retryable : undefined,
          error,
        });
      }
    });
    return { batchItemFailures };
  };
}

/**
 * Consumes the dead-letter queue: every upload whose message ended there is recorded as FAILED and
 * notified. Same image, other handler (`index.deadLetterHandler`). A message that is not an S3
 * event cannot be tied to an image: it is logged whole, at error level, and acknowledged.
 */
export function makeDeadLetterHandler(deps: ProcessorDeps) {
  return async (event: SQSEvent, context?: Pick<Context, 'awsRequestId'>): Promise<SQSBatchResponse> => {
    if (!Array.isArray(event?.Records)) throw new Error('the dead-letter handler expects an SQS event with Records.');
    const batchItemFailures: SQSBatchItemFailure[] = [];
    await mapWithConcurrency(event.Records, deps.concurrency, async (message) => {
      const receiveCount = Number(message.attributes?.ApproximateReceiveCount ?? 0);
      const log = deps.logger.child({ requestId: context?.awsRequestId, messageId: message.messageId, deadLetter: true });
      try {
        const storageEvent = parseStorageEvent(message.body);
        if (storageEvent.kind === 'test') return;
        for (const object of storageEvent.created) {
          const outcome = await markFailed(
            { ...deps.useCase, originalsBucketName: deps.useCase.policy.originalsBucketName, logger: log },
            object,
            receiveCount,
          );
          log.warn('dead-lettered upload settled', { key: object.key, outcome, receiveCount });
        }
      } catch (error) {
        if (error instanceof InvalidMessageError) {
          log.error('dead-lettered message is not an S3 event; acknowledged after logging it', { body: message.body, receiveCount, error });
          return;
        }
        batchItemFailures.push({ itemIdentifier: message.messageId });
        log.error('dead-lettered message will be retried', { error });
      }
    });
    return { batchItemFailures };
  };
}

const deps = processorFunctionDeps();
export const handler = makeHandler(deps);
export const deadLetterHandler = makeDeadLetterHandler(deps);
