import type { RenditionFormat } from '../contract';

/** The image formats we accept, and how to recognise each from its first bytes. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'heic', 'heif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/**
 * What an operator gets without choosing: every format whose decoder ships in sharp's prebuilt
 * libvips. HEIC/HEIF is opt-in (README "HEIC and HEIF"): its HEVC decoder is patent-encumbered.
 */
export const DEFAULT_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'] as const satisfies readonly ImageFormat[];

/** The formats renditions can be written in (the contract names them for RENDITIONS). */
export type OutputFormat = RenditionFormat & ImageFormat;

const CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
};

const EXTENSIONS: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  tiff: 'tiff',
  heic: 'heic',
  heif: 'heif',
};

export const contentTypeOf = (format: ImageFormat): string => CONTENT_TYPES[format];
export const extensionOf = (format: ImageFormat): string => EXTENSIONS[format];

export function formatFromContentType(contentType: string): ImageFormat | undefined {
  return IMAGE_FORMATS.find((format) => CONTENT_TYPES[format] === contentType);
}

export function formatFromExtension(extension: string): ImageFormat | undefined {
  return IMAGE_FORMATS.find((format) => EXTENSIONS[format] === extension);
}

export function isImageFormat(value: string): value is ImageFormat {
  return (IMAGE_FORMATS as readonly string[]).includes(value);
}

/** HEIC is the HEVC-coded kind of HEIF: a file may be uploaded as either type. */
const isHeifFamily = (format: ImageFormat): boolean => format === 'heic' || format === 'heif';

/** Whether bytes sniffed as `sniffed` may have been uploaded as `declared`. */
export const matchesDeclared = (sniffed: ImageFormat, declared: ImageFormat): boolean =>
  sniffed === declared || (isHeifFamily(sniffed) && isHeifFamily(declared));

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/**
 * Identifies the format from magic bytes alone, so nothing but the accepted decoders ever sees
 * the input (SVG, PDF, HTML and friends fall through to `undefined`).
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  return isoBmffImage(bytes);
}

// HEIF brands of HEVC-coded images and sequences, and the generic HEIF brands.
// https://github.com/strukturag/libheif/issues/83, ISO/IEC 23008-12 Annex B.
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2']);

/**
 * AVIF and HEIF are ISO-BMFF files that start with an `ftyp` box listing brands: AVIF when a
 * brand is avif/avis, HEIC when one names HEVC, HEIF for the generic image brands.
 */
function isoBmffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length < 16 || !startsWith(bytes, ascii('ftyp'), 4)) return undefined;
  const boxSize = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const end = Math.min(boxSize, bytes.length);
  const brands: string[] = [];
  for (let offset = 8; offset + 4 <= end; offset += 4) {
    if (offset === 12) continue; // minor_version, not a brand
    brands.push(String.fromCharCode(...bytes.subarray(offset, offset + 4)));
  }
  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return 'avif';
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return 'heic';
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'heif';
  return undefined;
}
