import { existsSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { stackClients } from './aws-clients';
import { loadRetryConfig } from './config';
import { createdEventBody } from '../src/domain/storage-event';
import type { ImageRecord } from '../src/domain/image-record';
import { readStackFile } from './stack-client';

/**
 * Gives FAILED images another go: for each, delivers its upload event to the upload queue again,
 * exactly as S3 did. Their originals are still in the bucket; the processor turns FAILED into DONE
 * or REJECTED. Run after fixing whatever made them fail (README: "The dead-letter path").
 *
 *   npm run retry-failed                    every FAILED image of the local stack
 *   npm run retry-failed -- <imageId> ...   only these
 */
async function main(): Promise<void> {
  const config = loadRetryConfig();
  if (!existsSync(config.stackFile)) throw new Error(`No stack file at ${config.stackFile}: bring the local stack up first (npm run stack:up).`);
  const stack = readStackFile(config.stackFile);
  const clients = stackClients(stack.endpoints);
  const only = new Set(process.argv.slice(2));

  const failed: ImageRecord[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await clients.dynamoDb.send(
      new ScanCommand({
        TableName: stack.imagesTable,
        FilterExpression: '#status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':failed': { S: 'FAILED' } },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    failed.push(...(page.Items ?? []).map((item) => unmarshall(item) as ImageRecord));
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);

  const selected = only.size > 0 ? failed.filter((image) => only.has(image.imageId)) : failed;
  const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: stack.uploadQueue.name }));
  for (const image of selected) {
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: createdEventBody({ bucketName: stack.originalsBucket, key: image.originalS3Key, region: stack.region, at: new Date() }),
      }),
    );
    process.stdout.write(`requeued ${image.imageId} (${image.originalS3Key})\n`);
  }
  const missing = [...only].filter((id) => !failed.some((image) => image.imageId === id));
  for (const id of missing) process.stdout.write(`skipped ${id}: not FAILED\n`);
  process.stdout.write(`${selected.length} FAILED image(s) requeued to ${stack.uploadQueue.name}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`retry-failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
