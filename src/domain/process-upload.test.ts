import sharp from 'sharp';
import {
  captureLogs,
  fixedClock,
  InMemoryImageRepository,
  InMemoryObjectStore,
  RecordingNotifier,
} from '../test-support/fakes';
import * as images from '../test-support/images';
import { testProcessingPolicy } from '../test-support/render-settings';
import { DecodeMemoryGate } from './memory-gate';
import { DependencyError } from './errors';
import { processUpload, type ProcessUploadDeps } from './process-upload';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const IMAGE = '9b2e7c1a-4d3f-4a8b-b6c5-0e1f2a3b4c5d';
const KEY = `user-uploads/${USER}/${IMAGE}.jpg`;
const ORIGINALS = 'originals';

function setup() {
  const originals = new InMemoryObjectStore();
  const processed = new InMemoryObjectStore();
  const repository = new InMemoryImageRepository();
  const notifier = new RecordingNotifier();
  const logs = captureLogs();
  const deps: ProcessUploadDeps = {
    originals,
    processed,
    images: repository,
    notifier,
    clock: fixedClock('2026-11-23T12:00:05.000Z'),
    logger: logs.logger,
    decodeMemory: new DecodeMemoryGate(512 * 1024 * 1024),
    policy: { ...testProcessingPolicy(), originalsBucketName: ORIGINALS },
  };
  return { deps, originals, processed, repository, notifier, logs };
}

async function withPendingUpload(env: ReturnType<typeof setup>, body: Buffer, key = KEY) {
  env.originals.put(key, body);
  await env.repository.createPending({
    imageId: IMAGE,
    userId: USER,
    originalS3Key: key,
    contentType: 'image/jpeg',
    contentLength: body.length,
    originalFileName: 'holiday.jpg',
    createdAt: '2026-11-23T12:00:00.000Z',
  });
  return { bucketName: ORIGINALS, key, sizeBytes: body.length };
}

/** What DELETE /images/{id} does to the record (src/domain/read-images.ts: deleteImage): a tombstone, settled once the objects are gone. */
async function deleteAsTheApiDoes(env: ReturnType<typeof setup>) {
  await env.repository.markDeleted(env.repository.records.get(IMAGE)!, '2026-11-23T12:00:04.000Z', 4_000_000_000);
  await env.repository.settleDeleted(IMAGE, '2026-11-23T12:00:04.500Z');
}

/** All a deleted image's record keeps: whose it was, its key, and when it goes. */
const SETTLED_TOMBSTONE = {
  imageId: IMAGE,
  userId: USER,
  originalS3Key: KEY,
  status: 'DELETED',
  deletedAt: '2026-11-23T12:00:04.000Z',
  expiresAt: 4_000_000_000,
  objectsRemovedAt: '2026-11-23T12:00:04.500Z',
};

