import type { ScheduledEvent } from 'aws-lambda';
import type { Logger } from '../src/domain/ports/logger';
import type { FunctionInvoker } from './rie-client';
import { sleep } from './sqs-event-source';

/** EventBridge's "Scheduled Event" for a rate rule. */
export function scheduledEvent(ruleArn: string, region: string, at: Date): ScheduledEvent {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [ruleArn],
    detail: {},
  };
}

/**
 * Invokes the function every `intervalMs`, starting at once. A run that outlasts the interval is
 * not overlapped: the next one starts when it ends.
 */
export async function runSchedule(options: {
  invoker: FunctionInvoker;
  intervalMs: number;
  ruleArn: string;
  region: string;
  logger: Logger;
  signal: AbortSignal;
}): Promise<void> {
  while (!options.signal.aborted) {
    const started = Date.now();
    const result = await options.invoker.invoke(scheduledEvent(options.ruleArn, options.region, new Date(started)));
    const fields = { function: options.invoker.url, durationMs: Date.now() - started };
    if (result.kind === 'ok') options.logger.info('scheduled invocation done', { ...fields, result: result.payload });
    else options.logger.warn('scheduled invocation failed', { ...fields, result });
    await sleep(Math.max(0, started + options.intervalMs - Date.now()), options.signal);
  }
}
