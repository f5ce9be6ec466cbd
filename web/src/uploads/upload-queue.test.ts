import { ApiError, type Image, NetworkError, UnauthorizedError, type UploadGrant } from '../api/client';
import type { SessionEndedError } from '../auth/session';
import type { UploadLimits } from './check-file';
import { StorageRefusedError } from './messages';
import { type ChosenFile, type PutObject, type UploadItem, UploadQueue } from './upload-queue';

const limits: UploadLimits = { maxUploadBytes: 1000, allowedContentTypes: ['image/jpeg', 'image/png'], maxInputPixels: 50_000_000 };
const CREATED_AT = '2026-12-01T12:00:00.000Z';

const file = (name: string, size: number, type: string): ChosenFile => ({ name, size, type, body: new Blob([new Uint8Array(size)], { type }) });

/** An API and an S3 that behave per file name, and record what they were asked. */
function setUp(options: { onCreate?: (name: string) => Promise<void> | void; onPut?: (name: string, progress: (sent: number) => void) => Promise<void> | void; statuses?: Record<string, (Image | Error)[]> } = {}) {
  const calls: string[] = [];
  const names = new Map<string, string>();
  let next = 0;
  const grants = new Map<string, string>();
  const statuses = new Map(Object.entries(options.statuses ?? {}).map(([name, list]) => [name, [...list]]));
  const api = {
    async createUpload(request: { contentType: string; contentLength: number; fileName?: string }): Promise<UploadGrant> {
      const name = request.fileName!;
      calls.push(`POST /uploads ${name} ${request.contentType} ${request.contentLength}`);
      await options.onCreate?.(name);
      const imageId = `00000000-0000-4000-8000-00000000000${(next += 1)}`;
      names.set(imageId, name);
      grants.set(name, imageId);
      return { upload_url: `https://s3/${imageId}`, file_path: `user-uploads/u/${imageId}.png`, image_id: imageId, expires_in: 300, headers: {} };
    },
    async getImage(imageId: string): Promise<Image> {
      const name = names.get(imageId)!;
      calls.push(`GET ${name}`);
      const list = statuses.get(name) ?? [];
      const image = list.length > 1 ? list.shift()! : list[0];
      if (!image) throw new Error(`no status for ${name}`);
      if (image instanceof Error) throw image;
      return { ...image, imageId };
    },
  };
  const putObject: PutObject = async (grant, body, onProgress) => {
    const name = names.get(grant.image_id)!;
    calls.push(`PUT ${name}`);
    await options.onPut?.(name, onProgress);
    onProgress(body.size);
  };
  const changes: UploadItem[] = [];
  const finished: Image[] = [];
  const ended: SessionEndedError[] = [];
  let clock = 0;
  const queue = new UploadQueue({
    api,
    putObject,
    limits,
    onChange: (item) => changes.push(item),
    onFinished: (image) => finished.push(image),
    onSessionEnded: (error) => ended.push(error),
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => clock,
    pollDelaysMs: [100],
    processingDeadlineMs: 1000,
  });
  const settled = async () => {
    for (let i = 0; i < 200; i += 1) await new Promise((resolve) => setImmediate(resolve));
  };
  const byName = (name: string) => queue.list().find((item) => item.fileName === name)!;
  return { queue, calls, changes, finished, ended, settled, byName, grants };
}

const pending: Image = { imageId: 'x', status: 'PENDING', createdAt: CREATED_AT };
const done: Image = {
  imageId: 'x',
  status: 'DONE',
  createdAt: CREATED_AT,
  width: 20,
  height: 40,
  renditions: [{ width: 128, height: 256, format: 'jpeg', bytes: 900, url: 'https://s3/thumb' }],
};
const rejected: Image = { imageId: 'x', status: 'REJECTED', createdAt: CREATED_AT, rejection: { reason: 'NOT_AN_IMAGE', message: 'The file is not a JPEG, PNG, WebP, GIF, AVIF or TIFF image.' } };

