import { chownSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { dynamoDbClient, s3Client, snsClient } from '../src/config/aws-clients';
import { JsonLogger } from '../src/logging/json-logger';
import { cognitoClient, sqsClient } from './aws-clients';
import { loadProvisionConfig } from './config';
import { provisionBuckets, provisionQueues, provisionTable, provisionTopic, provisionUserPool } from './provisioning';

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
  const { names, hostUrls } = config;
  const queues = await step('queues', deadline, () => provisionQueues(clients.sqs, { ...names, ...config }));
  await step('buckets', deadline, () => provisionBuckets(clients.s3, { ...names, corsAllowedOrigins: config.corsAllowedOrigins }, queues.uploadQueue.arn));
  await step('table', deadline, () => provisionTable(clients.dynamodb, names.imagesTableName));
  const topicArn = await step('topic', deadline, () =>
    provisionTopic(clients.sns, clients.sqs, names.topicName, queues.observerQueue, [config.demoUser.email]),
  );
  const cognito = await step('user pool', deadline, () => provisionUserPool(clients.cognito, { ...names, demoUser: config.demoUser }));

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
      mailInbox: hostUrls.mailInbox,
    },
    originalsBucket: names.originalsBucketName,
    processedBucket: names.processedBucketName,
    imagesTable: names.imagesTableName,
    uploadQueue: { name: names.uploadQueueName, url: queues.uploadQueue.url, arn: queues.uploadQueue.arn },
    deadLetterQueue: { name: names.deadLetterQueueName, url: queues.deadLetterQueue.url, arn: queues.deadLetterQueue.arn },
    notificationsTopicArn: topicArn,
    observerQueue: { name: names.observerQueueName, url: queues.observerQueue.url, arn: queues.observerQueue.arn },
    maxReceiveCount: config.maxReceiveCount,
    userPoolId: cognito.userPoolId,
    userPoolClientId: cognito.clientId,
    demoUsername: config.demoUser.username,
    demoEmail: config.demoUser.email,
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

if (require.main === module) {
  main().catch((error: unknown) => {
    logger.error('provisioning failed', { error });
    process.exit(1);
  });
}
