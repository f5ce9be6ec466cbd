import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { BASE_IMAGES_FILE } from '../lib/base-images';
import { arnOf, synthesize, TEST_ORIGINS } from './support/synth';

const withOrigins = (context: Record<string, unknown>) => ({ uploadAllowedOrigins: TEST_ORIGINS.join(','), ...context });
/** A value of images/base-images.env, read here on its own rather than through the app's reader. */
const pinned = (key: string) => new RegExp(`^${key}=(\\S+)$`, 'm').exec(fs.readFileSync(BASE_IMAGES_FILE, 'utf8'))?.[1];

describe('function images', () => {
  const synthesized = synthesize();
  const { stack } = synthesized;

  it('builds the four images from images/<name>/Dockerfile with the repository root as context, for x86_64', () => {
    // Act
    const images = Object.values(synthesized.assetManifest().dockerImages).map((image) => image.source);

    // Assert
    expect(images.map((source) => source.dockerFile).sort()).toEqual([
      'images/generate-upload-url/Dockerfile',
      'images/image-processor/Dockerfile',
      'images/images-api/Dockerfile',
      'images/s3-metrics/Dockerfile',
    ]);
    for (const source of images) {
      expect(source.platform).toBe('linux/amd64');
      expect(source.dockerBuildArgs).toEqual({
        NODE_IMAGE: pinned('NODE_IMAGE'),
        LAMBDA_BASE_IMAGE: pinned('LAMBDA_BASE_IMAGE'),
      });
      // The staged build context: the repository root as the Dockerfiles expect it, without
      // infra/ (not needed) or what the root .dockerignore leaves out.
      const context = path.join(synthesized.outdir, source.directory);
      expect(fs.existsSync(path.join(context, 'package-lock.json'))).toBe(true);
      expect(fs.existsSync(path.join(context, 'src'))).toBe(true);
      expect(fs.existsSync(path.join(context, 'images', 'image-processor', 'Dockerfile'))).toBe(true);
      expect(fs.existsSync(path.join(context, 'infra'))).toBe(false);
      expect(fs.existsSync(path.join(context, 'node_modules'))).toBe(false);
    }
  });

  it('takes the base images from context, for air-gapped builds', () => {
    const custom = synthesize(withOrigins({ nodeImage: 'imgproc/node-offline:24', lambdaBaseImage: 'imgproc/lambda-nodejs-offline:24' }));

    const images = Object.values(custom.assetManifest().dockerImages);

    expect(images).toHaveLength(4);
    for (const image of images) {
      expect(image.source.dockerBuildArgs).toEqual({
        NODE_IMAGE: 'imgproc/node-offline:24',
        LAMBDA_BASE_IMAGE: 'imgproc/lambda-nodejs-offline:24',
      });
    }
  });

  it('runs the dead-letter function from the processor image with CMD index.deadLetterHandler', () => {
    const { template, id } = synthesize();
    const functions = template.findResources('AWS::Lambda::Function');
    const processor = functions[id(stack.functions.processor.function)]!;
    const deadLetter = functions[id(stack.functions.deadLetter.function)]!;

    expect(deadLetter.Properties.Code).toEqual(processor.Properties.Code);
    expect(deadLetter.Properties.ImageConfig).toEqual({ Command: ['index.deadLetterHandler'] });
    expect(processor.Properties.ImageConfig).toBeUndefined();
  });

  it('uses images already pushed to <prefix>/<name>:<tag> when imageTag is given, and builds nothing', () => {
    const custom = synthesize(withOrigins({ imageTag: 'git-3f2c1ab', imageRepositoryPrefix: 'acme/imgproc' }));
    const functions = custom.template.findResources('AWS::Lambda::Function');
    const imageUri = (fn: unknown) => JSON.stringify(functions[custom.id(fn as never)]!.Properties.Code.ImageUri);

    const manifest = custom.assetManifest();

    expect(manifest.dockerImages).toEqual({});
    expect(imageUri(custom.stack.functions.upload.function)).toContain('acme/imgproc/generate-upload-url:git-3f2c1ab');
    expect(imageUri(custom.stack.functions.imagesApi.function)).toContain('acme/imgproc/images-api:git-3f2c1ab');
    expect(imageUri(custom.stack.functions.processor.function)).toContain('acme/imgproc/image-processor:git-3f2c1ab');
    expect(imageUri(custom.stack.functions.deadLetter.function)).toContain('acme/imgproc/image-processor:git-3f2c1ab');
    expect(imageUri(custom.stack.functions.metrics.function)).toContain('acme/imgproc/s3-metrics:git-3f2c1ab');
  });
});

