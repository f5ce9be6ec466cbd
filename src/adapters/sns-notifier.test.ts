import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from './sns-notifier';

const sns = mockClient(SNSClient);
const notifier = () => new SnsNotifier(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:000000000000:image-events');

beforeEach(() => sns.reset());

describe('SnsNotifier', () => {
  it('publishes a JSON body, a readable subject and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    await notifier().publish({
      subject: 'Image processed: cat.png',
      imageId: 'img-1',
      userId: 'user-1',
      status: 'DONE',
      originalS3Key: 'user-uploads/user-1/img-1.png',
      processedS3Key: 'processed/img-1.jpg',
      renditionKeys: ['processed/img-1.jpg'],
    });

    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:image-events');
    expect(input.Subject).toBe('Image processed: cat.png');
    expect(JSON.parse(input.Message!)).toEqual({
      imageId: 'img-1',
      userId: 'user-1',
      status: 'DONE',
      originalS3Key: 'user-uploads/user-1/img-1.png',
      processedS3Key: 'processed/img-1.jpg',
      renditionKeys: ['processed/img-1.jpg'],
    });
    expect(input.MessageAttributes).toEqual({
      userId: { DataType: 'String', StringValue: 'user-1' },
      status: { DataType: 'String', StringValue: 'DONE' },
    });
  });

  it('leaves out the userId attribute when there is no user', async () => {
    sns.on(PublishCommand).resolves({});

    await notifier().publish({ subject: 'Upload rejected', status: 'REJECTED', originalS3Key: 'x', reason: 'INVALID_KEY' });

    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.MessageAttributes).toEqual({
      status: { DataType: 'String', StringValue: 'REJECTED' },
    });
  });

  it('maps throttling to a retryable DependencyError', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));

    await expect(notifier().publish({ subject: 's', status: 'DONE', originalS3Key: 'x' })).rejects.toMatchObject({
      name: 'DependencyError',
      service: 'SNS',
      retryable: true,
    });
  });
});
