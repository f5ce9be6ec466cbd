import sharp from 'sharp';
import * as images from '../test-support/images';
import { renderSettings } from '../test-support/render-settings';
import { ImageRejectedError, MisconfigurationError, type RejectionReason } from './errors';
import type { ImageFormat } from './image-format';
import { decodeFailure, type OutputSpec, renderImage } from './image-pipeline';
import { DecodeMemoryGate } from './memory-gate';

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

  it('keeps untrusted libvips loaders blocked in this process once it has rendered an image, whatever the input claims', async () => {
    await render(await images.png(), 'png');

    await expect(sharp(images.svg()).png().toBuffer()).rejects.toThrow(/unsupported image format/);
  });

  describe('output limits never reject a valid image', () => {
    const tall = (width: number, height: number, format: 'png' | 'jpeg') => images.solid(width, height).toFormat(format).toBuffer();

    it.each([
      ['a 1×20000 PNG', 1, 20_000, 'png', [1, 256], [1, 8192]],
      ['a 600×17000 JPEG', 600, 17_000, 'jpeg', [9, 256], [289, 8192]],
      ['a 1170×20000 phone screenshot', 1170, 20_000, 'png', [15, 256], [479, 8192]],
    ] as const)('%s gets every rendition, aspect kept, within the longest edge', async (_name, width, height, format, thumb, webp) => {
      const { outputs: rendered } = await render(await tall(width, height, format), format);

      expect(rendered.map((output) => [output.width, output.height])).toEqual([thumb, webp]);
      for (const output of rendered) {
        const metadata = await sharp(output.body).metadata();
        expect([metadata.width, metadata.height]).toEqual([output.width, output.height]);
      }
    });

    it("keeps a WebP within WebP's 16383 px even when the configured longest edge allows more", async () => {
      const { outputs: rendered } = await renderImage(await tall(600, 20_000, 'png'), {
        ...renderSettings({ encoding: { maxOutputEdgePx: 65_535 } }),
        expectedFormat: 'png',
        outputs: [{ key: 'tall.webp', maxWidthPx: 1024, format: 'webp' }, { key: 'tall.png', maxWidthPx: 1024, format: 'png' }],
      });

      expect(rendered.map((output) => [output.width, output.height])).toEqual([[491, 16_383], [600, 20_000]]);
    });
  });

  it('encodes AVIF at the configured effort', async () => {
    const photo = await sharp(Buffer.from(Array.from({ length: 96 * 64 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 96, height: 64, channels: 3 } }).png().toBuffer();
    const avifAt = async (avifEffort: number) =>
      (await renderImage(photo, { ...renderSettings({ encoding: { avifEffort } }), expectedFormat: 'png', outputs: [{ key: 'a.avif', maxWidthPx: 96, format: 'avif' }] })).outputs[0]!.body;

    const fastest = await avifAt(0);
    const smallest = await avifAt(9);

    expect((await sharp(fastest).metadata()).compression).toBe('av1');
    expect(fastest.equals(smallest)).toBe(false);
  });

  describe('the decode memory budget', () => {
    it('rejects, before decoding, an image whose decode would not fit the whole budget', async () => {
      // A few hundred bytes of AVIF declaring 2000×2000: libheif would decode the whole frame.
      const avif = await images.solid(2000, 2000).avif({ effort: 0 }).toBuffer();

      const attempt = renderImage(avif, { ...renderSettings({ budgetBytes: 64 * 1024 * 1024 }), expectedFormat: 'avif', outputs });

      await expect(attempt).rejects.toMatchObject({ reason: 'DECODE_MEMORY_EXCEEDED', message: expect.stringMatching(/^Decoding this 2000×2000 avif would take about \d+ MiB; the budget is 64 MiB\.$/) });
    });

    it('runs two images that do not fit together one after the other, and both succeed', async () => {
      const memory = new DecodeMemoryGate(150 * 1024 * 1024);
      const avif = await images.solid(1500, 1500).avif({ effort: 0 }).toBuffer(); // estimated at about 100 MiB each
      const both = [avif, avif].map((input) => renderImage(input, { ...renderSettings(), memory, expectedFormat: 'avif', outputs }));

      const results = await Promise.all(both);

      expect(results.map((result) => result.outputs.length)).toEqual([2, 2]);
      expect(memory.peakBytes).toBeLessThanOrEqual(150 * 1024 * 1024);
      expect(memory.peakBytes).toBeGreaterThan(75 * 1024 * 1024);
    });
  });

  describe('failures', () => {
    it.each([
      ['libjpeg', 'VipsJpeg: Insufficient memory (case 4)'],
      ['libvips', 'vips_tracked: out of memory -- size == 373MB'],
      ['libheif behind seek noise', 'source: bad seek to 1523\nsource: bad seek to 1503\nheif: Invalid input: Unspecified: Memory allocation error (2.0)'],
      ['glib', 'failed to allocate 200000000 bytes'],
      ['WebAssembly', 'Aborted(Cannot enlarge memory arrays to size 2147549184 bytes (OOM).)'],
    ])('a %s resource failure is retryable, never a rejection', (_source, message) => {
      const failure = decodeFailure(new Error(message));

      expect(failure).toMatchObject({ name: 'ResourceExhaustedError', code: 'RESOURCE_EXHAUSTED', retryable: true });
    });

    it('a corrupt AVIF is CORRUPT_IMAGE with libheif\'s reason, not the seek noise before it', () => {
      const failure = decodeFailure(new Error('source: bad seek to 7885\nsource: bad seek to 7855\nheif: Invalid input: Unspecified: Corrupt frame detected (2.0)'));

      expect(failure).toMatchObject({ reason: 'CORRUPT_IMAGE', message: 'The image could not be decoded: heif: Invalid input: Unspecified: Corrupt frame detected (2.0)' });
    });

    it('a deployment fault (the HEIC decoder missing) propagates as it is, never a rejection', () => {
      const fault = new MisconfigurationError('HEIC is accepted but its decoder (libheif-js) cannot be loaded');

      expect(decodeFailure(fault)).toBe(fault);
    });

    it('a fault in our own code propagates as it is', () => {
      const bug = new TypeError('x is not a function');

      expect(decodeFailure(bug)).toBe(bug);
    });
  });
});
