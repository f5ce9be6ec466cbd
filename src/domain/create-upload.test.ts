import { FakeSigner, fixedClock, InMemoryImageRepository, ManualClock, sequentialIds } from '../test-support/fakes';
import { createUpload, type CreateUploadDeps } from './create-upload';
import { DependencyError, RequestError } from './errors';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';

const QUOTAS = { pendingUploads: 3, storedImages: 5, storedBytes: 3000 };

function setup(clock = fixedClock('2026-11-23T12:00:00.000Z')) {
  const images = new InMemoryImageRepository();
  const signer = new FakeSigner();
  const deps: CreateUploadDeps = {
    signer,
    images,
    ids: sequentialIds(),
    clock,
    policy: { allowedFormats: ['jpeg', 'png', 'webp'], maxUploadBytes: 1000, expiresInSeconds: 300, quotas: QUOTAS, pendingExpiresAfterSeconds: 1200 },
  };
  return { deps, images, signer };
}

const png = (contentLength = 100) => JSON.stringify({ contentType: 'image/png', contentLength });

describe('createUpload', () => {
  it('presigns a PUT for a fresh key in the caller folder and records the image as PENDING', async () => {
    // Arrange
    const { deps, images, signer } = setup();
    const body = JSON.stringify({ contentType: 'image/webp', contentLength: 512, fileName: 'cat.webp' });

    // Act
    const upload = await createUpload(deps, { userId: USER, body });

    // Assert
    const imageId = '00000000-0000-4000-8000-000000000001';
    expect(upload).toEqual({
      imageId,
      uploadUrl: `https://uploads.example/user-uploads/${USER}/${imageId}.webp?signature=fake`,
      filePath: `user-uploads/${USER}/${imageId}.webp`,
      expiresInSeconds: 300,
      headers: { 'Content-Type': 'image/webp', 'Content-Length': '512' },
    });
    expect(signer.requests).toEqual([
      { key: `user-uploads/${USER}/${imageId}.webp`, contentType: 'image/webp', contentLength: 512, expiresInSeconds: 300 },
    ]);
    expect(images.records.get(imageId)).toEqual({
      imageId,
      userId: USER,
      originalS3Key: `user-uploads/${USER}/${imageId}.webp`,
      contentType: 'image/webp',
      contentLength: 512,
      originalFileName: 'cat.webp',
      createdAt: '2026-11-23T12:00:00.000Z',
      // The TTL attribute: 20 minutes (the URL's 5 plus a margin) after the reservation.
      expiresAt: Date.parse('2026-11-23T12:20:00.000Z') / 1000,
      status: 'PENDING',
    });
    expect(images.usageOf(USER)).toMatchObject({ images: 1, bytes: 512 });
    expect([...images.usageOf(USER).reservations.keys()]).toEqual([imageId]);
  });

  it('refuses a reservation over the pending limit, with no record and no URL kept', async () => {
    const { deps, images } = setup();
    for (let i = 0; i < QUOTAS.pendingUploads; i += 1) await createUpload(deps, { userId: USER, body: png() });

    const attempt = createUpload(deps, { userId: USER, body: png() });

    await expect(attempt).rejects.toMatchObject({ name: 'QuotaExceededError', code: 'TOO_MANY_REQUESTS', quota: 'pendingUploads', limit: 3 });
    expect(images.records.size).toBe(3);
  });

  it('refuses images over the stored-images limit, counting finished ones, until one is deleted', async () => {
    const { deps, images } = setup();
    for (let i = 0; i < QUOTAS.storedImages; i += 1) {
      const { imageId } = await createUpload(deps, { userId: USER, body: png() });
      const record = images.records.get(imageId)!;
      await images.finish({ ...record, status: 'FAILED', failureMessage: 'x', processedAt: 'now' }, record);
    }

    await expect(createUpload(deps, { userId: USER, body: png() })).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'storedImages', limit: 5 });
    const victim = [...images.records.values()][0]!;
    await images.markDeleted(victim, 'now', 0);
    await expect(createUpload(deps, { userId: USER, body: png() })).resolves.toBeDefined();
  });

  it('refuses an upload that would exceed the stored bytes', async () => {
    const { deps } = setup();
    await createUpload(deps, { userId: USER, body: png(1000) });
    await createUpload(deps, { userId: USER, body: png(1000) });

    await expect(createUpload(deps, { userId: USER, body: png(1000) })).resolves.toBeDefined();

    await expect(createUpload(deps, { userId: USER, body: png(1) })).rejects.toMatchObject({ quota: 'storedBytes', limit: 3000 });
  });

  it('frees abandoned reservations once past their deadline: they become EXPIRED and give their share back', async () => {
    const clock = new ManualClock(new Date('2026-11-23T12:00:00.000Z'));
    const { deps, images } = setup(clock);
    const abandoned = [];
    for (let i = 0; i < QUOTAS.pendingUploads; i += 1) abandoned.push((await createUpload(deps, { userId: USER, body: png() })).imageId);
    clock.advance(1199);
    await expect(createUpload(deps, { userId: USER, body: png() })).rejects.toMatchObject({ quota: 'pendingUploads' });

    clock.advance(1);
    const fresh = await createUpload(deps, { userId: USER, body: png() });

    expect(abandoned.map((id) => images.records.get(id)?.status)).toEqual(['EXPIRED', 'EXPIRED', 'EXPIRED']);
    expect(images.records.get(fresh.imageId)?.status).toBe('PENDING');
    expect(images.usageOf(USER)).toMatchObject({ images: 1, bytes: 100 });
    expect([...images.usageOf(USER).reservations.keys()]).toEqual([fresh.imageId]);
  });

  it('never lets the file name reach the key', async () => {
    const { deps } = setup();

    const upload = await createUpload(deps, {
      userId: USER,
      body: JSON.stringify({ contentType: 'image/png', contentLength: 1, fileName: '../../other-user/evil.exe' }),
    });

    expect(upload.filePath).toMatch(new RegExp(`^user-uploads/${USER}/[0-9a-f-]{36}\\.png$`));
  });

  it.each(['../other-user', 'a/b', ''])('refuses the user id %j as UNAUTHORIZED and records nothing', async (userId) => {
    const { deps, images, signer } = setup();

    const attempt = createUpload(deps, { userId, body: JSON.stringify({ contentType: 'image/png', contentLength: 1 }) });

    await expect(attempt).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(images.records.size).toBe(0);
    expect(signer.requests).toHaveLength(0);
  });

  it('records nothing for an invalid request', async () => {
    const { deps, images } = setup();

    await expect(createUpload(deps, { userId: USER, body: '{' })).rejects.toBeInstanceOf(RequestError);
    expect(images.records.size).toBe(0);
  });

  it('returns no URL when the PENDING record cannot be written', async () => {
    const { deps, images } = setup();
    images.faults.failNext();

    const attempt = createUpload(deps, { userId: USER, body: JSON.stringify({ contentType: 'image/png', contentLength: 1 }) });

    await expect(attempt).rejects.toBeInstanceOf(DependencyError);
  });
});
