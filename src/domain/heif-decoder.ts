/**
 * HEIC/HEIF decoding with libheif and libde265 compiled to WebAssembly (npm `libheif-js`,
 * LGPL-3.0-or-later), for the HEVC images sharp's prebuilt libvips cannot decode (it is built
 * without HEVC for patent reasons: https://github.com/lovell/sharp/issues/4050). Loaded only when
 * the first HEIC arrives, kept out of the function bundle (scripts/bundle.mjs marks it external) so
 * the LGPL library stays a replaceable file of its own.
 *
 * Each image gets a fresh WebAssembly instance: a WebAssembly memory only ever grows, so one shared
 * instance would keep the largest image's pixels for the life of the process. A fresh one costs
 * about 0.1 s and its memory is freed with it.
 */

import { MisconfigurationError } from './errors';

interface HeifError {
  readonly code?: unknown;
  readonly message?: string;
}

interface HeifChannel {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly data: Uint8Array;
}

/** The part of libheif-js' embind API this module uses (libheif-js/libheif-wasm/libheif.d.ts). */
interface LibHeif {
  heif_context_alloc(): unknown;
  heif_context_free(context: unknown): void;
  heif_context_read_from_memory(context: unknown, bytes: Uint8Array): HeifError;
  heif_js_context_get_primary_image_handle(context: unknown): unknown;
  heif_image_handle_has_alpha_channel(handle: unknown): number;
  heif_image_handle_release(handle: unknown): void;
  heif_js_decode_image2(handle: unknown, colorspace: unknown, chroma: unknown): (HeifError & { image?: unknown; channels?: HeifChannel[] }) | undefined;
  heif_image_release(image: unknown): void;
  readonly heif_error_code: { readonly heif_error_Ok: unknown };
  readonly heif_colorspace: { readonly heif_colorspace_RGB: unknown };
  readonly heif_chroma: { readonly heif_chroma_interleaved_RGB: unknown; readonly heif_chroma_interleaved_RGBA: unknown };
}

export interface DecodedHeif {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** Interleaved 8-bit RGB(A), rows packed. libheif has applied the image's rotation and mirroring (irot, imir). */
  readonly pixels: Buffer;
}

/** libheif said the file is not a decodable HEIF image (as opposed to running out of memory). */
export class HeifDecodeError extends Error {}

let factory: (() => LibHeif) | undefined;

