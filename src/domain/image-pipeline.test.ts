import sharp from 'sharp';
import * as images from '../test-support/images';
import { renderSettings } from '../test-support/render-settings';
import { ImageRejectedError, type RejectionReason } from './errors';
import type { ImageFormat } from './image-format';
import { type OutputSpec, renderImage } from './image-pipeline';

const limits = { maxInputPixels: 50_000_000, maxFrames: 100 };
const outputs: OutputSpec[] = [
  { key: 'thumb.jpg', maxWidthPx: 256, maxHeightPx: 256, format: 'jpeg' },
  { key: '1024.webp', maxWidthPx: 1024, format: 'webp' },
];

const render = (input: Buffer, expectedFormat: ImageFormat, specs = outputs, withLimits = limits) =>
  renderImage(input, { ...renderSettings(), expectedFormat, outputs: specs, limits: withLimits });

async function rejection(input: Buffer, expectedFormat: ImageFormat, withLimits = limits): Promise<RejectionReason> {
  try {
    await render(input, expectedFormat, outputs, withLimits);
  } catch (error) {
    if (error instanceof ImageRejectedError) return error.reason;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('renderImage', () => {
  it('renders the thumbnail inside 256×256 and the 1024 px wide WebP from one source', async () => {
    const { source, outputs: rendered } = await render(await images.jpeg(2000, 1000), 'jpeg');

    expect(source).toEqual({ format: 'jpeg', width: 2000, height: 1000, frames: 1, bytes: expect.any(Number) });
    expect(rendered.map(({ key, width, height, format }) => ({ key, width, height, format }))).toEqual([
      { key: 'thumb.jpg', width: 256, height: 128, format: 'jpeg' },
      { key: '1024.webp', width: 1024, height: 512, format: 'webp' },
    ]);
    expect((await sharp(rendered[0]!.body).metadata()).format).toBe('jpeg');
    expect((await sharp(rendered[1]!.body).metadata()).format).toBe('webp');
    expect(rendered[0]!.bytes).toBe(rendered[0]!.body.length);
  });

  it('never enlarges a small image', async () => {
    const { outputs: rendered } = await render(await images.png(100, 50), 'png');

    expect(rendered.map(({ width, height }) => [width, height])).toEqual([
      [100, 50],
      [100, 50],
    ]);
  });

  it.each([
    ['png', images.png],
    ['webp', images.webp],
    ['gif', images.gif],
    ['avif', images.avif],
    ['tiff', images.tiff],
  ] as const)('accepts %s input', async (format, make) => {
    const { source } = await render(await make(), format);
    expect(source.format).toBe(format);
  });

  it('applies EXIF orientation 6 and removes the orientation tag', async () => {
    const { source, outputs: rendered } = await render(await images.orientation6Jpeg(), 'jpeg');

    expect([source.width, source.height]).toEqual([20, 40]);
    for (const output of rendered) {
      const metadata = await sharp(output.body).metadata();
      expect([metadata.width, metadata.height]).toEqual([20, 40]);
      expect(metadata.orientation).toBeUndefined();
      const [topR, , topB] = await images.pixelAt(output.body, 10, 5);
      const [bottomR, , bottomB] = await images.pixelAt(output.body, 10, 35);
      expect(topR).toBeGreaterThan(200);
      expect(topB).toBeLessThan(60);
      expect(bottomB).toBeGreaterThan(200);
      expect(bottomR).toBeLessThan(60);
    }
  });

  it('strips GPS and all other EXIF from every output', async () => {
    const input = await images.jpegWithGps();
    expect((await sharp(input).metadata()).exif).toBeDefined();

    const { outputs: rendered } = await render(input, 'jpeg');

    for (const output of rendered) {
      const metadata = await sharp(output.body).metadata();
      expect(metadata.exif).toBeUndefined();
      expect(metadata.xmp).toBeUndefined();
      expect(metadata.icc).toBeUndefined();
      expect(output.body.includes(Buffer.from('Imgproc Test Camera'))).toBe(false);
    }
  });

  it('flattens transparency onto white for JPEG and keeps it for WebP', async () => {
    const { outputs: rendered } = await render(await images.pngWithAlpha(), 'png');
    const [thumbnail, webp] = rendered;

    expect(await images.pixelAt(thumbnail!.body, 2, 8)).toEqual([255, 255, 255]);
    expect((await sharp(webp!.body).metadata()).hasAlpha).toBe(true);
  });

  it('renders the first frame of an animation', async () => {
    const { source, outputs: rendered } = await render(await images.animatedGif(3, 24, 16), 'gif');

    expect(source).toMatchObject({ frames: 3, width: 24, height: 16 });
    for (const output of rendered) {
      expect([output.width, output.height]).toEqual([24, 16]);
      const [r, g, b] = await images.pixelAt(output.body, 12, 8);
      expect(r).toBeGreaterThan(200);
      expect(g).toBeLessThan(60);
      expect(b).toBeLessThan(60);
      expect((await sharp(output.body).metadata()).pages ?? 1).toBe(1);
    }
  });

  it('converts CMYK to sRGB', async () => {
    const input = await images.cmykJpeg();
    expect((await sharp(input).metadata()).space).toBe('cmyk');

    const { outputs: rendered } = await render(input, 'jpeg');

    for (const output of rendered) {
      const metadata = await sharp(output.body).metadata();
      expect(metadata.space).toBe('srgb');
      expect(metadata.channels).toBe(3);
    }
  });

  it('turns 16-bit PNG into 8-bit sRGB output', async () => {
    const input = await images.png16Bit();
    expect((await sharp(input).metadata()).depth).toBe('ushort');

    const { outputs: rendered } = await render(input, 'png', [...outputs, { key: 'x.png', maxWidthPx: 32, format: 'png' }]);

    for (const output of rendered) {
      const metadata = await sharp(output.body).metadata();
      expect(metadata.depth).toBe('uchar');
      expect(metadata.space).toBe('srgb');
    }
    const [r, g, b] = await images.pixelAt(rendered[0]!.body, 5, 5);
    expect(Math.abs(r - 10) + Math.abs(g - 200) + Math.abs(b - 90)).toBeLessThan(20);
  });

  it('can produce AVIF and PNG renditions too', async () => {
    const { outputs: rendered } = await render(await images.jpeg(300, 200), 'jpeg', [
      { key: 'a.avif', maxWidthPx: 100, format: 'avif' },
      { key: 'a.png', maxWidthPx: 150, format: 'png' },
    ]);

    expect((await sharp(rendered[0]!.body).metadata()).compression).toBe('av1');
    expect((await sharp(rendered[1]!.body).metadata()).format).toBe('png');
    expect(rendered.map((r) => r.width)).toEqual([100, 150]);
  });

  describe('refuses', () => {
    it('zero bytes as EMPTY_FILE', async () => {
      expect(await rejection(Buffer.alloc(0), 'jpeg')).toBe('EMPTY_FILE');
    });

    it('SVG (with a script) as NOT_AN_IMAGE', async () => {
      expect(await rejection(images.svg(), 'png')).toBe('NOT_AN_IMAGE');
    });

    it('HTML named .jpg as NOT_AN_IMAGE', async () => {
      expect(await rejection(images.html(), 'jpeg')).toBe('NOT_AN_IMAGE');
    });

    it('a PNG uploaded as JPEG as CONTENT_TYPE_MISMATCH', async () => {
      expect(await rejection(await images.png(), 'jpeg')).toBe('CONTENT_TYPE_MISMATCH');
    });

    it('a truncated JPEG as CORRUPT_IMAGE', async () => {
      expect(await rejection(await images.truncatedJpeg(), 'jpeg')).toBe('CORRUPT_IMAGE');
    });

    it('a pixel bomb (10 gigapixels declared in a few hundred bytes) from its header', async () => {
      const bomb = images.pixelBombPng(100_000, 100_000);
      expect(bomb.length).toBeLessThan(2000);

      await expect(render(bomb, 'png')).rejects.toMatchObject({
        reason: 'PIXEL_LIMIT_EXCEEDED',
        message: 'The image is 100000×100000 pixels; the limit is 50000000 pixels.',
      });
    });

    it('an image one pixel over the configured limit', async () => {
      expect(await rejection(await images.png(101, 100), 'png', { ...limits, maxInputPixels: 10_099 })).toBe(
        'PIXEL_LIMIT_EXCEEDED',
      );
    });

    it('an animation with more frames than the limit as TOO_MANY_FRAMES', async () => {
      expect(await rejection(await images.animatedGif(5), 'gif', { ...limits, maxFrames: 4 })).toBe('TOO_MANY_FRAMES');
    });

    it('PNG magic followed by garbage as CORRUPT_IMAGE', async () => {
      const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), images.html()]);
      expect(await rejection(fake, 'png')).toBe('CORRUPT_IMAGE');
    });
  });

  it('keeps untrusted libvips loaders blocked in this process, whatever the input claims', async () => {
    await expect(sharp(images.svg()).png().toBuffer()).rejects.toThrow(/unsupported image format/);
  });
});
