import { Duration } from 'aws-cdk-lib';
import {
  DEFAULT_RENDITIONS,
  NOTIFIED_STATUSES,
  type NotifiedStatus,
  ORIGINALS_PREFIX,
  parseRenditionSpec,
  PROCESSED_PREFIX,
  RENDITION_SPEC_HINT,
} from '../../src/contract';
import { readBaseImages } from './base-images';

/**
 * Everything a team may choose at deploy time, read once from CDK context (`cdk deploy -c key=value`,
 * or the `context` of cdk.json) and validated up front: one failed synth lists every problem, like
 * the functions' own configuration (src/config/env-reader.ts). Context, not CfnParameters, because
 * most choices change the template's shape (an optional subscription, an optional reserved
 * concurrency, the function timeout derived from the schedule), and synth must stay offline.
 * Every key is documented in infra/README.md ("Parameters").
 */
export interface PipelineConfig {
  /** Browser origins allowed to call POST /uploads and to PUT to the presigned URL (CORS). Empty: no CORS. */
  readonly uploadAllowedOrigins: readonly string[];
  /** Optional e-mail subscribed to the notifications topic (the address must confirm the subscription). */
  readonly notificationEmail?: string;
  /** Only these `status` values reach the e-mail subscription (SNS filter policy). Empty: all. */
  readonly notificationEmailStatuses: readonly NotifiedStatus[];
  /** Optional e-mail subscribed to the alarms topic. */
  readonly alarmEmail?: string;
  /** How often s3-metrics measures the buckets: 1 minute to 1 day. */
  readonly metricsSchedule: Duration;
  /** The CustomS3 BucketSizeBytes alarm threshold, per bucket. */
  readonly bucketSizeAlarmThresholdBytes: number;
  /** The p95 upload→DONE latency (ImagePipeline UploadToDoneLatency) above which the alarm fires. */
  readonly uploadToDoneP95AlarmSeconds: number;
  /** `METRICS_PARTITION_PREFIXES` of s3-metrics (each prefix costs 16 LIST requests per bucket per run). */
  readonly metricsPartitionPrefixes: readonly string[];
  readonly reservedConcurrency: Readonly<Record<FunctionKey, number | undefined>>;
  /** Stage-wide throttling of the HTTP API: steady requests per second and burst. */
  readonly apiThrottling: { readonly rateLimit: number; readonly burstLimit: number };
  /** The event source mapping's MaximumConcurrency for the processor (2-1000). */
  readonly processorMaxConcurrency: number;
  /** `RENDITIONS` of the processor, `<width>.<ext>` items; empty for the thumbnail only. */
  readonly renditions: readonly string[];
  /** Originals under user-uploads/ expire after this many days; 0 keeps them forever. */
  readonly originalsExpirationDays: number;
  /** Whether HEIC/HEIF uploads are accepted and decoded (opt-in: HEVC patents, README "HEIC and HEIF"). */
  readonly heicEnabled: boolean;
  /** Whether anyone may sign up to the user pool (otherwise an administrator creates users). */
  readonly selfSignUpEnabled: boolean;
  /** Where the function images come from. */
  readonly images: ImageSource;
}

export type FunctionKey = 'upload' | 'imagesApi' | 'processor' | 'deadLetter' | 'metrics';

export type ImageSource =
  /** Built by the CDK CLI from images/<name>/Dockerfile and published to the bootstrap ECR repository. */
  | { readonly kind: 'asset'; readonly nodeImage: string; readonly lambdaBaseImage: string }
  /** Already pushed to `<repositoryPrefix>/<name>:<tag>` in this account and region (scripts/push-images.sh). */
  | { readonly kind: 'ecr'; readonly tag: string; readonly repositoryPrefix: string };

