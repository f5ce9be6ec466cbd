import { Aws, Duration } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ImageFunction } from './image-function';
import { OPERATIONAL_METRICS, STORAGE_METRICS } from '../../src/contract';
import { METRICS_NAMESPACE } from './pipeline-functions';

/** Thresholds that are not parameters, with the reason for each. */
export const ALARM_THRESHOLDS = {
  // Uploads are processed within seconds; a quarter of an hour of backlog means the processor is
  // failing, throttled, or short of MaximumConcurrency for the load.
  queueOldestMessageAgeSeconds: 15 * 60,
  // The dead-letter function settles a message in seconds; an hour means it cannot.
  deadLetterOldestMessageAgeSeconds: 60 * 60,
} as const;

export interface MonitoringProps {
  readonly functions: Readonly<Record<'upload' | 'imagesApi' | 'processor' | 'deadLetter' | 'metrics', ImageFunction>>;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** The measured buckets by a short name used in alarm ids (`Originals`, `Processed`). */
  readonly buckets: Readonly<Record<string, s3.IBucket>>;
  readonly httpApi: apigwv2.IHttpApi;
  readonly bucketSizeAlarmThresholdBytes: number;
  /** The alarm on the p95 of upload→DONE latency fires above this. */
  readonly uploadToDoneP95AlarmSeconds: number;
  /** The s3-metrics schedule: the CustomS3 metrics arrive once per this period. */
  readonly metricsPeriod: Duration;
  readonly alarmEmail?: string;
}

