import { Match } from 'aws-cdk-lib/assertions';
import { NOTIFICATIONS_TOPIC_DISPLAY_NAME } from '../../src/contract';
import { FUNCTION_SIZING } from '../lib/pipeline-functions';
import { arnOf, synthesize, TEST_ORIGINS } from './support/synth';

describe('upload queue and dead-letter queue', () => {
  const { stack, template, id } = synthesize();
  const queue = () => template.findResources('AWS::SQS::Queue')[id(stack.messaging.queue)]!;
  const deadLetterQueue = () => template.findResources('AWS::SQS::Queue')[id(stack.messaging.deadLetterQueue)]!;

  it('redrives to the dead-letter queue after 5 receives', () => {
    expect(queue().Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: arnOf(id(stack.messaging.deadLetterQueue)),
      maxReceiveCount: 5,
    });
  });

  it('hides a message for at least 6 times the timeout of the function that consumes it', () => {
    const processorTimeoutSeconds = template.findResources('AWS::Lambda::Function')[id(stack.functions.processor.function)]!
      .Properties.Timeout as number;
    const deadLetterTimeoutSeconds = template.findResources('AWS::Lambda::Function')[id(stack.functions.deadLetter.function)]!
      .Properties.Timeout as number;

    expect(processorTimeoutSeconds).toBe(FUNCTION_SIZING.processor.timeout.toSeconds());
    expect(queue().Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * processorTimeoutSeconds);
    expect(queue().Properties.VisibilityTimeout).toBe(360);
    expect(deadLetterQueue().Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * deadLetterTimeoutSeconds);
  });

  it('keeps dead letters longer than the source queue keeps messages (they keep their enqueue time)', () => {
    expect(deadLetterQueue().Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(queue().Properties.MessageRetentionPeriod).toBeLessThan(deadLetterQueue().Properties.MessageRetentionPeriod);
  });

  it('encrypts both queues and denies requests without TLS', () => {
    for (const construct of [stack.messaging.queue, stack.messaging.deadLetterQueue]) {
      const logicalId = id(construct);
      expect(template.findResources('AWS::SQS::Queue')[logicalId]!.Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Resource: arnOf(logicalId),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ]),
        },
      });
    }
  });

  it('receives s3:ObjectCreated events for user-uploads/ from the originals bucket only', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: id(stack.storage.originals) },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'user-uploads/' }] } },
            QueueArn: arnOf(id(stack.messaging.queue)),
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(stack.messaging.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnLike: { 'aws:SourceArn': arnOf(id(stack.storage.originals)) } },
          }),
        ]),
      },
    });
  });
});

describe('notifications topic', () => {
  it('names the topic as its e-mails name their sender', () => {
    const { stack, template, id } = synthesize();

    expect(template.findResources('AWS::SNS::Topic')[id(stack.messaging.topic)]!.Properties.DisplayName).toBe(NOTIFICATIONS_TOPIC_DISPLAY_NAME);
  });

  it('subscribes the given e-mail to every outcome when no statuses are given', () => {
    const { template } = synthesize({ uploadAllowedOrigins: TEST_ORIGINS.join(','), notificationEmail: 'photos@example.com' });

    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'photos@example.com', FilterPolicy: Match.absent() });
  });

  it('has no subscription unless an e-mail is given', () => {
    const { template } = synthesize();

    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('subscribes the given e-mail, filtered on the status attribute when statuses are given', () => {
    const { stack, template, id } = synthesize({
      uploadAllowedOrigins: TEST_ORIGINS.join(','),
      notificationEmail: 'photos-ops@example.com',
      notificationEmailStatuses: 'rejected,FAILED',
    });

    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'photos-ops@example.com',
      TopicArn: { Ref: id(stack.messaging.topic) },
      FilterPolicy: { status: ['REJECTED', 'FAILED'] },
    });
  });

  it('denies publishing without TLS', () => {
    const { stack, template, id } = synthesize();

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: id(stack.messaging.topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});
