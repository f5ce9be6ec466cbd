import { type DecodeFacts, defaultDecodeBudgetBytes, estimateDecodeBytes, PIPELINE_OVERHEAD_BYTES } from './decode-memory';

const MIB = 1024 * 1024;
const plan = { decodedPixels: 0, outputPixels: [] };
const facts = (overrides: Partial<DecodeFacts>): DecodeFacts => ({
  format: 'jpeg',
  decoder: 'libvips',
  width: 10_000,
  height: 5_000,
  bands: 3,
  bytesPerSample: 1,
  progressive: false,
  ...overrides,
});
const decoderMiB = (overrides: Partial<DecodeFacts>) => (estimateDecodeBytes(facts(overrides), plan) - PIPELINE_OVERHEAD_BYTES) / MIB;

describe('estimateDecodeBytes', () => {
  it('counts nothing for formats libvips streams, and what the decoder holds for the others', () => {
    expect(decoderMiB({})).toBe(0); // baseline JPEG: decoded a few lines at a time
    expect(decoderMiB({ format: 'png' })).toBe(0);
    // Progressive JPEG: every DCT coefficient, 2 bytes per sample, chroma 4:2:0 → 1.5 samples a pixel
    expect(decoderMiB({ progressive: true, chromaSubsampling: '4:2:0' })).toBeCloseTo((50e6 * 3) / MIB, 0);
    expect(decoderMiB({ progressive: true, chromaSubsampling: '4:4:4' })).toBeCloseTo((50e6 * 6) / MIB, 0);
    // Interlaced 16-bit RGBA PNG: the whole image, 8 bytes a pixel, and libpng's copy
    expect(decoderMiB({ format: 'png', progressive: true, bands: 4, bytesPerSample: 2 })).toBeCloseTo((50e6 * 8 * 1.3) / MIB, 0);
  });

  it('counts the whole AVIF frame libheif decodes, more for 10-bit samples', () => {
    const eightBit = decoderMiB({ format: 'avif', width: 7000, height: 7000 });
    const tenBit = decoderMiB({ format: 'avif', width: 7000, height: 7000, bytesPerSample: 2 });

    expect(eightBit).toBeGreaterThan(900); // measured: 860 MB above baseline for a 1.4 KB 7000×7000 AVIF
    expect(tenBit).toBeGreaterThan(eightBit);
  });

  it('counts the animation canvas of a GIF and the decoded copy of the largest output', () => {
    expect(decoderMiB({ format: 'gif', width: 1000, height: 1000 })).toBeCloseTo((8 * 1e6) / MIB, 1);
    const withOutputs = estimateDecodeBytes(facts({}), { decodedPixels: 1024 * 768, outputPixels: [1024 * 768, 256 * 192] });
    expect(withOutputs - PIPELINE_OVERHEAD_BYTES).toBe(1024 * 768 * 4 + (1024 * 768 + 256 * 192) * 8);
  });
});

describe('defaultDecodeBudgetBytes', () => {
  it('leaves the runtime and every record in flight their memory, and 10 % for fragmentation', () => {
    expect(defaultDecodeBudgetBytes(2048, 2, 25 * MIB)).toBe(Math.floor((2048 - 192 - 2 * (25 + 16)) * MIB * 0.9));
    expect(defaultDecodeBudgetBytes(128, 10, 25 * MIB)).toBe(64 * MIB);
  });
});