describe('the upload queue', () => {
  it('uploads every file, follows it until processed, and reports progress up to every byte', async () => {
    const { queue, calls, changes, finished, settled, byName } = setUp({
      onPut: (_name, progress) => progress(250),
      statuses: { 'photo.jpg': [pending, pending, done], 'logo.png': [done], 'invoice.png': [pending, rejected] },
    });

    queue.add([file('photo.jpg', 500, 'image/jpeg'), file('logo.png', 400, 'image/png'), file('invoice.png', 40, 'image/png')]);
    await settled();

    expect(byName('photo.jpg')).toMatchObject({ phase: 'done', sentBytes: 500, image: { status: 'DONE', width: 20, height: 40 } });
    expect(byName('logo.png')).toMatchObject({ phase: 'done', sentBytes: 400 });
    expect(byName('invoice.png')).toMatchObject({ phase: 'rejected', sentBytes: 40, message: 'This file is not an image.' });
    expect(calls.filter((call) => call.startsWith('POST'))).toEqual(['POST /uploads photo.jpg image/jpeg 500', 'POST /uploads logo.png image/png 400', 'POST /uploads invoice.png image/png 40']);
    expect(changes.filter((item) => item.fileName === 'photo.jpg').map((item) => `${item.phase} ${item.sentBytes}`)).toEqual([
      'waiting 0',
      'requesting 0',
      'uploading 0',
      'uploading 250',
      'uploading 500',
      'processing 500',
      'done 500',
    ]);
    expect(finished.map((image) => image.status).sort()).toEqual(['DONE', 'DONE', 'REJECTED']);
  });

  it('stops a file over the size limit or of another type in the browser: no request at all for it', async () => {
    const { queue, calls, settled, byName } = setUp({ statuses: { 'ok.png': [done] } });

    const items = queue.add([file('huge.jpg', 1001, 'image/jpeg'), file('drawing.svg', 10, 'image/svg+xml'), file('ok.png', 10, 'image/png')]);
    await settled();

    expect(items.map((item) => item.phase)).toEqual(['refused', 'refused', 'waiting']);
    expect(byName('huge.jpg').message).toBe('This file is 1001 bytes; files up to 1000 bytes are accepted.');
    expect(byName('drawing.svg').message).toBe('This type of file is not accepted. Choose JPEG or PNG images.');
    expect(calls.filter((call) => /huge|drawing/.test(call))).toEqual([]);
    expect(byName('ok.png').phase).toBe('done');
  });

  it('keeps the other files going when one is refused by the API, by S3 or by the network', async () => {
    const { queue, settled, byName } = setUp({
      onCreate: (name) => {
        if (name === 'too-many.png') throw new ApiError(429, 'TOO_MANY_REQUESTS', 'x', 3, { name: 'pendingUploads', limit: 20 });
        if (name === 'type.png') throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'x');
      },
      onPut: (name) => {
        if (name === 'signature.png') throw new StorageRefusedError(403, 'SignatureDoesNotMatch');
        if (name === 'offline.png') throw new NetworkError(false);
      },
      statuses: { 'fine.png': [done] },
    });

    queue.add(['too-many.png', 'type.png', 'signature.png', 'offline.png', 'fine.png'].map((name) => file(name, 10, 'image/png')));
    await settled();

    expect(byName('too-many.png')).toMatchObject({ phase: 'failed', retryable: true, message: 'Too many uploads are in progress (at most 20 at once). Try again in 3 seconds.' });
    expect(byName('type.png')).toMatchObject({ phase: 'failed', retryable: false, message: expect.stringContaining('not accepted') });
    expect(byName('signature.png')).toMatchObject({ phase: 'failed', retryable: true, message: expect.stringContaining('storage service refused') });
    expect(byName('offline.png')).toMatchObject({ phase: 'failed', retryable: true, message: 'The network connection failed. Check your connection, then retry.' });
    expect(byName('fine.png').phase).toBe('done');
  });

  it('tries a failed file again with a new upload URL', async () => {
    let failures = 1;
    const { queue, calls, settled, byName } = setUp({
      onPut: () => {
        if (failures-- > 0) throw new NetworkError(false);
      },
      statuses: { 'photo.png': [done] },
    });
    queue.add([file('photo.png', 10, 'image/png')]);
    await settled();
    expect(byName('photo.png').phase).toBe('failed');

    queue.retry(byName('photo.png').key);
    await settled();

    expect(byName('photo.png')).toMatchObject({ phase: 'done', sentBytes: 10 });
    expect(byName('photo.png').message).toBeUndefined();
    expect(calls.filter((call) => call.startsWith('POST'))).toHaveLength(2);
  });

  it('uploads at most three files at once', async () => {
    let inFlight = 0;
    let most = 0;
    const { queue, settled } = setUp({
      onPut: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
      },
      statuses: Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`f${i}.png`, [done]])),
    });

    queue.add(Array.from({ length: 7 }, (_, i) => file(`f${i}.png`, 10, 'image/png')));
    await settled();

    expect(most).toBe(3);
    expect(queue.list().every((item) => item.phase === 'done')).toBe(true);
  });

  it('keeps following through a passing network error, and says when processing takes long', async () => {
    const { queue, settled, byName } = setUp({
      statuses: { 'slow.png': [new NetworkError(false), pending], 'flaky.png': [new NetworkError(false), done] },
    });

    queue.add([file('slow.png', 10, 'image/png'), file('flaky.png', 10, 'image/png')]);
    await settled();

    expect(byName('flaky.png').phase).toBe('done');
    expect(byName('slow.png')).toMatchObject({ phase: 'processing', message: 'Still processing. It will appear in your gallery when it is ready.' });
  });

  it('says an image deleted while processing is gone, and stops following an image it cannot read', async () => {
    const { queue, settled, byName } = setUp({
      statuses: { 'deleted.png': [pending, new ApiError(404, 'NOT_FOUND', 'No such image.')], 'broken.png': [new ApiError(404, undefined, 'Not Found')] },
    });

    queue.add([file('deleted.png', 10, 'image/png'), file('broken.png', 10, 'image/png')]);
    await settled();

    expect(byName('deleted.png')).toMatchObject({ phase: 'failed', retryable: false, message: 'This image was deleted.' });
    expect(byName('broken.png')).toMatchObject({ phase: 'failed', retryable: false, message: expect.stringContaining('could not be read') });
  });

  it('ends the session when the API refuses the token, and sends nothing more', async () => {
    const { queue, calls, ended, settled, byName } = setUp({
      onCreate: () => {
        throw new UnauthorizedError();
      },
    });

    queue.add(['a.png', 'b.png', 'c.png', 'd.png'].map((name) => file(name, 10, 'image/png')));
    await settled();

    expect(ended).toHaveLength(1);
    expect(ended[0]!.reason).toBe('expired');
    expect(byName('a.png')).toMatchObject({ phase: 'failed', message: 'Your session expired before this file was sent.' });
    // The fourth was still waiting for a slot: never sent.
    expect(calls.filter((call) => call.includes('d.png'))).toEqual([]);
  });
});
