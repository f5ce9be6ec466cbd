import type { RejectionReason } from './errors';
import { notificationFor, subject, unknownObjectNotification } from './image-notification';
import type { ImageRecord } from './image-record';

const IMAGE = '9b2e7c1a-4d3f-4a8b-b6c5-0e1f2a3b4c5d';
const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const KEY = `user-uploads/${USER}/${IMAGE}.png`;

const base = { imageId: IMAGE, userId: USER, originalS3Key: KEY, originalFileName: 'holiday.png', createdAt: '2026-11-23T12:00:00.000Z' };

const done: ImageRecord = {
  ...base,
  status: 'DONE',
  processedS3Key: `processed/${IMAGE}.jpg`,
  renditions: [
    { key: `processed/${IMAGE}.jpg`, width: 256, height: 192, format: 'jpeg', bytes: 9123 },
    { key: `processed/${IMAGE}/1024.webp`, width: 1024, height: 768, format: 'webp', bytes: 40960 },
  ],
  width: 2048,
  height: 1536,
  format: 'png',
  bytes: 1234567,
  processedAt: '2026-11-23T12:00:05.123Z',
};

const rejected = (reason: RejectionReason, message = 'The file is not a JPEG, PNG, WebP, GIF, AVIF or TIFF image.'): ImageRecord => ({
  ...base,
  status: 'REJECTED',
  rejectionReason: reason,
  rejectionMessage: message,
  processedAt: '2026-11-23T12:00:05.000Z',
});

const failed: ImageRecord = {
  ...base,
  status: 'FAILED',
  failureMessage: 'Processing kept failing and the message was moved to the dead-letter queue (delivered 5 times in all).',
  processedAt: '2026-11-23T12:30:00.000Z',
};

/** What a person sees: printable text and line breaks, never a JSON document. */
function expectReadable(text: string): void {
  expect(text).not.toMatch(/[{}[\]]/);
  expect(() => JSON.parse(text)).toThrow();
  // Line feeds only: no other control character.
  expect([...text].filter((character) => character !== '\n' && /\p{Cc}/u.test(character))).toEqual([]);
  expect(text.endsWith('\n')).toBe(true);
}

describe('notification subjects', () => {
  it('stay printable ASCII under the 100 characters SNS allows', () => {
    const long = subject(`Image processed: ${'é'.repeat(60)}${'x'.repeat(200)}`);

    expect(long.length).toBe(99);
    expect(long).toMatch(/^[\x20-\x7e]+$/);
    expect(long.endsWith('...')).toBe(true);
  });

  it('keep a short subject as it is', () => {
    expect(subject('Image processed: cat.png')).toBe('Image processed: cat.png');
  });

  it('name the file in a DONE subject, with the longest file name the upload API accepts', () => {
    const notification = notificationFor({ ...done, originalFileName: 'a'.repeat(255) });

    expect(notification?.subject.length).toBeLessThan(100);
  });

  it.each([
    ['DONE', done, 'Image processed: holiday.png'],
    ['REJECTED', rejected('NOT_AN_IMAGE'), 'Image rejected (NOT_AN_IMAGE): holiday.png'],
    ['FAILED', failed, 'Image processing failed: holiday.png'],
  ])('say the outcome and the file of a %s image', (_status, record, expected) => {
    expect(notificationFor(record)?.subject).toBe(expected);
  });
});

