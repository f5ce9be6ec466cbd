import { FakeSigner, fixedClock, InMemoryImageRepository, sequentialIds } from '../test-support/fakes';
import { createUpload, type CreateUploadDeps } from './create-upload';
import { DependencyError, RequestError } from './errors';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';

function setup() {
  const images = new InMemoryImageRepository();
  const signer = new FakeSigner();
  const deps: CreateUploadDeps = {
    signer,
    images,
    ids: sequentialIds(),
    clock: fixedClock('2026-11-23T12:00:00.000Z'),
    policy: { allowedFormats: ['jpeg', 'png', 'webp'], maxUploadBytes: 1000, expiresInSeconds: 300 },
  };
  return { deps, images, signer };
}

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
      status: 'PENDING',
    });
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
