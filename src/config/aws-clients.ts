import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { RuntimeConfig } from './function-config';

/**
 * The only place SDK clients are built. Region, credentials and endpoints come from the SDK's own
 * environment variables (AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, ...; see
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). We add only what the
 * SDK lacks: path-style S3, timeouts so a hung dependency fails a call instead of the whole
 * invocation, and a separately addressed client for presigning. One factory per client, so a
 * function's bundle holds only the clients it builds.
 */

// Each client builds its own NodeHttpHandler from these options. Without throwOnRequestTimeout the
// handler only logs a warning when requestTimeout passes and keeps waiting, so a dependency that
// accepts connections but never answers (a paused container, a black-holed route) would hold the
// whole invocation instead of failing one call that the SDK and SQS can retry.
const requestHandler = (config: RuntimeConfig) => ({
  connectionTimeout: config.sdkConnectTimeoutMs,
  requestTimeout: config.sdkRequestTimeoutMs,
  throwOnRequestTimeout: true,
});

export const s3Client = (config: RuntimeConfig) =>
  new S3Client({ forcePathStyle: config.s3ForcePathStyle, requestHandler: requestHandler(config) });

/**
 * Signs URLs for the uploader's view of S3 and never sends a request. Without
 * `requestChecksumCalculation: 'WHEN_REQUIRED'` the SDK would sign a CRC32 of the empty body into
 * every URL and each real upload would fail its checksum.
 */
export const presignS3Client = (config: RuntimeConfig, publicEndpoint: string | undefined) =>
  new S3Client({
    forcePathStyle: config.s3ForcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(publicEndpoint !== undefined ? { endpoint: publicEndpoint } : {}),
  });

export const dynamoDbClient = (config: RuntimeConfig) => new DynamoDBClient({ requestHandler: requestHandler(config) });

export const snsClient = (config: RuntimeConfig) => new SNSClient({ requestHandler: requestHandler(config) });

export const cloudWatchClient = (config: RuntimeConfig) => new CloudWatchClient({ requestHandler: requestHandler(config) });

/**
 * For the local gateway and tools. `useQueueUrlAsEndpoint: false`: otherwise the SDK sends each
 * call to the host named in the queue URL, which for LocalStack is a public DNS name, not the
 * endpoint we configured.
 */
export const sqsClient = (config: RuntimeConfig) =>
  new SQSClient({ useQueueUrlAsEndpoint: false, requestHandler: requestHandler(config) });

export const cognitoClient = (config: RuntimeConfig) =>
  new CognitoIdentityProviderClient({ requestHandler: requestHandler(config) });

/** Where a program on the host (the demo, the tests) reaches each service of a local stack. */
export interface StackEndpoints {
  readonly region: string;
  readonly s3: string;
  readonly sqs: string;
  readonly sns: string;
  readonly cloudwatch: string;
  readonly dynamodb: string;
  readonly cognito: string;
}

/** Clients for a local stack, addressed explicitly rather than through the environment. */
export function stackClients(endpoints: StackEndpoints) {
  const common = { region: endpoints.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  return {
    s3: new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: true }),
    sqs: new SQSClient({ ...common, endpoint: endpoints.sqs, useQueueUrlAsEndpoint: false }),
    sns: new SNSClient({ ...common, endpoint: endpoints.sns }),
    cloudWatch: new CloudWatchClient({ ...common, endpoint: endpoints.cloudwatch }),
    dynamoDb: new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb }),
    cognito: new CognitoIdentityProviderClient({ ...common, endpoint: endpoints.cognito }),
  };
}
