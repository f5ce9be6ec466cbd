import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { captureLogs } from '../src/test-support/fakes';
import type { FunctionInvoker, InvokeResult } from './rie-client';
import { runEventSourceMapping, settleBatch, toSqsEvent } from './sqs-event-source';

const message = (n: number): Message => ({
  MessageId: `m-${n}`,
  ReceiptHandle: `r-${n}`,
  Body: `{"n":${n}}`,
  MD5OfBody: 'md5',
  Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1' },
  MessageAttributes: { kind: { DataType: 'String', StringValue: 'upload' } },
});
const batch = [message(1), message(2), message(3)];
const ok = (payload: unknown): InvokeResult => ({ kind: 'ok', payload });
const ids = (messages: readonly Message[]) => messages.map((m) => m.MessageId);

describe('settleBatch (ReportBatchItemFailures semantics)', () => {
  it.each([
    ['an empty failure list', ok({ batchItemFailures: [] })],
    ['a null response', ok(null)],
    ['a response without batchItemFailures', ok({})],
    ['batchItemFailures: null', ok({ batchItemFailures: null })],
  ])('deletes every message for %s', (_case, result) => {
    expect(ids(settleBatch(batch, result).succeeded)).toEqual(['m-1', 'm-2', 'm-3']);
  });

  it('keeps exactly the reported failures on the queue', () => {
    const settlement = settleBatch(batch, ok({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }));

    expect(ids(settlement.succeeded)).toEqual(['m-1', 'm-3']);
    expect(ids(settlement.failed)).toEqual(['m-2']);
  });

  it.each([
    ['a function error', { kind: 'function-error', errorType: 'Error', errorMessage: 'boom' } as InvokeResult],
    ['a failed invocation', { kind: 'invoke-failed', reason: 'ECONNREFUSED' } as InvokeResult],
    ['an empty itemIdentifier', ok({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['a null itemIdentifier', ok({ batchItemFailures: [{ itemIdentifier: null }] })],
    ['a misspelt key', ok({ batchItemFailures: [{ itemId: 'm-1' }] })],
    ['an id that is not in the batch', ok({ batchItemFailures: [{ itemIdentifier: 'm-9' }] })],
    ['batchItemFailures that is not a list', ok({ batchItemFailures: 'm-1' })],
  ])('fails the whole batch for %s', (_case, result) => {
    const settlement = settleBatch(batch, result);

    expect(settlement.succeeded).toEqual([]);
    expect(ids(settlement.failed)).toEqual(['m-1', 'm-2', 'm-3']);
    expect(settlement.reason).toBeDefined();
  });
});

describe('toSqsEvent', () => {
  it('builds the records Lambda delivers', () => {
    expect(toSqsEvent([message(1)], 'arn:aws:sqs:us-east-1:000000000000:q', 'us-east-1')).toEqual({
      Records: [
        {
          messageId: 'm-1',
          receiptHandle: 'r-1',
          body: '{"n":1}',
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1' },
          messageAttributes: { kind: { dataType: 'String', stringValue: 'upload', stringListValues: [], binaryListValues: [] } },
          md5OfBody: 'md5',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
          awsRegion: 'us-east-1',
        },
      ],
    });
  });
});

describe('runEventSourceMapping', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());

  /** Runs the mapping until the invoker aborts it. */
  const run = (invoker: FunctionInvoker, signal: AbortSignal, overrides: { batchSize?: number; batchWindowMs?: number; logger?: ReturnType<typeof captureLogs>['logger'] } = {}) =>
    runEventSourceMapping({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'http://localstack:4566/queue/q',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      region: 'us-east-1',
      invoker,
      batchSize: overrides.batchSize ?? 10,
      batchWindowMs: overrides.batchWindowMs ?? 0,
      waitTimeSeconds: 1,
      logger: overrides.logger ?? captureLogs().logger,
      signal,
    });

  it('invokes with each batch, deletes the successes and leaves the failures', async () => {
    // Arrange: one batch of three, then an empty queue; the function fails m-2.
    const stop = new AbortController();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const events: unknown[] = [];
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      async invoke(event) {
        events.push(event);
        stop.abort();
        return ok({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
      },
    };

    // Act
    await run(invoker, stop.signal);

    // Assert
    expect(events).toHaveLength(1);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({ MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
    const deleted = sqs.commandCalls(DeleteMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(deleted.map((entry) => entry.ReceiptHandle)).toEqual(['r-1', 'r-3']);
  });

  it('gathers messages during the batching window until the batch is full', async () => {
    const stop = new AbortController();
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1)] })
      .resolvesOnce({ Messages: [message(2), message(3)] })
      .resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const sizes: number[] = [];
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      async invoke(event) {
        sizes.push((event as { Records: unknown[] }).Records.length);
        stop.abort();
        return ok(null);
      },
    };

    await run(invoker, stop.signal, { batchSize: 3, batchWindowMs: 5000 });

    expect(sizes).toEqual([3]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[1]!.args[0].input.MaxNumberOfMessages).toBe(2);
  });

  it('deletes nothing when the invocation fails, so the whole batch comes back', async () => {
    const stop = new AbortController();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).resolves({ Messages: [] });
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      async invoke() {
        stop.abort();
        return { kind: 'invoke-failed', reason: 'connect ECONNREFUSED' };
      },
    };
    const logs = captureLogs();

    await run(invoker, stop.signal, { logger: logs.logger });

    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 'batch settled with failures', failed: 3, succeeded: 0 }));
  });
});
