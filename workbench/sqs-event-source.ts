import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '../src/domain/ports/logger';
import type { FunctionInvoker, InvokeResult } from './rie-client';

export interface EventSourceMappingOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly invoker: FunctionInvoker;
  /** Messages per invocation, 1–10 (SQS returns at most 10 per receive). */
  readonly batchSize: number;
  /** After the first message, keep gathering for up to this long to fill the batch. */
  readonly batchWindowMs: number;
  readonly waitTimeSeconds: number;
  /** The queue's visibility timeout: a batch held for an unreachable function is kept hidden this long at a time. */
  readonly visibilityTimeoutSeconds: number;
  /** How long to wait between probes of an unreachable function, doubling from `minMs` up to `maxMs`. */
  readonly unreachableBackoff?: { readonly minMs: number; readonly maxMs: number };
  readonly logger: Logger;
  /** Stops receiving; a batch in hand is still delivered (or held until `releaseSignal`). */
  readonly signal: AbortSignal;
  /** Gives up a batch held for an unreachable function: it is made visible again at once. Default: `signal`. */
  readonly releaseSignal?: AbortSignal;
}

const DEFAULT_UNREACHABLE_BACKOFF = { minMs: 200, maxMs: 2000 } as const;

export interface Settlement {
  /** Receipt handles to delete: the messages that succeeded. */
  readonly succeeded: readonly Message[];
  /** Left alone, so they reappear after the visibility timeout (and reach the DLQ eventually). */
  readonly failed: readonly Message[];
  readonly reason?: string;
}

/**
 * What Lambda's SQS event source mapping does with an invocation's outcome, ReportBatchItemFailures
 * on: an error, a malformed response or an unknown item identifier fails the whole batch; otherwise
 * exactly the listed messages stay on the queue.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function settleBatch(messages: readonly Message[], result: InvokeResult): Settlement {
  const all = (reason: string): Settlement => ({ succeeded: [], failed: messages, reason });
  if (result.kind === 'invoke-failed' || result.kind === 'unreachable') return all(`invocation failed: ${result.reason}`);
  if (result.kind === 'function-error') return all(`function error ${result.errorType}: ${result.errorMessage}`);
  const payload = result.payload as { batchItemFailures?: unknown } | null | undefined;
  if (payload === null || payload === undefined || payload.batchItemFailures === undefined || payload.batchItemFailures === null) {
    return { succeeded: messages, failed: [] };
  }
  if (!Array.isArray(payload.batchItemFailures)) return all('batchItemFailures is not a list');
  const ids = new Set(messages.map((message) => message.MessageId));
  const failedIds = new Set<string>();
  for (const failure of payload.batchItemFailures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !ids.has(id)) return all(`invalid itemIdentifier ${JSON.stringify(id)}`);
    failedIds.add(id);
  }
  return {
    succeeded: messages.filter((message) => !failedIds.has(message.MessageId!)),
    failed: messages.filter((message) => failedIds.has(message.MessageId!)),
    ...(failedIds.size > 0 ? { reason: 'the function reported batch item failures' } : {}),
  };
}

export function toSqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map(
      (message): SQSRecord => ({
        messageId: message.MessageId!,
        receiptHandle: message.ReceiptHandle!,
        body: message.Body ?? '',
        attributes: message.Attributes as unknown as SQSRecord['attributes'],
        messageAttributes: Object.fromEntries(
          Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
            name,
            {
              dataType: value.DataType ?? 'String',
              ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
              ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
              stringListValues: [],
              binaryListValues: [],
            },
          ]),
        ),
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: region,
      }),
    ),
  };
}

/**
 * Polls until `signal` aborts; one batch in flight at a time for this function container.
 *
 * A function that cannot be reached costs no message a receive, as with Lambda's own mapping:
 * before each receive the emulator is probed, and while it does not answer the mapping backs off
 * (up to `unreachableBackoff.maxMs`) instead of receiving. A batch received just before the
 * function went away is held, hidden by visibility extensions, and invoked as soon as the function
 * answers again; it is never failed for a function that never saw it.
 */
