import { TOMBSTONE_LIFETIME_SECONDS } from '../domain/read-images';
import { ConfigError, EnvReader } from './env-reader';
import { loadImagesApiFunctionConfig, loadMetricsFunctionConfig, loadProcessorFunctionConfig, loadUploadFunctionConfig, readUploadLimits } from './function-config';

const processorEnv = {
  ORIGINALS_BUCKET: 'originals',
  PROCESSED_BUCKET: 'processed',
  IMAGES_TABLE: 'images',
  USAGE_TABLE: 'usage',
  NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:image-events',
};

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('upload function configuration', () => {
  it('has production defaults: 5 minute URLs, 25 MiB, six image types', () => {
    const config = loadUploadFunctionConfig({ ORIGINALS_BUCKET: 'originals', IMAGES_TABLE: 'images', USAGE_TABLE: 'usage' });

    expect(config).toEqual({
      logLevel: 'info',
      s3ForcePathStyle: false,
      sdkConnectTimeoutMs: 3000,
      sdkRequestTimeoutMs: 15000,
      originalsBucketName: 'originals',
      imagesTableName: 'images',
      usageTableName: 'usage',
      allowedFormats: ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'],
      maxUploadBytes: 26214400,
      expiresInSeconds: 300,
      // The URL's lifetime plus a 15-minute margin for a slow upload and a busy queue.
      pendingExpiresAfterSeconds: 1200,
      quotas: { pendingUploads: 20, storedImages: 10_000, storedBytes: 5 * 1024 ** 3 },
    });
  });

  it('reads every setting', () => {
    const config = loadUploadFunctionConfig({
      ORIGINALS_BUCKET: 'originals',
      IMAGES_TABLE: 'images',
      USAGE_TABLE: 'usage',
      MAX_PENDING_UPLOADS_PER_USER: '5',
      MAX_IMAGES_PER_USER: '50',
      MAX_BYTES_PER_USER: '1000000',
      PENDING_EXPIRES_AFTER_SECONDS: '4000',
      S3_PUBLIC_ENDPOINT: 'http://localhost:4566',
      S3_FORCE_PATH_STYLE: 'true',
      ALLOWED_CONTENT_TYPES: 'image/png, IMAGE/JPEG',
      MAX_UPLOAD_BYTES: '1000',
      UPLOAD_URL_EXPIRES_IN_SECONDS: '3600',
      LOG_LEVEL: 'debug',
    });

    expect(config).toMatchObject({
      s3PublicEndpoint: 'http://localhost:4566',
      s3ForcePathStyle: true,
      allowedFormats: ['png', 'jpeg'],
      maxUploadBytes: 1000,
      expiresInSeconds: 3600,
      pendingExpiresAfterSeconds: 4000,
      quotas: { pendingUploads: 5, storedImages: 50, storedBytes: 1_000_000 },
      logLevel: 'debug',
    });
  });

  it('lets a reservation lapse only after its URL has expired', () => {
    expect(
      problemsOf(() =>
        loadUploadFunctionConfig({ ORIGINALS_BUCKET: 'originals', IMAGES_TABLE: 'images', USAGE_TABLE: 'usage', PENDING_EXPIRES_AFTER_SECONDS: '300' }),
      ),
    ).toEqual(['PENDING_EXPIRES_AFTER_SECONDS (300) must be longer than UPLOAD_URL_EXPIRES_IN_SECONDS (300)']);
  });

  it('never lets an upload URL outlive a deleted image\'s tombstone, so a late upload always finds it', () => {
    const env = { ORIGINALS_BUCKET: 'originals', IMAGES_TABLE: 'images', USAGE_TABLE: 'usage' };

    expect(problemsOf(() => loadUploadFunctionConfig({ ...env, UPLOAD_URL_EXPIRES_IN_SECONDS: String(TOMBSTONE_LIFETIME_SECONDS) }))).toEqual([
      expect.stringMatching(/^UPLOAD_URL_EXPIRES_IN_SECONDS must be a whole number from 1 to \d+/),
    ]);
  });

  it('reports every problem in one error', () => {
    const problems = problemsOf(() =>
      loadUploadFunctionConfig({
        IMAGES_TABLE: 'x',
        ALLOWED_CONTENT_TYPES: 'image/svg+xml',
        UPLOAD_URL_EXPIRES_IN_SECONDS: '3601',
        MAX_UPLOAD_BYTES: 'lots',
        S3_PUBLIC_ENDPOINT: 'localhost:4566',
        S3_FORCE_PATH_STYLE: 'yes',
        LOG_LEVEL: 'verbose',
        MAX_PENDING_UPLOADS_PER_USER: '0',
      }),
    );

    expect(problems).toEqual(
      expect.arrayContaining([
        'ORIGINALS_BUCKET is required',
        'USAGE_TABLE is required',
        'MAX_PENDING_UPLOADS_PER_USER must be a whole number from 1 to 1000, got "0"',
        'IMAGES_TABLE: "x" is not a valid DynamoDB table name',
        expect.stringMatching(/^ALLOWED_CONTENT_TYPES: "image\/svg\+xml" is not one of/),
        'UPLOAD_URL_EXPIRES_IN_SECONDS must be a whole number from 1 to 3600, got "3601"',
        expect.stringMatching(/^MAX_UPLOAD_BYTES must be a whole number/),
        expect.stringMatching(/^S3_PUBLIC_ENDPOINT: "localhost:4566" is not an http\(s\) URL/),
        'S3_FORCE_PATH_STYLE must be true or false, got "yes"',
        'LOG_LEVEL must be one of debug, info, warn, error, got "verbose"',
      ]),
    );
    expect(problems).toHaveLength(10);
  });

  it('is frozen', () => {
    const config = loadUploadFunctionConfig({ ORIGINALS_BUCKET: 'originals', IMAGES_TABLE: 'images', USAGE_TABLE: 'usage' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.allowedFormats)).toBe(true);
  });
});

