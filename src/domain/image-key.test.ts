import { isSafeUserId, originalKey, parseOriginalKey, renditionKey, thumbnailKey } from './image-key';

const USER = '3f1c2a4e-8b7d-4c21-9e0f-1a2b3c4d5e6f';
const IMAGE = '9b2e7c1a-4d3f-4a8b-b6c5-0e1f2a3b4c5d';

describe('image keys', () => {
  it('puts an original in the user folder with the extension of its format', () => {
    expect(originalKey(USER, IMAGE, 'jpeg')).toBe(`user-uploads/${USER}/${IMAGE}.jpg`);
    expect(originalKey(USER, IMAGE, 'tiff')).toBe(`user-uploads/${USER}/${IMAGE}.tiff`);
  });

  it('derives the seed thumbnail and rendition keys from the image id', () => {
    expect(thumbnailKey(IMAGE)).toBe(`processed/${IMAGE}.jpg`);
    expect(renditionKey(IMAGE, 1024, 'webp')).toBe(`processed/${IMAGE}/1024.webp`);
  });

  it('reads an original key back', () => {
    expect(parseOriginalKey(`user-uploads/${USER}/${IMAGE}.png`)).toEqual({ userId: USER, imageId: IMAGE, format: 'png' });
  });

  it.each([
    `user-uploads/${USER}/${IMAGE}`,
    `user-uploads/${USER}/${IMAGE}.exe`,
    `user-uploads/${USER}/${IMAGE}.JPG`,
    `user-uploads/${USER}/not-a-uuid.jpg`,
    `user-uploads/${USER}/sub/${IMAGE}.jpg`,
    `user-uploads/../${IMAGE}.jpg`,
    `user-uploads/${USER}/../other/${IMAGE}.jpg`,
    `user-uploads/us.er/${IMAGE}.jpg`,
    `processed/${IMAGE}.jpg`,
    `${USER}/${IMAGE}.jpg`,
    '',
  ])('refuses the key %j', (key) => {
    expect(parseOriginalKey(key)).toBeUndefined();
  });

  it.each(['', '..', '../other', 'a/b', 'a.b', '%2e%2e', 'a b', 'x'.repeat(129), 'ü'])(
    'treats %j as an unsafe user id',
    (userId) => {
      expect(isSafeUserId(userId)).toBe(false);
      expect(() => originalKey(userId, IMAGE, 'png')).toThrow('unsafe user id');
    },
  );

  it('accepts Cognito subs and usernames made of letters, digits, - and _', () => {
    expect(isSafeUserId(USER)).toBe(true);
    expect(isSafeUserId('demo_user-1')).toBe(true);
  });
});
