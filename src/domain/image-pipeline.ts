import sharp from 'sharp';
import { estimateDecodeBytes, type DecodeFacts } from './decode-memory';
import { ImageRejectedError, MisconfigurationError, ResourceExhaustedError } from './errors';
import { decodeHeif, tiffWithProfile } from './heif-decoder';
import { type ImageFormat, matchesDeclared, type OutputFormat, sniffFormat } from './image-format';
import type { DecodeMemoryGate } from './memory-gate';

/** What the processor refuses to decode. */
export interface DecodeLimits {
  /** width × height of one frame; checked from the header before anything is decoded. */
  readonly maxInputPixels: number;
  /** Frames in an animation; only the first is rendered, but a huge count is refused outright. */
  readonly maxFrames: number;
}

/** How outputs are written. */
export interface EncodingSettings {
  /** AVIF encoder effort, 0 (fastest) to 9 (smallest). */
  readonly avifEffort: number;
  /** No output is longer than this on either side, whatever its format allows. */
  readonly maxOutputEdgePx: number;
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
  /** After orientation (EXIF, or HEIF's irot/imir) is applied. */
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly bytes: number;
}

export interface RenderOptions {
  readonly expectedFormat: ImageFormat;
  readonly outputs: readonly OutputSpec[];
  readonly limits: DecodeLimits;
  readonly encoding: EncodingSettings;
  /** Shared by every image this process decodes at once. */
  readonly memory: DecodeMemoryGate;
}

/**
 * The largest side each encoder can write: WebP stores 14-bit dimensions
 * (https://developers.google.com/speed/webp/docs/riff_container), JPEG 16-bit ones; AVIF is held to
 * what libheif and aom are tested at.
 */
export const FORMAT_MAX_EDGE_PX: Readonly<Record<OutputFormat, number>> = { jpeg: 65_535, webp: 16_383, avif: 16_384, png: 65_535 };

const QUALITY: Readonly<Record<OutputFormat, number>> = { jpeg: 80, webp: 80, avif: 50, png: 100 };

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
let configured = false;
/** Process-wide libvips settings, applied once, on the first image rather than at import. */
function configureSharp(): void {
  if (configured) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ALLOWED_LOADERS });
  // Every image is seen once: libvips' operation cache only holds memory.
  sharp.cache(false);
  configured = true;
}

/** What the header says, and how the image will be decoded. */
interface Inspected {
  readonly source: SourceImage;
  readonly facts: DecodeFacts;
  readonly icc?: Buffer;
}

/**
 * Checks what the bytes really are and what decoding them will cost, from the header alone; then
 * decodes once, shrinking on load to the largest output, and makes every output from that decoded
 * image: EXIF orientation applied, metadata (EXIF, GPS, XMP, ICC) stripped, 8-bit sRGB, first frame
 * of animations. The decode waits for its share of the memory budget.
 * Throws ImageRejectedError for anything that is not a sound image within the limits, and
 * ResourceExhaustedError when the machine, not the image, fell short.
 */
export async function renderImage(input: Buffer, options: RenderOptions): Promise<{ source: SourceImage; outputs: RenderedOutput[] }> {
  configureSharp();
  const inspected = await inspectImage(input, options.expectedFormat, options.limits);
  const { source, facts } = inspected;
  const plan = planOutputs(source, options.outputs, options.encoding.maxOutputEdgePx);
  const estimate = estimateDecodeBytes(facts, plan);
  if (!options.memory.fits(estimate)) {
    throw new ImageRejectedError(
      'DECODE_MEMORY_EXCEEDED',
      `Decoding this ${source.width}×${source.height} ${source.format} would take about ${mib(estimate)} MiB; the budget is ${mib(options.memory.budgetBytes)} MiB.`,
    );
  }
  const release = await options.memory.reserve(estimate);
  try {
    const decoded = await decodeOnce(input, inspected, plan.decoded, options.limits);
    const outputs = await Promise.all(plan.outputs.map((output) => encodeOne(decoded, output, options.encoding)));
    return { source, outputs };
  } catch (cause) {
    throw decodeFailure(cause);
  } finally {
    release();
  }
}

const mib = (bytes: number) => Math.ceil(bytes / 1024 / 1024);

