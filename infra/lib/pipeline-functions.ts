import { Duration, Fn } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FunctionImages } from './function-images';
import { ImageFunction } from './image-function';
import type { FunctionKey, PipelineConfig } from './pipeline-config';
import { DEFAULT_CONTENT_TYPES, ENV, HEIC_CONTENT_TYPES, IMAGES_BY_USER_INDEX, ORIGINALS_PREFIX, PROCESSED_PREFIX, STORAGE_METRICS } from '../../src/contract';

export const METRICS_NAMESPACE = STORAGE_METRICS.namespace;

/**
 * ALLOWED_CONTENT_TYPES as infra sets it, the same for the upload function and the processor (what
 * gets an upload URL is what the processor decodes), and for the web app's limits.
 */
export const allowedContentTypesEnvironment = (heicEnabled: boolean): Record<string, string> => ({
  [ENV.allowedContentTypes]: [...DEFAULT_CONTENT_TYPES, ...(heicEnabled ? HEIC_CONTENT_TYPES : [])].join(','),
});

/**
 * Memory and timeout per function, chosen for the work each does. Lambda gives CPU in proportion
 * to memory, one full vCPU at 1,769 MB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
 */
export const FUNCTION_SIZING = {
  // A conditional PutItem and a presigned URL (no network call): small and fast. The HTTP API
  // waits at most 30 s for an integration; the SDK timeout below makes a slow DynamoDB answer a
  // 503 well before the function times out.
  upload: { memorySizeMb: 512, timeout: Duration.seconds(10), sdkRequestTimeoutMs: 2000 },
  // Reads a page of up to 100 records and presigns their renditions (local CPU, no network), or
  // deletes one image's objects: the same size and limits as the upload function.
  imagesApi: { memorySizeMb: 512, timeout: Duration.seconds(10), sdkRequestTimeoutMs: 2000 },
  // sharp decodes up to 50 MP per image, two records at a time (PROCESSING_CONCURRENCY): a bit
  // over one vCPU. Five records per batch keep a batch of worst-case inputs (PNG, AVIF, TIFF have
  // no shrink-on-load) well inside 60 s, and the timeout short: a failed message is retried only
  // after the queue's visibility timeout (6 x 60 s), since Lambda leaves it invisible until then.
  processor: { memorySizeMb: 2048, timeout: Duration.seconds(60), batchSize: 5, maxBatchingWindow: Duration.seconds(0) },
  // Reads and updates one item per message; loads the same bundle (and sharp) at cold start.
  deadLetter: { memorySizeMb: 512, timeout: Duration.seconds(30), batchSize: 10, maxConcurrency: 2 },
  // Paginated listings, 16 in flight: latency is taken out by the partitioning, and what is left is
  // the CPU of reading each 1,000-key page (about 5.6 ms, docs/BENCHMARKS.md "Metrics at scale").
  // 1,769 MB is one full vCPU (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html):
  // 100 million objects in about 9 minutes; at 512 MB they would need about 32, over Lambda's 15.
  // Its timeout follows the schedule (below).
  metrics: { memorySizeMb: 1769, maxTimeout: Duration.minutes(15) },
} as const;

/**
 * A run never outlasts the interval to the next one (so runs never overlap), and never exceeds
 * Lambda's 15-minute limit.
 */
export function metricsTimeout(schedule: Duration): Duration {
  return Duration.seconds(Math.min(schedule.toSeconds(), FUNCTION_SIZING.metrics.maxTimeout.toSeconds()));
}

export interface PipelineFunctionsProps {
  readonly config: PipelineConfig;
  readonly originals: s3.IBucket;
  readonly processed: s3.IBucket;
  readonly table: dynamodb.ITable;
  readonly usageTable: dynamodb.ITable;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly topic: sns.ITopic;
}

/**
 * The four functions, each with exactly the permissions its code uses (README "The functions"),
 * and what invokes them: the SQS event source mappings and the EventBridge schedule. The HTTP API
 * that invokes the upload function lives in UploadApi.
 */
export class PipelineFunctions extends Construct {
  readonly upload: ImageFunction;
  readonly imagesApi: ImageFunction;
  /** The key that signs GET /images cursors (README "GET /images"). */
  readonly cursorSigningKey: secretsmanager.Secret;
  readonly processor: ImageFunction;
  readonly deadLetter: ImageFunction;
  readonly metrics: ImageFunction;
  readonly metricsSchedule: events.Rule;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    const { config } = props;
    const images = new FunctionImages(this, 'Images', config.images);
    const reserved = (key: FunctionKey) => config.reservedConcurrency[key];
    const logLevel = { [ENV.logLevel]: 'info' };
    const allowedContentTypes = allowedContentTypesEnvironment(config.heicEnabled);

