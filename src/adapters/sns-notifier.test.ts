import { PublishCommand, type PublishCommandInput, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from './sns-notifier';

const sns = mockClient(SNSClient);
const notifier = () => new SnsNotifier(new SNSClient({ region: 'us-east-1' }), 'arn:aws:sns:us-east-1:000000000000:image-events');

beforeEach(() => sns.reset());

const published = (): PublishCommandInput => sns.commandCalls(PublishCommand)[0]!.args[0].input;

/**
 * What a subscriber of `protocol` receives as the message, as SNS chooses it for MessageStructure
 * json: the protocol's own key, else "default".
 * https://docs.aws.amazon.com/sns/latest/dg/sns-send-custom-platform-specific-payloads-mobile-devices.html
 */
function bodyFor(input: PublishCommandInput, protocol: string): string {
  expect(input.MessageStructure).toBe('json');
  const structure = JSON.parse(input.Message!) as Record<string, unknown>;
  const body = structure[protocol] ?? structure.default;
  expect(typeof body).toBe('string');
  return body as string;
}

const DONE = {
  subject: 'Image processed: cat.png',
  emailText: 'The image "cat.png" was processed.\n\nImage:  cat.png\n',
  imageId: 'img-1',
  userId: 'user-1',
  status: 'DONE',
  originalS3Key: 'user-uploads/user-1/img-1.png',
  processedS3Key: 'processed/img-1.jpg',
  renditionKeys: ['processed/img-1.jpg'],
} as const;

/** The structured body every program subscribed to the topic has always received. */
const DONE_BODY = {
  imageId: 'img-1',
  userId: 'user-1',
  status: 'DONE',
  originalS3Key: 'user-uploads/user-1/img-1.png',
  processedS3Key: 'processed/img-1.jpg',
  renditionKeys: ['processed/img-1.jpg'],
};

describe('SnsNotifier', () => {
  it('publishes to the topic with a readable subject and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    await notifier().publish(DONE);

    const input = published();
    expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:image-events');
    expect(input.Subject).toBe('Image processed: cat.png');
    expect(input.MessageAttributes).toEqual({
      userId: { DataType: 'String', StringValue: 'user-1' },
      status: { DataType: 'String', StringValue: 'DONE' },
    });
  });

  it.each(['sqs', 'lambda', 'http', 'https', 'email-json'])('gives %s subscribers the structured JSON body, unchanged', async (protocol) => {
    sns.on(PublishCommand).resolves({});

    await notifier().publish(DONE);

    expect(JSON.parse(bodyFor(published(), protocol))).toEqual(DONE_BODY);
  });

  it('gives e-mail subscribers the readable text, with no JSON in it', async () => {
    sns.on(PublishCommand).resolves({});

    await notifier().publish(DONE);

    const mail = bodyFor(published(), 'email');
    expect(mail).toBe(DONE.emailText);
    expect(mail).not.toMatch(/[{}]/);
  });

  it('sends only the keys SNS knows: "default" and "email", both strings', async () => {
    sns.on(PublishCommand).resolves({});

    await notifier().publish(DONE);

    const structure = JSON.parse(published().Message!) as Record<string, unknown>;
    expect(Object.keys(structure).sort()).toEqual(['default', 'email']);
    expect(Object.values(structure).every((value) => typeof value === 'string')).toBe(true);
  });

  it('leaves out the userId attribute when there is no user', async () => {
    sns.on(PublishCommand).resolves({});

    await notifier().publish({ subject: 'Upload rejected', emailText: 'rejected', status: 'REJECTED', originalS3Key: 'x', reason: 'INVALID_KEY' });

    expect(published().MessageAttributes).toEqual({ status: { DataType: 'String', StringValue: 'REJECTED' } });
    expect(JSON.parse(bodyFor(published(), 'sqs'))).toEqual({ status: 'REJECTED', originalS3Key: 'x', reason: 'INVALID_KEY' });
  });

  it('maps throttling to a retryable DependencyError', async () => {
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));

    await expect(notifier().publish({ subject: 's', emailText: 't', status: 'DONE', originalS3Key: 'x' })).rejects.toMatchObject({
      name: 'DependencyError',
      service: 'SNS',
      retryable: true,
    });
  });
});
