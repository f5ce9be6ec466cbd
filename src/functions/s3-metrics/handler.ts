import type { Context, ScheduledEvent } from 'aws-lambda';
import { measureStorage, type MeasureOutcome } from '../../domain/measure-storage';
import { metricsFunctionDeps, type MetricsFunctionDeps } from '../../config/wiring';
import { lazyHandler } from '../lazy-handler';

/**
 * Invoked by an EventBridge schedule. Running out of time is logged and returned, not thrown:
 * an asynchronous retry would only repeat the same too-long listing.
 */
export function makeHandler(deps: MetricsFunctionDeps) {
  return async (
    event: ScheduledEvent,
    context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
  ): Promise<MeasureOutcome> => {
    const log = deps.logger.child({ requestId: context.awsRequestId });
    if (event?.source !== 'aws.events' || event['detail-type'] !== 'Scheduled Event') {
      log.error('unexpected event refused', { source: event?.source, detailType: event?.['detail-type'] });
      throw new Error('s3-metrics expects an EventBridge scheduled event (source aws.events, detail-type "Scheduled Event").');
    }
    const started = deps.useCase.clock.now().getTime();
    const outcome = await measureStorage(
      { ...deps.useCase, logger: log },
      { remainingTimeMs: () => context.getRemainingTimeInMillis() },
    );
    // A run that throws (S3 or CloudWatch failed) is counted by Lambda's Errors metric instead.
    deps.runMetrics.recordRun({ status: outcome.status, durationMs: deps.useCase.clock.now().getTime() - started });
    deps.runMetrics.flush();
    if (outcome.status === 'PUBLISHED') {
      log.info('bucket usage published', { usage: outcome.usage, partitions: outcome.partitions });
    }
    return outcome;
  };
}

export const handler = lazyHandler(() => makeHandler(metricsFunctionDeps()));
