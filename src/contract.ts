/**
 * The names the functions, the CDK app (infra/), the local workbench and the tests share. Each is
 * written here once and imported everywhere else, so a rename cannot leave one side behind.
 * Pure data and one pure parser: no imports, so infra can import it without pulling in the SDK.
 */

/** Environment variables the functions read (README "Configuration"). */
export const ENV = {
  originalsBucket: 'ORIGINALS_BUCKET',
  processedBucket: 'PROCESSED_BUCKET',
  imagesTable: 'IMAGES_TABLE',
  notificationsTopicArn: 'NOTIFICATIONS_TOPIC_ARN',
  maxUploadBytes: 'MAX_UPLOAD_BYTES',
  allowedContentTypes: 'ALLOWED_CONTENT_TYPES',
  uploadUrlExpiresInSeconds: 'UPLOAD_URL_EXPIRES_IN_SECONDS',
  s3PublicEndpoint: 'S3_PUBLIC_ENDPOINT',
  maxInputPixels: 'MAX_INPUT_PIXELS',
  maxAnimationFrames: 'MAX_ANIMATION_FRAMES',
  thumbnailMaxPx: 'THUMBNAIL_MAX_PX',
  renditions: 'RENDITIONS',
  processingConcurrency: 'PROCESSING_CONCURRENCY',
  decodeMemoryBudgetMb: 'DECODE_MEMORY_BUDGET_MB',
  avifEffort: 'AVIF_EFFORT',
  maxOutputEdgePx: 'MAX_OUTPUT_EDGE_PX',
  /** Set by Lambda (and the Runtime Interface Emulator) to the function's memory size. */
  lambdaMemorySizeMb: 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  metricsBuckets: 'METRICS_BUCKETS',
  metricsNamespace: 'METRICS_NAMESPACE',
  metricsPartitionPrefixes: 'METRICS_PARTITION_PREFIXES',
  metricsMaxParallelListings: 'METRICS_MAX_PARALLEL_LISTINGS',
  metricsReserveMs: 'METRICS_RESERVE_MS',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
  sdkConnectTimeoutMs: 'SDK_CONNECT_TIMEOUT_MS',
  sdkRequestTimeoutMs: 'SDK_REQUEST_TIMEOUT_MS',
  logLevel: 'LOG_LEVEL',
  usageTable: 'USAGE_TABLE',
  pendingExpiresAfterSeconds: 'PENDING_EXPIRES_AFTER_SECONDS',
  maxPendingUploadsPerUser: 'MAX_PENDING_UPLOADS_PER_USER',
  maxImagesPerUser: 'MAX_IMAGES_PER_USER',
  maxBytesPerUser: 'MAX_BYTES_PER_USER',
  renditionUrlExpiresInSeconds: 'RENDITION_URL_EXPIRES_IN_SECONDS',
  cursorSigningKey: 'CURSOR_SIGNING_KEY',
} as const;

/**
 * ALLOWED_CONTENT_TYPES: the types accepted when it is unset, and the HEIC/HEIF types an operator
 * may add (README "HEIC and HEIF"; infra's `heic` context key).
 */
export const DEFAULT_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'] as const;
export const HEIC_CONTENT_TYPES = ['image/heic', 'image/heif'] as const;

/** The S3 key layout: originals `user-uploads/<userId>/<imageId>.<ext>`, renditions under `processed/`. */
export const ORIGINALS_PREFIX = 'user-uploads/';
export const PROCESSED_PREFIX = 'processed/';

/** The images table: one item per image, keyed by its id. */
export const IMAGES_TABLE_KEY = 'imageId';
/** The index that lists one user's images, newest first. */
export const IMAGES_BY_USER_INDEX = { name: 'byUserCreatedAt', partitionKey: 'userId', sortKey: 'createdAt' } as const;
/** The images table's TTL attribute (epoch seconds): set on PENDING, EXPIRED and DELETED records only. */
export const IMAGES_TTL_ATTRIBUTE = 'expiresAt';
/** The usage table: one item per user with the counters the quotas are enforced on. */
export const USAGE_TABLE_KEY = 'userId';

/** Where an image is in its life (src/domain/image-lifecycle.ts says which moves are allowed). */
export const IMAGE_STATUSES = ['PENDING', 'DONE', 'REJECTED', 'FAILED', 'EXPIRED', 'DELETED'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];
/** The statuses the HTTP API shows: a DELETED image is gone (404). */
export const VISIBLE_STATUSES = ['PENDING', 'DONE', 'REJECTED', 'FAILED', 'EXPIRED'] as const satisfies readonly ImageStatus[];
export type VisibleStatus = (typeof VISIBLE_STATUSES)[number];
/** The statuses a notification announces. */
export const NOTIFIED_STATUSES = ['DONE', 'REJECTED', 'FAILED'] as const satisfies readonly ImageStatus[];
export type NotifiedStatus = (typeof NOTIFIED_STATUSES)[number];

/** SNS message attributes on every notification, for subscription filter policies. */
export const NOTIFICATION_ATTRIBUTES = { status: 'status', userId: 'userId' } as const;
/** The notifications topic's DisplayName: the sender's name on its e-mails. */
export const NOTIFICATIONS_TOPIC_DISPLAY_NAME = 'Image processing notifications';

/** What s3-metrics publishes. */
export const STORAGE_METRICS = {
  namespace: 'CustomS3',
  bucketSizeBytes: 'BucketSizeBytes',
  numberOfObjects: 'NumberOfObjects',
  bucketDimension: 'BucketName',
} as const;