/** Alarms (to an SNS topic of their own) and one dashboard for the pipeline. */
export class Monitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Image pipeline alarms', enforceSSL: true });
    // The topic has a policy of its own (the TLS-only statement), which replaces SNS's default one:
    // CloudWatch must be allowed explicitly, for this account's alarms only.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    if (props.alarmEmail !== undefined) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const alarmAction = new actions.SnsAction(this.alarmTopic);
    // Quiet periods have no datapoints for most of these metrics: missing data is not a problem.
    const alarm = (alarmId: string, { metric, ...options }: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.Metric }) => {
      const created = metric.createAlarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(alarmAction);
      created.addOkAction(alarmAction);
      this.alarms.push(created);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);

    // Dead-letter queue. The dead-letter function consumes it within seconds, so its depth alone
    // would rarely be seen above zero; NumberOfMessagesSent does not count messages moved there by
    // a redrive policy (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html),
    // but every dead-lettered message is received at least once by the dead-letter function.
    alarm('DeadLetterQueueNotEmpty', {
      alarmDescription: 'Messages are waiting in the dead-letter queue (the dead-letter function has not settled them).',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('MessagesDeadLettered', {
      alarmDescription: 'Uploads failed processing maxReceiveCount times and reached the dead-letter queue (now FAILED).',
      metric: props.deadLetterQueue.metricNumberOfMessagesReceived({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('DeadLetterQueueOldestMessageAge', {
      alarmDescription: 'A dead-lettered message has waited over an hour: the dead-letter function cannot settle it.',
      metric: props.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: ALARM_THRESHOLDS.deadLetterOldestMessageAgeSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('UploadQueueOldestMessageAge', {
      alarmDescription: 'Uploads have waited over 15 minutes to be processed.',
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: 'Maximum' }),
      threshold: ALARM_THRESHOLDS.queueOldestMessageAgeSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // Every function: any error (an exception, a timeout, an out-of-memory kill) or throttle.
    for (const [name, fn] of Object.entries(props.functions)) {
      const label = capitalize(name);
      alarm(`${label}Errors`, {
        alarmDescription: `${label}: invocations failed (exception, timeout or out of memory).`,
        metric: fn.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`${label}Throttles`, {
        alarmDescription: `${label}: invocations were throttled (reserved or account concurrency exhausted).`,
        metric: fn.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // Bucket size, from s3-metrics. One datapoint per schedule period: the alarm's period matches
    // it, and a missing datapoint keeps the alarm's state rather than clearing it.
    const bucketSize = (bucket: s3.IBucket) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: STORAGE_METRICS.bucketSizeBytes,
        dimensionsMap: { BucketName: bucket.bucketName },
        statistic: 'Maximum',
        period: props.metricsPeriod,
      });
    const objectCount = (bucket: s3.IBucket) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: STORAGE_METRICS.numberOfObjects,
        dimensionsMap: { BucketName: bucket.bucketName },
        statistic: 'Maximum',
        period: props.metricsPeriod,
      });
    const buckets = Object.values(props.buckets);
    for (const [name, bucket] of Object.entries(props.buckets)) {
      alarm(`BucketSize${name}`, {
        alarmDescription: `The ${name.toLowerCase()} bucket holds more than ${props.bucketSizeAlarmThresholdBytes} bytes (${METRICS_NAMESPACE} BucketSizeBytes).`,
        metric: bucketSize(bucket),
        threshold: props.bucketSizeAlarmThresholdBytes,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
    }

    // The functions' own metrics, from their Embedded Metric Format log lines (src/adapters/emf-metrics.ts).
    const processorMetric = (
      metricName: string,
      { extraDimensions, ...options }: Omit<cloudwatch.MetricOptions, 'dimensions' | 'dimensionsMap'> & { extraDimensions?: Record<string, string> } = {},
    ) =>
      new cloudwatch.Metric({
        namespace: OPERATIONAL_METRICS.namespace,
        metricName,
        dimensionsMap: { [OPERATIONAL_METRICS.serviceDimension]: OPERATIONAL_METRICS.processorService, ...extraDimensions },
        period: fiveMinutes,
        ...options,
      });
    const uploadToDone = (statistic: string) =>
      processorMetric(OPERATIONAL_METRICS.uploadToDoneLatency, { statistic, label: `upload→DONE ${statistic}` });
    alarm('UploadToDoneLatencyP95', {
      alarmDescription:
        `The p95 time from upload to DONE exceeded ${props.uploadToDoneP95AlarmSeconds} s for 10 minutes: ` +
        'uploads are queueing (processor too slow, throttled or failing).',
      metric: processorMetric(OPERATIONAL_METRICS.uploadToDoneLatency, { statistic: 'p95' }),
      threshold: props.uploadToDoneP95AlarmSeconds * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
    });
    // s3-metrics writes 0 after a run that published and 1 after one that ran out of time, once per
    // schedule period; missing data (no run yet, or a run that crashed: see MetricsErrors) keeps the state.
    const outOfTime = new cloudwatch.Metric({
      namespace: OPERATIONAL_METRICS.namespace,
      metricName: OPERATIONAL_METRICS.storageMeasurementOutOfTime,
      dimensionsMap: { [OPERATIONAL_METRICS.serviceDimension]: OPERATIONAL_METRICS.storageService },
      statistic: 'Maximum',
      period: props.metricsPeriod,
    });
    alarm('StorageMeasurementOutOfTime', {
      alarmDescription: 's3-metrics ran out of time (OUT_OF_TIME) and published no bucket figures: raise its timeout or memory, or its parallel listings.',
      metric: outOfTime,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    const fns = Object.values(props.functions).map((fn) => fn.function);
    const byFunction = (metric: (fn: (typeof fns)[number]) => cloudwatch.IMetric) => fns.map(metric);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'POST /uploads: requests and errors',
            left: [
              props.httpApi.metricCount({ period: fiveMinutes }),
              props.httpApi.metricClientError({ period: fiveMinutes }),
              props.httpApi.metricServerError({ period: fiveMinutes }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'POST /uploads: latency (p50, p99)',
            left: [
              props.httpApi.metricLatency({ period: fiveMinutes, statistic: 'p50' }),
              props.httpApi.metricLatency({ period: fiveMinutes, statistic: 'p99' }),
            ],
            width: 8,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8, height: 6 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Upload queue: waiting, in flight, oldest (s)',
            left: [
              props.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
              props.queue.metricApproximateNumberOfMessagesNotVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
            ],
            right: [props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queue: received, waiting',
            left: [
              props.deadLetterQueue.metricNumberOfMessagesReceived({ period: fiveMinutes, statistic: 'Sum' }),
              props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Processor: invocations, errors, throttles, concurrency',
            left: [
              this.fnMetric(props.functions.processor, 'Invocations'),
              this.fnMetric(props.functions.processor, 'Errors'),
              this.fnMetric(props.functions.processor, 'Throttles'),
            ],
            right: [props.functions.processor.function.metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum' })],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Errors by function',
            left: byFunction((fn) => fn.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: fn.node.scope?.node.id })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Duration p99 by function (ms)',
            left: byFunction((fn) => fn.metricDuration({ period: fiveMinutes, statistic: 'p99', label: fn.node.scope?.node.id })),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Throttles by function',
            left: byFunction((fn) => fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum', label: fn.node.scope?.node.id })),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Upload → DONE latency (ms)',
            left: ['p50', 'p95', 'p99'].map(uploadToDone),
            leftAnnotations: [{ value: props.uploadToDoneP95AlarmSeconds * 1000, label: 'p95 alarm threshold' }],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Processing time per image (ms)',
            left: ['p50', 'p95', 'p99'].map((statistic) =>
              processorMetric(OPERATIONAL_METRICS.processingTime, { statistic, label: `processing ${statistic}` }),
            ),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Outcomes by status',
            left: ['DONE', 'REJECTED', 'RETRIED', 'ALREADY_FINISHED', 'FAILED'].map((status) =>
              processorMetric(OPERATIONAL_METRICS.imagesProcessed, {
                statistic: 'Sum',
                label: status,
                extraDimensions: { [OPERATIONAL_METRICS.statusDimension]: status },
              }),
            ),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Rejections and retries by reason',
            // One series per reason seen, whatever the reasons are (new ones need no dashboard change).
            left: ['REJECTED', 'RETRIED'].map(
              (status) =>
                new cloudwatch.MathExpression({
                  expression:
                    `SEARCH('{${OPERATIONAL_METRICS.namespace},${OPERATIONAL_METRICS.reasonDimension},${OPERATIONAL_METRICS.serviceDimension},${OPERATIONAL_METRICS.statusDimension}} ` +
                    `MetricName="${OPERATIONAL_METRICS.imagesProcessed}" ${OPERATIONAL_METRICS.statusDimension}="${status}"', 'Sum', 300)`,
                  label: status,
                  period: fiveMinutes,
                }),
            ),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 'Bytes in (originals) and out (renditions)',
            left: [
              processorMetric(OPERATIONAL_METRICS.originalBytes, { statistic: 'Sum', label: 'originals read' }),
              processorMetric(OPERATIONAL_METRICS.renditionBytes, { statistic: 'Sum', label: 'renditions written' }),
            ],
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: 's3-metrics: run duration (ms) and OUT_OF_TIME',
            left: [
              new cloudwatch.Metric({
                namespace: OPERATIONAL_METRICS.namespace,
                metricName: OPERATIONAL_METRICS.storageMeasurementDuration,
                dimensionsMap: { [OPERATIONAL_METRICS.serviceDimension]: OPERATIONAL_METRICS.storageService },
                statistic: 'Maximum',
                period: props.metricsPeriod,
              }),
            ],
            right: [outOfTime],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: `${METRICS_NAMESPACE} BucketSizeBytes`,
            left: buckets.map(bucketSize),
            leftAnnotations: [{ value: props.bucketSizeAlarmThresholdBytes, label: 'alarm threshold' }],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: `${METRICS_NAMESPACE} NumberOfObjects`,
            left: buckets.map(objectCount),
            width: 12,
          }),
        ],
      ],
    });
  }

  private fnMetric(fn: ImageFunction, metricName: string): cloudwatch.IMetric {
    return fn.function.metric(metricName, { period: Duration.minutes(5), statistic: 'Sum' });
  }
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
