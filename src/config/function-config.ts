import {
  DEFAULT_RENDITIONS,
  ENV,
  ORIGINALS_PREFIX,
  parseRenditionSpec,
  PROCESSED_PREFIX,
  RENDITION_SPEC_HINT,
  type RenditionSpec,
  STORAGE_METRICS,
} from '../contract';
import { defaultDecodeBudgetBytes } from '../domain/decode-memory';
import { contentTypeOf, DEFAULT_FORMATS, formatFromContentType, IMAGE_FORMATS, type ImageFormat } from '../domain/image-format';
import type { QuotaLimits } from '../domain/ports/image-repository';
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
    logLevel: reader.oneOf(ENV.logLevel, LOG_LEVELS, 'info'),
    s3ForcePathStyle: reader.boolean(ENV.s3ForcePathStyle, defaults.s3ForcePathStyle),
    sdkConnectTimeoutMs: reader.integer(ENV.sdkConnectTimeoutMs, { default: 3000, min: 100, max: 60_000 }),
    sdkRequestTimeoutMs: reader.integer(ENV.sdkRequestTimeoutMs, { default: defaults.sdkRequestTimeoutMs, min: 100, max: 600_000 }),
  };
}

function readMaxUploadBytes(reader: EnvReader): number {
  return reader.integer(ENV.maxUploadBytes, { default: 25 * MIB, min: 1, max: MAX_SINGLE_PUT_BYTES });
}

function readMaxInputPixels(reader: EnvReader): number {
  return reader.integer(ENV.maxInputPixels, { default: 50_000_000, min: 1, max: 1_000_000_000 });
}

/**
 * ALLOWED_CONTENT_TYPES, read the same way by the upload function (which types get a URL) and the
 * processor (which types it decodes): HEIC/HEIF only when an operator lists them.
 */
function readAllowedFormats(reader: EnvReader): ImageFormat[] {
  const contentTypes = reader.list(ENV.allowedContentTypes, DEFAULT_FORMATS.map(contentTypeOf));
  const allowedFormats = contentTypes.flatMap((type) => {
    const format = formatFromContentType(type.toLowerCase());
    if (!format) reader.problem(`${ENV.allowedContentTypes}: "${type}" is not one of ${IMAGE_FORMATS.map(contentTypeOf).join(', ')}`);
    return format ? [format] : [];
  });
  if (contentTypes.length === 0) reader.problem(`${ENV.allowedContentTypes} must name at least one type`);
  return [...new Set(allowedFormats)];
}

/**
 * The limits uploaders must know (the web app checks files against them before asking for a URL),
 * read from the same variables, with the same defaults, as the functions that enforce them.
 */
export interface UploadLimits {
  readonly maxUploadBytes: number;
  readonly allowedContentTypes: readonly string[];
  readonly maxInputPixels: number;
}

export function readUploadLimits(reader: EnvReader): UploadLimits {
  return {
    maxUploadBytes: readMaxUploadBytes(reader),
    allowedContentTypes: readAllowedFormats(reader).map(contentTypeOf),
    maxInputPixels: readMaxInputPixels(reader),
  };
}

/** The quotas' defaults (README "Quotas"). */
export const QUOTA_DEFAULTS = { pendingUploads: 20, storedImages: 10_000, storedBytes: 5 * 1024 * MIB } as const;
/** How long past its URL's expiry a reservation still waits for its upload by default. */
export const PENDING_EXPIRY_MARGIN_SECONDS = 900;

export interface UploadFunctionConfig extends RuntimeConfig {
  readonly originalsBucketName: string;
  readonly imagesTableName: string;
  readonly usageTableName: string;
  readonly quotas: QuotaLimits;
  readonly pendingExpiresAfterSeconds: number;
  /** Where the uploader reaches S3, when that differs from where the function does (local Docker). */
  readonly s3PublicEndpoint?: string;
  readonly allowedFormats: readonly ImageFormat[];
  readonly maxUploadBytes: number;
  readonly expiresInSeconds: number;
}

