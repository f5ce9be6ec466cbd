import { Match } from 'aws-cdk-lib/assertions';
import { synthesize, TEST_ORIGINS } from './support/synth';

const GIB = 1024 ** 3;

describe('alarms', () => {
  const { stack, template, id } = synthesize();
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
  const alarmOn = (namespace: string, metricName: string, dimension: { Name: string; Value: unknown }) =>
    alarms().filter(
      (alarm) =>
        alarm.Namespace === namespace &&
        alarm.MetricName === metricName &&
        JSON.stringify(alarm.Dimensions) === JSON.stringify([dimension]),
    );
  const queueDimension = (construct: unknown) => ({ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(construct as never), 'QueueName'] } });
  const alarmTopic = () => ({ Ref: id(stack.monitoring.alarmTopic) });

  it('fires when the dead-letter queue is not empty, and when any message is dead-lettered', () => {
    const dlq = queueDimension(stack.messaging.deadLetterQueue);

    expect(alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', dlq)).toEqual([
      expect.objectContaining({ Statistic: 'Maximum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 60 }),
    ]);
    // Redriven messages are not in NumberOfMessagesSent; the dead-letter function receives each one.
    expect(alarmOn('AWS/SQS', 'NumberOfMessagesReceived', dlq)).toEqual([
      expect.objectContaining({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
    ]);
  });

  it('fires on the age of the oldest message in both queues', () => {
    expect(alarmOn('AWS/SQS', 'ApproximateAgeOfOldestMessage', queueDimension(stack.messaging.queue))).toEqual([
      expect.objectContaining({ Statistic: 'Maximum', Threshold: 900 }),
    ]);
    expect(alarmOn('AWS/SQS', 'ApproximateAgeOfOldestMessage', queueDimension(stack.messaging.deadLetterQueue))).toEqual([
      expect.objectContaining({ Statistic: 'Maximum', Threshold: 3600 }),
    ]);
  });

  it('fires on errors and on throttles of each of the five functions', () => {
    for (const fn of stack.functions.all) {
      const dimension = { Name: 'FunctionName', Value: { Ref: id(fn.function) } };
      for (const metricName of ['Errors', 'Throttles']) {
        expect(alarmOn('AWS/Lambda', metricName, dimension)).toEqual([
          expect.objectContaining({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' }),
        ]);
      }
    }
  });

  it('fires when a bucket exceeds the CustomS3 BucketSizeBytes threshold (100 GiB by default)', () => {
    for (const bucket of [stack.storage.originals, stack.storage.processed]) {
      expect(alarmOn('CustomS3', 'BucketSizeBytes', { Name: 'BucketName', Value: { Ref: id(bucket) } })).toEqual([
        expect.objectContaining({
          Threshold: 100 * GIB,
          ComparisonOperator: 'GreaterThanThreshold',
          Period: 3600,
          TreatMissingData: 'ignore',
        }),
      ]);
    }
  });

  it('takes the BucketSizeBytes threshold and the metrics period from context', () => {
    const custom = synthesize({ uploadAllowedOrigins: TEST_ORIGINS.join(','), bucketSizeAlarmThresholdGiB: '0.5', metricsScheduleRate: '5 minutes' });

    custom.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CustomS3',
      MetricName: 'BucketSizeBytes',
      Threshold: 0.5 * GIB,
      Period: 300,
    });
  });

  it('fires when the p95 of upload→DONE latency (the processor\'s EMF metric) stays over the threshold, 60 s by default', () => {
    const dimension = { Name: 'service', Value: 'image-processor' };

    expect(alarmOn('ImagePipeline', 'UploadToDoneLatency', dimension)).toEqual([
      expect.objectContaining({
        ExtendedStatistic: 'p95',
        Threshold: 60_000,
        ComparisonOperator: 'GreaterThanThreshold',
        Period: 300,
        EvaluationPeriods: 2,
        TreatMissingData: 'notBreaching',
      }),
    ]);
  });

  it('takes the upload→DONE p95 threshold from context (uploadToDoneP95AlarmSeconds)', () => {
    const custom = synthesize({ uploadAllowedOrigins: TEST_ORIGINS.join(','), uploadToDoneP95AlarmSeconds: '12.5' });

    custom.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ImagePipeline',
      MetricName: 'UploadToDoneLatency',
      ExtendedStatistic: 'p95',
      Threshold: 12_500,
    });
  });

  it('fires when an s3-metrics run ends OUT_OF_TIME, and stays so until a run publishes', () => {
    expect(alarmOn('ImagePipeline', 'StorageMeasurementOutOfTime', { Name: 'service', Value: 's3-metrics' })).toEqual([
      expect.objectContaining({
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Period: 3600,
        EvaluationPeriods: 1,
        TreatMissingData: 'ignore',
      }),
    ]);
  });

  it('sends every alarm and its recovery to the alarm topic', () => {
    expect(alarms()).toHaveLength(18);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([alarmTopic()]);
      expect(alarm.OKActions).toEqual([alarmTopic()]);
    }
  });

  it('lets CloudWatch alarms of this account publish to the alarm topic', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [alarmTopic()],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('subscribes alarmEmail to the alarm topic when given', () => {
    const custom = synthesize({ uploadAllowedOrigins: TEST_ORIGINS.join(','), alarmEmail: 'oncall@example.com' });

    custom.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: custom.id(custom.stack.monitoring.alarmTopic) },
    });
  });
});

