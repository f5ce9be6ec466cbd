import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { requestHandler } from '../src/config/aws-clients';
import type { RuntimeConfig } from '../src/config/function-config';

/**
 * SDK clients of the local workbench: for the gateway and provisioning inside Docker (configured by
 * the environment, as the functions' are), and for programs on the host (addressed explicitly).
 * The functions never build these: SQS and Cognito are what AWS calls for them.
 */

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
