import { scheduledEvent } from '../../test-support/events';
import { EmfStorageRunMetrics } from '../../adapters/emf-metrics';
import { captureStdout, parseEmf } from '../../test-support/emf';
import { captureLogs, fixedClock, InMemoryObjectStore, RecordingMetricsSink } from '../../test-support/fakes';
import { makeHandler } from './handler';

function setup() {
  const bucket = new InMemoryObjectStore();
  bucket.put('user-uploads/u/1.jpg', Buffer.alloc(100));
  bucket.put('user-uploads/u/2.jpg', Buffer.alloc(50));
  const metrics = new RecordingMetricsSink();
  const logs = captureLogs('info');
  const handler = makeHandler({
    logger: logs.logger,
    runMetrics: new EmfStorageRunMetrics(),
    useCase: {
      listerFor: () => bucket,
      metrics,
      clock: fixedClock(),
      policy: { bucketNames: ['originals'], partitionBoundaries: [], maxParallelListings: 2, reserveMs: 1000 },
    },
  });
  return { handler, metrics, logs };
}

const context = (remainingMs: number) => ({ awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs });

describe('s3-metrics handler', () => {
  it('measures on a scheduled event and publishes the figures', async () => {
    const { handler, metrics, logs } = setup();

    const outcome = await handler(scheduledEvent(), context(60_000));

    expect(outcome).toEqual({ status: 'PUBLISHED', usage: [{ bucketName: 'originals', objectCount: 2, totalBytes: 150 }], partitions: 1 });
    expect(metrics.calls).toHaveLength(1);
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 'bucket usage published', requestId: 'req-1' }));
  });

  it('returns OUT_OF_TIME and publishes nothing when the invocation has too little time left', async () => {
    const { handler, metrics } = setup();

    const outcome = await handler(scheduledEvent(), context(500));

    expect(outcome.status).toBe('OUT_OF_TIME');
    expect(metrics.calls).toHaveLength(0);
  });

  it.each([
    ['a run that published', 60_000, 0],
    ['a run that ran out of time', 500, 1],
  ])('writes an EMF line for %s: StorageMeasurementOutOfTime %d, and the duration', async (_case, remainingMs, outOfTime) => {
    const { handler } = setup();

    const lines = await captureStdout(() => handler(scheduledEvent(), context(remainingMs)));

    const emitted = parseEmf(lines);
    expect(emitted.map(({ name, unit, namespace, dimensionSets }) => ({ name, unit, namespace, dimensionSets }))).toEqual([
      { name: 'StorageMeasurementOutOfTime', unit: 'Count', namespace: 'ImagePipeline', dimensionSets: [{ service: 's3-metrics' }] },
      { name: 'StorageMeasurementDuration', unit: 'Milliseconds', namespace: 'ImagePipeline', dimensionSets: [{ service: 's3-metrics' }] },
    ]);
    expect(emitted[0]!.values).toEqual([outOfTime]);
    expect(emitted[1]!.values).toEqual([0]);
  });

  it.each([
    ['an empty event', {}],
    ['an S3 event', { Records: [] }],
    ['another EventBridge event', { ...scheduledEvent(), 'detail-type': 'Object Created', source: 'aws.s3' }],
  ])('refuses %s and measures nothing', async (_case, event) => {
    const { handler, metrics } = setup();

    const lines = await captureStdout(() => expect(handler(event as never, context(60_000))).rejects.toThrow('s3-metrics expects an EventBridge scheduled event'));
    expect(metrics.calls).toHaveLength(0);
    expect(parseEmf(lines)).toEqual([]);
  });
});