describe('processor configuration', () => {
  it('defaults to a 256 px thumbnail plus a 1024 px WebP, concurrency 2', () => {
    expect(loadProcessorFunctionConfig(processorEnv)).toMatchObject({
      thumbnailMaxPx: 256,
      renditions: [{ widthPx: 1024, format: 'webp' }],
      concurrency: 2,
      maxInputPixels: 50_000_000,
      maxFrames: 1000,
      maxUploadBytes: 26214400,
    });
  });

  it('reads a list of renditions, or none', () => {
    expect(loadProcessorFunctionConfig({ ...processorEnv, RENDITIONS: '2048.jpg, 512.avif,64.png' }).renditions).toEqual([
      { widthPx: 2048, format: 'jpeg' },
      { widthPx: 512, format: 'avif' },
      { widthPx: 64, format: 'png' },
    ]);
    expect(loadProcessorFunctionConfig({ ...processorEnv, RENDITIONS: '' }).renditions).toEqual([]);
  });

  it('reports every problem in one error', () => {
    const problems = problemsOf(() =>
      loadProcessorFunctionConfig({
        ORIGINALS_BUCKET: 'Bad_Bucket',
        NOTIFICATIONS_TOPIC_ARN: 'image-events',
        RENDITIONS: '1024.webp,huge.gif,9000.jpg,10.jpg,1024.gif',
        PROCESSING_CONCURRENCY: '0',
      }),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^RENDITIONS: "huge.gif"/),
      expect.stringMatching(/^RENDITIONS: "9000.jpg"/),
      expect.stringMatching(/^RENDITIONS: "10.jpg"/),
      expect.stringMatching(/^RENDITIONS: "1024.gif"/),
      'PROCESSING_CONCURRENCY must be a whole number from 1 to 10, got "0"',
      'ORIGINALS_BUCKET: "Bad_Bucket" is not a valid S3 bucket name',
      'PROCESSED_BUCKET is required',
      'IMAGES_TABLE is required',
      'USAGE_TABLE is required',
      'NOTIFICATIONS_TOPIC_ARN: "image-events" is not an SNS topic ARN',
    ]);
  });
});

