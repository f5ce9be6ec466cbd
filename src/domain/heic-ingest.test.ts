import sharp from 'sharp';
import { heicFrom, iphoneStyleHeic } from '../test-support/heic';
import * as images from '../test-support/images';
import { renderSettings } from '../test-support/render-settings';
import { ImageRejectedError } from './errors';
import { type OutputSpec, renderImage } from './image-pipeline';

// HEIC files are made here, at test time, with libheif's heif-enc (Debian's libheif-examples,
// installed by scripts/setup.sh) and decoded with the WebAssembly libheif the processor ships.
const outputs: OutputSpec[] = [
  { key: 'thumb.jpg', maxWidthPx: 256, maxHeightPx: 256, format: 'jpeg' },
  { key: '1024.webp', maxWidthPx: 1024, format: 'webp' },
];
const render = (input: Buffer, settings = renderSettings()) => renderImage(input, { ...settings, expectedFormat: 'heic', outputs });

describe('HEIC ingest', () => {
  it('renders an iPhone-style HEIC upright once (irot applied, the EXIF orientation not applied again) and strips EXIF and GPS', async () => {
    // Arrange: stored 40×20 red|blue, irot 90° clockwise, EXIF orientation 6, Apple make, GPS.
    const heic = await iphoneStyleHeic();
    expect(heic.includes(Buffer.from('iPhone 15 Pro'))).toBe(true);

    // Act
    const { source, outputs: rendered } = await render(heic);

    // Assert: displayed 20×40, red on top, blue below, nothing of the EXIF left.
    expect(source).toMatchObject({ format: 'heic', width: 20, height: 40 });
    for (const output of rendered) {
      const metadata = await sharp(output.body).metadata();
      expect([metadata.width, metadata.height]).toEqual([20, 40]);
      expect(metadata.exif ?? metadata.xmp ?? metadata.icc).toBeUndefined();
      expect(metadata.space).toBe('srgb');
      expect(output.body.includes(Buffer.from('iPhone'))).toBe(false);
      expect(output.body.includes(Buffer.from('Apple'))).toBe(false);
      const [topR, , topB] = await images.pixelAt(output.body, 10, 5);
      const [bottomR, , bottomB] = await images.pixelAt(output.body, 10, 35);
      expect(topR).toBeGreaterThan(200);
      expect(topB).toBeLessThan(60);
      expect(bottomB).toBeGreaterThan(200);
      expect(bottomR).toBeLessThan(60);
    }
  });

  it('applies an irot box without any EXIF orientation too', async () => {
    const { outputs: rendered } = await render(await iphoneStyleHeic({ exifOrientation: 1 }));

    expect(rendered.map((output) => [output.width, output.height])).toEqual([[20, 40], [20, 40]]);
  });

  it('converts a Display P3 HEIC to sRGB through its ICC profile', async () => {
    // A P3-tagged JPEG of sRGB (0, 200, 0), encoded to HEIC: heif-enc carries the ICC profile over.
    const p3 = await images.solid(64, 64, { r: 0, g: 200, b: 0 }).withIccProfile('p3').jpeg({ quality: 98 }).toBuffer();
    const heic = await heicFrom(p3, { quality: 95 });
    const storedValues = await images.pixelAt(await sharp(p3, { ignoreIcc: true }).png().toBuffer(), 30, 30);

    const { outputs: rendered } = await render(heic);

    const [r, g, b] = await images.pixelAt(rendered[1]!.body, 30, 30);
    expect(Math.abs(r - 0) + Math.abs(g - 200) + Math.abs(b - 0)).toBeLessThan(24);
    expect(Math.abs(storedValues[0] - r)).toBeGreaterThan(30); // read as sRGB, the P3 values would be wrong
  });

  it('checks the pixel limit from the header, before decoding', async () => {
    const heic = await heicFrom(images.solid(300, 200));

    await expect(render(heic, renderSettings({ limits: { maxInputPixels: 10_000 } }))).rejects.toMatchObject({
      reason: 'PIXEL_LIMIT_EXCEEDED',
      message: 'The image is 300×200 pixels; the limit is 10000 pixels.',
    });
  });

  it('counts its decode against the memory budget', async () => {
    const heic = await heicFrom(images.solid(1200, 1000));

    await expect(render(heic, renderSettings({ budgetBytes: 64 * 1024 * 1024 }))).rejects.toMatchObject({ reason: 'DECODE_MEMORY_EXCEEDED' });
  });

  it('rejects a truncated HEIC as CORRUPT_IMAGE', async () => {
    const heic = await heicFrom(images.solid(64, 48));

    const failure = await render(heic.subarray(0, heic.length - 100)).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ImageRejectedError);
    expect(failure).toMatchObject({ reason: 'CORRUPT_IMAGE' });
  });

  it('takes a HEIC uploaded as image/heif', async () => {
    const heic = await heicFrom(images.solid(64, 48));

    const { source } = await renderImage(heic, { ...renderSettings(), expectedFormat: 'heif', outputs });

    expect(source).toMatchObject({ format: 'heic', width: 64, height: 48 });
  });
});
