import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mapWithConcurrency } from '../../domain/concurrency';
import { AppError } from '../../domain/errors';
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

export const handler = makeHandler(processorFunctionDeps());