describe('dashboard', () => {
  it('shows the API, the queues, the functions and the CustomS3 metrics', () => {
    const { template } = synthesize();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));

    const body = JSON.stringify(dashboard!.Properties.DashboardBody);

    for (const metric of [
      'AWS/ApiGateway',
      'ApproximateAgeOfOldestMessage',
      'NumberOfMessagesReceived',
      'ConcurrentExecutions',
      'Duration',
      'BucketSizeBytes',
      'NumberOfObjects',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('shows the stage metrics: upload→DONE and processing time percentiles, outcomes by status and reason, bytes, s3-metrics runs', () => {
    const { template } = synthesize();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody).replace(/\\"/g, '"');

    for (const title of [
      'Upload → DONE latency (ms)',
      'Processing time per image (ms)',
      'Outcomes by status',
      'Rejections and retries by reason',
      'Bytes in (originals) and out (renditions)',
      's3-metrics: run duration (ms) and OUT_OF_TIME',
    ]) {
      expect(body).toContain(title);
    }
    for (const statistic of ['p50', 'p95', 'p99']) {
      expect(body).toContain(`["ImagePipeline","UploadToDoneLatency","service","image-processor",{"label":"upload→DONE ${statistic}","stat":"${statistic}"}]`);
      expect(body).toContain(`["ImagePipeline","ProcessingTime","service","image-processor",{"label":"processing ${statistic}","stat":"${statistic}"}]`);
    }
    for (const status of ['DONE', 'REJECTED', 'RETRIED', 'ALREADY_FINISHED', 'FAILED']) {
      expect(body).toContain(`["ImagePipeline","ImagesProcessed","Status","${status}","service","image-processor",{"label":"${status}","stat":"Sum"}]`);
    }
    // One series per reason, whatever reasons appear: a SEARCH over the Status + Reason dimension set.
    expect(body.match(/SEARCH\('\{ImagePipeline,Reason,service,Status\} MetricName=[^']*ImagesProcessed[^']*Status=[^']*(REJECTED|RETRIED)[^']*', 'Sum', 300\)/g)).toHaveLength(2);
    expect(body).toContain('"OriginalBytes"');
    expect(body).toContain('"RenditionBytes"');
    expect(body).toContain('"StorageMeasurementOutOfTime","service","s3-metrics"');
  });
});
