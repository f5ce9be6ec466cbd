import { formatBytes } from '../format';

/** What the browser knows about a chosen file before reading it. */
export interface FileFacts {
  readonly name: string;
  readonly size: number;
  /** The browser's guess from the file name; empty when it has none. */
  readonly type: string;
}

export interface UploadLimits {
  readonly maxUploadBytes: number;
  readonly allowedContentTypes: readonly string[];
  readonly maxInputPixels: number;
}

export type FileCheck = { readonly ok: true; readonly contentType: string } | { readonly ok: false; readonly problem: string };

/**
 * The checks made before any request: a file the API would refuse for its size or type is stopped
 * here, with the reason in words. The API and the processor check again (the type is only the
 * browser's guess from the name; the processor reads the bytes).
 */
export function checkFile(file: FileFacts, limits: UploadLimits): FileCheck {
  const contentType = file.type.toLowerCase();
  if (!limits.allowedContentTypes.includes(contentType)) {
    return { ok: false, problem: `This type of file is not accepted. Choose ${typeList(limits.allowedContentTypes)} images.` };
  }
  if (file.size === 0) return { ok: false, problem: 'This file is empty.' };
  if (file.size > limits.maxUploadBytes) {
    const [size, limit] = [formatBytes(file.size), formatBytes(limits.maxUploadBytes)];
    // Rounded, a file just over the limit would read as being of the limit's size: then in bytes.
    const exact = size === limit;
    const bytes = (count: number) => `${count.toLocaleString('en-US')} bytes`;
    return {
      ok: false,
      problem: exact
        ? `This file is ${bytes(file.size)}; files up to ${bytes(limits.maxUploadBytes)} (${limit}) are accepted.`
        : `This file is ${size}; files up to ${limit} are accepted.`,
    };
  }
  return { ok: true, contentType };
}

/** `image/jpeg, image/png, image/webp` → "JPEG, PNG or WebP". */
export function typeList(contentTypes: readonly string[]): string {
  const names = contentTypes.map(typeName);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = { 'image/jpeg': 'JPEG', 'image/webp': 'WebP' };

const typeName = (contentType: string): string => TYPE_NAMES[contentType] ?? contentType.replace(/^image\//, '').toUpperCase();
