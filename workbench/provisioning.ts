import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateTopicCommand,
  paginateListSubscriptionsByTopic,
  SetTopicAttributesCommand,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { IMAGES_TABLE_KEY, NOTIFICATIONS_TOPIC_DISPLAY_NAME, ORIGINALS_PREFIX } from '../src/contract';
import { findUserPoolClientId, findUserPoolId } from './cognito-lookup';

/**
 * The AWS resources of a local stack, each created idempotently: running a function again changes
 * nothing that is already right and fixes what is not. Used by provisioning (workbench/provision.ts)
 * and by the test rigs, so both build exactly the same resources.
 */

export interface QueueRef {
  readonly url: string;
  readonly arn: string;
}

export async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<QueueRef> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  // CreateQueue refuses other attributes for an existing queue; setting them afterwards converges.
  if (Object.keys(attributes).length > 0) await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

export const allowSendFrom = (service: string, queueArn: string, sourceArn: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
      },
    ],
  });

export interface QueueSettings {
  readonly uploadQueueName: string;
  readonly deadLetterQueueName: string;
  readonly observerQueueName: string;
  /** The only bucket allowed to send to the upload queue. */
  readonly originalsBucketName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/** The upload queue with its DLQ and redrive policy, and the queue that observes the topic. */
export async function provisionQueues(sqs: SQSClient, names: QueueSettings) {
  const deadLetterQueue = await ensureQueue(sqs, names.deadLetterQueueName, { MessageRetentionPeriod: String(14 * 24 * 3600) });
  const uploadQueue = await ensureQueue(sqs, names.uploadQueueName, {
    VisibilityTimeout: String(names.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: names.maxReceiveCount }),
  });
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: uploadQueue.url,
      Attributes: { Policy: allowSendFrom('s3.amazonaws.com', uploadQueue.arn, `arn:aws:s3:::${names.originalsBucketName}`) },
    }),
  );
  const observerQueue = await ensureQueue(sqs, names.observerQueueName, {});
  return { deadLetterQueue, uploadQueue, observerQueue };
}

export async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}

export interface BucketSettings {
  readonly originalsBucketName: string;
  readonly processedBucketName: string;
  /** Browser origins that may PUT to presigned URLs. */
  readonly corsAllowedOrigins: readonly string[];
}

/** Both buckets; the originals bucket with CORS for browser uploads and its S3 → SQS notification. */
export async function provisionBuckets(s3: S3Client, names: BucketSettings, uploadQueueArn: string): Promise<void> {
  await ensureBucket(s3, names.originalsBucketName);
  await ensureBucket(s3, names.processedBucketName);
  // Browsers PUT straight to the originals bucket with the presigned URL's headers.
  await s3.send(
    new PutBucketCorsCommand({
      Bucket: names.originalsBucketName,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedMethods: ['PUT'],
            AllowedOrigins: [...names.corsAllowedOrigins],
            AllowedHeaders: ['content-type', 'if-none-match'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 3000,
          },
        ],
      },
    }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: names.originalsBucketName,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Id: 'uploads-to-processor',
            QueueArn: uploadQueueArn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: ORIGINALS_PREFIX }] } },
          },
        ],
      },
    }),
  );
}

/** The images table, keyed by image id. */
export async function provisionTable(dynamodb: DynamoDBClient, TableName: string): Promise<void> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await dynamodb.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: IMAGES_TABLE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: IMAGES_TABLE_KEY, KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60 }, { TableName });
}

/**
 * The notifications topic (named as on AWS, so its mails come from the same sender name), with the
 * observer queue subscribed, and each of `emailAddresses` subscribed with the e-mail protocol; other
 * e-mail subscriptions (an address since removed from the settings) are unsubscribed.
 */
export async function provisionTopic(
  sns: SNSClient,
  sqs: SQSClient,
  topicName: string,
  observer: QueueRef,
  emailAddresses: readonly string[] = [],
): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
  // Set apart from CreateTopic, which refuses an existing topic whose attributes differ.
  await sns.send(new SetTopicAttributesCommand({ TopicArn, AttributeName: 'DisplayName', AttributeValue: NOTIFICATIONS_TOPIC_DISPLAY_NAME }));
  await sqs.send(
    new SetQueueAttributesCommand({ QueueUrl: observer.url, Attributes: { Policy: allowSendFrom('sns.amazonaws.com', observer.arn, TopicArn!) } }),
  );
  // This queue lets the demo and the tests read the structured message every program gets.
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: observer.arn, ReturnSubscriptionArn: true }));
  // Subscribe is idempotent for the same endpoint. LocalStack delivers e-mail without the confirmation
  // an address must give on AWS.
  for (const address of emailAddresses) {
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: address, ReturnSubscriptionArn: true }));
  }
  for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn })) {
    for (const { Protocol, Endpoint, SubscriptionArn } of page.Subscriptions ?? []) {
      if (Protocol === 'email' && !emailAddresses.includes(Endpoint ?? '') && SubscriptionArn?.startsWith('arn:')) {
        await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
      }
    }
  }
  return TopicArn!;
}

export interface UserPoolSettings {
  readonly userPoolName: string;
  readonly userPoolClientName: string;
  readonly demoUser: { readonly username: string; readonly password: string; readonly email: string };
}

/** The user pool, its public app client, and the demo user with the password from the settings. */
export async function provisionUserPool(cognito: CognitoIdentityProviderClient, settings: UserPoolSettings) {
  const { demoUser } = settings;
  const names = settings;
  const userPoolId =
    (await findUserPoolId(cognito, names.userPoolName)) ??
    (await cognito.send(new CreateUserPoolCommand({ PoolName: names.userPoolName, AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
  const clientId =
    (await findUserPoolClientId(cognito, userPoolId, names.userPoolClientName)) ??
    (
      await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: names.userPoolClientName,
          GenerateSecret: false,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          AccessTokenValidity: 60,
          IdTokenValidity: 60,
          RefreshTokenValidity: 30,
          TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
        }),
      )
    ).UserPoolClient!.ClientId!;
  try {
    await cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: demoUser.username }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'UserNotFoundException') throw error;
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: demoUser.username,
        MessageAction: 'SUPPRESS',
        TemporaryPassword: demoUser.password,
        UserAttributes: [
          { Name: 'email', Value: demoUser.email },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
  }
  // The password always matches .env, also after it was changed there.
  await cognito.send(
    new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: demoUser.username, Password: demoUser.password, Permanent: true }),
  );
  return { userPoolId, clientId };
}

