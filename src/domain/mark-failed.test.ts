import { captureLogs, fixedClock, InMemoryImageRepository, RecordingNotifier } from '../test-support/fakes';
import { markFailed, type MarkFailedDeps } from './mark-failed';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const IMAGE = '9b2e7c1a-4d3f-4a8b-b6c5-0e1f2a3b4c5d';
const KEY = `user-uploads/${USER}/${IMAGE}.png`;

function setup() {
  const images = new InMemoryImageRepository();
  const notifier = new RecordingNotifier();
  const deps: MarkFailedDeps = { images, notifier, clock: fixedClock(), logger: captureLogs().logger, originalsBucketName: 'originals' };
  return { deps, images, notifier };
}

const pending = (images: InMemoryImageRepository) =>
  images.createPending({
    imageId: IMAGE,
    userId: USER,
    originalS3Key: KEY,
    contentType: 'image/png',
    contentLength: 10,
    originalFileName: 'cat.png',
    createdAt: '2026-11-23T11:59:00.000Z',
  });

describe('markFailed', () => {
  it('records a PENDING upload as FAILED and tells subscribers once', async () => {
    const { deps, images, notifier } = setup();
    await pending(images);

    expect(await markFailed(deps, { bucketName: 'originals', key: KEY }, 5)).toBe('FAILED');
    expect(await markFailed(deps, { bucketName: 'originals', key: KEY }, 6)).toBe('ALREADY_FINISHED');

    expect(images.records.get(IMAGE)).toMatchObject({
      status: 'FAILED',
      failureMessage: 'Processing kept failing and the message was moved to the dead-letter queue (delivered 5 times in all).',
      originalFileName: 'cat.png',
      notifiedAt: expect.any(String),
    });
    expect(notifier.published).toEqual([
      expect.objectContaining({ status: 'FAILED', imageId: IMAGE, userId: USER, subject: 'Image processing failed: cat.png' }),
    ]);
  });

  const finished = (status: 'DONE' | 'REJECTED') =>
    status === 'DONE'
      ? ({ status, imageId: IMAGE, userId: USER, originalS3Key: KEY, processedS3Key: 'p', renditions: [], width: 1, height: 1, format: 'png', bytes: 1, processedAt: 'x' } as const)
      : ({ status, imageId: IMAGE, userId: USER, originalS3Key: KEY, rejectionReason: 'NOT_AN_IMAGE', rejectionMessage: 'm', processedAt: 'x' } as const);

  it.each(['DONE', 'REJECTED'] as const)('never replaces %s, and sends nothing more when its notification went out', async (status) => {
    const { deps, images, notifier } = setup();
    await pending(images);
    await images.finish(finished(status), images.records.get(IMAGE)!);
    await images.markNotified(IMAGE, status, 'earlier');

    expect(await markFailed(deps, { bucketName: 'originals', key: KEY }, 5)).toBe('ALREADY_FINISHED');
    expect(images.records.get(IMAGE)?.status).toBe(status);
    expect(notifier.published).toHaveLength(0);
  });

  it.each(['DONE', 'REJECTED'] as const)('sends the owed notification of a %s image whose notification kept failing', async (status) => {
    const { deps, images, notifier } = setup();
    await pending(images);
    await images.finish(finished(status), images.records.get(IMAGE)!);

    expect(await markFailed(deps, { bucketName: 'originals', key: KEY }, 6)).toBe('ALREADY_FINISHED');
    expect(images.records.get(IMAGE)).toMatchObject({ status, notifiedAt: expect.any(String) });
    expect(notifier.published).toEqual([expect.objectContaining({ status, imageId: IMAGE })]);
  });

  it('records nothing for an object nobody reserved (or whose image is long gone), so a redrive can never make it DONE', async () => {
    const { deps, images, notifier } = setup();

    expect(await markFailed(deps, { bucketName: 'originals', key: KEY }, 5)).toBe('NOT_RESERVED');
    expect(images.records.size).toBe(0);
    expect(notifier.published).toEqual([]);
  });

  it('records and sends nothing for an image deleted meanwhile: its tombstone stays as it is', async () => {
    const { deps, images, notifier } = setup();
    await pending(images);
    await images.markDeleted(images.records.get(IMAGE)!, '2026-11-23T12:00:00.000Z', 4_000_000_000);
    await images.settleDeleted(IMAGE, '2026-11-23T12:00:01.000Z');
    const tombstone = images.records.get(IMAGE);

    expect(await markFailed(deps, { bucketName: 'originals', key: KEY }, 5)).toBe('ALREADY_FINISHED');
    expect(images.records.get(IMAGE)).toEqual(tombstone);
    expect(notifier.published).toEqual([]);
  });

  it("leaves another user's record alone when an object under someone else's folder carries its id", async () => {
    const { deps, images, notifier } = setup();
    await pending(images);
    const intruder = `user-uploads/another-user/${IMAGE}.png`;

    expect(await markFailed(deps, { bucketName: 'originals', key: intruder }, 5)).toBe('NOT_RESERVED');
    expect(images.records.get(IMAGE)).toMatchObject({ status: 'PENDING', userId: USER, originalS3Key: KEY });
    expect(notifier.published).toHaveLength(0);
  });

  it('ignores an event for an object outside the upload layout', async () => {
    const { deps, images } = setup();

    expect(await markFailed(deps, { bucketName: 'originals', key: 'user-uploads/../x.png' }, 5)).toBe('NOT_AN_UPLOAD');
    expect(images.records.size).toBe(0);
  });
});
