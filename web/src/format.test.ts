import { formatBytes, formatDateTime, formatDimensions, formatMegapixels, plural } from './format';

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [812, '812 bytes'],
    [1024, '1 KB'],
    [35_185, '34 KB'],
    [5_000, '4.9 KB'],
    [26_214_400, '25 MB'],
    [1_572_864, '1.5 MB'],
    [5 * 1024 ** 3, '5 GB'],
  ])('writes %d bytes as "%s"', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});

describe('other formats', () => {
  it('writes dimensions width first', () => {
    expect(formatDimensions(800, 1200)).toBe('800 × 1200 pixels');
  });

  it('writes pixel limits in megapixels', () => {
    expect(formatMegapixels(50_000_000)).toBe('50 megapixels');
    expect(formatMegapixels(12_500_000)).toBe('12.5 megapixels');
  });

  it('writes a date and time, and keeps text that is not a date', () => {
    expect(formatDateTime('2026-12-03T14:05:00.000Z', 'en-GB')).toMatch(/3 Dec 2026.*\d{2}:\d{2}/);
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  it('counts in words', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(3, 'file')).toBe('3 files');
  });
});
