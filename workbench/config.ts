import { readFileSync } from 'node:fs';
import { ENV } from '../src/contract';
import { checkBucketName, checkTableName, checkUrl, type Env, EnvReader } from '../src/config/env-reader';
import { LOG_LEVELS, type LogLevel, readRuntime, type RuntimeConfig } from '../src/config/function-config';

/**
 * Configuration of the local-only pieces (gateway, provisioning). They stand in for what AWS
 * manages and never ship to AWS.
 */

/** Resource names shared by provisioning, the gateway and the functions' environment. */
export interface StackNames {
  readonly region: string;
  readonly originalsBucketName: string;
  readonly processedBucketName: string;
  readonly imagesTableName: string;
  readonly uploadQueueName: string;
  readonly deadLetterQueueName: string;
  readonly topicName: string;
  readonly observerQueueName: string;
  readonly userPoolName: string;
  readonly userPoolClientName: string;
}

/** One address, as SNS accepts for an e-mail subscription (no display name, no list). */
const checkEmail = (value: string) => (/^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/.test(value) ? undefined : `"${value}" is not an e-mail address`);

const checkName = (value: string) => (/^[A-Za-z0-9_-]{1,80}$/.test(value) ? undefined : `"${value}" must be 1-80 letters, digits, - or _`);

const localRuntime = (reader: EnvReader): RuntimeConfig => readRuntime(reader, { s3ForcePathStyle: true, sdkRequestTimeoutMs: 30_000 });

function readNames(reader: EnvReader): StackNames {
  return {
    region: reader.required('AWS_REGION', (value) => (/^[a-z]{2}(-[a-z]+)+-\d$/.test(value) ? undefined : `"${value}" is not a region`)),
    originalsBucketName: reader.required(ENV.originalsBucket, checkBucketName),
    processedBucketName: reader.required(ENV.processedBucket, checkBucketName),
    imagesTableName: reader.required(ENV.imagesTable, checkTableName),
    uploadQueueName: reader.optional('UPLOAD_QUEUE', checkName) ?? 'image-uploads',
    deadLetterQueueName: reader.optional('UPLOAD_DLQ', checkName) ?? 'image-uploads-dlq',
    topicName: reader.optional('NOTIFICATIONS_TOPIC', checkName) ?? 'image-events',
    observerQueueName: reader.optional('OBSERVER_QUEUE', checkName) ?? 'image-events-observer',
    userPoolName: reader.optional('USER_POOL_NAME', checkName) ?? 'imgproc-local',
    userPoolClientName: reader.optional('USER_POOL_CLIENT_NAME', checkName) ?? 'imgproc-local-web',
  };
}

export interface GatewayConfig extends RuntimeConfig {
  readonly names: StackNames;
  readonly port: number;
  /** Where the gateway reaches cognito-local; also the tokens' issuer domain (cognito-local's IssuerDomain). */
  readonly cognitoUrl: string;
  readonly uploadFunctionUrl: string;
  /** One event source mapping loop per processor container: the emulator runs one invocation at a time. */
  readonly processorFunctionUrls: readonly string[];
  readonly metricsFunctionUrl: string;
  /** The processor image run with `index.deadLetterHandler`, fed from the dead-letter queue. */
  readonly deadLetterFunctionUrl: string;
  readonly batchSize: number;
  readonly batchWindowMs: number;
  readonly receiveWaitSeconds: number;
  readonly metricsScheduleSeconds: number;
  readonly functionTimeoutMs: number;
  readonly corsAllowedOrigins: readonly string[];
  readonly clockToleranceSeconds: number;
}

export function loadGatewayConfig(env: Env = process.env): Readonly<GatewayConfig> {
  const reader = new EnvReader(env);
  const urls = (name: string, fallback: string) => {
    const list = reader.list(name, [fallback]);
    for (const url of list) {
      const problem = checkUrl(url);
      if (problem) reader.problem(`${name}: ${problem}`);
    }
    if (list.length === 0) reader.problem(`${name} must name at least one URL`);
    return list;
  };
  return reader.finish({
    ...localRuntime(reader),
    names: readNames(reader),
    port: reader.integer('GATEWAY_PORT', { default: 3000, min: 1, max: 65535 }),
    cognitoUrl: reader.optional('COGNITO_URL', checkUrl) ?? 'http://cognito:9229',
    uploadFunctionUrl: reader.optional('UPLOAD_FUNCTION_URL', checkUrl) ?? 'http://generate-upload-url:8080',
    processorFunctionUrls: urls('PROCESSOR_FUNCTION_URLS', 'http://image-processor:8080'),
    metricsFunctionUrl: reader.optional('METRICS_FUNCTION_URL', checkUrl) ?? 'http://s3-metrics:8080',
    deadLetterFunctionUrl: reader.optional('DEAD_LETTER_FUNCTION_URL', checkUrl) ?? 'http://dead-letter:8080',
    batchSize: reader.integer('SQS_BATCH_SIZE', { default: 10, min: 1, max: 10 }),
    batchWindowMs: reader.integer('SQS_BATCH_WINDOW_MS', { default: 0, min: 0, max: 300_000 }),
    receiveWaitSeconds: reader.integer('SQS_RECEIVE_WAIT_SECONDS', { default: 20, min: 1, max: 20 }),
    metricsScheduleSeconds: reader.integer('METRICS_SCHEDULE_SECONDS', { default: 60, min: 1, max: 86_400 }),
    functionTimeoutMs: reader.integer('FUNCTION_TIMEOUT_MS', { default: 300_000, min: 1000, max: 900_000 }),
    corsAllowedOrigins: reader.list('CORS_ALLOWED_ORIGINS', ['*']),
    clockToleranceSeconds: reader.integer('JWT_CLOCK_TOLERANCE_SECONDS', { default: 0, min: 0, max: 300 }),
  });
}