describe('function configuration', () => {
  const { stack, template, id } = synthesize();
  const fn = (construct: unknown) => template.findResources('AWS::Lambda::Function')[id(construct as never)]!.Properties;

  it('gives the processor at least 1769 MB (one full vCPU) and the others what their work needs', () => {
    expect(fn(stack.functions.processor.function).MemorySize).toBeGreaterThanOrEqual(1769);
    expect(fn(stack.functions.processor.function)).toMatchObject({ MemorySize: 2048, Timeout: 60, Architectures: ['x86_64'] });
    expect(fn(stack.functions.upload.function)).toMatchObject({ MemorySize: 512, Timeout: 10, Architectures: ['x86_64'] });
    expect(fn(stack.functions.deadLetter.function)).toMatchObject({ MemorySize: 512, Timeout: 30 });
    expect(fn(stack.functions.metrics.function)).toMatchObject({ MemorySize: 1769 });
  });

  it('passes each function the names of what it uses', () => {
    const originals = { Ref: id(stack.storage.originals) };
    const processed = { Ref: id(stack.storage.processed) };
    const table = { Ref: id(stack.storage.table) };
    const usage = { Ref: id(stack.storage.usageTable) };
    const topic = { Ref: id(stack.messaging.topic) };

    expect(fn(stack.functions.upload.function).Environment.Variables).toEqual({
      ORIGINALS_BUCKET: originals,
      IMAGES_TABLE: table,
      USAGE_TABLE: usage,
      UPLOAD_URL_EXPIRES_IN_SECONDS: '300',
      ALLOWED_CONTENT_TYPES: 'image/jpeg,image/png,image/webp,image/gif,image/avif,image/tiff',
      SDK_REQUEST_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'info',
    });
    for (const consumer of [stack.functions.processor.function, stack.functions.deadLetter.function]) {
      expect(fn(consumer).Environment.Variables).toEqual({
        ORIGINALS_BUCKET: originals,
        PROCESSED_BUCKET: processed,
        IMAGES_TABLE: table,
        USAGE_TABLE: usage,
        NOTIFICATIONS_TOPIC_ARN: topic,
        RENDITIONS: '1024.webp',
        ALLOWED_CONTENT_TYPES: 'image/jpeg,image/png,image/webp,image/gif,image/avif,image/tiff',
        LOG_LEVEL: 'info',
      });
    }
    expect(fn(stack.functions.imagesApi.function).Environment.Variables).toEqual({
      ORIGINALS_BUCKET: originals,
      PROCESSED_BUCKET: processed,
      IMAGES_TABLE: table,
      USAGE_TABLE: usage,
      RENDITION_URL_EXPIRES_IN_SECONDS: '900',
      SDK_REQUEST_TIMEOUT_MS: '2000',
      // Resolved by CloudFormation from the generated secret: the template holds no key.
      CURSOR_SIGNING_KEY: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: id(stack.functions.cursorSigningKey) }, ':SecretString:::}}']] },
      LOG_LEVEL: 'info',
    });
    expect(fn(stack.functions.metrics.function).Environment.Variables).toEqual({
      METRICS_BUCKETS: { 'Fn::Join': [',', [originals, processed]] },
      METRICS_NAMESPACE: 'CustomS3',
      METRICS_PARTITION_PREFIXES: 'user-uploads/,processed/',
      LOG_LEVEL: 'info',
    });
  });

  it('passes renditions from context, and an empty value for the thumbnail only', () => {
    const some = synthesize(withOrigins({ renditions: '640.webp,1600.avif' }));
    const none = synthesize(withOrigins({ renditions: '' }));
    const renditionsOf = (s: typeof some) =>
      s.template.findResources('AWS::Lambda::Function')[s.id(s.stack.functions.processor.function)]!.Properties.Environment.Variables
        .RENDITIONS;

    expect(renditionsOf(some)).toBe('640.webp,1600.avif');
    expect(renditionsOf(none)).toBe('');
  });

  it('accepts HEIC in both functions only when the heic context key switches it on', () => {
    const typesOf = (s: ReturnType<typeof synthesize>, fn: 'upload' | 'processor') =>
      s.template.findResources('AWS::Lambda::Function')[s.id(s.stack.functions[fn].function)]!.Properties.Environment.Variables.ALLOWED_CONTENT_TYPES;
    const off = synthesize(withOrigins({}));
    const on = synthesize(withOrigins({ heic: 'true' }));

    expect(typesOf(off, 'upload')).toBe('image/jpeg,image/png,image/webp,image/gif,image/avif,image/tiff');
    expect(typesOf(off, 'processor')).toBe(typesOf(off, 'upload'));
    expect(typesOf(on, 'upload')).toBe('image/jpeg,image/png,image/webp,image/gif,image/avif,image/tiff,image/heic,image/heif');
    expect(typesOf(on, 'processor')).toBe(typesOf(on, 'upload'));
  });

  it('reserves no concurrency unless asked, then exactly what was asked', () => {
    const reserved = synthesize(
      withOrigins({
        uploadReservedConcurrency: '20',
        imagesApiReservedConcurrency: '15',
        processorReservedConcurrency: '10',
        deadLetterReservedConcurrency: '2',
        metricsReservedConcurrency: '1',
      }),
    );
    const reservedOf = (s: typeof reserved, construct: unknown) =>
      s.template.findResources('AWS::Lambda::Function')[s.id(construct as never)]!.Properties.ReservedConcurrentExecutions;

    for (const each of stack.functions.all) expect(fn(each.function).ReservedConcurrentExecutions).toBeUndefined();
    expect(reservedOf(reserved, reserved.stack.functions.upload.function)).toBe(20);
    expect(reservedOf(reserved, reserved.stack.functions.imagesApi.function)).toBe(15);
    expect(reservedOf(reserved, reserved.stack.functions.processor.function)).toBe(10);
    expect(reservedOf(reserved, reserved.stack.functions.deadLetter.function)).toBe(2);
    expect(reservedOf(reserved, reserved.stack.functions.metrics.function)).toBe(1);
  });

  it('keeps each function log for a month in a log group of its own', () => {
    for (const each of stack.functions.all) {
      expect(fn(each.function).LoggingConfig).toEqual({ LogGroup: { Ref: id(each.logGroup) } });
      expect(template.findResources('AWS::Logs::LogGroup')[id(each.logGroup)]!.Properties.RetentionInDays).toBe(30);
    }
  });
});