export function loadUploadFunctionConfig(env: Env): Readonly<UploadFunctionConfig> {
  const reader = new EnvReader(env);
  const allowedFormats = readAllowedFormats(reader);
  const s3PublicEndpoint = reader.optional(ENV.s3PublicEndpoint, checkUrl);
  const expiresInSeconds = reader.integer(ENV.uploadUrlExpiresInSeconds, { default: 300, min: 1, max: MAX_URL_LIFETIME_SECONDS });
  const pendingExpiresAfterSeconds = reader.integer(ENV.pendingExpiresAfterSeconds, {
    default: expiresInSeconds + PENDING_EXPIRY_MARGIN_SECONDS,
    min: 1,
    max: 7 * 24 * 3600,
  });
  // A reservation that lapsed while its URL still worked would let an upload arrive for an EXPIRED image.
  if (pendingExpiresAfterSeconds <= expiresInSeconds) {
    reader.problem(`${ENV.pendingExpiresAfterSeconds} (${pendingExpiresAfterSeconds}) must be longer than ${ENV.uploadUrlExpiresInSeconds} (${expiresInSeconds})`);
  }
  return reader.finish({
    ...readRuntime(reader),
    originalsBucketName: reader.required(ENV.originalsBucket, checkBucketName),
    imagesTableName: reader.required(ENV.imagesTable, checkTableName),
    usageTableName: reader.required(ENV.usageTable, checkTableName),
    ...(s3PublicEndpoint !== undefined ? { s3PublicEndpoint } : {}),
    allowedFormats,
    maxUploadBytes: readMaxUploadBytes(reader),
    expiresInSeconds,
    pendingExpiresAfterSeconds,
    quotas: {
      pendingUploads: reader.integer(ENV.maxPendingUploadsPerUser, { default: QUOTA_DEFAULTS.pendingUploads, min: 1, max: 1000 }),
      storedImages: reader.integer(ENV.maxImagesPerUser, { default: QUOTA_DEFAULTS.storedImages, min: 1, max: 1_000_000_000 }),
      storedBytes: reader.integer(ENV.maxBytesPerUser, { default: QUOTA_DEFAULTS.storedBytes, min: 1, max: Number.MAX_SAFE_INTEGER }),
    },
  });
}

export interface ProcessorFunctionConfig extends RuntimeConfig {
  readonly originalsBucketName: string;
  readonly processedBucketName: string;
  readonly imagesTableName: string;
  readonly usageTableName: string;
  readonly topicArn: string;
  readonly maxUploadBytes: number;
  readonly maxInputPixels: number;
  readonly maxFrames: number;
  readonly thumbnailMaxPx: number;
  readonly renditions: readonly RenditionSpec[];
  readonly concurrency: number;
  readonly acceptedFormats: readonly ImageFormat[];
  /** What concurrent decodes may allocate together (src/domain/decode-memory.ts). */
  readonly decodeMemoryBudgetBytes: number;
  readonly avifEffort: number;
  readonly maxOutputEdgePx: number;
}

export function loadProcessorFunctionConfig(env: Env): Readonly<ProcessorFunctionConfig> {
  const reader = new EnvReader(env);
  const renditions = reader.list(ENV.renditions, DEFAULT_RENDITIONS).flatMap((item) => {
    const spec = parseRenditionSpec(item);
    if (!spec) reader.problem(`${ENV.renditions}: "${item}" is not ${RENDITION_SPEC_HINT}`);
    return spec ? [spec] : [];
  });
  const maxUploadBytes = readMaxUploadBytes(reader);
  const concurrency = reader.integer(ENV.processingConcurrency, { default: 2, min: 1, max: 10 });
  // Lambda's own variable; the Runtime Interface Emulator sets it too.
  const memorySizeMb = reader.integer(ENV.lambdaMemorySizeMb, { default: 2048, min: 128, max: 10_240 });
  const derivedBudgetMb = Math.floor(defaultDecodeBudgetBytes(memorySizeMb, concurrency, maxUploadBytes) / MIB);
  return reader.finish({
    ...readRuntime(reader),
    originalsBucketName: reader.required(ENV.originalsBucket, checkBucketName),
    processedBucketName: reader.required(ENV.processedBucket, checkBucketName),
    imagesTableName: reader.required(ENV.imagesTable, checkTableName),
    usageTableName: reader.required(ENV.usageTable, checkTableName),
    topicArn: reader.required(ENV.notificationsTopicArn, checkTopicArn),
    maxUploadBytes,
    maxInputPixels: readMaxInputPixels(reader),
    maxFrames: reader.integer(ENV.maxAnimationFrames, { default: 1000, min: 1, max: 100_000 }),
    thumbnailMaxPx: reader.integer(ENV.thumbnailMaxPx, { default: 256, min: 16, max: 4096 }),
    renditions,
    concurrency,
    acceptedFormats: readAllowedFormats(reader),
    decodeMemoryBudgetBytes: reader.integer(ENV.decodeMemoryBudgetMb, { default: derivedBudgetMb, min: 64, max: 10_240 }) * MIB,
    // Effort 3: a 1024 px AVIF from a 12 MP photo encodes in 0.4-1.0 s on one core here, 3 % over
    // sharp's default effort 4, which takes 5 times as long (docs/BENCHMARKS.md "AVIF effort").
    avifEffort: reader.integer(ENV.avifEffort, { default: 3, min: 0, max: 9 }),
    maxOutputEdgePx: reader.integer(ENV.maxOutputEdgePx, { default: 8192, min: 16, max: 65_535 }),
  });
}

