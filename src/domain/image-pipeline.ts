import sharp from 'sharp';
import { ImageRejectedError } from './errors';
import { type ImageFormat, type OutputFormat, sniffFormat } from './image-format';

/** What the processor refuses to decode. */
export interface DecodeLimits {
  /** width × height of one frame; checked from the header before anything is decoded. */
  readonly maxInputPixels: number;
  /** Frames in an animation; only the first is rendered, but a huge count is refused outright. */
  readonly maxFrames: number;
}

export interface OutputSpec {
  readonly key: string;
  /** The output fits inside maxWidthPx × maxHeightPx, keeping its aspect ratio, never enlarged. */
  readonly maxWidthPx: number;
  readonly maxHeightPx?: number;
  readonly format: OutputFormat;
}

export interface RenderedOutput {
  readonly key: string;
  readonly body: Buffer;
  readonly width: number;
  readonly height: number;
  readonly format: OutputFormat;
  readonly bytes: number;
}

export interface SourceImage {
  readonly format: ImageFormat;
  /** After EXIF orientation is applied. */
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly bytes: number;
}

// Only these libvips loaders may ever run: SVG, PDF, ImageMagick and the rest stay blocked even if
// a file got past the magic-byte check. https://sharp.pixelplumbing.com/api-utility#block
const ALLOWED_LOADERS = [
  'VipsForeignLoadJpegBuffer',
  'VipsForeignLoadPngBuffer',
  'VipsForeignLoadWebpBuffer',
  'VipsForeignLoadNsgifBuffer',
  'VipsForeignLoadHeifBuffer',
  'VipsForeignLoadTiffBuffer',
];
sharp.block({ operation: ['VipsForeignLoad'] });
sharp.unblock({ operation: ALLOWED_LOADERS });
// Every image is seen once: libvips' operation cache only holds memory.
sharp.cache(false);

const QUALITY: Readonly<Record<OutputFormat, number>> = { jpeg: 80, webp: 80, avif: 50, png: 100 };

/**
 * Checks what the bytes really are, then renders every output from one decode pipeline: EXIF
 * orientation applied, metadata (EXIF, GPS, XMP, ICC) stripped, first frame of animations. sharp's
 * default output is 8-bit sRGB whatever the input (CMYK, 16-bit), which the tests pin.
 * Throws ImageRejectedError for anything that is not a sound image within the limits.
 */
export async function renderImage(
  input: Buffer,
  options: { expectedFormat: ImageFormat; outputs: readonly OutputSpec[]; limits: DecodeLimits },
): Promise<{ source: SourceImage; outputs: RenderedOutput[] }> {
  const source = await inspectImage(input, options.expectedFormat, options.limits);
  const pipeline = sharp(input, {
    failOn: 'error',
    limitInputPixels: options.limits.maxInputPixels,
    pages: 1,
    autoOrient: true,
  });
  try {
    const outputs = await Promise.all(options.outputs.map((spec) => renderOne(pipeline.clone(), spec)));
    return { source, outputs };
  } catch (cause) {
    throw decodeFailure(cause);
  }
}

async function inspectImage(input: Buffer, expectedFormat: ImageFormat, limits: DecodeLimits): Promise<SourceImage> {
  if (input.length === 0) throw new ImageRejectedError('EMPTY_FILE', 'The uploaded file is empty.');
  const sniffed = sniffFormat(input);
  if (!sniffed) {
    throw new ImageRejectedError('NOT_AN_IMAGE', 'The file is not a JPEG, PNG, WebP, GIF, AVIF or TIFF image.');
  }
  if (sniffed !== expectedFormat) {
    throw new ImageRejectedError(
      'CONTENT_TYPE_MISMATCH',
      `The file is ${sniffed} but was uploaded as ${expectedFormat}.`,
    );
  }
  let metadata: sharp.Metadata;
  try {
    // Reads the header only; nothing is decoded yet.
    metadata = await sharp(input, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (cause) {
    throw decodeFailure(cause);
  }
  const decodedAs = metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
  if (decodedAs !== sniffed) {
    throw new ImageRejectedError('UNSUPPORTED_FORMAT', `The file decodes as ${String(metadata.format)}, not ${sniffed}.`);
  }
  const frames = metadata.pages ?? 1;
  if (frames > limits.maxFrames) {
    throw new ImageRejectedError('TOO_MANY_FRAMES', `The animation has ${frames} frames; the limit is ${limits.maxFrames}.`);
  }
  const width = metadata.width;
  const height = metadata.pageHeight ?? metadata.height;
  if (!width || !height) throw new ImageRejectedError('CORRUPT_IMAGE', 'The image has no dimensions.');
  if (width * height > limits.maxInputPixels) {
    throw new ImageRejectedError(
      'PIXEL_LIMIT_EXCEEDED',
      `The image is ${width}×${height} pixels; the limit is ${limits.maxInputPixels} pixels.`,
    );
  }
  const swapsAxes = (metadata.orientation ?? 1) >= 5;
  return {
    format: sniffed,
    width: swapsAxes ? height : width,
    height: swapsAxes ? width : height,
    frames,
    bytes: input.length,
  };
}

async function renderOne(image: sharp.Sharp, spec: OutputSpec): Promise<RenderedOutput> {
  image.resize({
    width: spec.maxWidthPx,
    ...(spec.maxHeightPx !== undefined ? { height: spec.maxHeightPx } : {}),
    fit: 'inside',
    withoutEnlargement: true,
  });
  switch (spec.format) {
    case 'jpeg':
      // JPEG has no alpha: composite transparent areas onto white rather than black.
      image.flatten({ background: '#ffffff' }).jpeg({ quality: QUALITY.jpeg, mozjpeg: false });
      break;
    case 'webp':
      image.webp({ quality: QUALITY.webp });
      break;
    case 'avif':
      image.avif({ quality: QUALITY.avif });
      break;
    case 'png':
      image.png();
      break;
  }
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  return { key: spec.key, body: data, width: info.width, height: info.height, format: spec.format, bytes: data.length };
}

/**
 * What a libvips failure means. Running out of memory or threads says nothing about the image: it
 * is rethrown as is, so the message is retried rather than the image rejected for good.
 */
function decodeFailure(cause: unknown): ImageRejectedError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] ?? '' : String(cause);
  if (/out of memory|cannot allocate|unable to create thread|ENOMEM/i.test(detail)) throw cause;
  if (/pixel limit/i.test(detail)) {
    return new ImageRejectedError('PIXEL_LIMIT_EXCEEDED', 'The image exceeds the pixel limit.', { cause });
  }
  return new ImageRejectedError('CORRUPT_IMAGE', `The image could not be decoded: ${detail}`, { cause });
}
