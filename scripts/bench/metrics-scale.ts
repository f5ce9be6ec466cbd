import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LocalstackContainer } from '@testcontainers/localstack';
import { Toxiproxy } from 'toxiproxy-node-client';
import { S3ObjectStore } from '../../src/adapters/s3-object-store';
import { hexPartitionBoundaries, measureStorage } from '../../src/domain/measure-storage';
import { captureLogs, fixedClock, RecordingMetricsSink } from '../../src/test-support/fakes';
import { freePort } from '../../integration/support/docker';
import { baseImages, REPO_ROOT } from '../../integration/support/images';
import { median, round } from './measure';

/** What Toxiproxy adds to every S3 response: about what a ListObjectsV2 page of 1,000 keys takes on AWS. */
export const S3_RESPONSE_LATENCY_MS = 50;
const DEFAULT_PARALLEL_LISTINGS = 16;
const LAYOUTS = ['uniform', 'skewed'] as const;
type Layout = (typeof LAYOUTS)[number];
export const LISTING_SERVERS = ['gofakes3', 'localstack'] as const;
export type ListingServerName = (typeof LISTING_SERVERS)[number];

export interface LayoutResult {
  readonly layout: Layout;
  readonly objects: number;
  readonly totalBytes: number;
  readonly onePartitionObjectsPerSecond: number;
  readonly defaultPartitionsObjectsPerSecond: number;
  /** Default partitioning rate ÷ one-range rate (medians). */
  readonly speedup: number;
  readonly speedupRange: readonly [number, number];
  /** Pages (requests) each way, from one run. */
  readonly onePartitionRequests: number;
  readonly defaultPartitionsRequests: number;
  /** The listing process's CPU per request (median over runs), one range and default partitioning. */
  readonly onePartitionCpuPerRequestMs: number;
  readonly defaultPartitionsCpuPerRequestMs: number;
  /** Seconds of the default partitioning's median run, and the share of the machine's CPU (all cores) that was busy during it. */
  readonly defaultPartitionsSeconds: number;
  readonly defaultPartitionsMachineBusyPercent: number;
  /** Of that, the share the kernel spent in interrupts (irq + softirq: on loopback, the TCP traffic between the three processes). */
  readonly defaultPartitionsMachineInterruptPercent: number;
  /** CPU per request of the S3 server and of Toxiproxy in the default partitioning's runs (median), when it could be read. */
  readonly defaultPartitionsServerCpuPerRequestMs: number | null;
  readonly defaultPartitionsProxyCpuPerRequestMs: number | null;
}

export interface ServerResult {
  readonly server: ListingServerName;
  readonly populateSeconds: number;
  readonly layouts: readonly LayoutResult[];
  /** A full 1,000-key page straight from the server (no proxy), median ms: its own cost per request at this bucket size. */
  readonly directPageMs: number;
  /** A 1,000-key page through Toxiproxy, median ms. */
  readonly proxiedPageMs: number;
}

export interface MetricsScaleResult {
  readonly runs: number;
  readonly latencyMs: number;
  readonly partitions: number;
  readonly maxParallelListings: number;
  /** Cores of this machine, which the listing process, the S3 server and Toxiproxy share. */
  readonly cores: number;
  readonly servers: readonly ServerResult[];
  /**
   * CPU the listing process spends on one full 1,000-key page (request and response), median ms,
   * both ways on the same server in the same run: the SDK's own deserializer (ListObjectsV2Command
   * as it comes) against the adapter's listPages (which reads the body itself).
   */
  readonly cpuPerPage: { readonly sdkDeserializerMs: number; readonly adapterMs: number; readonly samples: number };
}

