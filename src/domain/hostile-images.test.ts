import sharp from 'sharp';
import { HOSTILE_CASES } from '../test-support/hostile-images';
import { renderSettings } from '../test-support/render-settings';
import { ImageRejectedError } from './errors';
import { formatFromExtension } from './image-format';
import { renderImage } from './image-pipeline';

const outputs = [
  { key: 'thumb.jpg', maxWidthPx: 256, maxHeightPx: 256, format: 'jpeg' as const },
  { key: '1024.webp', maxWidthPx: 1024, format: 'webp' as const },
];

describe('hostile and odd uploads through the pipeline', () => {
  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, hostile) => {
    // Arrange
    const bytes = await hostile.bytes();

    // Act
    const outcome = await renderImage(bytes, {
      ...renderSettings(),
      expectedFormat: formatFromExtension(hostile.extension)!,
      outputs,
    }).then(
      (result) => ({ status: 'DONE' as const, result }),
      (error: unknown) => {
        if (error instanceof ImageRejectedError) return { status: 'REJECTED' as const, reason: error.reason };
        throw error;
      },
    );

    // Assert
    expect(outcome.status === 'REJECTED' ? { status: 'REJECTED', reason: outcome.reason } : { status: 'DONE' }).toEqual(hostile.expected);
    if (outcome.status === 'DONE') {
      for (const output of outcome.result.outputs) {
        const metadata = await sharp(output.body).metadata();
        expect(metadata.exif ?? metadata.xmp ?? metadata.icc ?? metadata.comments).toBeUndefined();
        expect(metadata.width).toBeLessThanOrEqual(1024);
        expect(output.body.includes(Buffer.from('<script>'))).toBe(false);
        expect(output.body.includes(Buffer.from('PK\u0003\u0004'))).toBe(false);
      }
    }
  }, 30_000); // generating the 3000-frame GIF alone takes seconds on a busy machine
});
