import {
  contentTypeOf,
  formatFromContentType,
  formatFromExtension,
  IMAGE_FORMATS,
  type ImageFormat,
  OUTPUT_FORMATS,
  type OutputFormat,
} from '../domain/image-format';
import type { RenditionSpec } from '../domain/process-upload';
import { checkBucketName, checkTableName, checkTopicArn, checkUrl, type Env, EnvReader } from './env-reader';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MIB = 1024 * 1024;
/** S3's limit for a single PUT. https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 * MIB;
/** SigV4 presigned URLs cannot outlive this, and we cap it at an hour on purpose. */
const MAX_URL_LIFETIME_SECONDS = 3600;

/** Settings every function shares: logging and how the SDK clients connect. */
export interface RuntimeConfig {
  readonly logLevel: LogLevel;
  readonly s3ForcePathStyle: boolean;
  readonly sdkConnectTimeoutMs: number;
  readonly sdkRequestTimeoutMs: number;
}

/** The local tools change two defaults: LocalStack needs path-style S3, SQS long polls need 20 s. */
export function readRuntime(
  reader: EnvReader,
  defaults: { s3ForcePathStyle: boolean; sdkRequestTimeoutMs: number } = { s3ForcePathStyle: false, sdkRequestTimeoutMs: 15_000 },
): RuntimeConfig {
  return {
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    s3ForcePathStyle: reader.boolean('S3_FORCE_PATH_STYLE', defaults.s3ForcePathStyle),
    sdkConnectTimeoutMs: reader.integer('SDK_CONNECT_TIMEOUT_MS', { default: 3000, min: 100, max: 60_000 }),
    sdkRequestTimeoutMs: reader.integer('SDK_REQUEST_TIMEOUT_MS', { default: defaults.sdkRequestTimeoutMs, min: 100, max: 600_000 }),
  };
}

function readMaxUploadBytes(reader: EnvReader): number {
  return reader.integer('MAX_UPLOAD_BYTES', { default: 25 * MIB, min: 1, max: MAX_SINGLE_PUT_BYTES });
}

export interface UploadFunctionConfig extends RuntimeConfig {
  readonly originalsBucketName: string;
  readonly imagesTableName: string;
  /** Where the uploader reaches S3, when that differs from where the function does (local Docker). */
  readonly s3PublicEndpoint?: string;
  readonly allowedFormats: readonly ImageFormat[];
  readonly maxUploadBytes: number;
  readonly expiresInSeconds: number;
}

export function loadUploadFunctionConfig(env: Env): Readonly<UploadFunctionConfig> {
  const reader = new EnvReader(env);
  const contentTypes = reader.list('ALLOWED_CONTENT_TYPES', IMAGE_FORMATS.map(contentTypeOf));
  const allowedFormats = contentTypes.flatMap((type) => {
    const format = formatFromContentType(type.toLowerCase());
    if (!format) reader.problem(`ALLOWED_CONTENT_TYPES: "${type}" is not one of ${IMAGE_FORMATS.map(contentTypeOf).join(', ')}`);
    return format ? [format] : [];
  });
  if (contentTypes.length === 0) reader.problem('ALLOWED_CONTENT_TYPES must name at least one type');
  const s3PublicEndpoint = reader.optional('S3_PUBLIC_ENDPOINT', checkUrl);
  return reader.finish({
    ...readRuntime(reader),
    originalsBucketName: reader.required('ORIGINALS_BUCKET', checkBucketName),
    imagesTableName: reader.required('IMAGES_TABLE', checkTableName),
    ...(s3PublicEndpoint !== undefined ? { s3PublicEndpoint } : {}),
    allowedFormats,
    maxUploadBytes: readMaxUploadBytes(reader),
    expiresInSeconds: reader.integer('UPLOAD_URL_EXPIRES_IN_SECONDS', { default: 300, min: 1, max: MAX_URL_LIFETIME_SECONDS }),
  });
}

export interface ProcessorFunctionConfig extends RuntimeConfig {
  readonly originalsBucketName: string;
  readonly processedBucketName: string;
  readonly imagesTableName: string;
  readonly topicArn: string;
  readonly maxUploadBytes: number;
  readonly maxInputPixels: number;
  readonly maxFrames: number;
  readonly thumbnailMaxPx: number;
  readonly renditions: readonly RenditionSpec[];
  readonly concurrency: number;
}

