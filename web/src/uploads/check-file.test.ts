import { checkFile, typeList, type UploadLimits } from './check-file';

const limits: UploadLimits = { maxUploadBytes: 5 * 1024 * 1024, allowedContentTypes: ['image/jpeg', 'image/png', 'image/webp'], maxInputPixels: 50_000_000 };

describe('checks before any request', () => {
  it('passes an image of an allowed type within the size limit, with its type in lower case', () => {
    expect(checkFile({ name: 'a.PNG', size: 5 * 1024 * 1024, type: 'IMAGE/PNG' }, limits)).toEqual({ ok: true, contentType: 'image/png' });
  });

  it('stops a file over the size limit, saying both sizes', () => {
    expect(checkFile({ name: 'big.jpg', size: 5 * 1024 * 1024 + 1, type: 'image/jpeg' }, limits)).toEqual({
      ok: false,
      problem: 'This file is 5,242,881 bytes; files up to 5,242,880 bytes (5 MB) are accepted.',
    });
    expect(checkFile({ name: 'big.jpg', size: 7_500_000, type: 'image/jpeg' }, limits)).toEqual({
      ok: false,
      problem: 'This file is 7.2 MB; files up to 5 MB are accepted.',
    });
  });

  it('stops a refused type, and a file whose type the browser does not know', () => {
    const problem = 'This type of file is not accepted. Choose JPEG, PNG or WebP images.';
    expect(checkFile({ name: 'a.svg', size: 10, type: 'image/svg+xml' }, limits)).toEqual({ ok: false, problem });
    expect(checkFile({ name: 'notes.txt', size: 10, type: 'text/plain' }, limits)).toEqual({ ok: false, problem });
    expect(checkFile({ name: 'photo', size: 10, type: '' }, limits)).toEqual({ ok: false, problem });
  });

  it('stops an empty file', () => {
    expect(checkFile({ name: 'empty.png', size: 0, type: 'image/png' }, limits)).toEqual({ ok: false, problem: 'This file is empty.' });
  });

  it('names types as people know them', () => {
    expect(typeList(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'])).toBe('JPEG, PNG, WebP, GIF, AVIF or TIFF');
    expect(typeList(['image/png'])).toBe('PNG');
  });
});
