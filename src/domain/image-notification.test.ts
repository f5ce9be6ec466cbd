import { notificationFor, subject } from './image-notification';

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
    const notification = notificationFor({
      imageId: 'img-1',
      userId: 'user-1',
      originalS3Key: 'user-uploads/user-1/img-1.png',
      status: 'DONE',
      originalFileName: 'a'.repeat(255),
    });

    expect(notification?.subject.length).toBeLessThan(100);
  });
});
