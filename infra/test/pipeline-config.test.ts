import { Duration } from 'aws-cdk-lib';
import { DEFAULTS, parseRate, PipelineConfigError, readPipelineConfig } from '../lib/pipeline-config';

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('readPipelineConfig', () => {
  it('has safe defaults: no origins, no e-mails, hourly metrics, 100 GiB, upstream base images', () => {
    const config = readPipelineConfig(contextOf({}));

    expect(config).toMatchObject({
      uploadAllowedOrigins: [],
      notificationEmailStatuses: [],
      bucketSizeAlarmThresholdBytes: 100 * 1024 ** 3,
      metricsPartitionPrefixes: ['user-uploads/', 'processed/'],
      processorMaxConcurrency: 5,
      renditions: ['1024.webp'],
      originalsExpirationDays: 30,
      selfSignUpEnabled: false,
      heicEnabled: false,
      reservedConcurrency: { upload: undefined, processor: undefined, deadLetter: undefined, metrics: undefined },
      images: { kind: 'asset', nodeImage: DEFAULTS.nodeImage, lambdaBaseImage: DEFAULTS.lambdaBaseImage },
    });
    expect(config.metricsSchedule.toSeconds()).toBe(3600);
    expect(config.notificationEmail).toBeUndefined();
    expect(config.alarmEmail).toBeUndefined();
  });

  it('reads lists as `-c key=a,b` strings or as cdk.json arrays', () => {
    const fromCli = readPipelineConfig(contextOf({ uploadAllowedOrigins: 'https://a.example.com, http://localhost:5173' }));
    const fromJson = readPipelineConfig(contextOf({ uploadAllowedOrigins: ['https://a.example.com', 'http://localhost:5173'] }));

    expect(fromCli.uploadAllowedOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(fromJson.uploadAllowedOrigins).toEqual(fromCli.uploadAllowedOrigins);
  });

  it('reads numbers and booleans from strings (-c) and from JSON (cdk.json)', () => {
    const fromCli = readPipelineConfig(contextOf({ processorMaxConcurrency: '12', selfSignUp: 'true', bucketSizeAlarmThresholdGiB: '2' }));
    const fromJson = readPipelineConfig(contextOf({ processorMaxConcurrency: 12, selfSignUp: true, bucketSizeAlarmThresholdGiB: 2 }));

    for (const config of [fromCli, fromJson]) {
      expect(config.processorMaxConcurrency).toBe(12);
      expect(config.selfSignUpEnabled).toBe(true);
      expect(config.bucketSizeAlarmThresholdBytes).toBe(2 * 1024 ** 3);
    }
  });

  it('reads the upload→DONE p95 alarm threshold in seconds (60 by default) and refuses one that is not a positive number', () => {
    expect(readPipelineConfig(contextOf({})).uploadToDoneP95AlarmSeconds).toBe(60);
    expect(readPipelineConfig(contextOf({ uploadToDoneP95AlarmSeconds: '7.5' })).uploadToDoneP95AlarmSeconds).toBe(7.5);
    for (const bad of ['0', '-3', 'soon', '100000']) {
      expect(() => readPipelineConfig(contextOf({ uploadToDoneP95AlarmSeconds: bad }))).toThrow('uploadToDoneP95AlarmSeconds');
    }
  });

  it('treats an empty renditions or partition prefix value as "none", not as "default"', () => {
    const config = readPipelineConfig(contextOf({ renditions: '', metricsPartitionPrefixes: '' }));

    expect(config.renditions).toEqual([]);
    expect(config.metricsPartitionPrefixes).toEqual([]);
  });

  it('switches to pre-pushed images when imageTag is given', () => {
    const config = readPipelineConfig(contextOf({ imageTag: 'v1.4.0' }));

    expect(config.images).toEqual({ kind: 'ecr', tag: 'v1.4.0', repositoryPrefix: 'imgproc' });
  });

  it('reports every problem at once', () => {
    const read = () =>
      readPipelineConfig(
        contextOf({
          uploadAllowedOrigins: 'https://a.example.com/,example.com',
          notificationEmail: 'not-an-address',
          notificationEmailStatuses: 'DONE,PENDING',
          metricsScheduleRate: '30 seconds',
          renditions: '1024.webp,10.jpg,800.gif',
          processorMaxConcurrency: '1',
          imageTag: 'bad tag',
        }),
      );

    expect(read).toThrow(PipelineConfigError);
    try {
      read();
    } catch (error) {
      const problems = (error as PipelineConfigError).problems;
      expect(problems).toEqual([
        expect.stringContaining('"https://a.example.com/" is not an origin'),
        expect.stringContaining('"example.com" is not an origin'),
        expect.stringContaining('"PENDING" is not one of DONE, REJECTED, FAILED'),
        expect.stringContaining('"30 seconds" is not a rate'),
        expect.stringContaining('"10.jpg"'),
        expect.stringContaining('"800.gif"'),
        expect.stringContaining('processorMaxConcurrency must be a whole number from 2 to 1000'),
        expect.stringContaining('imageTag: "bad tag"'),
        expect.stringContaining('notificationEmail: "not-an-address"'),
      ]);
    }
  });

  it('refuses a processor reserved concurrency below the mapping maximum concurrency (it would only throttle)', () => {
    const read = () => readPipelineConfig(contextOf({ processorMaxConcurrency: '10', processorReservedConcurrency: '5' }));

    expect(read).toThrow(/processorReservedConcurrency \(5\) must be at least processorMaxConcurrency \(10\)/);
  });
});

describe('parseRate', () => {
  it.each([
    ['1 minute', 60],
    ['5 minutes', 300],
    ['1 hour', 3600],
    ['6 hours', 21_600],
    ['1 day', 86_400],
    ['1 minutes', 60],
  ])('accepts "%s"', (text, seconds) => {
    expect(parseRate(text)?.toSeconds()).toBe(seconds);
  });

  it.each(['30 seconds', '0 minutes', '2 days', 'hourly', 'rate(5 minutes)', ''])('refuses "%s"', (text) => {
    expect(parseRate(text)).toBeUndefined();
  });

  it('returns a Duration that Schedule.rate() can render', () => {
    expect(parseRate('5 minutes')).toBeInstanceOf(Duration);
  });
});
