import { spawnSync } from 'node:child_process';
import { GenericContainer, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { type FunctionInvoker, rieInvoker } from '../../workbench/rie-client';

/** A function image running under its Runtime Interface Emulator, invoked from the test. */
export interface RunningFunction extends FunctionInvoker {
  readonly container: StartedTestContainer;
  /** Everything the function logged so far, to attach to a failure. */
  logs(): Promise<string>;
  /** Highest memory use of the container so far, from its cgroup (v2 or v1). */
  peakMemoryBytes(): number;
  /** Whether the kernel killed a process of the container for exceeding its memory limit. */
  wasOomKilled(): boolean;
  stop(): Promise<void>;
}

export async function startFunction(
  image: string,
  network: StartedNetwork,
  environment: Record<string, string>,
  options: { memoryMb?: number; ulimits?: Record<string, { hard: number; soft: number }> } = {},
): Promise<RunningFunction> {
  let definition = new GenericContainer(image)
    .withNetwork(network)
    .withEnvironment({
      ...environment,
      ...(options.memoryMb !== undefined ? { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb) } : {}),
    })
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forListeningPorts());
  // The limit Lambda enforces for the configured memory size, enforced here by the kernel.
  if (options.memoryMb !== undefined) definition = definition.withResourcesQuota({ memory: options.memoryMb / 1024 });
  // Per-process limits, e.g. RLIMIT_DATA (`data`), under which allocations fail instead of the
  // kernel killing the process: how a machine short of memory looks to libvips.
  if (options.ulimits !== undefined) definition = definition.withUlimits(options.ulimits);
  const container = await definition.start();
  const invoker = rieInvoker(`http://${container.getHost()}:${container.getMappedPort(8080)}`, { timeoutMs: 120_000 });
  return {
    ...invoker,
    container,
    async logs() {
      const result = spawnSync('docker', ['logs', container.getId()], { encoding: 'utf8' });
      return `${result.stdout}${result.stderr}`;
    },
    peakMemoryBytes() {
      const read = spawnSync(
        'docker',
        ['exec', container.getId(), 'sh', '-c', 'cat /sys/fs/cgroup/memory.peak 2>/dev/null || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes'],
        { encoding: 'utf8' },
      );
      return Number(read.stdout.trim());
    },
    wasOomKilled() {
      const read = spawnSync('docker', ['inspect', '-f', '{{.State.OOMKilled}}', container.getId()], { encoding: 'utf8' });
      return read.stdout.trim() === 'true';
    },
    async stop() {
      await container.stop();
    },
  };
}
