import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { RejectionReason } from '../domain/errors';
import * as images from './images';
import { pngChunk } from './images';

/**
 * Hostile and odd uploads, each with the outcome the processor must reach. Every file is produced
 * here: by libvips, or byte by byte for the malformed ones.
 */
export interface HostileCase {
  readonly name: string;
  /** The extension (and so the declared type) it is uploaded under. */
  readonly extension: 'jpg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';
  readonly bytes: () => Promise<Buffer>;
  readonly expected: { readonly status: 'REJECTED'; readonly reason: RejectionReason } | { readonly status: 'DONE' };
}

const truncated = (make: () => Promise<Buffer>) => async () => {
  const full = await make();
  return full.subarray(0, Math.floor(full.length / 2));
};

/** Noise does not compress, so truncating the file really cuts the image data. */
async function noise(format: 'jpeg' | 'png' | 'webp' | 'gif', width = 200, height = 150): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 7919) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

/** A baseline JPEG whose frame header (SOF0) claims width × height. */
async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await images.jpeg(16, 16));
  for (let i = 2; i < jpeg.length - 9; i += 1) {
    if (jpeg[i] === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2)) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
  }
  throw new Error('no SOF marker found');
}

/** A grey PNG whose pixels inflate to width × height bytes from a few kilobytes. */
function decompressionBombPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: greyscale
  const rows = Buffer.alloc((width + 1) * height); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small valid PNG carrying a compressed text chunk that inflates to `inflatedBytes`. */
async function pngWithTextBomb(inflatedBytes: number): Promise<Buffer> {
  const png = await images.png(32, 32);
  const iend = png.length - 12;
  const text = Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(inflatedBytes, 0x41), { level: 9 })]);
  return Buffer.concat([png.subarray(0, iend), pngChunk('zTXt', text), png.subarray(iend)]);
}

/** A minimal ZIP archive (one stored file), as appended to images to make polyglots. */
function zipArchive(): Buffer {
  const name = Buffer.from('payload.js');
  const content = Buffer.from('alert(document.domain)');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(name.length, 26);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  return Buffer.concat([local, name, content, end]);
}

/** Alternating colours: the GIF encoder merges identical consecutive frames. */
async function animation(frames: number, width = 8, height = 8): Promise<Buffer> {
  const red = await images.solid(width, height, { r: 200, g: 0, b: 0 }).png().toBuffer();
  const blue = await images.solid(width, height, { r: 0, g: 0, b: 200 }).png().toBuffer();
  return sharp(Array.from({ length: frames }, (_, i) => (i % 2 === 0 ? red : blue)), { join: { animated: true } }).gif().toBuffer();
}

export const HOSTILE_CASES: readonly HostileCase[] = [
  { name: 'PNG pixel bomb: 10 gigapixels declared in a few hundred bytes', extension: 'png', bytes: async () => images.pixelBombPng(100_000, 100_000), expected: { status: 'REJECTED', reason: 'PIXEL_LIMIT_EXCEEDED' } },
  { name: 'JPEG pixel bomb: 65000×65000 declared in its frame header', extension: 'jpg', bytes: () => jpegClaiming(65_000, 65_000), expected: { status: 'REJECTED', reason: 'PIXEL_LIMIT_EXCEEDED' } },
  { name: 'PNG decompression bomb over the pixel limit (100 MP of zeros)', extension: 'png', bytes: async () => decompressionBombPng(10_000, 10_000), expected: { status: 'REJECTED', reason: 'PIXEL_LIMIT_EXCEEDED' } },
  { name: 'PNG decompression bomb within the pixel limit (49 MP of zeros)', extension: 'png', bytes: async () => decompressionBombPng(7_000, 7_000), expected: { status: 'DONE' } },
  { name: 'PNG with a zTXt chunk inflating to 64 MiB', extension: 'png', bytes: () => pngWithTextBomb(64 * 1024 * 1024), expected: { status: 'DONE' } },
  { name: 'truncated JPEG', extension: 'jpg', bytes: truncated(() => noise('jpeg')), expected: { status: 'REJECTED', reason: 'CORRUPT_IMAGE' } },
  { name: 'truncated PNG', extension: 'png', bytes: truncated(() => noise('png')), expected: { status: 'REJECTED', reason: 'CORRUPT_IMAGE' } },
  { name: 'truncated WebP', extension: 'webp', bytes: truncated(() => noise('webp')), expected: { status: 'REJECTED', reason: 'CORRUPT_IMAGE' } },
  { name: 'truncated GIF', extension: 'gif', bytes: truncated(() => noise('gif')), expected: { status: 'REJECTED', reason: 'CORRUPT_IMAGE' } },
  { name: 'PNG magic followed by HTML', extension: 'png', bytes: async () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), images.html()]), expected: { status: 'REJECTED', reason: 'CORRUPT_IMAGE' } },
  { name: 'GIF header followed by JavaScript (GIF/JS polyglot)', extension: 'gif', bytes: async () => Buffer.from('GIF89a/*\x00\x00*/=1;alert(document.domain);//', 'latin1'), expected: { status: 'REJECTED', reason: 'CORRUPT_IMAGE' } },
  { name: 'JPEG with a ZIP archive appended (JPEG/ZIP polyglot)', extension: 'jpg', bytes: async () => Buffer.concat([await images.jpeg(64, 48), zipArchive()]), expected: { status: 'DONE' } },
  { name: 'PNG with HTML in a text chunk', extension: 'png', bytes: async () => sharp(await images.png(64, 48)).png().withMetadata().toBuffer().then((png) => { const iend = png.length - 12; return Buffer.concat([png.subarray(0, iend), pngChunk('tEXt', Buffer.from('Comment\0<script>alert(1)</script>', 'latin1')), png.subarray(iend)]); }), expected: { status: 'DONE' } },
  { name: 'SVG with a script, uploaded as PNG', extension: 'png', bytes: async () => images.svg(), expected: { status: 'REJECTED', reason: 'NOT_AN_IMAGE' } },
  { name: 'HTML uploaded as JPEG', extension: 'jpg', bytes: async () => images.html(), expected: { status: 'REJECTED', reason: 'NOT_AN_IMAGE' } },
  { name: 'zero bytes', extension: 'jpg', bytes: async () => Buffer.alloc(0), expected: { status: 'REJECTED', reason: 'EMPTY_FILE' } },
  { name: 'a PNG uploaded as JPEG (type disagrees with the extension)', extension: 'jpg', bytes: () => images.png(64, 48), expected: { status: 'REJECTED', reason: 'CONTENT_TYPE_MISMATCH' } },
  { name: 'CMYK JPEG', extension: 'jpg', bytes: () => images.cmykJpeg(), expected: { status: 'DONE' } },
  { name: '16-bit PNG', extension: 'png', bytes: () => images.png16Bit(), expected: { status: 'DONE' } },
  { name: 'animated GIF with 3000 frames (over the 1000-frame limit)', extension: 'gif', bytes: () => animation(3000), expected: { status: 'REJECTED', reason: 'TOO_MANY_FRAMES' } },
  { name: 'animated GIF with 900 frames (first frame rendered)', extension: 'gif', bytes: () => animation(900), expected: { status: 'DONE' } },
  { name: 'JPEG with GPS in its EXIF', extension: 'jpg', bytes: () => images.jpegWithGps(), expected: { status: 'DONE' } },
  { name: 'EXIF orientation 6 JPEG', extension: 'jpg', bytes: () => images.orientation6Jpeg(), expected: { status: 'DONE' } },
];
