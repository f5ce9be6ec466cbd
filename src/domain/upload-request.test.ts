import { RequestError } from './errors';
import { parseUploadRequest, type UploadPolicy } from './upload-request';

const policy: UploadPolicy = {
  allowedFormats: ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'],
  maxUploadBytes: 25 * 1024 * 1024,
  expiresInSeconds: 300,
};

function refusal(body: string | undefined, withPolicy = policy): RequestError {
  try {
    parseUploadRequest(body, withPolicy);
  } catch (error) {
    if (error instanceof RequestError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

const json = (value: unknown) => JSON.stringify(value);

describe('parseUploadRequest', () => {
  it('refuses HEIC by default and takes image/heic and image/heif once an operator allows them', () => {
    const body = (contentType: string) => JSON.stringify({ contentType, contentLength: 1000 });
    const withHeic = { ...policy, allowedFormats: [...policy.allowedFormats, 'heic', 'heif'] as const };

    expect(() => parseUploadRequest(body('image/heic'), policy)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
    expect(parseUploadRequest(body('image/heic'), withHeic)).toMatchObject({ format: 'heic', contentType: 'image/heic' });
    expect(parseUploadRequest(body('IMAGE/HEIF'), withHeic)).toMatchObject({ format: 'heif', contentType: 'image/heif' });
  });

  it('accepts a type and a size, and picks the format from the type', () => {
    expect(parseUploadRequest(json({ contentType: 'image/png', contentLength: 123456 }), policy)).toEqual({
      format: 'png',
      contentType: 'image/png',
      contentLength: 123456,
    });
  });

  it('treats the media type case-insensitively and keeps an optional file name for display', () => {
    expect(parseUploadRequest(json({ contentType: ' IMAGE/JPEG ', contentLength: 1, fileName: 'Holiday 2026.jpg' }), policy)).toEqual({
      format: 'jpeg',
      contentType: 'image/jpeg',
      contentLength: 1,
      fileName: 'Holiday 2026.jpg',
    });
  });

  it('accepts exactly the maximum size', () => {
    expect(parseUploadRequest(json({ contentType: 'image/gif', contentLength: policy.maxUploadBytes }), policy).contentLength).toBe(
      policy.maxUploadBytes,
    );
  });

  it.each([
    ['no body', undefined],
    ['an empty body', ''],
    ['invalid JSON', '{"contentType": "image/png",'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"image/png"'],
    ['a missing contentType', json({ contentLength: 10 })],
    ['a numeric contentType', json({ contentType: 42, contentLength: 10 })],
    ['an empty contentType', json({ contentType: '', contentLength: 10 })],
    ['a missing contentLength', json({ contentType: 'image/png' })],
    ['a zero contentLength', json({ contentType: 'image/png', contentLength: 0 })],
    ['a negative contentLength', json({ contentType: 'image/png', contentLength: -5 })],
    ['a fractional contentLength', json({ contentType: 'image/png', contentLength: 10.5 })],
    ['a string contentLength', json({ contentType: 'image/png', contentLength: '10' })],
    ['an unsafe-integer contentLength', json({ contentType: 'image/png', contentLength: 2 ** 60 })],
    ['an unknown field', json({ contentType: 'image/png', contentLength: 10, key: '../../etc/passwd' })],
    ['a non-string fileName', json({ contentType: 'image/png', contentLength: 10, fileName: 7 })],
    ['an empty fileName', json({ contentType: 'image/png', contentLength: 10, fileName: '' })],
    ['a fileName with a newline', json({ contentType: 'image/png', contentLength: 10, fileName: 'a\nb.png' })],
    ['a fileName of 256 characters', json({ contentType: 'image/png', contentLength: 10, fileName: 'a'.repeat(256) })],
    ['a body over 4 KiB', json({ contentType: 'image/png', contentLength: 10, pad: 'x'.repeat(5000) })],
  ])('refuses %s with 400 INVALID_REQUEST', (_case, body) => {
    expect(refusal(body).code).toBe('INVALID_REQUEST');
  });

  it('reports every problem of a request at once', () => {
    const error = refusal(json({ contentLength: -1, extra: true, fileName: '' }));

    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.problems).toHaveLength(4);
    expect(error.message).toContain('contentType is required');
    expect(error.message).toContain('contentLength must be a positive whole number');
    expect(error.message).toContain('unknown field "extra"');
    expect(error.message).toContain('fileName must be a string');
  });

  it.each(['image/svg+xml', 'text/html', 'application/octet-stream', 'image/heic', 'image/jpg', 'image/png; charset=utf-8'])(
    'refuses the type %s with 415 UNSUPPORTED_MEDIA_TYPE',
    (contentType) => {
      expect(refusal(json({ contentType, contentLength: 10 })).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('refuses a known type the policy does not allow with 415', () => {
    const onlyJpeg = { ...policy, allowedFormats: ['jpeg'] as const };
    const error = refusal(json({ contentType: 'image/png', contentLength: 10 }), onlyJpeg);

    expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(error.message).toBe('contentType must be one of: image/jpeg.');
  });

  it('refuses a file one byte over the maximum with 413 PAYLOAD_TOO_LARGE', () => {
    const error = refusal(json({ contentType: 'image/png', contentLength: policy.maxUploadBytes + 1 }));

    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain(String(policy.maxUploadBytes));
  });
});
