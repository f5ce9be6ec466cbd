import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LocalstackContainer, type StartedLocalStackContainer } from '@testcontainers/localstack';
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
}

export interface MetricsScaleResult {
  readonly runs: number;
  readonly latencyMs: number;
  readonly partitions: number;
  readonly maxParallelListings: number;
  readonly populateSeconds: number;
  readonly layouts: readonly LayoutResult[];
  /** A full 1,000-key page straight from LocalStack (no proxy), median ms: its own cost per request at this bucket size. */
  readonly localStackPageMs: number;
  /** A 1,000-key page through Toxiproxy, median ms. */
  readonly proxiedPageMs: number;
  /** CPU the listing process spends per 1,000-key page (SDK request, response parse), ms. */
  readonly clientCpuPerPageMs: number;
}

/** Builds Toxiproxy once (scripts/ensure-toxiproxy.sh) and starts it on a free port. */
async function startToxiproxy(): Promise<{ api: Toxiproxy; process: ChildProcess; stop: () => Promise<void> }> {
  const binary = execFileSync('bash', [join(REPO_ROOT, 'scripts/ensure-toxiproxy.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const port = await freePort();
  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
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
  return {
    api,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** LocalStack with the two buckets filled in-process by scripts/bench/localstack-populate.py. */
async function startPopulatedLocalStack(objects: number): Promise<{ localstack: StartedLocalStackContainer; populateSeconds: number }> {
  const specs = LAYOUTS.map((layout) => ({ bucket: `bench-${layout}`, layout, objects }));
  const started = Date.now();
  const localstack = await new LocalstackContainer(baseImages().LOCALSTACK_IMAGE)
    .withEnvironment({ SERVICES: 's3', DISABLE_EVENTS: '1', BENCH_POPULATE: JSON.stringify(specs) })
    .withCopyContentToContainer([
      { content: readFileSync(join(__dirname, 'localstack-populate.py'), 'utf8'), target: '/etc/localstack/init/ready.d/bench-populate.py' },
    ])
    .start();
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
  return { localstack, populateSeconds: (Date.now() - started) / 1000 };
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

/** Times full pages from the middle of the bucket: median ms and the client's CPU per page. */
async function pageCost(s3: S3Client, bucket: string, samples: number): Promise<{ pageMs: number; cpuMs: number }> {
  const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
  const startAfter = first.Contents?.[first.Contents.length - 1]?.Key;
  // Warm-up (connections, the SDK's first-use work) is not measured.
  await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000, ...(startAfter ? { StartAfter: startAfter } : {}) }));
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  return { pageMs: median(wall), cpuMs: median(cpu) };
}

/**
 * s3-metrics' use case with the real S3 adapter, through Toxiproxy adding S3's page latency to
 * LocalStack: one key range against the default partitioning, on a bucket of evenly spread
 * upload keys and on a skewed one; every run must count exactly every object and byte.
 */
export async function metricsAtScale(quick: boolean, log: (line: string) => void): Promise<MetricsScaleResult> {
  const objects = quick ? 2_000 : 100_000;
  const runs = quick ? 1 : 3;
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const toxiproxy = await startToxiproxy();
  let localstack: StartedLocalStackContainer | undefined;
  try {
    log(`metrics bench: LocalStack with 2 buckets of ${objects.toLocaleString('en')} objects each`);
    const populated = await startPopulatedLocalStack(objects);
    localstack = populated.localstack;
    const listenPort = await freePort();
    const proxy = await toxiproxy.api.createProxy({
      name: 'localstack-s3',
      listen: `127.0.0.1:${listenPort}`,
      upstream: `127.0.0.1:${localstack.getMappedPort(4566)}`,
    });
    await proxy.addToxic({ name: 's3-page-latency', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: S3_RESPONSE_LATENCY_MS, jitter: 0 } });
    const direct = s3ClientFor(localstack.getConnectionUri());
    const proxied = s3ClientFor(`http://127.0.0.1:${listenPort}`);
    const expectedBytes = Array.from({ length: objects }, (_, i) => 1 + (i % 50)).reduce((a, b) => a + b, 0);

    const localStackPage = await pageCost(direct, 'bench-uniform', quick ? 3 : 9);
    const proxiedPage = await pageCost(proxied, 'bench-uniform', quick ? 3 : 9);

    let requests = 0;
    proxied.middlewareStack.add((next) => async (args) => {
      requests += 1;
      return next(args);
    }, { step: 'finalizeRequest', name: 'countRequests' });

    const rate = async (bucket: string, partitionBoundaries: string[]) => {
      const sink = new RecordingMetricsSink();
      requests = 0;
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
      const usage = outcome.status === 'PUBLISHED' ? outcome.usage[0] : undefined;
      if (usage?.objectCount !== objects || usage.totalBytes !== expectedBytes) {
        throw new Error(`metrics bench counted ${JSON.stringify(outcome)} in ${bucket}, expected ${objects} objects and ${expectedBytes} bytes`);
      }
      return { objectsPerSecond: objects / seconds, requests };
    };

    const defaults = hexPartitionBoundaries(['user-uploads/', 'processed/']);
    const layouts: LayoutResult[] = [];
    let clientCpuPerPageMs = proxiedPage.cpuMs;
    for (const layout of LAYOUTS) {
      const bucket = `bench-${layout}`;
      const one: { objectsPerSecond: number; requests: number }[] = [];
      const partitioned: { objectsPerSecond: number; requests: number }[] = [];
      for (let run = 0; run < runs; run += 1) {
        // Alternate the order so drift on a shared machine hits both sides alike.
        if (run % 2 === 0) {
          // One range reads full pages only: its CPU per request is the CPU per 1,000-key page.
          const cpuBefore = process.cpuUsage();
          one.push(await rate(bucket, []));
          const used = process.cpuUsage(cpuBefore);
          if (layout === 'uniform' && run === 0 && objects >= 10_000) clientCpuPerPageMs = (used.user + used.system) / 1000 / one[0]!.requests;
        }
        partitioned.push(await rate(bucket, defaults));
        if (run % 2 === 1) one.push(await rate(bucket, []));
      }
      const ratios = partitioned.map((p, i) => p.objectsPerSecond / one[i]!.objectsPerSecond);
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
      };
      log(`metrics bench: ${layout}: one range ${result.onePartitionObjectsPerSecond} objects/s, default ${result.defaultPartitionsObjectsPerSecond} objects/s (${result.speedup}×)`);
      layouts.push(result);
    }
    return {
      runs,
      latencyMs: S3_RESPONSE_LATENCY_MS,
      partitions: defaults.length + 1,
      maxParallelListings: DEFAULT_PARALLEL_LISTINGS,
      populateSeconds: round(populated.populateSeconds, 0),
      layouts,
      localStackPageMs: round(localStackPage.pageMs, 0),
      proxiedPageMs: round(proxiedPage.pageMs, 0),
      clientCpuPerPageMs: round(clientCpuPerPageMs, 1),
    };
  } finally {
    await localstack?.stop();
    await toxiproxy.stop();
  }
}
