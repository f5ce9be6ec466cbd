import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * Small images generated on the fly, one per case the processor must handle. Each is a real file
 * produced by libvips (or, for malformed ones, hand-built bytes), never a mock.
 */

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

export const solid = (width: number, height: number, colour: sharp.Color = RED) =>
  sharp({ create: { width, height, channels: 3, background: colour } });

export const jpeg = (width = 64, height = 48) => solid(width, height).jpeg().toBuffer();
export const png = (width = 64, height = 48) => solid(width, height).png().toBuffer();
export const webp = (width = 64, height = 48) => solid(width, height).webp().toBuffer();
export const gif = (width = 64, height = 48) => solid(width, height).gif().toBuffer();
export const avif = (width = 64, height = 48) => solid(width, height).avif().toBuffer();
export const tiff = (width = 64, height = 48) => solid(width, height).tiff().toBuffer();

/**
 * Stored as 40×20 (left half red, right half blue) with EXIF orientation 6, so it is *displayed*
 * as 20×40 with red on top and blue below.
 */
export async function orientation6Jpeg(): Promise<Buffer> {
  const left = await solid(20, 20, RED).png().toBuffer();
  const right = await solid(20, 20, BLUE).png().toBuffer();
  return sharp({ create: { width: 40, height: 20, channels: 3, background: RED } })
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: 20, top: 0 },
    ])
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** Fully transparent left half, opaque green right half. */
export async function pngWithAlpha(): Promise<Buffer> {
  const green = await sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 1 } } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 32, height: 16, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: green, left: 16, top: 0 }])
    .png()
    .toBuffer();
}

/** Frames red, green, blue, ...: the first frame is red. */
export async function animatedGif(frames = 3, width = 24, height = 16): Promise<Buffer> {
  const colours = [RED, { r: 0, g: 255, b: 0 }, BLUE];
  const images = await Promise.all(
    Array.from({ length: frames }, (_, i) => solid(width, height, colours[i % colours.length]).png().toBuffer()),
  );
  return sharp(images, { join: { animated: true } }).gif({ delay: images.map(() => 100) }).toBuffer();
}

export const cmykJpeg = () => solid(32, 32, { r: 200, g: 30, b: 30 }).toColourspace('cmyk').jpeg().toBuffer();

export const png16Bit = () =>
  sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 10, g: 200, b: 90 } } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();

/** A JPEG that carries GPS coordinates and a camera make in its EXIF. */
export const jpegWithGps = () =>
  solid(64, 48)
    .jpeg()
    .withExif({
      IFD0: { Make: 'Imgproc Test Camera', Model: 'GPS-1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .toBuffer();

/** Noise compresses badly, so half the file is half the image: a real truncated download. */
export async function truncatedJpeg(): Promise<Buffer> {
  const width = 200;
  const height = 150;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 7919) % 251;
  const full = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg().toBuffer();
  return full.subarray(0, Math.floor(full.length / 2));
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/**
 * A valid PNG header declaring `width` × `height` pixels, with a tiny compressed body: a pixel
 * bomb in a few hundred bytes. Decoding it would need width × height × 3 bytes of memory.
 */
export function pixelBombPng(width = 100_000, height = 100_000): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const firstRows = deflateSync(Buffer.alloc(1 + width * 3 * 2));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', firstRows),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export const svg = () =>
  Buffer.from(
    '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">' +
      '<script>alert(1)</script><rect width="64" height="64" fill="red"/></svg>',
  );

export const html = () => Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');

/** The colour of one pixel of an encoded image, as [r, g, b]. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
}