/** The context keys, so the README, the tests and this reader agree on their spelling. */
export const CONTEXT_KEYS = {
  uploadAllowedOrigins: 'uploadAllowedOrigins',
  notificationEmail: 'notificationEmail',
  notificationEmailStatuses: 'notificationEmailStatuses',
  alarmEmail: 'alarmEmail',
  metricsScheduleRate: 'metricsScheduleRate',
  bucketSizeAlarmThresholdGiB: 'bucketSizeAlarmThresholdGiB',
  uploadToDoneP95AlarmSeconds: 'uploadToDoneP95AlarmSeconds',
  metricsPartitionPrefixes: 'metricsPartitionPrefixes',
  uploadReservedConcurrency: 'uploadReservedConcurrency',
  imagesApiReservedConcurrency: 'imagesApiReservedConcurrency',
  apiThrottlingRateLimit: 'apiThrottlingRateLimit',
  apiThrottlingBurstLimit: 'apiThrottlingBurstLimit',
  processorReservedConcurrency: 'processorReservedConcurrency',
  deadLetterReservedConcurrency: 'deadLetterReservedConcurrency',
  metricsReservedConcurrency: 'metricsReservedConcurrency',
  processorMaxConcurrency: 'processorMaxConcurrency',
  renditions: 'renditions',
  originalsExpirationDays: 'originalsExpirationDays',
  selfSignUp: 'selfSignUp',
  heic: 'heic',
  imageTag: 'imageTag',
  imageRepositoryPrefix: 'imageRepositoryPrefix',
  nodeImage: 'nodeImage',
  lambdaBaseImage: 'lambdaBaseImage',
} as const;

const BASE_IMAGES = readBaseImages();

export const DEFAULTS = {
  metricsScheduleRate: '1 hour',
  bucketSizeAlarmThresholdGiB: 100,
  // An idle pipeline takes about a second from upload to DONE; a minute at p95 means a backlog.
  uploadToDoneP95AlarmSeconds: 60,
  metricsPartitionPrefixes: [ORIGINALS_PREFIX, PROCESSED_PREFIX],
  processorMaxConcurrency: 5,
  // Per stage, over all users: a ceiling on cost and on the load one client can cause. The per-user
  // limits are the quotas of POST /uploads (the HTTP API has no per-client throttling).
  apiThrottlingRateLimit: 50,
  apiThrottlingBurstLimit: 100,
  renditions: DEFAULT_RENDITIONS,
  originalsExpirationDays: 30,
  imageRepositoryPrefix: 'imgproc',
  // Deployments build on the upstream images pinned in images/base-images.env.
  nodeImage: BASE_IMAGES.nodeImage,
  lambdaBaseImage: BASE_IMAGES.lambdaBaseImage,
} as const;

const GIB = 1024 ** 3;

export class PipelineConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid CDK context (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'PipelineConfigError';
  }
}

/** Reads a context value as `node.tryGetContext` returns it: a string from `-c`, or any JSON from cdk.json. */
export type ContextGetter = (key: string) => unknown;