describe('notification e-mails', () => {
  it('tell which image was processed, when, and what came out of it', () => {
    const text = notificationFor(done)!.emailText;

    expect(text).toBe(
      [
        'The image "holiday.png" was processed.',
        '',
        'Image:       holiday.png',
        `Image id:    ${IMAGE}`,
        'Outcome:     processed (DONE)',
        'When:        2026-11-23 12:00:05 UTC',
        'Original:    2048 × 1536 px PNG, 1,234,567 bytes',
        `Renditions:  processed/${IMAGE}.jpg (256 × 192 px JPEG, 9,123 bytes)`,
        `             processed/${IMAGE}/1024.webp (1024 × 768 px WebP, 40,960 bytes)`,
        `Uploaded as: ${KEY}`,
        '',
      ].join('\n'),
    );
    expectReadable(text);
  });

  it('say in words why an image was rejected, what to do, and when', () => {
    const text = notificationFor(rejected('NOT_AN_IMAGE'))!.emailText;

    expect(text).toBe(
      [
        'The image "holiday.png" was rejected because the file is not an image: its contents are not JPEG, PNG, WebP, GIF, AVIF or TIFF, whatever its name says.',
        '',
        'Details: The file is not a JPEG, PNG, WebP, GIF, AVIF or TIFF image.',
        '',
        'What to do: Upload the picture itself, not a document or a web page saved under a picture name.',
        '',
        'Image:       holiday.png',
        `Image id:    ${IMAGE}`,
        'Outcome:     rejected (NOT_AN_IMAGE)',
        'When:        2026-11-23 12:00:05 UTC',
        `Uploaded as: ${KEY}`,
        '',
      ].join('\n'),
    );
    expectReadable(text);
  });

  it.each<RejectionReason>([
    'INVALID_KEY',
    'ORIGINAL_NOT_FOUND',
    'EMPTY_FILE',
    'TOO_LARGE',
    'NOT_AN_IMAGE',
    'UNSUPPORTED_FORMAT',
    'CONTENT_TYPE_MISMATCH',
    'CORRUPT_IMAGE',
    'PIXEL_LIMIT_EXCEEDED',
    'TOO_MANY_FRAMES',
  ])('explain the rejection reason %s in a sentence of its own', (reason) => {
    const text = notificationFor(rejected(reason, 'detail'))!.emailText;
    const headline = text.split('\n')[0]!;

    expect(headline).toMatch(/^The image "holiday\.png" was rejected because .{15,}\.$/);
    expect(headline).not.toContain(reason);
    expect(text).toMatch(/^What to do: .{10,}$/m);
    expect(text).toContain(`rejected (${reason})`);
    expectReadable(text);
  });

  it('say that a FAILED image is not the uploader’s fault, and that it can be processed again', () => {
    const text = notificationFor(failed)!.emailText;

    expect(text.split('\n')[0]).toBe('The image "holiday.png" could not be processed: every attempt failed on our side, not because of the image.');
    expect(text).toContain(`Details: ${failed.failureMessage}`);
    expect(text).toMatch(/^What happens next: The upload is kept\./m);
    expect(text).toContain('Outcome:     failed (FAILED)');
    expect(text).toContain('When:        2026-11-23 12:30:00 UTC');
    expectReadable(text);
  });

  it('name the image by its id when it was uploaded without a file name', () => {
    const { originalFileName: _name, ...unnamed } = done;

    expect(notificationFor(unnamed)!.emailText.split('\n')[0]).toBe(`The image "${IMAGE}" was processed.`);
  });

  it('keep control characters of stored text out of the mail’s layout', () => {
    const text = notificationFor({ ...rejected('CORRUPT_IMAGE', 'bad\nOutcome: DONE'), originalFileName: 'x\r\ny.png' })!.emailText;

    expect(text).toContain('"x??y.png"');
    expect(text).toContain('Details: bad?Outcome: DONE');
    expect(text).not.toMatch(/^Outcome: DONE/m);
    expectReadable(text);
  });

  it('report an object outside the upload layout, with where it is and when it was seen', () => {
    const notification = unknownObjectNotification({ bucketName: 'originals', key: 'elsewhere/evil.png' }, '2026-11-23T12:00:05.000Z');

    expect(notification).toMatchObject({
      subject: 'Upload rejected (INVALID_KEY): elsewhere/evil.png',
      status: 'REJECTED',
      originalS3Key: 'elsewhere/evil.png',
      reason: 'INVALID_KEY',
      message: 's3://originals/elsewhere/evil.png is not a key the upload function issues.',
    });
    expect(notification).not.toHaveProperty('imageId');
    expect(notification.emailText.split('\n')[0]).toMatch(/^An object was rejected because it was not uploaded through the upload API/);
    expect(notification.emailText).toContain('Object:  s3://originals/elsewhere/evil.png');
    expect(notification.emailText).toContain('When:    2026-11-23 12:00:05 UTC');
    expectReadable(notification.emailText);
  });

  it('has nothing to say about a PENDING image', () => {
    expect(notificationFor({ ...base, status: 'PENDING' })).toBeUndefined();
  });
});
