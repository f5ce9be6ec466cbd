/** How sizes, dimensions and dates are written on the page. */

const UNITS = ['KB', 'MB', 'GB'] as const;

/** 1024-based, as browsers' download lists show sizes: "812 bytes", "34.4 KB", "25 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 10 && !Number.isInteger(value) ? 1 : 0;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${UNITS[unit]}`;
}

export const formatDimensions = (width: number, height: number): string => `${width} × ${height} pixels`;

/** "50 megapixels", "12.5 megapixels". */
export function formatMegapixels(pixels: number): string {
  const megapixels = pixels / 1_000_000;
  return `${Number.isInteger(megapixels) ? megapixels : megapixels.toFixed(1)} megapixels`;
}

/** "3 Dec 2026, 14:05" in the reader's locale. */
export function formatDateTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** "1 file", "3 files". */
export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;