    const originalsUploads = props.originals.arnForObjects(`${ORIGINALS_PREFIX}*`);
    const renditions = props.processed.arnForObjects(`${PROCESSED_PREFIX}*`);
    const tableArn = props.table.tableArn;
    const usageTableArn = props.usageTable.tableArn;
    // Every change of a user's usage is an UpdateItem, alone or inside TransactWriteItems (which
    // needs the permission of each action it contains, and none of its own).
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
    const updateUsage = new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [usageTableArn] });
    const processorEnvironment = {
      [ENV.originalsBucket]: props.originals.bucketName,
      [ENV.processedBucket]: props.processed.bucketName,
      [ENV.imagesTable]: props.table.tableName,
      [ENV.usageTable]: props.usageTable.tableName,
      [ENV.notificationsTopicArn]: props.topic.topicArn,
      [ENV.renditions]: config.renditions.join(','),
      ...allowedContentTypes,
      ...logLevel,
    };
    // Reads an item (ConsistentRead) and finishes it with a conditional update (which also creates the
    // REJECTED record of an object nobody reserved); publishes the outcome.
    const recordOutcome = [
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [tableArn] }),
      // Ends the image's reservation and, for REJECTED, gives its share of the quota back.
      updateUsage,
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }),
    ];

    this.upload = new ImageFunction(this, 'GenerateUploadUrl', {
      code: images.code('generate-upload-url'),
      description: 'generate-upload-url: presigned S3 PUT URL and PENDING record for POST /uploads',
      memorySizeMb: FUNCTION_SIZING.upload.memorySizeMb,
      timeout: FUNCTION_SIZING.upload.timeout,
      reservedConcurrency: reserved('upload'),
      environment: {
        [ENV.originalsBucket]: props.originals.bucketName,
        [ENV.imagesTable]: props.table.tableName,
        [ENV.usageTable]: props.usageTable.tableName,
        [ENV.uploadUrlExpiresInSeconds]: '300',
        ...allowedContentTypes,
        [ENV.sdkRequestTimeoutMs]: String(FUNCTION_SIZING.upload.sdkRequestTimeoutMs),
        ...logLevel,
      },
      statements: [
        // A presigned URL carries the signer's permissions: the role itself must be allowed the PUT
        // it signs. https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [originalsUploads] }),
        // PutItem: the PENDING record. GetItem and UpdateItem: a lapsed reservation standing in the
        // way is read and turned EXPIRED (with its usage, in one transaction).
        new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [tableArn] }),
        // The quota: reserve (conditional update), read which limit refused, release.
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [usageTableArn] }),
      ],
    });

    // Rotating it (a new secret value, then a redeploy) only invalidates the cursors in flight:
    // clients start again from the first page.
    this.cursorSigningKey = new secretsmanager.Secret(this, 'CursorSigningKey', {
      description: 'Signs the pagination cursors of GET /images (HMAC-SHA256)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    this.imagesApi = new ImageFunction(this, 'ImagesApi', {
      code: images.code('images-api'),
      description: 'images-api: GET /images, GET and DELETE /images/{imageId}',
      memorySizeMb: FUNCTION_SIZING.imagesApi.memorySizeMb,
      timeout: FUNCTION_SIZING.imagesApi.timeout,
      reservedConcurrency: reserved('imagesApi'),
      environment: {
        [ENV.originalsBucket]: props.originals.bucketName,
        [ENV.processedBucket]: props.processed.bucketName,
        [ENV.imagesTable]: props.table.tableName,
        [ENV.usageTable]: props.usageTable.tableName,
        [ENV.renditionUrlExpiresInSeconds]: '900',
        [ENV.sdkRequestTimeoutMs]: String(FUNCTION_SIZING.imagesApi.sdkRequestTimeoutMs),
        // A dynamic reference, resolved by CloudFormation at deploy time: the template holds none of
        // the key, the function configuration does (encrypted at rest). Reading it at cold start
        // instead would need the Secrets Manager client and permission for one 64-character value.
        [ENV.cursorSigningKey]: this.cursorSigningKey.secretValue.unsafeUnwrap(),
        ...logLevel,
      },
      statements: [
        // The rendition URLs it presigns carry its own permission to read them.
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [renditions] }),
        // DELETE: the original and every rendition (DeleteObjects checks s3:DeleteObject per key).
        new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [originalsUploads, renditions] }),
        new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${tableArn}/index/${IMAGES_BY_USER_INDEX.name}`] }),
        // GetItem: one image. UpdateItem: the DELETED tombstone, and settling it once the objects are gone.
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [tableArn] }),
        updateUsage,
      ],
    });

    this.processor = new ImageFunction(this, 'ImageProcessor', {
      code: images.code('image-processor'),
      description: 'image-processor: renditions of uploaded originals, fed by the upload queue',
      memorySizeMb: FUNCTION_SIZING.processor.memorySizeMb,
      timeout: FUNCTION_SIZING.processor.timeout,
      reservedConcurrency: reserved('processor'),
      environment: processorEnvironment,
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [originalsUploads] }),
        // Without s3:ListBucket, S3 answers a GET or HEAD of a missing key 403 instead of 404, so an
        // original that is gone (ORIGINAL_NOT_FOUND, an event whose image and object are both gone)
        // would look like a permission fault and be retried until the dead-letter queue.
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.originals.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [renditions] }),
        // Renditions of an image deleted while it was processed are removed by the attempt that wrote
        // them, and an upload that came after its image was deleted (its tombstone names the key).
        new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [originalsUploads, renditions] }),
        ...recordOutcome,
      ],
    });
    this.processor.function.addEventSource(
      new lambdaEventSources.SqsEventSource(props.queue, {
        batchSize: FUNCTION_SIZING.processor.batchSize,
        maxBatchingWindow: FUNCTION_SIZING.processor.maxBatchingWindow,
        // The handler returns { batchItemFailures }: only those messages are retried.
        // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
        reportBatchItemFailures: true,
        maxConcurrency: config.processorMaxConcurrency,
      }),
    );

    this.deadLetter = new ImageFunction(this, 'DeadLetter', {
      // The processor image with its other handler.
      code: images.code('image-processor', { cmd: ['index.deadLetterHandler'] }),
      description: 'image-processor (deadLetterHandler): marks dead-lettered uploads FAILED and notifies',
      memorySizeMb: FUNCTION_SIZING.deadLetter.memorySizeMb,
      timeout: FUNCTION_SIZING.deadLetter.timeout,
      reservedConcurrency: reserved('deadLetter'),
      environment: processorEnvironment,
      statements: recordOutcome,
    });
    this.deadLetter.function.addEventSource(
      new lambdaEventSources.SqsEventSource(props.deadLetterQueue, {
        batchSize: FUNCTION_SIZING.deadLetter.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: FUNCTION_SIZING.deadLetter.maxConcurrency,
      }),
    );

    const schedule = config.metricsSchedule;
    this.metrics = new ImageFunction(this, 'S3Metrics', {
      code: images.code('s3-metrics'),
      description: `s3-metrics: ${STORAGE_METRICS.bucketSizeBytes} and ${STORAGE_METRICS.numberOfObjects} of both buckets to ${METRICS_NAMESPACE}, every ${schedule.toHumanString()}`,
      memorySizeMb: FUNCTION_SIZING.metrics.memorySizeMb,
      timeout: metricsTimeout(schedule),
      reservedConcurrency: reserved('metrics'),
      environment: {
        [ENV.metricsBuckets]: Fn.join(',', [props.originals.bucketName, props.processed.bucketName]),
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.metricsPartitionPrefixes]: config.metricsPartitionPrefixes.join(','),
        ...logLevel,
      },
      statements: [
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.originals.bucketArn, props.processed.bucketArn] }),
        // PutMetricData has no resource-level permissions; the namespace condition key is the scope.
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
        }),
      ],
    });
    // A run that runs out of time returns OUT_OF_TIME instead of throwing, but a crash or a
    // timeout would be retried twice by default: a retry repeats the same too-long listing, and the
    // next scheduled run measures anyway. A late event is as stale as a dropped one.
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    this.metrics.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.min(Math.max(schedule.toSeconds(), 60), 6 * 3600)),
    });

    // An EventBridge rule (not EventBridge Scheduler): its target receives the "Scheduled Event"
    // (source aws.events) that the function insists on. No `event` input, or the shape would change.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
    this.metricsSchedule = new events.Rule(this, 'MetricsSchedule', {
      description: `Runs s3-metrics every ${schedule.toHumanString()}`,
      schedule: events.Schedule.rate(schedule),
    });
    this.metricsSchedule.addTarget(new targets.LambdaFunction(this.metrics.function, { retryAttempts: 0 }));
  }

  get all(): readonly ImageFunction[] {
    return [this.upload, this.imagesApi, this.processor, this.deadLetter, this.metrics];
  }
}
