import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
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
// whole invocation instead of failing one call that the SDK and SQS can retry. requestTimeout
// ends once the response headers arrive; socketTimeout (idle time on the socket) also covers the
// body, so an S3 download that stalls half way fails too instead of waiting for the Lambda timeout.
export const requestHandler = (config: RuntimeConfig) => ({
  connectionTimeout: config.sdkConnectTimeoutMs,
  requestTimeout: config.sdkRequestTimeoutMs,
  socketTimeout: config.sdkRequestTimeoutMs,
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
