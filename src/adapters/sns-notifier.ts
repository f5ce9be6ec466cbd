import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../domain/ports/notifier';
import type { ImageNotification } from '../domain/image-notification';
import { dependencyError } from './aws-errors';

/**
 * Publishes image outcomes to one topic, one message per kind of subscriber (`MessageStructure:
 * json`): e-mail subscribers get the notification's readable text; every other protocol (SQS,
 * Lambda, HTTP/S, email-json) gets the `default` JSON body. The Subject is the mail's subject, and
 * the `userId` / `status` attributes serve subscription filter policies.
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (MessageStructure)
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    readonly topicArn: string,
  ) {}

  async publish(notification: ImageNotification): Promise<void> {
    const { subject, emailText, ...body } = notification;
    const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {
      status: { DataType: 'String', StringValue: notification.status },
    };
    if (notification.userId !== undefined) {
      attributes.userId = { DataType: 'String', StringValue: notification.userId };
    }
    // With MessageStructure json, Message is a JSON object of strings: "default" (required) for
    // protocols without a key of their own, and "email" for e-mail subscriptions.
    const perProtocol: Record<'default' | 'email', string> = { default: JSON.stringify(body), email: emailText };
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject,
          MessageStructure: 'json',
          Message: JSON.stringify(perProtocol),
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      throw dependencyError('SNS', 'Publish', error);
    }
  }
}