describe('event source mappings', () => {
  const { stack, template, id } = synthesize();

  it('feeds the processor from the upload queue, reporting batch item failures, with a maximum concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(id(stack.messaging.queue)),
      FunctionName: { Ref: id(stack.functions.processor.function) },
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('feeds the dead-letter function from the dead-letter queue, reporting batch item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(id(stack.messaging.deadLetterQueue)),
      FunctionName: { Ref: id(stack.functions.deadLetter.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('takes the processor maximum concurrency from context', () => {
    const custom = synthesize(withOrigins({ processorMaxConcurrency: '20' }));

    custom.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: custom.id(custom.stack.functions.processor.function) },
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });
});

describe('metrics schedule', () => {
  it('runs s3-metrics every hour by default with the plain scheduled event, never retried', () => {
    const { stack, template, id } = synthesize();

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(id(stack.functions.metrics.function)),
          Id: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(stack.functions.metrics.function) },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
    });
    // No Input/InputTransformer: the function only accepts EventBridge's "Scheduled Event".
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rule!.Properties.Targets[0].Input).toBeUndefined();
    expect(rule!.Properties.Targets[0].InputTransformer).toBeUndefined();
  });

  it.each([
    ['1 minute', 'rate(1 minute)', 60],
    ['5 minutes', 'rate(5 minutes)', 300],
    ['1 day', 'rate(1 day)', 900],
  ])('takes the rate "%s" from context, and a timeout no longer than the interval', (rate, expression, timeoutSeconds) => {
    const custom = synthesize(withOrigins({ metricsScheduleRate: rate }));

    custom.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: expression });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^s3-metrics'),
      Timeout: timeoutSeconds,
    });
  });
});
