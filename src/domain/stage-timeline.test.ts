import { PROCESSING_STAGES } from '../contract';
import {
  captureLogs,
  InMemoryImageRepository,
  InMemoryObjectStore,
  RecordingNotifier,
  steppingClock,
} from '../test-support/fakes';
import * as images from '../test-support/images';
import { testProcessingPolicy } from '../test-support/render-settings';
import { DecodeMemoryGate } from './memory-gate';
import { DependencyError } from './errors';
import { processUpload, type ProcessUploadDeps } from './process-upload';
import { observationOf, StageTimeline, timedProcessing } from './stage-timeline';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const IMAGE = '9b2e7c1a-4d3f-4a8b-b6c5-0e1f2a3b4c5d';
const KEY = `user-uploads/${USER}/${IMAGE}.png`;
const UPLOADED_AT = '2026-11-23T11:59:59.000Z';
const QUEUED_AT = '2026-11-23T11:59:59.400Z';
const RECEIVED_AT = '2026-11-23T11:59:59.900Z';

async function setup(body: Buffer) {
  const originals = new InMemoryObjectStore();
  const processed = new InMemoryObjectStore();
  const repository = new InMemoryImageRepository();
  const clock = steppingClock('2026-11-23T12:00:00.000Z', 10);
  const deps: ProcessUploadDeps = {
    originals,
    processed,
    images: repository,
    notifier: new RecordingNotifier(),
    clock,
    logger: captureLogs().logger,
    decodeMemory: new DecodeMemoryGate(256 * 1024 * 1024),
    policy: testProcessingPolicy({ renditions: [{ widthPx: 1024, format: 'webp' }] }),
  };
  originals.put(KEY, body);
  await repository.createPending({
    imageId: IMAGE, userId: USER, originalS3Key: KEY, contentType: 'image/png', contentLength: body.length, createdAt: '2026-11-23T11:59:58.000Z',
  });
  const timeline = new StageTimeline(clock, { objectCreatedAt: UPLOADED_AT, queuedAt: QUEUED_AT, receivedAt: RECEIVED_AT });
  timeline.mark('startedAt');
  return { deps: timedProcessing(deps, timeline), timeline, repository, processed };
}

const object = { bucketName: 'originals', key: KEY, eventTime: UPLOADED_AT };

describe('stage timings', () => {
  it('stores every stage with the DONE record, in the order the stages happen', async () => {
    const env = await setup(await images.png(640, 480));

    const outcome = await processUpload(env.deps, object);

    expect(outcome).toBe('DONE');
    const record = env.repository.records.get(IMAGE)!;
    expect(Object.keys(record.stages ?? {})).toEqual([...PROCESSING_STAGES]);
    const times = PROCESSING_STAGES.map((stage) => Date.parse(record.stages![stage]!));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(record.stages).toMatchObject({ objectCreatedAt: UPLOADED_AT, queuedAt: QUEUED_AT, receivedAt: RECEIVED_AT });
    // The last rendition written comes before the final record, which comes before the notification.
    expect(Date.parse(record.stages!.storedAt!)).toBeLessThanOrEqual(Date.parse(record.processedAt!));
    expect(Date.parse(record.processedAt!)).toBeLessThan(Date.parse(record.notifiedAt!));
  });

  it('turns the stored stages into the metrics of a DONE image: upload→DONE, processing time, bytes', async () => {
    const body = await images.png(640, 480);
    const env = await setup(body);

    const observation = observationOf(await processUpload(env.deps, object), env.timeline);

    const record = env.repository.records.get(IMAGE)!;
    expect(observation).toEqual({
      status: 'DONE',
      uploadToDoneMs: Date.parse(record.processedAt!) - Date.parse(UPLOADED_AT),
      processingMs: Date.parse(record.processedAt!) - Date.parse(record.stages!.startedAt!),
      originalBytes: body.length,
      renditionBytes: record.renditions!.reduce((sum, rendition) => sum + rendition.bytes, 0),
    });
    expect(observation.renditionBytes).toBe([...env.processed.objects.values()].reduce((sum, o) => sum + o.body.length, 0));
  });

  it('stores the stages reached by a rejected image and reports its reason', async () => {
    const env = await setup(images.html());

    const observation = observationOf(await processUpload(env.deps, object), env.timeline);

    const record = env.repository.records.get(IMAGE)!;
    expect(record.status).toBe('REJECTED');
    expect(Object.keys(record.stages!)).toEqual(['objectCreatedAt', 'queuedAt', 'receivedAt', 'startedAt', 'downloadedAt']);
    expect(observation).toEqual({ status: 'REJECTED', reason: 'NOT_AN_IMAGE', processingMs: expect.any(Number) });
  });

  it('reports a redelivered message of a finished image as ALREADY_FINISHED and changes no stage', async () => {
    const env = await setup(await images.png(64, 48));
    await processUpload(env.deps, object);
    const stored = env.repository.records.get(IMAGE)!.stages;
    const again = new StageTimeline(steppingClock('2026-11-23T13:00:00.000Z'), { receivedAt: '2026-11-23T13:00:00.000Z' });

    const outcome = await processUpload(timedProcessing({ ...env.deps, clock: steppingClock('2026-11-23T13:00:00.000Z') }, again), object);

    expect(observationOf(outcome, again)).toEqual({ status: 'ALREADY_FINISHED' });
    expect(env.repository.records.get(IMAGE)!.stages).toEqual(stored);
  });

  it('keeps the port errors the use case relies on: a failed write still fails the attempt', async () => {
    const env = await setup(await images.png(64, 48));
    const processed = env.processed;
    processed.faults.failNext(1, 'PutObject');

    await expect(processUpload(env.deps, object)).rejects.toBeInstanceOf(DependencyError);
    expect(env.repository.records.get(IMAGE)!.status).toBe('PENDING');
  });

  it('ignores a known stage time that is not a time', () => {
    const timeline = new StageTimeline(steppingClock(), { objectCreatedAt: 'soon', receivedAt: RECEIVED_AT });

    expect(timeline.stages).toEqual({ receivedAt: RECEIVED_AT });
  });
});