function instantiate(): LibHeif {
  try {
    // Loaded on first use only, from node_modules next to the bundle (it is external to it).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    factory ??= require('libheif-js/libheif-wasm/libheif-bundle.js') as () => LibHeif;
  } catch (cause) {
    // A deployment fault, not a property of the image: the message is retried and ends in the
    // dead-letter queue (where it can be redriven once the decoder is installed), never REJECTED.
    throw new MisconfigurationError(`HEIC is accepted but its decoder (libheif-js) cannot be loaded: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  return factory();
}

const failed = (result: HeifError | undefined, ok: unknown): boolean =>
  result === undefined || (result.code !== undefined && result.code !== ok);

/**
 * Decodes the primary image of a HEIF file (never a thumbnail, depth map or other item). Throws
 * HeifDecodeError when libheif refuses the file; anything else (the WebAssembly memory could not
 * grow) propagates as it is, for the caller to treat as a resource failure.
 */
export async function decodeHeif(input: Uint8Array): Promise<DecodedHeif> {
  const lib = instantiate();
  const ok = lib.heif_error_code.heif_error_Ok;
  const context = lib.heif_context_alloc();
  try {
    const read = lib.heif_context_read_from_memory(context, input);
    if (failed(read, ok)) throw new HeifDecodeError(`heif: ${read.message ?? 'unreadable file'}`);
    const handle = lib.heif_js_context_get_primary_image_handle(context) as HeifError | undefined;
    if (failed(handle, ok)) throw new HeifDecodeError(`heif: ${handle?.message ?? 'no primary image'}`);
    try {
      const channels = lib.heif_image_handle_has_alpha_channel(handle) ? 4 : 3;
      const chroma = channels === 4 ? lib.heif_chroma.heif_chroma_interleaved_RGBA : lib.heif_chroma.heif_chroma_interleaved_RGB;
      const decoded = await lib.heif_js_decode_image2(handle, lib.heif_colorspace.heif_colorspace_RGB, chroma);
      const plane = decoded?.channels?.[0];
      if (failed(decoded, ok) || !plane) throw new HeifDecodeError(`heif: ${decoded?.message ?? 'the image could not be decoded'}`);
      try {
        return { width: plane.width, height: plane.height, channels, pixels: packRows(plane, channels) };
      } finally {
        lib.heif_image_release(decoded!.image);
      }
    } finally {
      lib.heif_image_handle_release(handle);
    }
  } finally {
    lib.heif_context_free(context);
  }
}

/** Copies the plane out of the WebAssembly memory, without the padding libheif adds to each row. */
function packRows(plane: HeifChannel, channels: number): Buffer {
  const rowBytes = plane.width * channels;
  const packed = Buffer.allocUnsafe(rowBytes * plane.height);
  for (let y = 0; y < plane.height; y += 1) {
    packed.set(plane.data.subarray(y * plane.stride, y * plane.stride + rowBytes), y * rowBytes);
  }
  return packed;
}

/**
 * Wraps decoded pixels and their ICC profile in an uncompressed TIFF, the one way to hand libvips
 * pixels together with the profile they are in (an iPhone's Display P3), so the pipeline converts
 * them to sRGB like any other input. Strips of 64 rows keep libvips reading it a strip at a time.
 */
export function tiffWithProfile(pixels: Buffer, width: number, height: number, channels: 3 | 4, icc: Buffer): Buffer {
  const rowsPerStrip = 64;
  const strips = Math.ceil(height / rowsPerStrip);
  const rowBytes = width * channels;
  const stripOffsets = Buffer.alloc(strips * 4);
  const stripByteCounts = Buffer.alloc(strips * 4);
  const entries: [tag: number, type: number, count: number, value: number | Buffer][] = [
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, channels, Buffer.from(Array.from({ length: channels }, () => [8, 0]).flat())],
    [259, 3, 1, 1], // no compression
    [262, 3, 1, 2], // RGB
    [273, 4, strips, stripOffsets],
    [277, 3, 1, channels],
    [278, 4, 1, rowsPerStrip],
    [279, 4, strips, stripByteCounts],
    [284, 3, 1, 1], // chunky
    ...(channels === 4 ? [[338, 3, 1, 2] as [number, number, number, number]] : []), // unassociated alpha
    [34675, 7, icc.length, icc],
  ];
  const ifdBytes = 2 + entries.length * 12 + 4;
  const padded = (length: number) => length + (length % 2);
  const outOfLine = entries.map(([, , , value]) => (typeof value !== 'number' && value.length > 4 ? value : undefined));
  const pixelsAt = 8 + ifdBytes + outOfLine.reduce((sum, value) => sum + (value ? padded(value.length) : 0), 0);
  for (let strip = 0; strip < strips; strip += 1) {
    stripOffsets.writeUInt32LE(pixelsAt + strip * rowsPerStrip * rowBytes, strip * 4);
    stripByteCounts.writeUInt32LE(Math.min(rowsPerStrip, height - strip * rowsPerStrip) * rowBytes, strip * 4);
  }
  const ifd = Buffer.alloc(ifdBytes);
  ifd.writeUInt16LE(entries.length, 0);
  const extras: Buffer[] = [];
  let extraAt = 8 + ifdBytes;
  entries.forEach(([tag, type, count, value], i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(count, at + 4);
    if (typeof value === 'number') {
      if (type === 3) ifd.writeUInt16LE(value, at + 8);
      else ifd.writeUInt32LE(value, at + 8);
    } else if (value.length <= 4) {
      value.copy(ifd, at + 8);
    } else {
      ifd.writeUInt32LE(extraAt, at + 8);
      extras.push(value, Buffer.alloc(padded(value.length) - value.length));
      extraAt += padded(value.length);
    }
  });
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  return Buffer.concat([header, ifd, ...extras, pixels]);
}
