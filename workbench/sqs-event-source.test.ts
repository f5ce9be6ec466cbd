import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
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
    ['a failed invocation', { kind: 'invoke-failed', reason: 'ECONNRESET' } as InvokeResult],
    ['an unreachable function', { kind: 'unreachable', reason: 'ECONNREFUSED' } as InvokeResult],
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
  const run = (
    invoker: FunctionInvoker,
    signal: AbortSignal,
    overrides: {
      batchSize?: number;
      batchWindowMs?: number;
      visibilityTimeoutSeconds?: number;
      releaseSignal?: AbortSignal;
      logger?: ReturnType<typeof captureLogs>['logger'];
    } = {},
  ) =>
    runEventSourceMapping({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: 'http://localstack:4566/queue/q',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      region: 'us-east-1',
      invoker,
      batchSize: overrides.batchSize ?? 10,
      batchWindowMs: overrides.batchWindowMs ?? 0,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: overrides.visibilityTimeoutSeconds ?? 60,
      unreachableBackoff: { minMs: 5, maxMs: 20 },
      logger: overrides.logger ?? captureLogs().logger,
      signal,
      ...(overrides.releaseSignal ? { releaseSignal: overrides.releaseSignal } : {}),
    });

  it('invokes with each batch, deletes the successes and leaves the failures', async () => {
    // Arrange: one batch of three, then an empty queue; the function fails m-2.
    const stop = new AbortController();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const events: unknown[] = [];
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      probe: async () => true,
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
      probe: async () => true,
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
      probe: async () => true,
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

  it('does not receive while the function does not answer, and receives as soon as it does', async () => {
    // Arrange: the emulator is down for the first five probes.
    const stop = new AbortController();
    let probes = 0;
    let receivesWhileDown = 0;
    sqs.on(ReceiveMessageCommand).callsFake(() => {
      if (probes <= 5) receivesWhileDown += 1;
      return { Messages: batch };
    });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      probe: async () => ++probes > 5,
      async invoke() {
        stop.abort();
        return ok(null);
      },
    };
    const logs = captureLogs();

    // Act
    await run(invoker, stop.signal, { logger: logs.logger });

    // Assert
    expect(receivesWhileDown).toBe(0);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    expect(logs.lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(['function unreachable; not receiving until it answers', 'function reachable again; receiving', 'batch settled']),
    );
    expect(logs.lines.filter((line) => line.message === 'function unreachable; not receiving until it answers')).toHaveLength(1);
  });

  it('holds a batch whose function went away after the receive, and delivers it when the function is back', async () => {
    // Arrange: the invocation finds the function gone; it answers again after a few probes.
    const stop = new AbortController();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    let up = true;
    let probes = 0;
    const results: InvokeResult[] = [];
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      async probe() {
        probes += 1;
        if (probes === 4) up = true;
        return up;
      },
      async invoke() {
        if (results.length === 0) {
          up = false;
          results.push({ kind: 'unreachable', reason: 'connect ECONNREFUSED' });
        } else {
          stop.abort();
          results.push(ok(null));
        }
        return results[results.length - 1]!;
      },
    };

    // Act
    await run(invoker, stop.signal);

    // Assert: one receive, the same batch invoked twice, then deleted; never made visible early.
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    expect(results.map((result) => result.kind)).toEqual(['unreachable', 'ok']);
    const deleted = sqs.commandCalls(DeleteMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(deleted.map((entry) => entry.ReceiptHandle)).toEqual(['r-1', 'r-2', 'r-3']);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).filter((call) => call.args[0].input.Entries?.[0]?.VisibilityTimeout === 0)).toHaveLength(0);
  });

  it('keeps a held batch hidden while the function stays away, by extending its visibility', async () => {
    const stop = new AbortController();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const started = Date.now();
    let invocations = 0;
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      // Back after 2.5 s: longer than the 2 s visibility timeout.
      probe: async () => invocations === 0 || Date.now() - started > 2500,
      async invoke() {
        invocations += 1;
        if (invocations === 1) return { kind: 'unreachable', reason: 'connect ECONNREFUSED' };
        stop.abort();
        return ok(null);
      },
    };

    await run(invoker, stop.signal, { visibilityTimeoutSeconds: 2 });

    const extensions = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((call) => call.args[0].input);
    expect(extensions.length).toBeGreaterThanOrEqual(2);
    expect(extensions.every((input) => input.Entries!.map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout]).join() === 'r-1,2,r-2,2,r-3,2')).toBe(true);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
  });

  it('makes a held batch visible again at once when the mapping stops before the function is back', async () => {
    const stop = new AbortController();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    let probes = 0;
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      async probe() {
        probes += 1;
        if (probes === 3) stop.abort();
        return probes === 1;
      },
      invoke: async () => ({ kind: 'unreachable', reason: 'getaddrinfo ENOTFOUND processor' }),
    };

    await run(invoker, stop.signal);

    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((call) => call.args[0].input.Entries);
    expect(released).toEqual([[0, 1, 2].map((i) => ({ Id: String(i), ReceiptHandle: `r-${i + 1}`, VisibilityTimeout: 0 }))]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('keeps holding a batch after receiving stops, until the function answers, unless told to release it', async () => {
    // Arrange: receiving stops while the batch is held (the container left DNS); it comes back later.
    const stopReceiving = new AbortController();
    const release = new AbortController();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).resolves({ Messages: [] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    let probes = 0;
    let invocations = 0;
    const invoker: FunctionInvoker = {
      url: 'http://processor:8080',
      async probe() {
        probes += 1;
        if (probes === 2) stopReceiving.abort();
        return probes === 1 || probes > 5;
      },
      async invoke() {
        invocations += 1;
        return invocations === 1 ? { kind: 'unreachable', reason: 'connect ECONNREFUSED' } : ok(null);
      },
    };

    // Act
    await run(invoker, stopReceiving.signal, { releaseSignal: release.signal });

    // Assert: delivered on the second invocation, deleted, never released, one receive.
    expect(invocations).toBe(2);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(1);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).filter((call) => call.args[0].input.Entries?.[0]?.VisibilityTimeout === 0)).toHaveLength(0);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
  });

  it('lets a long poll in flight finish when receiving stops (only a release cuts it short)', async () => {
    const stopReceiving = new AbortController();
    const release = new AbortController();
    const signals: (AbortSignal | undefined)[] = [];
    sqs.on(ReceiveMessageCommand).callsFake(() => {
      stopReceiving.abort();
      return { Messages: [] };
    });
    const client = new SQSClient({ region: 'us-east-1' });
    const send = client.send.bind(client);
    client.send = ((command: never, options?: { abortSignal?: AbortSignal }) => {
      signals.push(options?.abortSignal);
      return send(command, options as never);
    }) as typeof client.send;
    const invoker: FunctionInvoker = { url: 'http://processor:8080', probe: async () => true, invoke: async () => ok(null) };

    await runEventSourceMapping({
      sqs: client,
      queueUrl: 'http://localstack:4566/queue/q',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
      region: 'us-east-1',
      invoker,
      batchSize: 10,
      batchWindowMs: 0,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 60,
      logger: captureLogs().logger,
      signal: stopReceiving.signal,
      releaseSignal: release.signal,
    });

    expect(signals).toEqual([release.signal]);
  });
});