export interface ProvisionConfig extends RuntimeConfig {
  readonly names: StackNames;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly corsAllowedOrigins: readonly string[];
  readonly demoUser: { readonly username: string; readonly password: string; readonly email: string };
  /** Where the stack description is written; see README "The stack file". */
  readonly stackFile: string;
  /** The addresses a program on the host uses, written into the stack file. */
  readonly hostUrls: Readonly<Record<'gateway' | 'localstack' | 'dynamodb' | 'cognito' | 'mailInbox', string>>;
  readonly readyTimeoutSeconds: number;
}

export function loadProvisionConfig(env: Env = process.env): Readonly<ProvisionConfig> {
  const reader = new EnvReader(env);
  return reader.finish({
    ...localRuntime(reader),
    names: readNames(reader),
    maxReceiveCount: reader.integer('MAX_RECEIVE_COUNT', { default: 5, min: 1, max: 1000 }),
    visibilityTimeoutSeconds: reader.integer('QUEUE_VISIBILITY_TIMEOUT_SECONDS', { default: 60, min: 0, max: 43_200 }),
    corsAllowedOrigins: reader.list('CORS_ALLOWED_ORIGINS', ['*']),
    demoUser: {
      username: reader.required('DEMO_USERNAME', checkName),
      password: reader.required('DEMO_PASSWORD', (value) => (value.length >= 8 ? undefined : 'must be at least 8 characters')),
      email: reader.optional('DEMO_EMAIL', checkEmail) ?? 'demo@example.com',
    },
    stackFile: stackFile(reader),
    hostUrls: {
      gateway: reader.optional('HOST_GATEWAY_URL', checkUrl) ?? 'http://localhost:3000',
      localstack: reader.optional('HOST_LOCALSTACK_URL', checkUrl) ?? 'http://localhost:4566',
      dynamodb: reader.optional('HOST_DYNAMODB_URL', checkUrl) ?? 'http://localhost:8000',
      cognito: reader.optional('HOST_COGNITO_URL', checkUrl) ?? 'http://localhost:9229',
      mailInbox: reader.optional('HOST_MAIL_INBOX_URL', checkUrl) ?? 'http://localhost:8025',
    },
    readyTimeoutSeconds: reader.integer('PROVISION_READY_TIMEOUT_SECONDS', { default: 120, min: 1, max: 3600 }),
  });
}

export interface DemoConfig {
  readonly stackFile: string;
  readonly username: string;
  readonly password: string;
  /** The s3-metrics emulator as the host reaches it, to publish metrics now instead of at the next tick. */
  readonly metricsFunctionUrl: string;
  readonly timeoutSeconds: number;
}

/**
 * The demo runs on the host. Its credentials come from the environment, else from `.env`, else
 * from `.env.example`: the same files docker compose hands to provisioning.
 */
export function loadDemoConfig(env: Env = process.env, readFile: (path: string) => string | undefined = readOptionalFile): Readonly<DemoConfig> {
  const settings = { ...parseDotEnv(readFile('.env.example') ?? ''), ...parseDotEnv(readFile('.env') ?? ''), ...env };
  const reader = new EnvReader(settings);
  return reader.finish({
    stackFile: stackFile(reader),
    username: reader.required('DEMO_USERNAME'),
    password: reader.required('DEMO_PASSWORD'),
    metricsFunctionUrl:
      reader.optional('HOST_METRICS_FUNCTION_URL', checkUrl) ??
      `http://localhost:${reader.integer('METRICS_FUNCTION_PORT', { default: 9003, min: 1, max: 65535 })}`,
    timeoutSeconds: reader.integer('DEMO_TIMEOUT_SECONDS', { default: 90, min: 1, max: 3600 }),
  });
}

/** KEY=VALUE lines; `#` comments and blank lines ignored; optional surrounding quotes removed. */
export function parseDotEnv(text: string): Record<string, string> {
  const entries: [string, string][] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const value = match[2]!.replace(/^(['"])(.*)\1$/, '$2');
    entries.push([match[1]!, value]);
  }
  return Object.fromEntries(entries);
}

function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function loadRetryConfig(env: Env = process.env): Readonly<{ stackFile: string }> {
  const reader = new EnvReader({ ...parseDotEnv(readOptionalFile('.env') ?? ''), ...env });
  return reader.finish({ stackFile: stackFile(reader) });
}

/** STACK_FILE, else stack.json in STACK_DIR (where docker-compose.yml mounts it), else in .local. */
function stackFile(reader: EnvReader): string {
  return reader.optional('STACK_FILE') ?? `${reader.optional('STACK_DIR') ?? '.local'}/stack.json`;
}

export interface AwsFrontConfig {
  readonly logLevel: LogLevel;
  readonly port: number;
  /** LocalStack as the front reaches it. */
  readonly upstreamUrl: string;
}

/** The front that refuses unsigned requests before LocalStack (workbench/aws-front.ts). */
export function loadAwsFrontConfig(env: Env = process.env): Readonly<AwsFrontConfig> {
  const reader = new EnvReader(env);
  return reader.finish({
    logLevel: reader.oneOf(ENV.logLevel, LOG_LEVELS, 'info'),
    port: reader.integer('AWS_FRONT_PORT', { default: 4566, min: 1, max: 65535 }),
    upstreamUrl:
      reader.optional('AWS_FRONT_UPSTREAM_URL', (value) => checkUrl(value) ?? (new URL(value).protocol === 'http:' ? undefined : `"${value}" is not an http:// URL`)) ??
      'http://localstack:4566',
  });
}
