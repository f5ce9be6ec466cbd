import * as images from '../test-support/images';
import { sniffFormat } from './image-format';

describe('sniffFormat', () => {
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
    ['HEIC', Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1')],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffFormat(bytes)).toBeUndefined();
  });
});
