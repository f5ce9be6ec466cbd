import { LocalstackContainer, type StartedLocalStackContainer } from '@testcontainers/localstack';
import { GenericContainer, Network, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { stackClients, type StackEndpoints } from '../../workbench/aws-clients';
import { baseImages } from './images';

/**
 * LocalStack (S3, SQS, SNS, CloudWatch) and DynamoDB Local on a network of their own, reachable by
 * the function containers as `localstack` and `dynamodb`, and by the test on mapped host ports.
 */
export interface Backends {
  readonly network: StartedNetwork;
  readonly endpoints: StackEndpoints;
  readonly clients: ReturnType<typeof stackClients>;
  /** The environment a function container needs to reach these backends. */
  readonly functionEnvironment: Record<string, string>;
  readonly localstack: StartedLocalStackContainer;
  readonly dynamodb: StartedTestContainer;
  stop(): Promise<void>;
}

export async function startBackends(): Promise<Backends> {
  const images = baseImages();
  const network = await new Network().start();
  const [localstack, dynamodb] = await Promise.all([
    new LocalstackContainer(images.LOCALSTACK_IMAGE)
      .withNetwork(network)
      .withNetworkAliases('localstack')
      .withEnvironment({
        SERVICES: 's3,sqs,sns,cloudwatch,sts,iam',
        S3_SKIP_SIGNATURE_VALIDATION: '0',
        DISABLE_EVENTS: '1',
        SKIP_SSL_CERT_DOWNLOAD: '1',
        SQS_ENDPOINT_STRATEGY: 'path',
      })
      .start(),
    new GenericContainer(images.DYNAMODB_IMAGE)
      .withNetwork(network)
      .withNetworkAliases('dynamodb')
      .withCommand(['-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb'])
      .withExposedPorts(8000)
      .withWaitStrategy(Wait.forListeningPorts())
      .start(),
  ]);
  const localstackUrl = localstack.getConnectionUri();
  const endpoints: StackEndpoints = {
    region: 'us-east-1',
    s3: localstackUrl,
    sqs: localstackUrl,
    sns: localstackUrl,
    cloudwatch: localstackUrl,
    dynamodb: `http://${dynamodb.getHost()}:${dynamodb.getMappedPort(8000)}`,
    cognito: 'http://127.0.0.1:1',
  };
  return {
    network,
    endpoints,
    clients: stackClients(endpoints),
    localstack,
    dynamodb,
    functionEnvironment: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL: 'http://localstack:4566',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://dynamodb:8000',
      S3_FORCE_PATH_STYLE: 'true',
      SDK_CONNECT_TIMEOUT_MS: '2000',
      SDK_REQUEST_TIMEOUT_MS: '10000',
      AWS_MAX_ATTEMPTS: '2',
      LOG_LEVEL: 'debug',
    },
    async stop() {
      await Promise.allSettled([localstack.stop(), dynamodb.stop()]);
      await network.stop();
    },
  };
}
