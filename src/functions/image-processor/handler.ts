import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mapWithConcurrency } from '../../domain/concurrency';
import { AppError, InvalidMessageError } from '../../domain/errors';
import { markFailed } from '../../domain/mark-failed';
import { processUpload } from '../../domain/process-upload';
import { observationOf, StageTimeline, timedProcessing } from '../../domain/stage-timeline';
import { type CreatedObject, parseStorageEvent } from '../../domain/storage-event';
import { processorFunctionDeps, type ProcessorDeps } from '../../config/wiring';
import type { JsonLogger } from '../../logging/json-logger';
import { lazyHandler } from '../lazy-handler';

type Invocation = Pick<Context, 'awsRequestId'>;

/**
 * What one SQS-fed handler does with each message: settle every created object it announces, and
 * decide whether a failure is retried (reported in `batchItemFailures`) or acknowledged.
 */
interface MessageSettlement {
  readonly name: string;
  readonly logFields: (message: SQSRecord) => Record<string, unknown>;
  readonly onTestEvent: (log: JsonLogger) => void;
  /** `receivedAt`: when the invocation carrying the message began (ISO 8601). */
  readonly settle: (object: CreatedObject, message: SQSRecord, log: JsonLogger, receivedAt: string) => Promise<void>;
  /** `true` acknowledges the message despite the error (it can never succeed and was logged). */
  readonly acknowledgeFailure: (error: unknown, message: SQSRecord, log: JsonLogger) => boolean;
}

/**
 * The one batch loop of both SQS handlers, for an event source mapping with ReportBatchItemFailures:
 * every message that did not finish is returned in `batchItemFailures`, so SQS redelivers only those
 * and, after maxReceiveCount, moves them to the dead-letter queue.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
function makeBatchHandler(deps: ProcessorDeps, settlement: MessageSettlement) {
  return async (event: SQSEvent, context?: Invocation): Promise<SQSBatchResponse> => {
    if (!Array.isArray(event?.Records)) throw new Error(`${settlement.name} expects an SQS event with Records.`);
    const receivedAt = deps.useCase.clock.now().toISOString();
    const batchItemFailures: SQSBatchItemFailure[] = [];
    try {
      await mapWithConcurrency(event.Records, deps.concurrency, async (message) => {
        const log = deps.logger.child({ requestId: context?.awsRequestId, messageId: message.messageId, ...settlement.logFields(message) });
        try {
          const storageEvent = parseStorageEvent(message.body);
          if (storageEvent.kind === 'test') return settlement.onTestEvent(log);
          for (const object of storageEvent.created) await settlement.settle(object, message, log, receivedAt);
        } catch (error) {
          if (!settlement.acknowledgeFailure(error, message, log)) batchItemFailures.push({ itemIdentifier: message.messageId });
        }
      });
    } finally {
      deps.metrics.flush();
    }
    return { batchItemFailures };
  };
}

const receiveCountOf = (message: SQSRecord, fallback: number) => Number(message.attributes?.ApproximateReceiveCount ?? fallback);

/** When SQS received the message (its SentTimestamp, epoch milliseconds), ISO 8601. */
function queuedAtOf(message: SQSRecord): string | undefined {
  const sentAtMs = Number(message.attributes?.SentTimestamp);
  return Number.isSafeInteger(sentAtMs) && sentAtMs > 0 ? new Date(sentAtMs).toISOString() : undefined;
}

/** Turns each uploaded original into renditions, a final record and a notification. */
export function makeHandler(deps: ProcessorDeps) {
  return makeBatchHandler(deps, {
    name: 'image-processor',
    logFields: (message) => ({ receiveCount: receiveCountOf(message, 1) }),
    onTestEvent: (log) => log.info('s3 test event acknowledged'),
    async settle(object, message, log, receivedAt) {
      const queuedAt = queuedAtOf(message);
      const timeline = new StageTimeline(deps.useCase.clock, {
        ...(object.eventTime !== undefined ? { objectCreatedAt: object.eventTime } : {}),
        ...(queuedAt !== undefined ? { queuedAt } : {}),
        receivedAt,
      });
      timeline.mark('startedAt');
      const outcome = await processUpload(timedProcessing({ ...deps.useCase, logger: log }, timeline), object);
      const observation = observationOf(outcome, timeline);
      deps.metrics.recordImage(observation);
      log.info('upload processed', { key: object.key, outcome, uploadToDoneMs: observation.uploadToDoneMs, processingMs: observation.processingMs });
    },
    acknowledgeFailure(error, _message, log) {
      const code = error instanceof AppError ? error.code : 'UNEXPECTED';
      log.error('message will be retried', { code, retryable: error instanceof AppError ? error.retryable : undefined, error });
      deps.metrics.recordImage({ status: 'RETRIED', reason: code });
      return false;
    },
  });
}

/**
 * Consumes the dead-letter queue: every upload whose message ended there is recorded as FAILED and
 * notified. Same image, other handler (`index.deadLetterHandler`). A message that is not an S3
 * event cannot be tied to an image: it is logged whole, at error level, and acknowledged.
 */
export function makeDeadLetterHandler(deps: ProcessorDeps) {
  return makeBatchHandler(deps, {
    name: 'the dead-letter handler',
    logFields: () => ({ deadLetter: true }),
    onTestEvent: () => undefined,
    async settle(object, message, log) {
      const receiveCount = receiveCountOf(message, 0);
      const outcome = await markFailed(
        { ...deps.useCase, originalsBucketName: deps.useCase.policy.originalsBucketName, logger: log },
        object,
        receiveCount,
      );
      if (outcome === 'FAILED') deps.metrics.recordImage({ status: 'FAILED' });
      log.warn('dead-lettered upload settled', { key: object.key, outcome, receiveCount });
    },
    acknowledgeFailure(error, message, log) {
      if (error instanceof InvalidMessageError) {
        log.error('dead-lettered message is not an S3 event; acknowledged after logging it', {
          body: message.body,
          receiveCount: receiveCountOf(message, 0),
          error,
        });
        return true;
      }
      log.error('dead-lettered message will be retried', { error });
      return false;
    },
  });
}

// Both handlers share one set of dependencies per execution environment, wired on first use.
let processorDeps: ProcessorDeps | undefined;
const sharedDeps = () => (processorDeps ??= processorFunctionDeps());
export const handler = lazyHandler(() => makeHandler(sharedDeps()));
export const deadLetterHandler = lazyHandler(() => makeDeadLetterHandler(sharedDeps()));
