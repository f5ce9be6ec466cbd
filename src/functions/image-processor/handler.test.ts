import { EmfProcessingMetrics } from '../../adapters/emf-metrics';
import type { ProcessorDeps } from '../../config/wiring';
import type { Clock } from '../../domain/ports/clock';
import type { ProcessingMetrics } from '../../domain/ports/operational-metrics';
import { captureStdout, parseEmf } from '../../test-support/emf';
import { s3EventBody, s3TestEventBody, sqsEvent, sqsRecord } from '../../test-support/events';
import {
  captureLogs,
  fixedClock,
  InMemoryImageRepository,
  InMemoryObjectStore,
  RecordingNotifier,
  RecordingProcessingMetrics,
  steppingClock,
} from '../../test-support/fakes';
import * as images from '../../test-support/images';
import { testProcessingPolicy } from '../../test-support/render-settings';
import { DecodeMemoryGate } from '../../domain/memory-gate';
import { makeDeadLetterHandler, makeHandler } from './handler';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const imageId = (n: number) => `9b2e7c1a-4d3f-4a8b-b6c5-${String(n).padStart(12, '0')}`;
const keyOf = (n: number) => `user-uploads/${USER}/${imageId(n)}.png`;

async function setup(concurrency = 2, options: { metrics?: ProcessingMetrics; clock?: Clock } = {}) {
  const metrics = options.metrics ?? new RecordingProcessingMetrics();
  const originals = new InMemoryObjectStore();
  const processed = new InMemoryObjectStore();
  const repository = new InMemoryImageRepository();
  const notifier = new RecordingNotifier();
  const logs = captureLogs('debug');
  const deps: ProcessorDeps = {
    logger: logs.logger,
    concurrency,
    metrics,
    useCase: {
      originals,
      processed,
      images: repository,
      notifier,
      clock: options.clock ?? fixedClock(),
      decodeMemory: new DecodeMemoryGate(256 * 1024 * 1024),
      policy: testProcessingPolicy({ renditions: [] }),
    },
  };
  const png = await images.png(40, 30);
  for (let n = 1; n <= 6; n += 1) {
    originals.put(keyOf(n), png);
    // As POST /uploads leaves them: only a reserved image is processed.
    await repository.createPending({ imageId: imageId(n), userId: USER, originalS3Key: keyOf(n), contentType: 'image/png', contentLength: png.length, createdAt: '2026-11-23T12:00:00.000Z' });
  }
  return { handler: makeHandler(deps), deadLetterHandler: makeDeadLetterHandler(deps), originals, repository, notifier, logs, metrics };
}

const message = (n: number) => sqsRecord(s3EventBody('originals', keyOf(n)), `m-${n}`);

