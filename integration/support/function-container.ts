import { spawnSync } from 'node:child_process';
import { GenericContainer, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { type FunctionInvoker, rieInvoker } from '../../src/local/rie-client';

/** A function image running under its Runtime Interface Emulator, invoked from the test. */
export interface RunningFunction extends FunctionInvoker {
  readonly container: StartedTestContainer;
  /** Everything the function logged so far, to attach to a failure. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export async function startFunction(
  image: string,
  network: StartedNetwork,
  environment: Record<string, string>,
): Promise<RunningFunction> {
  const container = await new GenericContainer(image)
    .withNetwork(network)
    .withEnvironment(environment)
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  const invoker = rieInvoker(`http://${container.getHost()}:${container.getMappedPort(8080)}`, { timeoutMs: 120_000 });
  return {
    ...invoker,
    container,
    async logs() {
      const result = spawnSync('docker', ['logs', container.getId()], { encoding: 'utf8' });
      return `${result.stdout}${result.stderr}`;
    },
    async stop() {
      await container.stop();
    },
  };
}