export function readPipelineConfig(get: ContextGetter): PipelineConfig {
  const problems: string[] = [];
  const reader = new ContextReader(get, problems);

  const origins = reader.list(CONTEXT_KEYS.uploadAllowedOrigins, []);
  for (const origin of origins) {
    if (!isOrigin(origin)) {
      problems.push(
        `${CONTEXT_KEYS.uploadAllowedOrigins}: "${origin}" is not an origin: scheme://host[:port] with no path or trailing slash, or *`,
      );
    }
  }

  const statuses = reader.list(CONTEXT_KEYS.notificationEmailStatuses, []).map((status) => status.toUpperCase());
  for (const status of statuses) {
    if (!(NOTIFIED_STATUSES as readonly string[]).includes(status)) {
      problems.push(`${CONTEXT_KEYS.notificationEmailStatuses}: "${status}" is not one of ${NOTIFIED_STATUSES.join(', ')}`);
    }
  }

  const rate = reader.string(CONTEXT_KEYS.metricsScheduleRate) ?? DEFAULTS.metricsScheduleRate;
  const metricsSchedule = parseRate(rate);
  if (!metricsSchedule) {
    problems.push(
      `${CONTEXT_KEYS.metricsScheduleRate}: "${rate}" is not a rate from 1 minute to 1 day such as "1 minute", "5 minutes", "1 hour", "1 day"`,
    );
  }

  const renditions = reader.list(CONTEXT_KEYS.renditions, [...DEFAULTS.renditions]);
  for (const item of renditions) {
    // The processor validates RENDITIONS again at cold start, with the same parser; failing here saves a deploy.
    if (!parseRenditionSpec(item)) problems.push(`${CONTEXT_KEYS.renditions}: "${item}" is not ${RENDITION_SPEC_HINT}`);
  }

  const processorMaxConcurrency = reader.integer(CONTEXT_KEYS.processorMaxConcurrency, {
    default: DEFAULTS.processorMaxConcurrency,
    // The event source mapping's own limits: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
    min: 2,
    max: 1000,
  });
  const reserved = (key: string) => reader.optionalInteger(key, { min: 1, max: 10_000 });
  const reservedConcurrency = {
    upload: reserved(CONTEXT_KEYS.uploadReservedConcurrency),
    imagesApi: reserved(CONTEXT_KEYS.imagesApiReservedConcurrency),
    processor: reserved(CONTEXT_KEYS.processorReservedConcurrency),
    deadLetter: reserved(CONTEXT_KEYS.deadLetterReservedConcurrency),
    metrics: reserved(CONTEXT_KEYS.metricsReservedConcurrency),
  };
  // A mapping allowed more concurrent batches than the function may run only produces throttles.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency
  if (reservedConcurrency.processor !== undefined && reservedConcurrency.processor < processorMaxConcurrency) {
    problems.push(
      `${CONTEXT_KEYS.processorReservedConcurrency} (${reservedConcurrency.processor}) must be at least ` +
        `${CONTEXT_KEYS.processorMaxConcurrency} (${processorMaxConcurrency})`,
    );
  }
  if (reservedConcurrency.deadLetter !== undefined && reservedConcurrency.deadLetter < 2) {
    problems.push(`${CONTEXT_KEYS.deadLetterReservedConcurrency} must be at least 2, the dead-letter mapping's MaximumConcurrency`);
  }

  const apiThrottling = {
    rateLimit: reader.integer(CONTEXT_KEYS.apiThrottlingRateLimit, { default: DEFAULTS.apiThrottlingRateLimit, min: 1, max: 10_000 }),
    burstLimit: reader.integer(CONTEXT_KEYS.apiThrottlingBurstLimit, { default: DEFAULTS.apiThrottlingBurstLimit, min: 1, max: 5_000 }),
  };

  const thresholdGiB = reader.number(CONTEXT_KEYS.bucketSizeAlarmThresholdGiB, DEFAULTS.bucketSizeAlarmThresholdGiB);
  if (!(thresholdGiB > 0)) problems.push(`${CONTEXT_KEYS.bucketSizeAlarmThresholdGiB} must be a positive number of GiB`);
  const latencySeconds = reader.number(CONTEXT_KEYS.uploadToDoneP95AlarmSeconds, DEFAULTS.uploadToDoneP95AlarmSeconds);
  if (!(latencySeconds > 0 && latencySeconds <= 86_400)) {
    problems.push(`${CONTEXT_KEYS.uploadToDoneP95AlarmSeconds} must be a number of seconds above 0 and at most 86400`);
  }

  const imageTag = reader.string(CONTEXT_KEYS.imageTag);
  if (imageTag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(imageTag)) {
    problems.push(`${CONTEXT_KEYS.imageTag}: "${imageTag}" is not a valid image tag`);
  }
  const repositoryPrefix = reader.string(CONTEXT_KEYS.imageRepositoryPrefix) ?? DEFAULTS.imageRepositoryPrefix;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repositoryPrefix)) {
    problems.push(`${CONTEXT_KEYS.imageRepositoryPrefix}: "${repositoryPrefix}" is not a valid ECR repository name prefix`);
  }

  const config: PipelineConfig = {
    uploadAllowedOrigins: origins,
    ...optional('notificationEmail', reader.email(CONTEXT_KEYS.notificationEmail)),
    notificationEmailStatuses: statuses as NotifiedStatus[],
    ...optional('alarmEmail', reader.email(CONTEXT_KEYS.alarmEmail)),
    metricsSchedule: metricsSchedule ?? Duration.hours(1),
    bucketSizeAlarmThresholdBytes: Math.round(thresholdGiB * GIB),
    uploadToDoneP95AlarmSeconds: latencySeconds,
    metricsPartitionPrefixes: reader.list(CONTEXT_KEYS.metricsPartitionPrefixes, [...DEFAULTS.metricsPartitionPrefixes]),
    reservedConcurrency,
    apiThrottling,
    processorMaxConcurrency,
    renditions,
    originalsExpirationDays: reader.integer(CONTEXT_KEYS.originalsExpirationDays, {
      default: DEFAULTS.originalsExpirationDays,
      min: 0,
      max: 36_500,
    }),
    selfSignUpEnabled: reader.boolean(CONTEXT_KEYS.selfSignUp, false),
    heicEnabled: reader.boolean(CONTEXT_KEYS.heic, false),
    images:
      imageTag !== undefined
        ? { kind: 'ecr', tag: imageTag, repositoryPrefix }
        : {
            kind: 'asset',
            nodeImage: reader.string(CONTEXT_KEYS.nodeImage) ?? DEFAULTS.nodeImage,
            lambdaBaseImage: reader.string(CONTEXT_KEYS.lambdaBaseImage) ?? DEFAULTS.lambdaBaseImage,
          },
  };
  if (problems.length > 0) throw new PipelineConfigError(problems);
  return config;
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** `rate(...)` units EventBridge accepts, limited to what a storage metric needs. */
export function parseRate(text: string): Duration | undefined {
  const match = /^\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*$/i.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  // EventBridge wants the singular for 1 and the plural otherwise; we accept both and let
  // Schedule.rate() write the right one. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
  const duration = unit.startsWith('minute')
    ? Duration.minutes(amount)
    : unit.startsWith('hour')
      ? Duration.hours(amount)
      : Duration.days(amount);
  const seconds = duration.toSeconds();
  return seconds >= 60 && seconds <= 86_400 ? duration : undefined;
}