describe('image-processor handler', () => {
  it('processes every message of a batch and reports no failures', async () => {
    const { handler, repository } = await setup();

    const response = await handler(sqsEvent(message(1), message(2), message(3)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect([1, 2, 3].map((n) => repository.records.get(imageId(n))?.status)).toEqual(['DONE', 'DONE', 'DONE']);
  });

  it('acknowledges the S3 test event', async () => {
    const { handler, logs } = await setup();

    const response = await handler(sqsEvent(sqsRecord(s3TestEventBody('originals'), 'm-test')));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 's3 test event acknowledged', messageId: 'm-test' }));
  });

  it('acknowledges a rejected image: retrying it could never help', async () => {
    const { handler, originals, repository } = await setup();
    originals.put(keyOf(1), images.html());

    const response = await handler(sqsEvent(message(1)));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(repository.records.get(imageId(1))?.status).toBe('REJECTED');
  });

  it('returns only the message whose dependency failed, so SQS retries just that one', async () => {
    const { handler, notifier, repository, logs } = await setup(1);
    notifier.faults.failNext();

    const response = await handler(sqsEvent(message(1), message(2)));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(repository.records.get(imageId(2))?.notifiedAt).toBeDefined();
    expect(logs.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'message will be retried', messageId: 'm-1', code: 'DEPENDENCY_FAILURE', retryable: true }),
    );
  });

  it('returns a message that is not an S3 event, so it ends in the dead-letter queue', async () => {
    const { handler } = await setup();

    const response = await handler(sqsEvent(sqsRecord('{"hello":"world"}', 'm-poison'), message(1)));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-poison' }] });
  });

  it('processes at most the configured number of records at once', async () => {
    const { handler, originals } = await setup(2);
    let inFlight = 0;
    let peak = 0;
    const read = originals.read.bind(originals);
    originals.read = async (key, options) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      try {
        return await read(key, options);
      } finally {
        inFlight -= 1;
      }
    };

    await handler(sqsEvent(message(1), message(2), message(3), message(4), message(5), message(6)));

    expect(peak).toBe(2);
  });

  it('refuses an event that is not from SQS', async () => {
    const { handler } = await setup();

    await expect(handler({} as never)).rejects.toThrow('image-processor expects an SQS event with Records.');
  });

  it('stores the stage times with each record: S3 event, queue, invocation and the processing stages', async () => {
    const { handler, repository } = await setup(1, { clock: steppingClock('2026-11-23T12:00:01.000Z', 5) });

    await handler(sqsEvent(message(1), message(2)));

    const [first, second] = [repository.records.get(imageId(1))!, repository.records.get(imageId(2))!];
    expect(first.stages).toEqual({
      objectCreatedAt: '2026-11-23T12:00:00.000Z', // the S3 event's eventTime
      queuedAt: new Date(1795435200000).toISOString(), // the message's SentTimestamp
      receivedAt: '2026-11-23T12:00:01.000Z', // the invocation began
      startedAt: expect.any(String),
      downloadedAt: expect.any(String),
      renderedAt: expect.any(String),
      storedAt: expect.any(String),
    });
    // One invocation: both share receivedAt; with one worker the second starts after the first is stored.
    expect(second.stages?.receivedAt).toBe(first.stages?.receivedAt);
    expect(Date.parse(second.stages!.startedAt!)).toBeGreaterThan(Date.parse(first.stages!.storedAt!));
  });

  it('records one observation per image and flushes the metrics once per invocation, failures included', async () => {
    const { handler, metrics, originals, notifier } = await setup(1);
    originals.put(keyOf(2), images.html());
    notifier.faults.failNext(1);

    await handler(sqsEvent(message(1), message(2), message(3)));

    const recorded = (metrics as RecordingProcessingMetrics).recorded;
    expect(recorded.map((observation) => [observation.status, observation.reason])).toEqual([
      ['RETRIED', 'DEPENDENCY_FAILURE'],
      ['REJECTED', 'NOT_AN_IMAGE'],
      ['DONE', undefined],
    ]);
    expect((metrics as RecordingProcessingMetrics).flushes).toBe(1);
  });

  it('publishes EMF: upload→DONE latency, processing time, bytes, and outcomes by status and reason', async () => {
    const { handler, originals, repository } = await setup(2, { metrics: new EmfProcessingMetrics(), clock: steppingClock('2026-11-23T12:00:02.000Z', 7) });
    originals.put(keyOf(3), images.html());

    const lines = await captureStdout(() => handler(sqsEvent(message(1), message(2), message(3))));

    const emitted = parseEmf(lines);
    expect(emitted.every((metric) => metric.namespace === 'ImagePipeline')).toBe(true);
    const metric = (name: string, dimensions: Record<string, string> = { service: 'image-processor' }) =>
      emitted.find((candidate) => candidate.name === name && candidate.dimensionSets.some((set) => JSON.stringify(set) === JSON.stringify(dimensions)));
    const done = [1, 2].map((n) => repository.records.get(imageId(n))!);
    const latencies = done.map((record) => Date.parse(record.processedAt!) - Date.parse('2026-11-23T12:00:00.000Z'));
    expect(metric('UploadToDoneLatency')).toMatchObject({ unit: 'Milliseconds', values: expect.arrayContaining(latencies) });
    expect(metric('UploadToDoneLatency')!.values).toHaveLength(2);
    expect(metric('ProcessingTime')).toMatchObject({ unit: 'Milliseconds' });
    expect(metric('ProcessingTime')!.values).toHaveLength(3);
    expect(metric('OriginalBytes')).toMatchObject({ unit: 'Bytes', values: done.map((record) => record.bytes) });
    expect(metric('RenditionBytes')!.values).toEqual(done.map((record) => record.renditions!.reduce((sum, r) => sum + r.bytes, 0)));
    expect(metric('ImagesProcessed', { service: 'image-processor', Status: 'DONE' })).toMatchObject({ unit: 'Count', values: [2] });
    expect(metric('ImagesProcessed', { service: 'image-processor', Status: 'REJECTED' })).toMatchObject({ values: [1] });
    expect(metric('ImagesProcessed', { service: 'image-processor', Status: 'REJECTED', Reason: 'NOT_AN_IMAGE' })).toMatchObject({ values: [1] });
    expect(metric('ImagesProcessed', { service: 'image-processor', Status: 'DONE', Reason: 'NOT_AN_IMAGE' })).toBeUndefined();
  });
});

describe('dead-letter handler', () => {
  it('marks each dead-lettered upload FAILED and acknowledges its message', async () => {
    const { deadLetterHandler, repository, notifier } = await setup();
    const record = { ...message(1), attributes: { ...message(1).attributes, ApproximateReceiveCount: '5' } };

    const response = await deadLetterHandler(sqsEvent(record));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(repository.records.get(imageId(1))).toMatchObject({ status: 'FAILED', failureMessage: expect.stringContaining('delivered 5 times') });
    expect(notifier.published).toEqual([expect.objectContaining({ status: 'FAILED' })]);
  });

  it('counts each upload it marks FAILED', async () => {
    const { deadLetterHandler, metrics } = await setup();

    await deadLetterHandler(sqsEvent(message(1), message(2)));

    expect((metrics as RecordingProcessingMetrics).recorded).toEqual([{ status: 'FAILED' }, { status: 'FAILED' }]);
  });

  it('logs a poison message whole and acknowledges it: it can never be tied to an image', async () => {
    const { deadLetterHandler, logs } = await setup();

    const response = await deadLetterHandler(sqsEvent(sqsRecord('definitely not json', 'm-poison')));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(logs.lines).toContainEqual(expect.objectContaining({ level: 'error', body: 'definitely not json', messageId: 'm-poison' }));
  });

  it('retries a dead letter while the table is unavailable', async () => {
    const { deadLetterHandler, repository } = await setup();
    repository.faults.failNext();

    expect(await deadLetterHandler(sqsEvent(message(1)))).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });
});
