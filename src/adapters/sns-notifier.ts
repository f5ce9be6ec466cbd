import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../domain/ports/notifier';
import type { ImageNotification } from '../domain/image-notification';
import { dependencyError } from './aws-errors';

/**
 * Publishes image outcomes to one topic: a JSON body for programs, a readable Subject for email
 * subscribers, and `userId` / `status` attributes for subscription filter policies.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    readonly topicArn: string,
  ) {}

  async publish(notification: ImageNotification): Promise<void> {
    const { subject, ...body } = notification;
    const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {
      status: { DataType: 'String', StringValue: notification.status },
    };
    if (notification.userId !== undefined) {
      attributes.userId = { DataType: 'String', StringValue: notification.userId };
    }
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          Message: JSON.stringify(body),
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      throw dependencyError('SNS', 'Publish', error);
    }
  }
}