async function inspectImage(input: Buffer, expectedFormat: ImageFormat, limits: DecodeLimits): Promise<Inspected> {
  if (input.length === 0) throw new ImageRejectedError('EMPTY_FILE', 'The uploaded file is empty.');
  const sniffed = sniffFormat(input);
  if (!sniffed) {
    throw new ImageRejectedError('NOT_AN_IMAGE', 'The file is not a JPEG, PNG, WebP, GIF, AVIF, TIFF or HEIC image.');
  }
  if (!matchesDeclared(sniffed, expectedFormat)) {
    throw new ImageRejectedError('CONTENT_TYPE_MISMATCH', `The file is ${sniffed} but was uploaded as ${expectedFormat}.`);
  }
  let metadata: sharp.Metadata;
  try {
    // Reads the header only; nothing is decoded yet. libheif parses a HEIC container without HEVC.
    metadata = await sharp(input, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (cause) {
    throw decodeFailure(cause);
  }
  const heif = sniffed === 'avif' || sniffed === 'heic' || sniffed === 'heif';
  const coding = heif && metadata.format === 'heif' ? metadata.compression : undefined;
  const decodable = heif
    ? coding === 'av1' || (sniffed !== 'avif' && coding === 'hevc')
    : metadata.format === sniffed;
  if (!decodable) {
    throw new ImageRejectedError('UNSUPPORTED_FORMAT', `The file decodes as ${String(coding ?? metadata.format)}, not ${sniffed}.`);
  }
  const frames = metadata.pages ?? 1;
  if (frames > limits.maxFrames) {
    throw new ImageRejectedError('TOO_MANY_FRAMES', `The animation has ${frames} frames; the limit is ${limits.maxFrames}.`);
  }
  const width = metadata.width;
  const height = metadata.pageHeight ?? metadata.height;
  if (!width || !height) throw new ImageRejectedError('CORRUPT_IMAGE', 'The image has no dimensions.');
  if (width * height > limits.maxInputPixels) {
    throw new ImageRejectedError('PIXEL_LIMIT_EXCEEDED', `The image is ${width}×${height} pixels; the limit is ${limits.maxInputPixels} pixels.`);
  }
  const decoder = coding === 'hevc' ? 'libheif-wasm' : 'libvips';
  // HEIF rotates with its own irot/imir boxes, which libheif applies; an EXIF orientation inside a
  // HEIF file is informative only (ISO/IEC 23008-12), so it must not turn the image a second time.
  const swapsAxes = !heif && (metadata.orientation ?? 1) >= 5;
  const bands = metadata.channels ?? 3;
  return {
    source: { format: sniffed, width: swapsAxes ? height : width, height: swapsAxes ? width : height, frames, bytes: input.length },
    facts: {
      format: sniffed,
      decoder,
      width,
      height,
      bands,
      bytesPerSample: metadata.depth === 'ushort' || (metadata.bitsPerSample ?? 8) > 8 ? 2 : 1,
      progressive: metadata.isProgressive === true,
      ...(metadata.chromaSubsampling !== undefined ? { chromaSubsampling: metadata.chromaSubsampling } : {}),
      withProfile: decoder === 'libheif-wasm' && metadata.icc !== undefined,
    },
    ...(decoder === 'libheif-wasm' && metadata.icc !== undefined ? { icc: metadata.icc } : {}),
  };
}

interface PlannedOutput {
  readonly spec: OutputSpec;
  readonly width: number;
  readonly height: number;
}

interface Plan {
  readonly outputs: readonly PlannedOutput[];
  /** The size the source is decoded to: the largest output. */
  readonly decoded: { readonly width: number; readonly height: number };
  readonly decodedPixels: number;
  readonly outputPixels: readonly number[];
}

/**
 * Each output's exact size: inside its box, its format's limit and the configured longest edge,
 * aspect ratio kept, never enlarged, and at least 1 px on each side (a 1×20000 line still gets a
 * thumbnail).
 */
export function outputSize(source: { width: number; height: number }, spec: OutputSpec, maxOutputEdgePx: number): { width: number; height: number } {
  const edge = Math.min(maxOutputEdgePx, FORMAT_MAX_EDGE_PX[spec.format]);
  const boxWidth = Math.min(spec.maxWidthPx, edge);
  const boxHeight = Math.min(spec.maxHeightPx ?? Number.POSITIVE_INFINITY, edge);
  const scale = Math.min(1, boxWidth / source.width, boxHeight / source.height);
  return {
    width: Math.min(boxWidth, Math.max(1, Math.round(source.width * scale))),
    height: Math.min(boxHeight, Math.max(1, Math.round(source.height * scale))),
  };
}

function planOutputs(source: SourceImage, specs: readonly OutputSpec[], maxOutputEdgePx: number): Plan {
  const outputs = specs.map((spec) => ({ spec, ...outputSize(source, spec, maxOutputEdgePx) }));
  const decoded = {
    width: Math.max(1, ...outputs.map((output) => output.width)),
    height: Math.max(1, ...outputs.map((output) => output.height)),
  };
  return { outputs, decoded, decodedPixels: decoded.width * decoded.height, outputPixels: outputs.map((o) => o.width * o.height) };
}

interface DecodedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

/** The one decode: to 8-bit sRGB at the size of the largest output, shrinking on load where the format allows. */
async function decodeOnce(input: Buffer, inspected: Inspected, size: { width: number; height: number }, limits: DecodeLimits): Promise<DecodedImage> {
  let pipeline: sharp.Sharp;
  if (inspected.facts.decoder === 'libheif-wasm') {
    const heif = await decodeHeif(input);
    pipeline = inspected.icc
      ? sharp(tiffWithProfile(heif.pixels, heif.width, heif.height, heif.channels, inspected.icc), { failOn: 'error' })
      : sharp(heif.pixels, { raw: { width: heif.width, height: heif.height, channels: heif.channels } });
  } else {
    // The header was checked already; libvips checks the frame it decodes again, in case they differ.
    pipeline = sharp(input, { failOn: 'error', limitInputPixels: limits.maxInputPixels, pages: 1, autoOrient: true });
  }
  const { data, info } = await pipeline
    .resize(size.width, size.height, { fit: 'fill' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function encodeOne(decoded: DecodedImage, output: PlannedOutput, encoding: EncodingSettings): Promise<RenderedOutput> {
  const { spec } = output;
  const image = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: decoded.channels } });
  if (output.width !== decoded.width || output.height !== decoded.height) image.resize(output.width, output.height, { fit: 'fill' });
  switch (spec.format) {
    case 'jpeg':
      // JPEG has no alpha: composite transparent areas onto white rather than black.
      image.flatten({ background: '#ffffff' }).jpeg({ quality: QUALITY.jpeg, mozjpeg: false });
      break;
    case 'webp':
      image.webp({ quality: QUALITY.webp });
      break;
    case 'avif':
      image.avif({ quality: QUALITY.avif, effort: encoding.avifEffort });
      break;
    case 'png':
      image.png();
      break;
  }
  const { data, info } = await image.toBuffer({ resolveWithObject: true });
  return { key: spec.key, body: data, width: info.width, height: info.height, format: spec.format, bytes: data.length };
}

// libvips, libjpeg, libheif and WebAssembly's ways of saying the machine ran short.
const RESOURCE_FAILURE =
  /out of memory|insufficient memory|memory allocation|cannot allocate|failed to allocate|unable to create thread|ENOMEM|backing store|Cannot enlarge memory|Aborted\(OOM\)|Array buffer allocation failed/i;
// libvips' heif loader reports every seek libheif makes while it fails, before the real reason.
const NOISE = /bad seek to \d+/;

/**
 * What a decode or encode failure means. Running out of memory or threads says nothing about the
 * image: it becomes a retryable ResourceExhaustedError, so the message is retried rather than the
 * image rejected for good. Every line of libvips' message counts: its first line is often noise.
 */
export function decodeFailure(cause: unknown): Error {
  if (cause instanceof ImageRejectedError || cause instanceof ResourceExhaustedError || cause instanceof MisconfigurationError) return cause;
  // A fault in our own code says nothing about the image either: it propagates and is retried.
  if (cause instanceof TypeError || cause instanceof ReferenceError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  const lines = message.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !NOISE.test(line));
  if (cause instanceof RangeError || lines.some((line) => RESOURCE_FAILURE.test(line))) {
    return new ResourceExhaustedError(`The image could not be processed for lack of memory: ${lines.join(' / ') || message}`, { cause });
  }
  const detail = lines.find((line) => line.startsWith('heif:')) ?? lines[0] ?? message;
  if (/pixel limit/i.test(detail)) return new ImageRejectedError('PIXEL_LIMIT_EXCEEDED', 'The image exceeds the pixel limit.', { cause });
  return new ImageRejectedError('CORRUPT_IMAGE', `The image could not be decoded: ${detail}`, { cause });
}