/**
 * When each stage of an image's processing happened, kept on its record under `stages` (ISO 8601
 * times), in the order they happen. The record's own `createdAt` (URL issued), `processedAt` (final
 * state written) and `notifiedAt` (notification sent) complete the timeline.
 * - objectCreatedAt: S3's event time for the upload (the PUT completed);
 * - queuedAt: SQS received the S3 notification (the message's SentTimestamp);
 * - receivedAt: the processor's invocation with this message began;
 * - startedAt: work on this image began (a batch's images share a few workers);
 * - downloadedAt, renderedAt, storedAt: the original read, every rendition made, every rendition written.
 */
export const PROCESSING_STAGES = [
  'objectCreatedAt',
  'queuedAt',
  'receivedAt',
  'startedAt',
  'downloadedAt',
  'renderedAt',
  'storedAt',
] as const;
export type ProcessingStage = (typeof PROCESSING_STAGES)[number];
/** The record attribute that holds the stage times. */
export const STAGES_ATTRIBUTE = 'stages';

/**
 * What the functions publish about their own work in CloudWatch Embedded Metric Format (log lines
 * that CloudWatch turns into metrics): https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * Every metric carries the `service` dimension (the function); outcomes also `Status`, and `Reason`
 * where there is one.
 */
export const OPERATIONAL_METRICS = {
  namespace: 'ImagePipeline',
  serviceDimension: 'service',
  statusDimension: 'Status',
  reasonDimension: 'Reason',
  processorService: 'image-processor',
  storageService: 's3-metrics',
  /** Milliseconds from S3's event time of the upload to the DONE record. */
  uploadToDoneLatency: 'UploadToDoneLatency',
  /** Milliseconds from the start of an image's work to its final record. */
  processingTime: 'ProcessingTime',
  /** Count of images settled, by Status (DONE, REJECTED, ALREADY_FINISHED, RETRIED; FAILED from the dead-letter handler) and Reason. */
  imagesProcessed: 'ImagesProcessed',
  /** Bytes of the originals read and of the renditions written, for DONE images. */
  originalBytes: 'OriginalBytes',
  renditionBytes: 'RenditionBytes',
  /** 1 for an s3-metrics run that ran out of time and published nothing, 0 for one that published. */
  storageMeasurementOutOfTime: 'StorageMeasurementOutOfTime',
  /** Milliseconds an s3-metrics run took. */
  storageMeasurementDuration: 'StorageMeasurementDuration',
} as const;

/** The HTTP API's routes, as API Gateway route keys spell them (`{imageId}` is a path parameter). */
export const API_ROUTES = {
  createUpload: { method: 'POST', path: '/uploads' },
  listImages: { method: 'GET', path: '/images' },
  getImage: { method: 'GET', path: '/images/{imageId}' },
  deleteImage: { method: 'DELETE', path: '/images/{imageId}' },
} as const;
export type ApiRoute = (typeof API_ROUTES)[keyof typeof API_ROUTES];
export const routeKey = (route: ApiRoute): string => `${route.method} ${route.path}`;
/** Where the local gateway serves src/openapi.json. */
export const OPENAPI_DOCUMENT_PATH = '/openapi.json';

/** The per-user limits of POST /uploads, as the API names them in `error.quota.name`. */
export const QUOTA_NAMES = ['pendingUploads', 'storedImages', 'storedBytes'] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];

/**
 * Stored with every rendition: a key's bytes never change (keys are derived from a fresh image id),
 * so a client may keep what it fetched for as long as it likes. Private: they are a user's photos.
 */
export const RENDITION_CACHE_CONTROL = 'private, max-age=31536000, immutable';

/** Rendition file extensions and the output format each stands for. */
export const RENDITION_EXTENSIONS = { jpg: 'jpeg', webp: 'webp', avif: 'avif', png: 'png' } as const;
export type RenditionExtension = keyof typeof RENDITION_EXTENSIONS;
export type RenditionFormat = (typeof RENDITION_EXTENSIONS)[RenditionExtension];

export const RENDITION_WIDTH_PX = { min: 16, max: 8192 } as const;
/** `RENDITIONS` when unset: one 1024 px WebP beside the seed thumbnail. */
export const DEFAULT_RENDITIONS = ['1024.webp'] as const;

export interface RenditionSpec {
  readonly widthPx: number;
  readonly format: RenditionFormat;
}

/** One item of `RENDITIONS`, `<width>.<ext>` such as `1024.webp`; `undefined` when malformed. */
export function parseRenditionSpec(item: string): RenditionSpec | undefined {
  const match = /^(\d{2,4})\.([a-z]+)$/.exec(item.trim());
  if (!match) return undefined;
  const widthPx = Number(match[1]);
  const extension = match[2] as string;
  if (widthPx < RENDITION_WIDTH_PX.min || widthPx > RENDITION_WIDTH_PX.max || !Object.hasOwn(RENDITION_EXTENSIONS, extension)) {
    return undefined;
  }
  return { widthPx, format: RENDITION_EXTENSIONS[extension as RenditionExtension] };
}

/** What a bad `RENDITIONS` item is told, in the functions' configuration and in infra alike. */
export const RENDITION_SPEC_HINT =
  `<width>.<ext> with a width of ${RENDITION_WIDTH_PX.min} to ${RENDITION_WIDTH_PX.max} and ext ${Object.keys(RENDITION_EXTENSIONS).join(', ')} (e.g. 1024.webp)`;
