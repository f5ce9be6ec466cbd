import { chownSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { cognitoClient, dynamoDbClient, s3Client, snsClient, sqsClient } from '../config/aws-clients';
import { loadProvisionConfig, type ProvisionConfig } from '../config/local-stack-config';
import { ORIGINALS_PREFIX } from '../domain/image-key';
import { JsonLogger } from '../logging/json-logger';
import { findUserPoolClientId, findUserPoolId } from './cognito-lookup';

/**
 * Creates every resource of the local stack, idempotently: running it again changes nothing that is
 * already right and fixes what is not. Ends by writing the stack file (README: "The stack file").
 */

const logger = new JsonLogger({ level: 'info', fields: { service: 'provision' } });

async function main(): Promise<void> {
  const config = loadProvisionConfig();
  const clients = {
    s3: s3Client(config),
    sqs: sqsClient(config),
    dynamodb: dynamoDbClient(config),
    sns: snsClient(config),
    cognito: cognitoClient(config),
  };
  const deadline = Date.now() + config.readyTimeoutSeconds * 1000;
  const queues = await step('queues', deadline, () => provisionQueues(clients.sqs, config));
  await step('buckets', deadline, () => provisionBuckets(clients.s3, config, queues.uploadQueueArn));
  await step('table', deadline, () => provisionTable(clients.dynamodb, config));
  const topicArn = await step('topic', deadline, () => provisionTopic(clients.sns, clients.sqs, config, queues.observerQueue));
  const cognito = await step('user pool', deadline, () => provisionUserPool(clients.cognito, config));

  const { names, hostUrls } = config;
  writeStackFile(config.stackFile, {
    region: names.region,
    endpoints: {
      gateway: hostUrls.gateway,
      uploads: `${hostUrls.gateway}/uploads`,
      s3: hostUrls.localstack,
      sqs: hostUrls.localstack,
      sns: hostUrls.localstack,
      cloudwatch: hostUrls.localstack,
      dynamodb: hostUrls.dynamodb,
      cognito: hostUrls.cognito,
    },
    originalsBucket: names.originalsBucketName,
    processedBucket: names.processedBucketName,
    imagesTable: names.imagesTableName,
    uploadQueue: { name: names.uploadQueueName, url: queues.uploadQueue.url, arn: queues.uploadQueueArn },
    deadLetterQueue: { name: names.deadLetterQueueName, url: queues.deadLetterQueue.url, arn: queues.deadLetterQueue.arn },
    notificationsTopicArn: topicArn,
    observerQueue: { name: names.observerQueueName, url: queues.observerQueue.url, arn: queues.observerQueue.arn },
    maxReceiveCount: config.maxReceiveCount,
    userPoolId: cognito.userPoolId,
    userPoolClientId: cognito.clientId,
    demoUsername: config.demoUser.username,
  });
  logger.info('stack provisioned', { stackFile: config.stackFile });
}

/** Runs a step, retrying while the service is still starting. */
async function step<T>(name: string, deadline: number, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await run();
      logger.info('provisioned', { step: name });
      return result;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Provisioning "${name}" failed: ${String(error)}`, { cause: error });
      logger.warn('provisioning step not ready yet, retrying', { step: name, attempt, error: String(error) });
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 500, 3000)));
    }
  }
}

interface QueueRef {
  readonly url: string;
  readonly arn: string;
}

async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<QueueRef> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  // CreateQueue refuses other attributes for an existing queue; setting them afterwards converges.
  if (Object.keys(attributes).length > 0) await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

const allowSendFrom = (service: string, queueArn: string, sourceArn: string) =>
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

async function provisionQueues(sqs: SQSClient, config: ProvisionConfig) {
  const { names } = config;
  const deadLetterQueue = await ensureQueue(sqs, names.deadLetterQueueName, { MessageRetentionPeriod: String(14 * 24 * 3600) });
  const uploadQueue = await ensureQueue(sqs, names.uploadQueueName, {
    VisibilityTimeout: String(config.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: config.maxReceiveCount }),
  });
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: uploadQueue.url,
      Attributes: { Policy: allowSendFrom('s3.amazonaws.com', uploadQueue.arn, `arn:aws:s3:::${names.originalsBucketName}`) },
    }),
  );
  const observerQueue = await ensureQueue(sqs, names.observerQueueName, {});
  return { deadLetterQueue, uploadQueue, uploadQueueArn: uploadQueue.arn, observerQueue };
}

async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}

async function provisionBuckets(s3: S3Client, config: ProvisionConfig, uploadQueueArn: string): Promise<void> {
  const { names } = config;
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
            AllowedOrigins: [...config.corsAllowedOrigins],
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

async function provisionTable(dynamodb: DynamoDBClient, config: ProvisionConfig): Promise<void> {
  const TableName = config.names.imagesTableName;
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
      AttributeDefinitions: [{ AttributeName: 'imageId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'imageId', KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60 }, { TableName });
}

async function provisionTopic(sns: SNSClient, sqs: SQSClient, config: ProvisionConfig, observer: QueueRef): Promise<string> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: config.names.topicName }));
  await sqs.send(
    new SetQueueAttributesCommand({ QueueUrl: observer.url, Attributes: { Policy: allowSendFrom('sns.amazonaws.com', observer.arn, TopicArn!) } }),
  );
  // On AWS the topic mails people; locally this queue lets the demo and the tests see what was sent.
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: observer.arn, ReturnSubscriptionArn: true }));
  return TopicArn!;
}

async function provisionUserPool(cognito: CognitoIdentityProviderClient, config: ProvisionConfig) {
  const { names, demoUser } = config;
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

/** Written atomically, and owned by whoever owns its folder (a bind mount from the host). */
function writeStackFile(path: string, content: unknown): void {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`);
  const owner = statSync(folder);
  chownSync(temporary, owner.uid, owner.gid);
  renameSync(temporary, path);
}

main().catch((error: unknown) => {
  logger.error('provisioning failed', { error });
  process.exit(1);
});
