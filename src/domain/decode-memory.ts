import type { ImageFormat } from './image-format';

/**
 * How much memory decoding one image will take, from its header alone, before anything is decoded.
 *
 * Counted as width × height × bands × bytes per sample for every full-size buffer the decoder
 * really holds, not for the pixels the image shows: libvips streams a baseline JPEG, a
 * non-interlaced PNG and a TIFF strip by strip, and shrinks a JPEG or WebP while decoding it, but
 * a progressive JPEG keeps every DCT coefficient (2 bytes per sample), an interlaced PNG and a GIF
 * canvas are decoded whole, and libheif decodes a whole AVIF or HEIC frame (YUV planes, AV1 or
 * HEVC reference buffers, then RGB). The factors below were measured as peak RSS over a process's
 * baseline for each kind of input (scripts/bench: `npm run bench`, and docs/BENCHMARKS.md), and
 * rounded up.
 */
export interface DecodeFacts {
  readonly format: ImageFormat;
  /** libvips (sharp), or libheif compiled to WebAssembly for HEVC-coded HEIF. */
  readonly decoder: 'libvips' | 'libheif-wasm';
  /** One frame, as stored. */
  readonly width: number;
  readonly height: number;
  /** Bands the decoder produces: 1 (grey) to 4 (RGBA, CMYK). */
  readonly bands: number;
  /** 1 for 8-bit samples, 2 for 16-bit (or 10 and 12-bit AV1/HEVC). */
  readonly bytesPerSample: number;
  /** Progressive JPEG or interlaced (Adam7) PNG. */
  readonly progressive: boolean;
  /** JPEG only, as libjpeg reports it: '4:2:0', '4:4:4', ... */
  readonly chromaSubsampling?: string;
  /** The decoded pixels must be copied once more to carry an ICC profile (HEIC). */
  readonly withProfile?: boolean;
}

const MIB = 1024 * 1024;
/** libvips' per-image working set: tile and line buffers of its threads, the encoders' state. */
export const PIPELINE_OVERHEAD_BYTES = 48 * MIB;

/** Bytes per pixel held by the decoder itself, beyond what any pipeline streams. */
function decoderBytesPerPixel(facts: DecodeFacts): number {
  const { bands, bytesPerSample } = facts;
  switch (facts.decoder === 'libheif-wasm' ? 'heif-wasm' : facts.format) {
    case 'jpeg':
      // libjpeg keeps the coefficients of a progressive scan: 2 bytes per sample, chroma subsampled.
      return facts.progressive ? 2 * jpegSamplesPerPixel(bands, facts.chromaSubsampling) : 0;
    case 'png':
      // libpng de-interlaces into one full-size buffer; measured 1.2-1.3 × that buffer.
      return facts.progressive ? 1.3 * bands * bytesPerSample : 0;
    case 'gif':
      // The RGBA canvas and the frame composed onto it (measured 7.4 bytes per pixel).
      return 8;
    case 'webp':
      // Lossless, alpha and animated WebP decode to a full ARGB canvas; lossy shrinks on load.
      return 4.5;
    case 'tiff':
      // A single-strip TIFF is one strip: counted as a full frame, whatever its layout.
      return bands * bytesPerSample;
    case 'avif':
    case 'heic':
    case 'heif':
      // libheif + aom: YUV planes, AV1 reference frames, then interleaved RGB(A). Measured 15.5
      // (4:2:0) to 18.4 (4:4:4) bytes per pixel for 8-bit RGB, 19.2 with alpha, 24.8 for 10-bit.
      return bytesPerSample > 1 ? 28 + (bands > 3 ? 4 : 0) : 20 + (bands > 3 ? 2 : 0);
    case 'heif-wasm':
      // WebAssembly libheif: YUV planes and HEVC pictures in its heap, RGB(A) out of it, the
      // packed copy, and one more copy when an ICC profile has to travel with the pixels.
      return 9 + bands + (facts.withProfile ? bands : 0);
  }
}

function jpegSamplesPerPixel(bands: number, chromaSubsampling: string | undefined): number {
  if (bands < 3) return bands;
  const chroma = chromaSubsampling?.startsWith('4:2:0') ? 0.5 : chromaSubsampling?.startsWith('4:2:2') ? 1 : 2;
  return 1 + chroma + (bands > 3 ? 1 : 0);
}

/**
 * The estimate for one image: what its decoder holds, the decoded image at the size of the largest
 * output (8-bit, up to 4 bands), each encoder's own copy of its output, and libvips' working set.
 */
export function estimateDecodeBytes(facts: DecodeFacts, plan: { decodedPixels: number; outputPixels: readonly number[] }): number {
  const decoder = facts.width * facts.height * decoderBytesPerPixel(facts);
  const decoded = plan.decodedPixels * 4;
  const encoders = plan.outputPixels.reduce((sum, pixels) => sum + pixels * 8, 0);
  return Math.ceil(decoder + decoded + encoders + PIPELINE_OVERHEAD_BYTES);
}

/** Memory the rest of a processor uses: Node, V8, sharp and the SDK clients, measured idle ≈ 130 MB. */
export const RUNTIME_RESERVE_BYTES = 192 * MIB;
/** Beyond its original's bytes, what each record in flight holds: encoded outputs, SDK buffers. */
export const PER_RECORD_BYTES = 16 * MIB;

/**
 * The decode budget of a function with `memorySizeMb` processing `concurrency` records at once,
 * each holding an original of up to `maxUploadBytes`: what is left after the runtime and the
 * records' own buffers, less 10 % for allocator fragmentation.
 */
export function defaultDecodeBudgetBytes(memorySizeMb: number, concurrency: number, maxUploadBytes: number): number {
  const left = memorySizeMb * MIB - RUNTIME_RESERVE_BYTES - concurrency * (maxUploadBytes + PER_RECORD_BYTES);
  return Math.max(64 * MIB, Math.floor(left * 0.9));
}