function isOrigin(value: string): boolean {
  if (value === '*') return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

class ContextReader {
  constructor(
    private readonly get: ContextGetter,
    private readonly problems: string[],
  ) {}

  private raw(key: string): unknown {
    const value = this.get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && value.trim() === '') return undefined;
    return value;
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.problems.push(`${key} must be a string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value.trim();
  }

  /** A comma-separated string (`-c key=a,b`) or a JSON array (cdk.json); an empty string is an empty list. */
  list(key: string, defaultValue: string[]): string[] {
    const value = this.get(key);
    if (value === undefined || value === null) return defaultValue;
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
    if (!items || items.some((item) => typeof item !== 'string')) {
      this.problems.push(`${key} must be a comma-separated string or a list of strings, got ${JSON.stringify(value)}`);
      return defaultValue;
    }
    return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  }

  number(key: string, defaultValue: number): number {
    const value = this.raw(key);
    if (value === undefined) return defaultValue;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (!Number.isFinite(parsed)) {
      this.problems.push(`${key} must be a number, got ${JSON.stringify(value)}`);
      return defaultValue;
    }
    return parsed;
  }

  optionalInteger(key: string, range: { min: number; max: number }): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
      this.problems.push(`${key} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return parsed;
  }

  integer(key: string, options: { default: number; min: number; max: number }): number {
    return this.optionalInteger(key, options) ?? options.default;
  }

  boolean(key: string, defaultValue: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) return defaultValue;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.problems.push(`${key} must be true or false, got ${JSON.stringify(value)}`);
    return defaultValue;
  }

  email(key: string): string | undefined {
    const value = this.string(key);
    if (value !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
      this.problems.push(`${key}: "${value}" is not an e-mail address`);
      return undefined;
    }
    return value;
  }
}
