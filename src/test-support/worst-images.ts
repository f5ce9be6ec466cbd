import sharp from 'sharp';

/**
 * The valid inputs that cost the processor the most memory, each within every limit (50 MP, 25 MiB,
 * 1000 frames): what decodes whole (AVIF, interlaced PNG, progressive JPEG, GIF and lossless WebP
 * canvases) and the largest images that stream. docs/RELIABILITY.md records the container's peak
 * memory for all of them in one batch.
 */
export interface WorstInput {
  readonly name: string;
  readonly extension: 'jpg' | 'png' | 'webp' | 'gif' | 'avif';
  readonly bytes: () => Promise<Buffer>;
}

/** Smooth gradients with a little noise: photo-like, and small enough to fit 25 MiB at 50 MP. */
function gradient(width: number, height: number, noise = 8): sharp.Sharp {
  const raw = Buffer.allocUnsafe(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const i = (y * width + x) * 3;
      const jitter = noise > 0 ? seed % noise : 0;
      raw[i] = ((x * 255) / width + jitter) & 0xff;
      raw[i + 1] = ((y * 255) / height + jitter) & 0xff;
      raw[i + 2] = (128 + ((x + y) % 64)) & 0xff;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

/** 1.4 KB of AVIF declaring 7000×7000: libheif decodes the whole frame (about 0.9 GB). */
export const avifBomb = () => sharp({ create: { width: 7000, height: 7000, channels: 3, background: { r: 200, g: 50, b: 50 } } }).avif({ effort: 0 }).toBuffer();

/** A few hundred KB of interlaced 16-bit RGBA PNG, 7000×7000: decoded whole, 8 bytes a pixel. */
export const interlaced16BitPng = () =>
  sharp({ create: { width: 7000, height: 7000, channels: 4, background: { r: 10, g: 200, b: 90, alpha: 0.5 } } })
    .toColourspace('rgb16')
    .png({ progressive: true, compressionLevel: 9 })
    .toBuffer();

export const WORST_VALID_INPUTS: readonly WorstInput[] = [
  { name: 'AVIF of 1.4 KB declaring 7000×7000', extension: 'avif', bytes: avifBomb },
  { name: 'a second AVIF of 1.4 KB declaring 7000×7000', extension: 'avif', bytes: avifBomb },
  { name: 'interlaced 16-bit RGBA PNG, 7000×7000', extension: 'png', bytes: interlaced16BitPng },
  { name: 'a second interlaced 16-bit RGBA PNG, 7000×7000', extension: 'png', bytes: interlaced16BitPng },
  { name: 'baseline JPEG at exactly 50 MP (10000×5000)', extension: 'jpg', bytes: () => gradient(10_000, 5_000).jpeg({ quality: 90 }).toBuffer() },
  { name: 'progressive 4:4:4 JPEG at exactly 50 MP', extension: 'jpg', bytes: () => gradient(10_000, 5_000).jpeg({ quality: 85, progressive: true, chromaSubsampling: '4:4:4' }).toBuffer() },
  { name: 'PNG at exactly 50 MP (10000×5000)', extension: 'png', bytes: () => gradient(10_000, 5_000, 0).png({ compressionLevel: 9 }).toBuffer() },
  { name: 'interlaced PNG at exactly 50 MP', extension: 'png', bytes: () => gradient(10_000, 5_000, 0).png({ progressive: true, compressionLevel: 9 }).toBuffer() },
  { name: 'GIF at exactly 50 MP (its canvas is decoded whole)', extension: 'gif', bytes: () => sharp({ create: { width: 10_000, height: 5_000, channels: 3, background: { r: 30, g: 140, b: 220 } } }).gif().toBuffer() },
  { name: 'lossless WebP at 50 MP (16383×3051)', extension: 'webp', bytes: () => gradient(16_383, 3_051, 0).webp({ lossless: true, effort: 0 }).toBuffer() },
];
