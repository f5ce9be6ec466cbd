import * as images from '../test-support/images';
import { DEFAULT_CONTENT_TYPES, HEIC_CONTENT_TYPES } from '../contract';
import { contentTypeOf, DEFAULT_FORMATS, IMAGE_FORMATS, matchesDeclared, sniffFormat } from './image-format';

describe('content types', () => {
  it('agree with the contract: the six by default, HEIC and HEIF opt-in', () => {
    expect(DEFAULT_FORMATS.map(contentTypeOf)).toEqual([...DEFAULT_CONTENT_TYPES]);
    expect(IMAGE_FORMATS.filter((format) => !(DEFAULT_FORMATS as readonly string[]).includes(format)).map(contentTypeOf)).toEqual([...HEIC_CONTENT_TYPES]);
  });
});

describe('sniffFormat', () => {
  it.each([
    ['heic', '\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic'],
    ['heic', '\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heix'],
    ['heif', '\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf'],
    ['avif', '\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf'],
  ] as const)('recognises %s from the brands of an ISO-BMFF ftyp box', (format, header) => {
    expect(sniffFormat(Buffer.from(header, 'latin1'))).toBe(format);
  });

  it('takes HEIC uploaded as HEIF and the other way round, and nothing else across formats', () => {
    expect(matchesDeclared('heic', 'heif')).toBe(true);
    expect(matchesDeclared('heif', 'heic')).toBe(true);
    expect(matchesDeclared('avif', 'heic')).toBe(false);
    expect(matchesDeclared('png', 'jpeg')).toBe(false);
  });

  it.each([
    ['jpeg', images.jpeg],
    ['png', images.png],
    ['webp', images.webp],
    ['gif', images.gif],
    ['avif', images.avif],
    ['tiff', images.tiff],
  ] as const)('recognises a real %s file from its bytes', async (format, make) => {
    // Arrange
    const bytes = await make();

    // Act
    const sniffed = sniffFormat(bytes);

    // Assert
    expect(sniffed).toBe(format);
  });

  it.each([
    ['SVG', images.svg()],
    ['HTML', images.html()],
    ['PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n')],
    ['ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])],
    ['zero bytes', Buffer.alloc(0)],
    ['a RIFF file that is not WebP', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')],
    ['an MP4 video', Buffer.from('\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2', 'latin1')],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffFormat(bytes)).toBeUndefined();
  });
});
