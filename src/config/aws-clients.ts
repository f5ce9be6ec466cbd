import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { RuntimeConfig } from './function-config';

/**
 * The only place SDK clients are built. Region, credentials and endpoints come from the SDK's own
 * environment variables (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, ...; see
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). We add only what the
 * SDK lacks: path-style S3, timeouts so a hung dependency fails a call instead of the whole Lambda,
 * and a separately addressed client for presigning.
 */
export function createAwsClients(config: RuntimeConfig) {
  // Each client builds its own NodeHttpHandler from these options.
  const requestHandler = {
    connectionTimeout: config.sdkConnectTimeoutMs,
    requestTimeout: config.sdkRequestTimeoutMs,
  };
  return {
    s3: () => new S3Client({ forcePathStyle: config.s3ForcePathStyle, requestHandler }),
    /** Signs URLs for the uploader's view of S3; it never sends a request itself. */
    s3Presign: (publicEndpoint: string | undefined) =>
      new S3Client({
        forcePathStyle: config.s3ForcePathStyle,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        ...(publicEndpoint !== undefined ? { endpoint: publicEndpoint } : {}),
      }),
    dynamoDb: () => new DynamoDBClient({ requestHandler }),
    sns: () => new SNSClient({ requestHandler }),
    cloudWatch: () => new CloudWatchClient({ requestHandler }),
  };
}