export interface ImagesApiFunctionConfig extends RuntimeConfig {
  readonly originalsBucketName: string;
  readonly processedBucketName: string;
  readonly imagesTableName: string;
  readonly usageTableName: string;
  /** Where clients reach S3, when that differs from where the function does (local Docker). */
  readonly s3PublicEndpoint?: string;
  readonly renditionUrlExpiresInSeconds: number;
  readonly cursorSigningKey: string;
}

/** Shortest CURSOR_SIGNING_KEY accepted: 32 characters, 256 bits of a random key in hex or base64. */
export const MIN_CURSOR_KEY_LENGTH = 32;

export function loadImagesApiFunctionConfig(env: Env): Readonly<ImagesApiFunctionConfig> {
  const reader = new EnvReader(env);
  const s3PublicEndpoint = reader.optional(ENV.s3PublicEndpoint, checkUrl);
  return reader.finish({
    ...readRuntime(reader),
    originalsBucketName: reader.required(ENV.originalsBucket, checkBucketName),
    processedBucketName: reader.required(ENV.processedBucket, checkBucketName),
    imagesTableName: reader.required(ENV.imagesTable, checkTableName),
    usageTableName: reader.required(ENV.usageTable, checkTableName),
    ...(s3PublicEndpoint !== undefined ? { s3PublicEndpoint } : {}),
    renditionUrlExpiresInSeconds: reader.integer(ENV.renditionUrlExpiresInSeconds, { default: 900, min: 1, max: MAX_URL_LIFETIME_SECONDS }),
    // Never logged or echoed: a problem names the variable only.
    cursorSigningKey: reader.required(ENV.cursorSigningKey, (value) =>
      value.length >= MIN_CURSOR_KEY_LENGTH ? undefined : `must be at least ${MIN_CURSOR_KEY_LENGTH} characters (a random secret)`,
    ),
  });
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
  const defaults = [env[ENV.originalsBucket], env[ENV.processedBucket]].filter((name): name is string => !!name?.trim());
  const bucketNames = [...new Set(reader.list(ENV.metricsBuckets, defaults))];
  if (bucketNames.length === 0) {
    reader.problem(`${ENV.metricsBuckets} is required (or ${ENV.originalsBucket} and ${ENV.processedBucket}, its default)`);
  }
  if (bucketNames.length > MAX_MEASURED_BUCKETS) {
    reader.problem(`${ENV.metricsBuckets} names ${bucketNames.length} buckets; at most ${MAX_MEASURED_BUCKETS} fit one PutMetricData call`);
  }
  for (const name of bucketNames) {
    const problem = checkBucketName(name);
    if (problem) reader.problem(`${ENV.metricsBuckets}: ${problem}`);
  }
  const partitionPrefixes = reader.list(ENV.metricsPartitionPrefixes, [ORIGINALS_PREFIX, PROCESSED_PREFIX]);
  for (const prefix of partitionPrefixes) {
    if (!/^[\x20-\x7e]{1,512}$/.test(prefix)) reader.problem(`${ENV.metricsPartitionPrefixes}: "${prefix}" must be printable ASCII`);
  }
  return reader.finish({
    ...readRuntime(reader),
    bucketNames,
    namespace: reader.optional(ENV.metricsNamespace, (value) =>
      /^[A-Za-z0-9._/#:-]{1,255}$/.test(value) && !value.startsWith('AWS/') ? undefined : `"${value}" is not a valid custom namespace`,
    ) ?? STORAGE_METRICS.namespace,
    partitionPrefixes,
    maxParallelListings: reader.integer(ENV.metricsMaxParallelListings, { default: 16, min: 1, max: 64 }),
    reserveMs: reader.integer(ENV.metricsReserveMs, { default: 10_000, min: 0, max: 600_000 }),
  });
}
