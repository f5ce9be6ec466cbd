import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Messaging } from './messaging';
import { Monitoring } from './monitoring';
import type { PipelineConfig } from './pipeline-config';
import { allowedContentTypesEnvironment, FUNCTION_SIZING, PipelineFunctions } from './pipeline-functions';
import { Storage } from './storage';
import { UploadApi } from './upload-api';
import { WebSite } from './web-site';
import { EnvReader } from '../../src/config/env-reader';
import { readUploadLimits } from '../../src/config/function-config';
import { cognitoEndpointOf } from '../../web/src/site-config';

export interface ImagePipelineStackProps extends StackProps {
  readonly config: PipelineConfig;
}

/**
 * The whole pipeline in one stack, environment-agnostic unless an account and region are given,
 * so `cdk synth` needs no credentials and no lookups. What each part is: DESIGN.md §1.
 */
export class ImagePipelineStack extends Stack {
  readonly storage: Storage;
  readonly messaging: Messaging;
  readonly functions: PipelineFunctions;
  readonly api: UploadApi;
  readonly monitoring: Monitoring;
  readonly site: WebSite;

  constructor(scope: Construct, id: string, props: ImagePipelineStackProps) {
    super(scope, id, props);
    const { config } = props;

    // The web app first: the API's and the originals bucket's CORS, and the app client, name its origin.
    this.site = new WebSite(this, 'WebSite');
    const browserOrigins = [this.site.url, ...config.uploadAllowedOrigins];

    this.storage = new Storage(this, 'Storage', {
      uploadAllowedOrigins: browserOrigins,
      originalsExpirationDays: config.originalsExpirationDays,
    });

    this.messaging = new Messaging(this, 'Messaging', {
      originals: this.storage.originals,
      processorTimeout: FUNCTION_SIZING.processor.timeout,
      processorMaxBatchingWindow: FUNCTION_SIZING.processor.maxBatchingWindow,
      deadLetterFunctionTimeout: FUNCTION_SIZING.deadLetter.timeout,
      ...(config.notificationEmail !== undefined ? { notificationEmail: config.notificationEmail } : {}),
      notificationEmailStatuses: config.notificationEmailStatuses,
    });

    this.functions = new PipelineFunctions(this, 'Functions', {
      config,
      originals: this.storage.originals,
      processed: this.storage.processed,
      table: this.storage.table,
      usageTable: this.storage.usageTable,
      queue: this.messaging.queue,
      deadLetterQueue: this.messaging.deadLetterQueue,
      topic: this.messaging.topic,
    });

    this.api = new UploadApi(this, 'UploadApi', {
      uploadFunction: this.functions.upload.function,
      imagesFunction: this.functions.imagesApi.function,
      throttling: config.apiThrottling,
      allowedOrigins: browserOrigins,
      siteUrl: this.site.url,
      selfSignUpEnabled: config.selfSignUpEnabled,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: {
        upload: this.functions.upload,
        imagesApi: this.functions.imagesApi,
        processor: this.functions.processor,
        deadLetter: this.functions.deadLetter,
        metrics: this.functions.metrics,
      },
      queue: this.messaging.queue,
      deadLetterQueue: this.messaging.deadLetterQueue,
      buckets: { Originals: this.storage.originals, Processed: this.storage.processed },
      httpApi: this.api.httpApi,
      bucketSizeAlarmThresholdBytes: config.bucketSizeAlarmThresholdBytes,
      uploadToDoneP95AlarmSeconds: config.uploadToDoneP95AlarmSeconds,
      metricsPeriod: config.metricsSchedule,
      ...(config.alarmEmail !== undefined ? { alarmEmail: config.alarmEmail } : {}),
    });

    // The page is told the functions' upload limits, read by the same code from the variables infra
    // sets (only ALLOWED_CONTENT_TYPES; the rest are the defaults).
    const limits = readUploadLimits(new EnvReader(allowedContentTypesEnvironment(config.heicEnabled)));
    this.site.publish({
      apiUrl: this.api.apiUrl,
      region: Aws.REGION,
      userPoolId: this.api.userPool.userPoolId,
      userPoolClientId: this.api.userPoolClient.userPoolClientId,
      cognitoEndpoint: cognitoEndpointOf(Aws.REGION),
      maxUploadBytes: limits.maxUploadBytes,
      allowedContentTypes: limits.allowedContentTypes,
      maxInputPixels: limits.maxInputPixels,
    });

    // What a front end and an operator need (README "Outputs").
    const output = (outputId: string, value: string, description: string) => new CfnOutput(this, outputId, { value, description });
    output('WebAppUrl', this.site.url, 'The web app: sign in, upload, gallery (infra/README.md "The web app")');
    output('Region', Aws.REGION, 'Region of the stack (Cognito, API, buckets)');
    output('ApiUrl', this.api.apiUrl, 'The HTTP API (src/openapi.json): POST /uploads, GET /images, GET and DELETE /images/{imageId}');
    output('UploadsUrl', this.api.uploadsUrl, 'POST here with a Cognito access token to get an upload URL');
    output('UserPoolId', this.api.userPool.userPoolId, 'Cognito user pool id');
    output('UserPoolClientId', this.api.userPoolClient.userPoolClientId, 'Cognito app client id (public, no secret)');
    output('OriginalsBucketName', this.storage.originals.bucketName, 'Bucket of uploaded originals (user-uploads/)');
    output('ProcessedBucketName', this.storage.processed.bucketName, 'Bucket of renditions (processed/)');
    output('ImagesTableName', this.storage.table.tableName, 'DynamoDB table of image records');
    output('UsageTableName', this.storage.usageTable.tableName, 'DynamoDB table of per-user quota usage');
    output('NotificationsTopicArn', this.messaging.topic.topicArn, 'SNS topic of processing outcomes');
    output('UploadQueueUrl', this.messaging.queue.queueUrl, 'SQS queue between S3 and the processor');
    output('DeadLetterQueueUrl', this.messaging.deadLetterQueue.queueUrl, 'Dead-letter queue (inspect, redrive)');
    output('AlarmTopicArn', this.monitoring.alarmTopic.topicArn, 'SNS topic of alarm state changes');
    output(
      'DashboardUrl',
      `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
      'CloudWatch dashboard of the pipeline',
    );
  }
}
