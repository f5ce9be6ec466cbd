import { GenericContainer, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { WORKBENCH_IMAGE } from './images';

/**
 * The AWS front of docker-compose.yml (workbench/aws-front.ts) before a rig's LocalStack: presigned
 * URLs signed for `url` reach LocalStack only with their signature, as on AWS.
 */
export interface RunningAwsFront {
  /** Where a program on the host reaches it. */
  readonly url: string;
  readonly container: StartedTestContainer;
  stop(): Promise<void>;
}

export async function startAwsFront(network: StartedNetwork, upstreamUrl = 'http://localstack:4566'): Promise<RunningAwsFront> {
  const container = await new GenericContainer(WORKBENCH_IMAGE)
    .withNetwork(network)
    .withCommand(['node', 'aws-front/index.js'])
    .withEnvironment({ AWS_FRONT_UPSTREAM_URL: upstreamUrl, LOG_LEVEL: 'debug' })
    .withExposedPorts(4566)
    .withWaitStrategy(Wait.forHttp('/_localstack/health', 4566).forStatusCode(200))
    .start();
  return {
    url: `http://${container.getHost()}:${container.getMappedPort(4566)}`,
    container,
    async stop() {
      await container.stop();
    },
  };
}
