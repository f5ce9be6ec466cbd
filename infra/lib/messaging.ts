import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NOTIFICATION_ATTRIBUTES, NOTIFICATIONS_TOPIC_DISPLAY_NAME, type NotifiedStatus, ORIGINALS_PREFIX } from '../../src/contract';

/** Attempts before SQS moves a message to the dead-letter queue (issue #6, and the local stack's default). */
export const MAX_RECEIVE_COUNT = 5;

/**
 * Lambda's guidance for SQS event sources: a visibility timeout of at least six times the function
 * timeout (plus the batching window), so a batch retried after throttling is not redelivered while
 * still being worked on. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface MessagingProps {
  readonly originals: s3.IBucket;
  readonly processorTimeout: Duration;
  readonly processorMaxBatchingWindow: Duration;
  readonly deadLetterFunctionTimeout: Duration;
  readonly notificationEmail?: string;
  readonly notificationEmailStatuses: readonly NotifiedStatus[];
}

/** The upload queue fed by S3, its dead-letter queue, and the topic for processing outcomes. */
export class Messaging extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // A dead-lettered message keeps its original enqueue time, so the DLQ must keep messages
      // longer than the source queue does. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
      retentionPeriod: Duration.days(14),
      // The DLQ feeds the dead-letter function, so the same six-times rule applies.
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * props.deadLetterFunctionTimeout.toSeconds()),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    this.queue = new sqs.Queue(this, 'UploadQueue', {
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(
        VISIBILITY_TIMEOUT_FACTOR * props.processorTimeout.toSeconds() + props.processorMaxBatchingWindow.toSeconds(),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      // SSE-SQS rather than a KMS key: S3 can publish to it without a key policy, at no cost.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/ways-to-add-notification-config-to-bucket.html
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    // S3 → SQS for new originals only; the processor ignores the s3:TestEvent S3 sends when the
    // notification is configured. CDK adds the queue policy allowing s3.amazonaws.com, scoped to this bucket.
    props.originals.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue), {
      prefix: ORIGINALS_PREFIX,
    });

    this.topic = new sns.Topic(this, 'Notifications', {
      displayName: NOTIFICATIONS_TOPIC_DISPLAY_NAME,
      enforceSSL: true,
    });
    if (props.notificationEmail !== undefined) {
      // Messages carry MessageAttributes `userId` and `status`, so a subscription can choose outcomes.
      // https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(props.notificationEmail, {
          filterPolicy:
            props.notificationEmailStatuses.length > 0
              ? { [NOTIFICATION_ATTRIBUTES.status]: sns.SubscriptionFilter.stringFilter({ allowlist: [...props.notificationEmailStatuses] }) }
              : undefined,
        }),
      );
    }
  }
}