export function loadProcessorFunctionConfig(env: Env): Readonly<ProcessorFunctionConfig> {
  const reader = new EnvReader(env);
  const renditions = reader.list('RENDITIONS', ['1024.webp']).flatMap((item) => {
    const spec = parseRendition(item);
    if (!spec) {
      reader.problem(
        `RENDITIONS: "${item}" is not <width>.<format> with a width of 16 to 8192 and a format of ${OUTPUT_FORMATS.join(', ')} (e.g. 1024.webp)`,
      );
    }
    return spec ? [spec] : [];
  });
  return reader.finish({
    ...readRuntime(reader),
    originalsBucketName: reader.required('ORIGINALS_BUCKET', checkBucketName),
    processedBucketName: reader.required('PROCESSED_BUCKET', checkBucketName),
    imagesTableName: reader.required('IMAGES_TABLE', checkTableName),
    topicArn: reader.required('NOTIFICATIONS_TOPIC_ARN', checkTopicArn),
    maxUploadBytes: readMaxUploadBytes(reader),
    maxInputPixels: reader.integer('MAX_INPUT_PIXELS', { default: 50_000_000, min: 1, max: 1_000_000_000 }),
    maxFrames: reader.integer('MAX_ANIMATION_FRAMES', { default: 1000, min: 1, max: 100_000 }),
    thumbnailMaxPx: reader.integer('THUMBNAIL_MAX_PX', { default: 256, min: 16, max: 4096 }),
    renditions,
    concurrency: reader.integer('PROCESSING_CONCURRENCY', { default: 2, min: 1, max: 10 }),
  });
}

function parseRendition(item: string): RenditionSpec | undefined {
  const match = /^(\d{2,4})\.([a-z]+)$/.exec(item);
  if (!match) return undefined;
  const widthPx = Number(match[1]);
  const format = formatFromExtension(match[2] ?? '');
  if (widthPx < 16 || widthPx > 8192 || !format || !(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    return undefined;
  }
  return { widthPx, format: format as OutputFormat };
}

export interface MetricsFunctionConfig extends RuntimeConfig {
  readonly bucketNames: readonly string[];
  readonly namespace: string;
  readonly partitionPrefixes: readonly string[];
  readonly maxParallelListings: number;
  readonly reserveMs: number;
}

/** CloudWatch takes 1000 datums per PutMetricData call and we send two per bucket. */
const MAX_MEASURED_BUCKETS = 500;

export function loadMetricsFunctionConfig(env: Env): Readonly<MetricsFunctionConfig> {
  const reader = new EnvReader(env);
  const defaults = [env.ORIGINALS_BUCKET, env.PROCESSED_BUCKET].filter((name): name is string => !!name?.trim());
  const bucketNames = [...new Set(reader.list('METRICS_BUCKETS', defaults))];
  if (bucketNames.length === 0) {
    reader.problem('METRICS_BUCKETS is required (or ORIGINALS_BUCKET and PROCESSED_BUCKET, its default)');
  }
  if (bucketNames.length > MAX_MEASURED_BUCKETS) {
    reader.problem(`METRICS_BUCKETS names ${bucketNames.length} buckets; at most ${MAX_MEASURED_BUCKETS} fit one PutMetricData call`);
  }
  for (const name of bucketNames) {
    const problem = checkBucketName(name);
    if (problem) reader.problem(`METRICS_BUCKETS: ${problem}`);
  }
  const partitionPrefixes = reader.list('METRICS_PARTITION_PREFIXES', ['user-uploads/', 'processed/']);
  for (const prefix of partitionPrefixes) {
    if (!/^[\x20-\x7e]{1,512}$/.test(prefix)) reader.problem(`METRICS_PARTITION_PREFIXES: "${prefix}" must be printable ASCII`);
  }
  return reader.finish({
    ...readRuntime(reader),
    bucketNames,
    namespace: reader.optional('METRICS_NAMESPACE', (value) =>
      /^[A-Za-z0-9._/#:-]{1,255}$/.test(value) && !value.startsWith('AWS/') ? undefined : `"${value}" is not a valid custom namespace`,
    ) ?? 'CustomS3',
    partitionPrefixes,
    maxParallelListings: reader.integer('METRICS_MAX_PARALLEL_LISTINGS', { default: 16, min: 1, max: 64 }),
    reserveMs: reader.integer('METRICS_RESERVE_MS', { default: 10_000, min: 0, max: 600_000 }),
  });
}