describe('processor image settings', () => {
  it('derives the decode memory budget from the function memory size, the concurrency and the upload limit', () => {
    const deployed = loadProcessorFunctionConfig({ ...processorEnv, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' });
    const fourAtOnce = loadProcessorFunctionConfig({ ...processorEnv, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048', PROCESSING_CONCURRENCY: '4' });
    const bigger = loadProcessorFunctionConfig({ ...processorEnv, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '4096' });

    // (2048 MiB - 192 MiB runtime - 2 × (25 MiB upload + 16 MiB)) × 0.9, in whole MiB
    expect(deployed.decodeMemoryBudgetBytes).toBe(1596 * 1024 * 1024);
    expect(fourAtOnce.decodeMemoryBudgetBytes).toBeLessThan(deployed.decodeMemoryBudgetBytes);
    expect(bigger.decodeMemoryBudgetBytes).toBeGreaterThan(deployed.decodeMemoryBudgetBytes);
  });

  it('takes an explicit budget, AVIF effort and longest output edge', () => {
    expect(
      loadProcessorFunctionConfig({ ...processorEnv, DECODE_MEMORY_BUDGET_MB: '700', AVIF_EFFORT: '6', MAX_OUTPUT_EDGE_PX: '4096' }),
    ).toMatchObject({ decodeMemoryBudgetBytes: 700 * 1024 * 1024, avifEffort: 6, maxOutputEdgePx: 4096 });
  });

  it('defaults to AVIF effort 3, an 8192 px longest edge and the six formats without HEIC', () => {
    expect(loadProcessorFunctionConfig(processorEnv)).toMatchObject({
      avifEffort: 3,
      maxOutputEdgePx: 8192,
      acceptedFormats: ['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff'],
    });
  });

  it('switches HEIC and HEIF on through ALLOWED_CONTENT_TYPES, for the upload function and the processor alike', () => {
    const env = { ...processorEnv, ALLOWED_CONTENT_TYPES: 'image/jpeg,image/heic,image/heif' };

    expect(loadProcessorFunctionConfig(env).acceptedFormats).toEqual(['jpeg', 'heic', 'heif']);
    expect(loadUploadFunctionConfig(env).allowedFormats).toEqual(['jpeg', 'heic', 'heif']);
  });

  it('refuses settings out of range', () => {
    expect(
      problemsOf(() => loadProcessorFunctionConfig({ ...processorEnv, AVIF_EFFORT: '10', DECODE_MEMORY_BUDGET_MB: '10', MAX_OUTPUT_EDGE_PX: '8' })),
    ).toEqual([
      expect.stringMatching(/^DECODE_MEMORY_BUDGET_MB/),
      expect.stringMatching(/^AVIF_EFFORT/),
      expect.stringMatching(/^MAX_OUTPUT_EDGE_PX/),
    ]);
  });
});

describe('upload limits, as uploaders must know them', () => {
  it('are the limits the functions enforce by default', () => {
    const limits = readUploadLimits(new EnvReader({}));
    const upload = loadUploadFunctionConfig({ ORIGINALS_BUCKET: 'originals', IMAGES_TABLE: 'images', USAGE_TABLE: 'usage' });
    const processor = loadProcessorFunctionConfig(processorEnv);

    expect(limits).toEqual({
      maxUploadBytes: upload.maxUploadBytes,
      allowedContentTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'],
      maxInputPixels: processor.maxInputPixels,
    });
  });

  it('follow the same variables as the functions, and refuse what they refuse', () => {
    const env = { MAX_UPLOAD_BYTES: '1048576', ALLOWED_CONTENT_TYPES: 'image/png,IMAGE/JPEG', MAX_INPUT_PIXELS: '1000000' };
    const reader = new EnvReader({ ...env, ALLOWED_CONTENT_TYPES: 'image/svg+xml' });

    expect(readUploadLimits(new EnvReader(env))).toEqual({ maxUploadBytes: 1_048_576, allowedContentTypes: ['image/png', 'image/jpeg'], maxInputPixels: 1_000_000 });
    readUploadLimits(reader);
    expect(() => reader.finish({})).toThrow(/ALLOWED_CONTENT_TYPES: "image\/svg\+xml" is not one of/);
  });
});

describe('images-api configuration', () => {
  const env = { ORIGINALS_BUCKET: 'originals', PROCESSED_BUCKET: 'processed', IMAGES_TABLE: 'images', USAGE_TABLE: 'usage', CURSOR_SIGNING_KEY: 'k'.repeat(32) };

  it('signs rendition URLs for 15 minutes by default', () => {
    expect(loadImagesApiFunctionConfig(env)).toMatchObject({ renditionUrlExpiresInSeconds: 900, processedBucketName: 'processed', cursorSigningKey: 'k'.repeat(32) });
    expect(loadImagesApiFunctionConfig({ ...env, RENDITION_URL_EXPIRES_IN_SECONDS: '60', S3_PUBLIC_ENDPOINT: 'http://localhost:4566' })).toMatchObject({
      renditionUrlExpiresInSeconds: 60,
      s3PublicEndpoint: 'http://localhost:4566',
    });
  });

  it('needs a cursor signing key of at least 32 characters, and never repeats it in a problem', () => {
    const problems = problemsOf(() => loadImagesApiFunctionConfig({ ...env, CURSOR_SIGNING_KEY: 'short-secret', RENDITION_URL_EXPIRES_IN_SECONDS: '3601' }));

    expect(problems).toEqual([
      'RENDITION_URL_EXPIRES_IN_SECONDS must be a whole number from 1 to 3600, got "3601"',
      'CURSOR_SIGNING_KEY: must be at least 32 characters (a random secret)',
    ]);
    expect(problems.join()).not.toContain('short-secret');
    expect(problemsOf(() => loadImagesApiFunctionConfig({}))).toHaveLength(5);
  });
});

describe('metrics configuration', () => {
  it('measures the originals and processed buckets into CustomS3 by default', () => {
    expect(loadMetricsFunctionConfig(processorEnv)).toMatchObject({
      bucketNames: ['originals', 'processed'],
      namespace: 'CustomS3',
      partitionPrefixes: ['user-uploads/', 'processed/'],
      maxParallelListings: 16,
      reserveMs: 10_000,
    });
  });

  it('takes an explicit bucket list, namespace and partitioning', () => {
    expect(
      loadMetricsFunctionConfig({ METRICS_BUCKETS: 'a-bucket,b-bucket', METRICS_NAMESPACE: 'Team/Images', METRICS_PARTITION_PREFIXES: '' }),
    ).toMatchObject({ bucketNames: ['a-bucket', 'b-bucket'], namespace: 'Team/Images', partitionPrefixes: [] });
  });

  it('reports every problem in one error', () => {
    const problems = problemsOf(() =>
      loadMetricsFunctionConfig({ METRICS_BUCKETS: 'ok-bucket,NOT_OK', METRICS_NAMESPACE: 'AWS/S3', METRICS_MAX_PARALLEL_LISTINGS: '100' }),
    );

    expect(problems).toEqual([
      'METRICS_BUCKETS: "NOT_OK" is not a valid S3 bucket name',
      'METRICS_NAMESPACE: "AWS/S3" is not a valid custom namespace',
      'METRICS_MAX_PARALLEL_LISTINGS must be a whole number from 1 to 64, got "100"',
    ]);
  });

  it('needs some bucket to measure', () => {
    expect(problemsOf(() => loadMetricsFunctionConfig({}))).toEqual([
      'METRICS_BUCKETS is required (or ORIGINALS_BUCKET and PROCESSED_BUCKET, its default)',
    ]);
  });
});
