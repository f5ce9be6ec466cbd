import { decodeHeif } from './heif-decoder';

// The decoder is loaded from node_modules on first use. A deployment that accepts HEIC without it
// installed must fail the message (retried, then dead-lettered), never reject the user's image.
jest.mock('libheif-js/libheif-wasm/libheif-bundle.js', () => {
  throw new Error("Cannot find module 'libheif-js/libheif-wasm/libheif-bundle.js'");
});

describe('decodeHeif without its decoder installed', () => {
  it('fails as a misconfiguration that is not the image\'s fault', async () => {
    // Arrange
    const anyBytes = new Uint8Array([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63]);

    // Act
    const decoding = decodeHeif(anyBytes);

    // Assert
    await expect(decoding).rejects.toMatchObject({ name: 'MisconfigurationError', code: 'MISCONFIGURATION' });
    await expect(decoding).rejects.toThrow(/HEIC is accepted but its decoder \(libheif-js\) cannot be loaded/);
  });
});