describe('processUpload', () => {
  it('writes the renditions, records DONE with their metadata and notifies once', async () => {
    // Arrange
    const env = setup();
    const original = await images.jpeg(2048, 1536);
    const object = await withPendingUpload(env, original);

    // Act
    const outcome = await processUpload(env.deps, object);

    // Assert
    expect(outcome).toBe('DONE');
    expect([...env.processed.objects.keys()].sort()).toEqual([`processed/${IMAGE}.jpg`, `processed/${IMAGE}/1024.webp`]);
    expect(env.processed.objects.get(`processed/${IMAGE}.jpg`)!.contentType).toBe('image/jpeg');
    const thumbnail = await sharp(env.processed.objects.get(`processed/${IMAGE}.jpg`)!.body).metadata();
    expect([thumbnail.width, thumbnail.height]).toEqual([256, 192]);
    expect(env.repository.records.get(IMAGE)).toEqual({
      imageId: IMAGE,
      userId: USER,
      originalS3Key: KEY,
      processedS3Key: `processed/${IMAGE}.jpg`,
      status: 'DONE',
      renditions: [
        { key: `processed/${IMAGE}.jpg`, width: 256, height: 192, format: 'jpeg', bytes: expect.any(Number) },
        { key: `processed/${IMAGE}/1024.webp`, width: 1024, height: 768, format: 'webp', bytes: expect.any(Number) },
      ],
      width: 2048,
      height: 1536,
      format: 'jpeg',
      bytes: original.length,
      processedAt: '2026-11-23T12:00:05.000Z',
      notifiedAt: '2026-11-23T12:00:05.000Z',
      contentType: 'image/jpeg',
      contentLength: original.length,
      originalFileName: 'holiday.jpg',
      createdAt: '2026-11-23T12:00:00.000Z',
    });
    expect(env.notifier.published).toEqual([
      {
        subject: 'Image processed: holiday.jpg',
        emailText: expect.stringContaining('The image "holiday.jpg" was processed.'),
        imageId: IMAGE,
        userId: USER,
        status: 'DONE',
        originalS3Key: KEY,
        processedS3Key: `processed/${IMAGE}.jpg`,
        renditionKeys: [`processed/${IMAGE}.jpg`, `processed/${IMAGE}/1024.webp`],
      },
    ]);
  });

  describe('binds every record to its owner', () => {
    it('never decodes an object nobody reserved: a REJECTED NOT_RESERVED record of its own, notified and logged for operators', async () => {
      // Arrange: an object no upload URL was issued for (an unsigned PUT to a local stack).
      const env = setup();
      env.originals.put(KEY, await images.jpeg());

      // Act
      const outcome = await processUpload(env.deps, { bucketName: ORIGINALS, key: KEY });

      // Assert
      expect(outcome).toBe('NOT_RESERVED');
      expect(env.originals.reads).toBe(0);
      expect(env.processed.objects.size).toBe(0);
      expect(env.repository.records.get(IMAGE)).toMatchObject({ status: 'REJECTED', userId: USER, originalS3Key: KEY, rejectionReason: 'NOT_RESERVED' });
      expect(env.notifier.published).toEqual([expect.objectContaining({ status: 'REJECTED', reason: 'NOT_RESERVED', imageId: IMAGE })]);
      expect(env.logs.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'object without a reserved record rejected', imageId: IMAGE }));
    });

    it('counts the record of an object nobody reserved against no quota, also when its user deletes it', async () => {
      const env = setup();
      env.originals.put(KEY, await images.jpeg());

      await processUpload(env.deps, { bucketName: ORIGINALS, key: KEY });
      const afterRejection = { ...env.repository.usageOf(USER), reservations: new Map(env.repository.usageOf(USER).reservations) };
      const deleted = await env.repository.markDeleted(env.repository.records.get(IMAGE)!, '2026-11-23T12:00:06.000Z', 4_000_000_000);

      expect(afterRejection).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
      expect(deleted).toBe(true);
      expect(env.repository.usageOf(USER)).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
    });

    it('records it once and notifies once when its event is delivered again', async () => {
      const env = setup();
      env.originals.put(KEY, await images.jpeg());

      await processUpload(env.deps, { bucketName: ORIGINALS, key: KEY });
      const again = await processUpload(env.deps, { bucketName: ORIGINALS, key: KEY });

      expect(again).toBe('ALREADY_FINISHED');
      expect(env.originals.reads).toBe(0);
      expect(env.notifier.published).toHaveLength(1);
    });

    it.each([
      ["under another user's folder", `user-uploads/another-user/${IMAGE}.jpg`],
      ['under the same folder with another extension', `user-uploads/${USER}/${IMAGE}.png`],
    ])("leaves the record of the image id alone for an object %s, and reports it", async (_case, intruderKey) => {
      // Arrange: USER reserved IMAGE; another object arrives carrying the same image id.
      const env = setup();
      await withPendingUpload(env, await images.jpeg());
      const before = env.repository.records.get(IMAGE);
      env.originals.put(intruderKey, await images.png());

      // Act
      const outcome = await processUpload(env.deps, { bucketName: ORIGINALS, key: intruderKey });

      // Assert
      expect(outcome).toBe('NOT_RESERVED');
      expect(env.repository.records.get(IMAGE)).toEqual(before);
      expect(env.originals.reads).toBe(0);
      expect(env.processed.objects.size).toBe(0);
      expect(env.notifier.published).toEqual([expect.objectContaining({ status: 'REJECTED', reason: 'NOT_RESERVED', originalS3Key: intruderKey })]);
      expect(env.notifier.published[0]).not.toHaveProperty('imageId');
      expect(env.logs.lines).toContainEqual(expect.objectContaining({ level: 'error', key: intruderKey, reason: 'NOT_RESERVED' }));
    });

    it("still finishes the owner's own upload afterwards", async () => {
      const env = setup();
      const object = await withPendingUpload(env, await images.jpeg());
      env.originals.put(`user-uploads/another-user/${IMAGE}.jpg`, await images.png());
      await processUpload(env.deps, { bucketName: ORIGINALS, key: `user-uploads/another-user/${IMAGE}.jpg` });

      expect(await processUpload(env.deps, object)).toBe('DONE');
      expect(env.repository.records.get(IMAGE)).toMatchObject({ status: 'DONE', userId: USER, originalS3Key: KEY });
    });

    it("leaves another user's deleted image alone too: the object is reported, not removed", async () => {
      const env = setup();
      await withPendingUpload(env, await images.jpeg());
      await deleteAsTheApiDoes(env);
      const intruderKey = `user-uploads/another-user/${IMAGE}.jpg`;
      env.originals.put(intruderKey, await images.png());

      expect(await processUpload(env.deps, { bucketName: ORIGINALS, key: intruderKey })).toBe('NOT_RESERVED');
      expect(env.originals.objects.has(intruderKey)).toBe(true);
      expect(env.repository.records.get(IMAGE)).toMatchObject({ status: 'DELETED', userId: USER });
    });
  });

  describe('a deleted image: nothing comes back', () => {
    it('removes an upload that comes after its image was deleted, and records nothing: the upload URL of a deleted image leads nowhere', async () => {
      // Arrange: a PENDING image deleted (DELETE /images/{id}), then its still-valid URL is used.
      const env = setup();
      const object = await withPendingUpload(env, await images.jpeg());
      env.originals.objects.clear();
      await deleteAsTheApiDoes(env);
      env.originals.put(KEY, await images.jpeg());

      // Act
      const outcome = await processUpload(env.deps, object);

      // Assert
      expect(outcome).toBe('DISCARDED');
      expect(env.repository.records.get(IMAGE)).toEqual(SETTLED_TOMBSTONE);
      expect(env.originals.objects.has(KEY)).toBe(false);
      expect(env.originals.reads).toBe(0);
      expect(env.processed.objects.size).toBe(0);
      expect(env.notifier.published).toEqual([]);
      expect(env.repository.usageOf(USER)).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
    });

    it('records nothing for an event whose image and object are both long gone (its tombstone expired too)', async () => {
      const env = setup();

      const outcome = await processUpload(env.deps, { bucketName: ORIGINALS, key: KEY });

      expect(outcome).toBe('DISCARDED');
      expect(env.repository.records.size).toBe(0);
      expect(env.notifier.published).toEqual([]);
    });
  });

  it('stores every rendition as immutable, so clients may cache it for good', async () => {
    const env = setup();
    const object = await withPendingUpload(env, await images.jpeg());

    await processUpload(env.deps, object);

    expect([...env.processed.objects.values()].map((stored) => stored.cacheControl)).toEqual([
      'private, max-age=31536000, immutable',
      'private, max-age=31536000, immutable',
    ]);
  });

  it('removes what it wrote when the image was deleted while it was being processed, and records and sends nothing', async () => {
    const env = setup();
    const object = await withPendingUpload(env, await images.jpeg());
    const finish = env.repository.finish.bind(env.repository);
    env.repository.finish = async (image, previous) => {
      // DELETE /images/{id} gets in between the read and the final write.
      await deleteAsTheApiDoes(env);
      return finish(image, previous);
    };

    const outcome = await processUpload(env.deps, object);

    expect(outcome).toBe('DISCARDED');
    expect(env.repository.records.get(IMAGE)).toEqual(SETTLED_TOMBSTONE);
    expect(env.processed.objects.size).toBe(0);
    expect(env.notifier.published).toEqual([]);
    expect(env.repository.usageOf(USER)).toMatchObject({ images: 0, bytes: 0, reservations: new Map() });
  });

  it('ends the reservation on DONE, and gives the image and its bytes back on REJECTED', async () => {
    const env = setup();
    const done = await withPendingUpload(env, await images.jpeg());
    await processUpload(env.deps, done);
    const afterDone = { ...env.repository.usageOf(USER), reservations: new Map(env.repository.usageOf(USER).reservations) };
    const other = '9b2e7c1a-4d3f-4a8b-b6c5-000000000002';
    env.originals.put(`user-uploads/${USER}/${other}.jpg`, images.html());
    await env.repository.createPending({ imageId: other, userId: USER, originalS3Key: `user-uploads/${USER}/${other}.jpg`, contentType: 'image/jpeg', contentLength: 50, createdAt: '2026-11-23T12:00:01.000Z' });

    expect(await processUpload(env.deps, { bucketName: ORIGINALS, key: `user-uploads/${USER}/${other}.jpg` })).toBe('REJECTED');

    expect(afterDone).toMatchObject({ images: 1, bytes: done.sizeBytes, reservations: new Map() });
    expect(env.repository.usageOf(USER)).toMatchObject({ images: 1, bytes: done.sizeBytes, reservations: new Map() });
  });

  it('rejects a format this deployment does not accept without downloading it (HEIC while switched off)', async () => {
    const env = setup();
    const key = `user-uploads/${USER}/${IMAGE}.heic`;
    const object = await withPendingUpload(env, await images.jpeg(), key);
    const deps = { ...env.deps, policy: { ...env.deps.policy, acceptedFormats: ['jpeg', 'png'] as const } };

    expect(await processUpload(deps, object)).toBe('REJECTED');
    expect(env.originals.reads).toBe(0);
    expect(env.repository.records.get(IMAGE)).toMatchObject({ rejectionReason: 'UNSUPPORTED_FORMAT', rejectionMessage: 'image/heic is not accepted by this deployment.' });
  });

  it('changes nothing when a message is delivered again after DONE', async () => {
    const env = setup();
    const object = await withPendingUpload(env, await images.jpeg());
    await processUpload(env.deps, object);
    const before = env.repository.records.get(IMAGE);
    const writes = env.processed.writes;

    const outcome = await processUpload(env.deps, object);

    expect(outcome).toBe('ALREADY_FINISHED');
    expect(env.repository.records.get(IMAGE)).toEqual(before);
    expect(env.processed.writes).toBe(writes);
    expect(env.originals.reads).toBe(1);
    expect(env.notifier.published).toHaveLength(1);
  });

  it('records a non-image as REJECTED with its reason and says so', async () => {
    const env = setup();
    const object = await withPendingUpload(env, images.html());

    const outcome = await processUpload(env.deps, object);

    expect(outcome).toBe('REJECTED');
    expect(env.repository.records.get(IMAGE)).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'NOT_AN_IMAGE',
      rejectionMessage: expect.stringContaining('not a JPEG'),
      notifiedAt: '2026-11-23T12:00:05.000Z',
    });
    expect(env.processed.objects.size).toBe(0);
    expect(env.notifier.published).toEqual([
      expect.objectContaining({ status: 'REJECTED', reason: 'NOT_AN_IMAGE', subject: 'Image rejected (NOT_AN_IMAGE): holiday.jpg' }),
    ]);
  });

  it('never turns REJECTED into anything else on redelivery', async () => {
    const env = setup();
    const object = await withPendingUpload(env, images.html());
    await processUpload(env.deps, object);
    env.originals.put(KEY, await images.jpeg());

    const outcome = await processUpload(env.deps, object);

    expect(outcome).toBe('ALREADY_FINISHED');
    expect(env.repository.records.get(IMAGE)?.status).toBe('REJECTED');
  });

  it('rejects a file larger than the limit without downloading it', async () => {
    const env = setup();
    const object = await withPendingUpload(env, await images.jpeg());

    const outcome = await processUpload(env.deps, { ...object, sizeBytes: 1_000_001 });

    expect(outcome).toBe('REJECTED');
    expect(env.originals.reads).toBe(0);
    expect(env.repository.records.get(IMAGE)?.rejectionReason).toBe('TOO_LARGE');
  });

  it('rejects an original that no longer exists', async () => {
    const env = setup();
    const object = await withPendingUpload(env, await images.jpeg());
    env.originals.objects.clear();

    expect(await processUpload(env.deps, object)).toBe('REJECTED');
    expect(env.repository.records.get(IMAGE)?.rejectionReason).toBe('ORIGINAL_NOT_FOUND');
  });

  it.each([
    ['a key outside the layout', ORIGINALS, `user-uploads/${USER}/../${IMAGE}.jpg`, 'INVALID_KEY'],
    ['a key with another extension', ORIGINALS, `user-uploads/${USER}/${IMAGE}.svg`, 'INVALID_KEY'],
  ])('reports %s as REJECTED without reading it or recording anything', async (_case, bucketName, key, reason) => {
    const env = setup();
    env.originals.put(key, await images.jpeg());

    const outcome = await processUpload(env.deps, { bucketName, key });

    expect(outcome).toBe('REJECTED');
    expect(env.originals.reads).toBe(0);
    expect(env.repository.records.size).toBe(0);
    expect(env.notifier.published).toEqual([
      expect.objectContaining({ status: 'REJECTED', reason, originalS3Key: key }),
    ]);
    expect(env.notifier.published[0]).not.toHaveProperty('imageId');
  });

  it('does not acknowledge an event from a bucket it is not configured for: a deployment fault for the DLQ', async () => {
    const env = setup();
    env.originals.put(KEY, await images.jpeg());

    await expect(processUpload(env.deps, { bucketName: 'someone-elses-bucket', key: KEY })).rejects.toMatchObject({ code: 'MISCONFIGURATION' });
    expect(env.originals.reads).toBe(0);
    expect(env.repository.records.size).toBe(0);
    expect(env.notifier.published).toHaveLength(0);
  });

  describe('when a dependency fails part-way, a retry finishes the job exactly once', () => {
    it.each([
      ['S3 GetObject', (env: ReturnType<typeof setup>) => env.originals.faults.failNext()],
      ['S3 PutObject', (env: ReturnType<typeof setup>) => env.processed.faults.failNext()],
      ['DynamoDB GetItem', (env: ReturnType<typeof setup>) => env.repository.faults.failNext(1, 'GetItem')],
      ['DynamoDB UpdateItem (the final state)', (env: ReturnType<typeof setup>) => env.repository.faults.failNext(1, 'UpdateItem')],
      ['SNS', (env: ReturnType<typeof setup>) => env.notifier.faults.failNext()],
    ])('%s', async (_service, inject) => {
      const env = setup();
      const object = await withPendingUpload(env, await images.jpeg());
      inject(env);

      await expect(processUpload(env.deps, object)).rejects.toBeInstanceOf(DependencyError);
      const retried = await processUpload(env.deps, object);

      expect(['DONE', 'ALREADY_FINISHED']).toContain(retried);
      expect(env.repository.records.get(IMAGE)).toMatchObject({ status: 'DONE', notifiedAt: expect.any(String) });
      expect(env.notifier.published).toHaveLength(1);
      expect(env.processed.objects.size).toBe(2);
    });

    it('a failed markNotified after a successful publish sends the notification again rather than never', async () => {
      const env = setup();
      const object = await withPendingUpload(env, await images.jpeg());
      const markNotified = env.repository.markNotified.bind(env.repository);
      let failMark = true;
      env.repository.markNotified = async (imageId, status, at) => {
        if (failMark) {
          failMark = false;
          throw new DependencyError('DynamoDB', 'UpdateItem', true, 'injected');
        }
        return markNotified(imageId, status, at);
      };

      await expect(processUpload(env.deps, object)).rejects.toBeInstanceOf(DependencyError);
      await processUpload(env.deps, object);

      expect(env.notifier.published).toHaveLength(2);
      expect(env.repository.records.get(IMAGE)?.notifiedAt).toBeDefined();
    });
  });

  it('lets a FAILED image (redriven from the dead-letter queue) become DONE', async () => {
    const env = setup();
    const object = await withPendingUpload(env, await images.jpeg());
    await env.repository.finish(
      {
        status: 'FAILED',
        imageId: IMAGE,
        userId: USER,
        originalS3Key: KEY,
        failureMessage: 'gave up after 5 attempts',
        processedAt: '2026-11-23T12:00:01.000Z',
      },
      env.repository.records.get(IMAGE)!,
    );

    expect(await processUpload(env.deps, object)).toBe('DONE');
    expect(env.repository.records.get(IMAGE)).toMatchObject({ status: 'DONE' });
    expect(env.repository.records.get(IMAGE)).not.toHaveProperty('failureMessage');
  });

  it('sends no second notification when a concurrent delivery stored the outcome first', async () => {
    const env = setup();
    const object = await withPendingUpload(env, await images.jpeg());
    const finish = env.repository.finish.bind(env.repository);
    env.repository.finish = async (image, previous) => {
      await finish({ ...image }, previous); // the other delivery wins the conditional write
      return finish(image, previous);
    };

    const outcome = await processUpload(env.deps, object);

    expect(outcome).toBe('ALREADY_FINISHED');
    expect(env.notifier.published).toHaveLength(0);
  });
});
