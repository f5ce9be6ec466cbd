import { CloudWatchClient, CloudWatchServiceException, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchMetricsSink } from './cloudwatch-metrics-sink';

const cloudWatch = mockClient(CloudWatchClient);
const sink = () => new CloudWatchMetricsSink(new CloudWatchClient({ region: 'us-east-1' }), 'CustomS3');
const at = new Date('2026-11-23T12:00:00.000Z');

beforeEach(() => cloudWatch.reset());

describe('CloudWatchMetricsSink', () => {
  it('publishes BucketSizeBytes and NumberOfObjects per bucket in one call', async () => {
    cloudWatch.on(PutMetricDataCommand).resolves({});

    await sink().publishBucketUsage(
      [
        { bucketName: 'originals', objectCount: 3, totalBytes: 300 },
        { bucketName: 'processed', objectCount: 6, totalBytes: 120 },
      ],
      at,
    );

    expect(cloudWatch.commandCalls(PutMetricDataCommand)).toHaveLength(1);
    expect(cloudWatch.commandCalls(PutMetricDataCommand)[0]!.args[0].input).toEqual({
      Namespace: 'CustomS3',
      MetricData: [
        { MetricName: 'BucketSizeBytes', Unit: 'Bytes', Value: 300, Timestamp: at, Dimensions: [{ Name: 'BucketName', Value: 'originals' }] },
        { MetricName: 'NumberOfObjects', Unit: 'Count', Value: 3, Timestamp: at, Dimensions: [{ Name: 'BucketName', Value: 'originals' }] },
        { MetricName: 'BucketSizeBytes', Unit: 'Bytes', Value: 120, Timestamp: at, Dimensions: [{ Name: 'BucketName', Value: 'processed' }] },
        { MetricName: 'NumberOfObjects', Unit: 'Count', Value: 6, Timestamp: at, Dimensions: [{ Name: 'BucketName', Value: 'processed' }] },
      ],
    });
  });

  it('maps a server fault to a retryable DependencyError', async () => {
    cloudWatch
      .on(PutMetricDataCommand)
      .rejects(new CloudWatchServiceException({ name: 'InternalServiceFault', $fault: 'server', $metadata: { httpStatusCode: 500 } }));

    await expect(sink().publishBucketUsage([{ bucketName: 'b', objectCount: 0, totalBytes: 0 }], at)).rejects.toMatchObject({
      name: 'DependencyError',
      service: 'CloudWatch',
      retryable: true,
    });
  });
});