export async function runEventSourceMapping(options: EventSourceMappingOptions): Promise<void> {
  const { logger, signal } = options;
  let backoffMs = 500;
  while (!signal.aborted) {
    if (!(await untilReachable(options))) return;
    let messages: Message[];
    try {
      messages = await receiveBatch(options);
      backoffMs = 500;
    } catch (error) {
      if (signal.aborted) return;
      logger.warn('queue receive failed, retrying', { queueUrl: options.queueUrl, backoffMs, error });
      await sleep(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, 10_000);
      continue;
    }
    if (messages.length === 0) continue;
    const started = Date.now();
    const event = toSqsEvent(messages, options.queueArn, options.region);
    let result = await options.invoker.invoke(event);
    while (result.kind === 'unreachable') {
      logger.warn('function unreachable with a batch received; holding the batch until it answers', {
        function: options.invoker.url,
        batchSize: messages.length,
        reason: result.reason,
      });
      if (!(await untilReachable(options, messages))) {
        logger.warn('held batch released to the queue', { function: options.invoker.url, batchSize: messages.length });
        await releaseMessages(options, messages);
        return;
      }
      result = await options.invoker.invoke(event);
    }
    const settlement = settleBatch(messages, result);
    await deleteMessages(options, settlement.succeeded);
    const fields = {
      function: options.invoker.url,
      batchSize: messages.length,
      succeeded: settlement.succeeded.length,
      failed: settlement.failed.length,
      durationMs: Date.now() - started,
    };
    if (settlement.failed.length > 0) logger.warn('batch settled with failures', { ...fields, reason: settlement.reason });
    else logger.info('batch settled', fields);
  }
}

/**
 * Resolves true as soon as the function answers a probe, false if `signal` aborts first. While it
 * waits, a held batch's visibility is extended so that it does not reappear (and cost a receive).
 */
async function untilReachable(options: EventSourceMappingOptions, held: readonly Message[] = []): Promise<boolean> {
  const { invoker, logger } = options;
  // Waiting to receive ends when receiving stops; holding a batch ends only when it is released.
  const signal = held.length > 0 ? (options.releaseSignal ?? options.signal) : options.signal;
  const backoff = options.unreachableBackoff ?? DEFAULT_UNREACHABLE_BACKOFF;
  const visibilitySeconds = Math.max(2, options.visibilityTimeoutSeconds);
  let waitMs = backoff.minMs;
  let downSince: number | undefined;
  let extendedAt = Date.now();
  while (!signal.aborted) {
    if (await invoker.probe()) {
      if (downSince !== undefined) logger.info('function reachable again; receiving', { function: invoker.url, unreachableForMs: Date.now() - downSince });
      return true;
    }
    if (downSince === undefined) {
      downSince = Date.now();
      logger.warn('function unreachable; not receiving until it answers', { function: invoker.url, queueUrl: options.queueUrl });
    }
    if (held.length > 0 && Date.now() - extendedAt >= (visibilitySeconds * 1000) / 2) {
      await changeVisibility(options, held, visibilitySeconds);
      extendedAt = Date.now();
    }
    await sleep(waitMs, signal);
    waitMs = Math.min(waitMs * 2, backoff.maxMs);
  }
  return false;
}

/** Makes held messages visible again at once, for another container (the gateway is stopping or this one is gone). */
async function releaseMessages(options: EventSourceMappingOptions, messages: readonly Message[]): Promise<void> {
  await changeVisibility(options, messages, 0);
}

async function changeVisibility(options: EventSourceMappingOptions, messages: readonly Message[], visibilityTimeoutSeconds: number): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    try {
      const response = await options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: visibilityTimeoutSeconds })),
        }),
      );
      if (response.Failed?.length) options.logger.warn('changing the visibility of held messages failed for some', { failed: response.Failed });
    } catch (error) {
      // They reappear when their visibility timeout ends: a receive more, nothing lost.
      options.logger.warn('changing the visibility of held messages failed', { count: chunk.length, visibilityTimeoutSeconds, error });
    }
  }
}

/** Waits for a first message, then keeps gathering until the batch is full or the window closes. */
async function receiveBatch(options: EventSourceMappingOptions): Promise<Message[]> {
  const receive = async (maxMessages: number, waitTimeSeconds: number) =>
    (
      await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        // Not cut short when receiving stops: SQS (LocalStack too) may still hand messages to a
        // long poll whose connection is gone, each costing a receive. Only a release (shutdown) cuts it.
        { abortSignal: options.releaseSignal ?? options.signal },
      )
    ).Messages ?? [];
  const messages = await receive(options.batchSize, options.waitTimeSeconds);
  const windowClosesAt = Date.now() + options.batchWindowMs;
  while (messages.length > 0 && messages.length < options.batchSize && Date.now() < windowClosesAt && !options.signal.aborted) {
    const waitTimeSeconds = Math.min(20, Math.ceil((windowClosesAt - Date.now()) / 1000));
    messages.push(...(await receive(options.batchSize - messages.length, waitTimeSeconds)));
  }
  return messages;
}

async function deleteMessages(options: EventSourceMappingOptions, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    try {
      const response = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
      if (response.Failed?.length) {
        options.logger.warn('some processed messages could not be deleted and will be delivered again', { failed: response.Failed });
      }
    } catch (error) {
      // The messages come back after the visibility timeout; the function is idempotent.
      options.logger.warn('deleting processed messages failed; they will be delivered again', { count: chunk.length, error });
    }
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