/** Builds Toxiproxy once (scripts/ensure-toxiproxy.sh) and starts it on a free port. */
async function startToxiproxy(): Promise<{ api: Toxiproxy; cpuMs: () => number | undefined; stop: () => Promise<void> }> {
  const binary = execFileSync('bash', [join(REPO_ROOT, 'scripts/ensure-toxiproxy.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const port = await freePort();
  const child = spawnOwned(binary, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
  const api = new Toxiproxy(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await api.getVersion();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Toxiproxy did not start on port ${port}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { api, cpuMs: () => processCpuMs(child.pid), stop: () => stopChild(child) };
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** Spawns a server that must not outlive the bench, even when the bench exits without cleaning up (run.ts turns SIGINT and SIGTERM into an exit). */
function spawnOwned(...args: Parameters<typeof spawn>): ChildProcess {
  const child = spawn(...args);
  const kill = () => child.kill('SIGTERM');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  return child;
}

interface RunningServer {
  /** host:port on 127.0.0.1. */
  readonly address: string;
  readonly populateSeconds: number;
  /** CPU the server has used so far, ms, or undefined when this machine does not tell. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** CPU (user + system) a process has used, ms, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms). */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const afterName = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(afterName[11]) + Number(afterName[12])) * 10;
}

/** CPU a container has used, ms, from its cgroup (v1 cpuacct or v2 cpu.stat), or undefined when neither is readable. */
function containerCpuMs(containerId: string): number | undefined {
  const v1 = `/sys/fs/cgroup/cpuacct/docker/${containerId}/cpuacct.usage`;
  if (existsSync(v1)) return Number(readFileSync(v1, 'utf8')) / 1e6;
  const v2 = `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/cpu.stat`;
  if (existsSync(v2)) return Number(/^usage_usec (\d+)$/m.exec(readFileSync(v2, 'utf8'))?.[1]) / 1000;
  return undefined;
}

interface PopulateSpec {
  readonly bucket: string;
  readonly layout: Layout;
  readonly objects: number;
}

/** LocalStack with the buckets filled in-process by scripts/bench/localstack-populate.py. */
async function startLocalStack(specs: readonly PopulateSpec[]): Promise<RunningServer> {
  const started = Date.now();
  const localstack = await new LocalstackContainer(baseImages().LOCALSTACK_IMAGE)
    .withEnvironment({ SERVICES: 's3', DISABLE_EVENTS: '1', BENCH_POPULATE: JSON.stringify(specs) })
    .withCopyContentToContainer([
      { content: readFileSync(join(__dirname, 'localstack-populate.py'), 'utf8'), target: '/etc/localstack/init/ready.d/bench-populate.py' },
    ])
    .start();
  try {
    // LocalStack reports when its ready hooks have run: https://docs.localstack.cloud/aws/capabilities/config/initialization-hooks/
    const deadline = Date.now() + 300_000;
    for (;;) {
      const status = (await (await fetch(`${localstack.getConnectionUri()}/_localstack/init/ready`)).json()) as { completed?: boolean; scripts?: { state: string }[] };
      if (status.completed) {
        const failed = (status.scripts ?? []).filter((script) => script.state !== 'SUCCESSFUL');
        if (failed.length > 0) throw new Error(`the bench's LocalStack init hook failed: ${JSON.stringify(status.scripts)}`);
        break;
      }
      if (Date.now() > deadline) throw new Error('LocalStack did not finish populating the bench buckets within 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (error) {
    await localstack.stop();
    throw error;
  }
  return {
    address: `127.0.0.1:${localstack.getMappedPort(4566)}`,
    populateSeconds: (Date.now() - started) / 1000,
    cpuMs: () => containerCpuMs(localstack.getId()),
    stop: async () => {
      await localstack.stop();
    },
  };
}

/** gofakes3 (scripts/bench/fake-s3, built by scripts/ensure-fake-s3.sh) with the buckets filled in-process at start. */
async function startFakeS3(specs: readonly PopulateSpec[]): Promise<RunningServer> {
  const binary = execFileSync('bash', [join(REPO_ROOT, 'scripts/ensure-fake-s3.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const started = Date.now();
  const child = spawnOwned(binary, ['-listen', '127.0.0.1:0', '-populate', JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bench's fake S3 did not start within 5 minutes: ${stderr}`)), 300_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const match = /^listening (127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve(match[1]!);
      else reject(new Error(`the bench's fake S3 said "${line}": ${stderr}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench's fake S3 exited (${code}): ${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  return { address, populateSeconds: (Date.now() - started) / 1000, cpuMs: () => processCpuMs(child.pid), stop: () => stopChild(child) };
}

const s3ClientFor = (endpoint: string) =>
  new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // Up to 16 listings at once, as the function's client would.
    requestHandler: { httpAgent: { maxSockets: 64, keepAlive: true } },
  });

const cpuMsSince = (before: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

/** The first full page of the adapter's listing after `startAfter`. */
async function firstPage(store: S3ObjectStore, startAfter: string | undefined): Promise<number> {
  for await (const page of store.listPages(startAfter !== undefined ? { startAfter } : {})) return page.length;
  return 0;
}

/** A key from the middle of the bucket, so that the pages timed below are full ones. */
async function middleKey(s3: S3Client, bucket: string): Promise<string | undefined> {
  const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
  return first.Contents?.[first.Contents.length - 1]?.Key;
}

/** Median wall time of a full page through the adapter. */
async function pageMs(s3: S3Client, bucket: string, samples: number): Promise<number> {
  const startAfter = await middleKey(s3, bucket);
  const store = new S3ObjectStore(s3, bucket);
  await firstPage(store, startAfter);
  const wall: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const started = performance.now();
    await firstPage(store, startAfter);
    wall.push(performance.now() - started);
  }
  return median(wall);
}

/**
 * CPU of one full page, the SDK's deserializer against the adapter, alternating so that drift on a
 * shared machine hits both alike. Warm-up pages (connections, first-use work) are not measured.
 */
async function cpuPerPage(s3: S3Client, bucket: string, samples: number): Promise<MetricsScaleResult['cpuPerPage']> {
  const startAfter = await middleKey(s3, bucket);
  const store = new S3ObjectStore(s3, bucket);
  const viaSdk = async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000, ...(startAfter !== undefined ? { StartAfter: startAfter } : {}) }));
    return page.Contents?.length ?? 0;
  };
  const viaAdapter = () => firstPage(store, startAfter);
  for (let i = 0; i < 5; i += 1) {
    await viaSdk();
    await viaAdapter();
  }
  const sdk: number[] = [];
  const adapter: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    for (const [way, times] of (i % 2 === 0 ? [[viaSdk, sdk], [viaAdapter, adapter]] : [[viaAdapter, adapter], [viaSdk, sdk]]) as [() => Promise<number>, number[]][]) {
      const before = process.cpuUsage();
      const keys = await way();
      times.push(cpuMsSince(before));
      if (keys !== 1000) throw new Error(`metrics bench: a page of ${keys} keys from ${bucket} after ${startAfter}, not a full one`);
    }
  }
  return { sdkDeserializerMs: round(median(sdk), 2), adapterMs: round(median(adapter), 2), samples };
}

const medianOrNull = (values: readonly (number | undefined)[]) =>
  values.every((value): value is number => value !== undefined) && values.length > 0 ? round(median(values), 1) : null;

/** Share of the machine's CPU time (all cores) that was busy, from /proc/stat. */
function machineCpu(): { busy: number; interrupts: number; total: number } {
  // The first line: user nice system idle iowait irq softirq steal ... (https://man7.org/linux/man-pages/man5/proc_stat.5.html)
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - fields[3]! - (fields[4] ?? 0), interrupts: (fields[5] ?? 0) + (fields[6] ?? 0), total };
}

/**
 * One server: its buckets listed through Toxiproxy adding S3's page latency, one key range against
 * the default partitioning, on the even bucket and on the skewed one; every run must count exactly
 * every object and byte.
 */
async function measureServer(
  server: ListingServerName,
  running: RunningServer,
  toxiproxy: { api: Toxiproxy; cpuMs: () => number | undefined },
  options: { objects: number; runs: number; quick: boolean; log: (line: string) => void },
): Promise<ServerResult> {
  const { objects, runs, quick, log } = options;
  const proxy = await toxiproxy.api.createProxy({ name: `${server}-s3`, listen: `127.0.0.1:${await freePort()}`, upstream: running.address });
  await proxy.addToxic({ name: 's3-page-latency', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: S3_RESPONSE_LATENCY_MS, jitter: 0 } });
  const direct = s3ClientFor(`http://${running.address}`);
  const proxied = s3ClientFor(`http://${proxy.listen}`);
  try {
    const expectedBytes = Array.from({ length: objects }, (_, i) => 1 + (i % 50)).reduce((a, b) => a + b, 0);
    const directPageMs = await pageMs(direct, 'bench-uniform', quick ? 3 : 9);
    const proxiedPageMs = await pageMs(proxied, 'bench-uniform', quick ? 3 : 9);

    let requests = 0;
    proxied.middlewareStack.add(
      (next) => async (args) => {
        requests += 1;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'countRequests' },
    );

    const rate = async (bucket: string, partitionBoundaries: string[]) => {
      const sink = new RecordingMetricsSink();
      requests = 0;
      const cpuBefore = process.cpuUsage();
      const machineBefore = machineCpu();
      const serverBefore = running.cpuMs();
      const proxyBefore = toxiproxy.cpuMs();
      const started = performance.now();
      const outcome = await measureStorage(
        {
          listerFor: (name) => new S3ObjectStore(proxied, name),
          metrics: sink,
          clock: fixedClock(),
          logger: captureLogs('error').logger,
          policy: { bucketNames: [bucket], partitionBoundaries, maxParallelListings: DEFAULT_PARALLEL_LISTINGS, reserveMs: 0 },
        },
        { remainingTimeMs: () => 900_000 },
      );
      const seconds = (performance.now() - started) / 1000;
      const machineAfter = machineCpu();
      const serverAfter = running.cpuMs();
      const proxyAfter = toxiproxy.cpuMs();
      const usage = outcome.status === 'PUBLISHED' ? outcome.usage[0] : undefined;
      if (usage?.objectCount !== objects || usage.totalBytes !== expectedBytes) {
        throw new Error(`metrics bench (${server}) counted ${JSON.stringify(outcome)} in ${bucket}, expected ${objects} objects and ${expectedBytes} bytes`);
      }
      return {
        objectsPerSecond: objects / seconds,
        seconds,
        requests,
        cpuPerRequestMs: cpuMsSince(cpuBefore) / requests,
        serverCpuPerRequestMs: serverBefore === undefined || serverAfter === undefined ? undefined : (serverAfter - serverBefore) / requests,
        proxyCpuPerRequestMs: proxyBefore === undefined || proxyAfter === undefined ? undefined : (proxyAfter - proxyBefore) / requests,
        machineBusyPercent: (100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total),
        machineInterruptPercent: (100 * (machineAfter.interrupts - machineBefore.interrupts)) / (machineAfter.total - machineBefore.total),
      };
    };

    const defaults = hexPartitionBoundaries(['user-uploads/', 'processed/']);
    const layouts: LayoutResult[] = [];
    for (const layout of LAYOUTS) {
      const bucket = `bench-${layout}`;
      const one: Awaited<ReturnType<typeof rate>>[] = [];
      const partitioned: Awaited<ReturnType<typeof rate>>[] = [];
      for (let run = 0; run < runs; run += 1) {
        // Alternate the order so drift on a shared machine hits both sides alike.
        if (run % 2 === 0) one.push(await rate(bucket, []));
        partitioned.push(await rate(bucket, defaults));
        if (run % 2 === 1) one.push(await rate(bucket, []));
      }
      const ratios = partitioned.map((p, i) => p.objectsPerSecond / one[i]!.objectsPerSecond);
      const middleRun = [...partitioned].sort((a, b) => a.seconds - b.seconds)[Math.floor(partitioned.length / 2)]!;
      const result: LayoutResult = {
        layout,
        objects,
        totalBytes: expectedBytes,
        onePartitionObjectsPerSecond: round(median(one.map((r) => r.objectsPerSecond)), 0),
        defaultPartitionsObjectsPerSecond: round(median(partitioned.map((r) => r.objectsPerSecond)), 0),
        speedup: round(median(partitioned.map((r) => r.objectsPerSecond)) / median(one.map((r) => r.objectsPerSecond))),
        speedupRange: [round(Math.min(...ratios)), round(Math.max(...ratios))],
        onePartitionRequests: one[0]!.requests,
        defaultPartitionsRequests: partitioned[0]!.requests,
        onePartitionCpuPerRequestMs: round(median(one.map((r) => r.cpuPerRequestMs)), 1),
        defaultPartitionsCpuPerRequestMs: round(median(partitioned.map((r) => r.cpuPerRequestMs)), 1),
        defaultPartitionsSeconds: round(middleRun.seconds, 2),
        defaultPartitionsMachineBusyPercent: round(middleRun.machineBusyPercent, 0),
        defaultPartitionsMachineInterruptPercent: round(middleRun.machineInterruptPercent, 0),
        defaultPartitionsServerCpuPerRequestMs: medianOrNull(partitioned.map((r) => r.serverCpuPerRequestMs)),
        defaultPartitionsProxyCpuPerRequestMs: medianOrNull(partitioned.map((r) => r.proxyCpuPerRequestMs)),
      };
      log(`metrics bench: ${server}, ${layout}: one range ${result.onePartitionObjectsPerSecond} objects/s, default ${result.defaultPartitionsObjectsPerSecond} objects/s (${result.speedup}×)`);
      layouts.push(result);
    }
    return { server, populateSeconds: round(running.populateSeconds, 1), layouts, directPageMs: round(directPageMs, 0), proxiedPageMs: round(proxiedPageMs, 0) };
  } finally {
    direct.destroy();
    proxied.destroy();
    await proxy.remove();
  }
}

/**
 * s3-metrics' use case with the real S3 adapter, through Toxiproxy adding S3's page latency, against
 * two servers: gofakes3 (an in-memory S3 that serves listings in parallel, as S3 does) and LocalStack
 * (what the local stack runs); plus the adapter's CPU per page against the SDK's own deserializer.
 */
export async function metricsAtScale(quick: boolean, log: (line: string) => void): Promise<MetricsScaleResult> {
  const objects = quick ? 2_000 : 100_000;
  const runs = quick ? 1 : 3;
  const specs = LAYOUTS.map((layout) => ({ bucket: `bench-${layout}`, layout, objects }));
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const toxiproxy = await startToxiproxy();
  try {
    const servers: ServerResult[] = [];
    let cpu: MetricsScaleResult['cpuPerPage'] | undefined;
    for (const server of LISTING_SERVERS) {
      log(`metrics bench: ${server} with 2 buckets of ${objects.toLocaleString('en')} objects each`);
      const running = server === 'gofakes3' ? await startFakeS3(specs) : await startLocalStack(specs);
      try {
        if (server === 'gofakes3') {
          // Straight to the server, no proxy: CPU per page is the client's alone.
          const direct = s3ClientFor(`http://${running.address}`);
          cpu = await cpuPerPage(direct, 'bench-uniform', quick ? 5 : 40);
          direct.destroy();
          log(`metrics bench: CPU per 1,000-key page: SDK deserializer ${cpu.sdkDeserializerMs} ms, adapter ${cpu.adapterMs} ms`);
        }
        servers.push(await measureServer(server, running, toxiproxy, { objects, runs, quick, log }));
      } finally {
        await running.stop();
      }
    }
    return {
      runs,
      latencyMs: S3_RESPONSE_LATENCY_MS,
      partitions: hexPartitionBoundaries(['user-uploads/', 'processed/']).length + 1,
      maxParallelListings: DEFAULT_PARALLEL_LISTINGS,
      cores: cpus().length,
      servers,
      cpuPerPage: cpu!,
    };
  } finally {
    await toxiproxy.stop();
  }
}
