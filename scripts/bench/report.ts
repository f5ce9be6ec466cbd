import type { ColdStartResult } from './cold-start';
import type { EndToEndResult } from './end-to-end';
import type { StretchFigures } from './stages';
import type { LayoutResult, MetricsScaleResult, ServerResult } from './metrics-scale';
import type { PresignResult } from './presign';
import type { AvifEffortResult, OneDecodeResult, ThroughputResult } from './processing';

export interface BenchReport {
  readonly quick: boolean;
  readonly date: string;
  readonly durationSeconds: number;
  readonly machine: { cpu: string; memoryGiB: number; kernel: string; node: string; docker: string };
  readonly overhead: readonly OneDecodeResult[];
  readonly avif: AvifEffortResult;
  readonly throughput: { results: readonly ThroughputResult[] };
  readonly presign: PresignResult;
  readonly metrics: MetricsScaleResult;
  readonly endToEnd: EndToEndResult;
  readonly cold: { emptyHandlerMs: number; results: readonly ColdStartResult[] };
}

const table = (header: string[], rows: (string | number)[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

const chosen = (avif: AvifEffortResult) => avif.levels.find((level) => level.effort === avif.chosenEffort) ?? avif.levels[0]!;

/** Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB. https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html */
const FULL_VCPU_MB = 1769;
/** s3-metrics' memory in infra/lib/pipeline-functions.ts (FUNCTION_SIZING.metrics), which the projection is for: one full vCPU. */
const DEPLOYED_METRICS_MEMORY_MB = 1769;
/** A smaller size, to show what a partial vCPU would cost. */
const SMALLER_MEMORY_MB = 512;

/**
 * 100 million objects from the measured figures: pages of 1,000 keys; a listing waits S3's page
 * latency per page, and the function's own CPU per page (the adapter's, measured against the lean
 * server) is spent in one Node thread whatever the number of listings in flight.
 */
function hundredMillion(metrics: MetricsScaleResult): string[] {
  const pages = 100_000;
  const latencySeconds = metrics.latencyMs / 1000;
  const cpuMs = metrics.cpuPerPage.adapterMs;
  const cpuSeconds = cpuMs / 1000;
  const minutes = (seconds: number) => Math.round(seconds);
  const toMinutes = (seconds: number) => minutes(seconds / 60);
  const share = (memoryMb: number) => Math.min(1, memoryMb / FULL_VCPU_MB);
  const oneRange = pages * (latencySeconds + cpuSeconds);
  // The uuid layout spreads the keys over the 16 ranges under user-uploads/, listed 16 at a time.
  const latencyBound = (pages / metrics.maxParallelListings) * latencySeconds;
  const cpuBound = (memoryMb: number) => (pages * cpuSeconds) / share(memoryMb);
  const partitioned = (memoryMb: number) => Math.max(latencyBound, cpuBound(memoryMb));
  const millionsIn15Minutes = (memoryMb: number) => Math.round((900 / Math.max(cpuSeconds / share(memoryMb), latencySeconds / metrics.maxParallelListings)) / 1000);
  // The smallest memory whose CPU lists 100 million objects in 12 of the 15 minutes (3 left for retries, slow pages, publishing).
  const memoryFor12Minutes = Math.ceil(((pages * cpuSeconds) / 720) * FULL_VCPU_MB / 64) * 64;
  const sdk = metrics.cpuPerPage.sdkDeserializerMs;
  return [
    `**100 million objects**, projected for S3 itself from the figures above: ${metrics.latencyMs} ms a page (no server-side limit at this rate: S3 serves at least 5,500 LIST requests per second per prefix), evenly spread keys, ${pages.toLocaleString('en')} pages of 1,000, and the function's CPU per page as measured here for the adapter, **${cpuMs} ms** (the SDK's own deserializer: ${sdk} ms, alternating page by page against the same server, median of ${metrics.cpuPerPage.samples} each):`,
    '',
    table(
      ['listing', 'bound by', 'minutes'],
      [
        ['one key range', `${pages.toLocaleString('en')} pages × (${metrics.latencyMs} ms latency + ${cpuMs} ms CPU)`, toMinutes(oneRange)],
        [`default: ${metrics.maxParallelListings} listings in flight, latency alone`, `${pages.toLocaleString('en')} pages ÷ ${metrics.maxParallelListings} × ${metrics.latencyMs} ms`, toMinutes(latencyBound)],
        [`default, CPU at the deployed ${DEPLOYED_METRICS_MEMORY_MB.toLocaleString('en')} MB (${share(DEPLOYED_METRICS_MEMORY_MB).toFixed(2)} vCPU)`, `${pages.toLocaleString('en')} pages × ${cpuMs} ms ÷ ${share(DEPLOYED_METRICS_MEMORY_MB).toFixed(2)}`, toMinutes(partitioned(DEPLOYED_METRICS_MEMORY_MB))],
        [`default, CPU at ${SMALLER_MEMORY_MB} MB (${share(SMALLER_MEMORY_MB).toFixed(2)} vCPU)`, `${pages.toLocaleString('en')} pages × ${cpuMs} ms ÷ ${share(SMALLER_MEMORY_MB).toFixed(2)}`, toMinutes(partitioned(SMALLER_MEMORY_MB))],
        ['default, CPU with the SDK deserializer at 1 vCPU', `${pages.toLocaleString('en')} pages × ${sdk} ms`, toMinutes(Math.max(latencyBound, (pages * sdk) / 1000))],
      ],
    ),
    '',
    `Partitioning takes the latency out (${toMinutes(oneRange)} → ${toMinutes(latencyBound)} minutes of waiting); what is left is the function's own CPU per page, spent in one thread whatever the number of listings in flight. At ${cpuMs} ms a page one 15-minute run lists about ${millionsIn15Minutes(DEPLOYED_METRICS_MEMORY_MB)} million objects at the deployed ${DEPLOYED_METRICS_MEMORY_MB.toLocaleString('en')} MB and ${millionsIn15Minutes(SMALLER_MEMORY_MB)} million at ${SMALLER_MEMORY_MB} MB; 100 million objects within 12 minutes need at least about ${memoryFor12Minutes.toLocaleString('en')} MB (${minutes((pages * cpuSeconds) / share(FULL_VCPU_MB))} s of CPU at 1 vCPU). With the SDK's deserializer (${sdk} ms a page) they would take ${toMinutes((pages * sdk) / 1000)} minutes at 1 vCPU: more than one invocation. These are projections from a shared 2-core x86 machine, not measurements on Lambda; past a few hundred million objects S3 Inventory (a daily list delivered to a bucket) or S3 Storage Lens are the right source.`,
  ];
}

const SERVER_NAMES: Record<ServerResult['server'], string> = {
  gofakes3: 'lean S3 (gofakes3)',
  localstack: 'LocalStack 4.14',
};
const LAYOUT_NAMES = { uniform: 'even: user-uploads/<uuid>/<uuid>.jpg', skewed: 'skewed: 9 in 10 under one user, 1 in 10 off the layout' } as const;

const cpuCell = (value: number | null) => (value === null ? 'not read' : String(value));

/** A server's own time for a 1,000-key page: both measurements are noisy on a shared machine, take the smaller. */
const ownPageMs = (server: ServerResult, latencyMs: number) => Math.max(1, Math.min(server.directPageMs, server.proxiedPageMs - latencyMs));

export function metricsSection(metrics: MetricsScaleResult, separateRun?: { date: string; durationSeconds: number }): string[] {
  const lean = metrics.servers.find((server) => server.server === 'gofakes3');
  const localstack = metrics.servers.find((server) => server.server === 'localstack');
  const leanUniform = lean?.layouts.find((layout) => layout.layout === 'uniform');
  const leanSkewed = lean?.layouts.find((layout) => layout.layout === 'skewed');
  const objects = leanUniform?.objects ?? 0;
  const rows = metrics.servers.flatMap((server) => server.layouts.map((layout) => ({ server, layout })));
  const perRequestCpu = (layout: LayoutResult) => layout.defaultPartitionsCpuPerRequestMs + (layout.defaultPartitionsServerCpuPerRequestMs ?? 0) + (layout.defaultPartitionsProxyCpuPerRequestMs ?? 0);
  const lines = [
    '## Metrics at scale',
    '',
    ...(separateRun ? [`Measured on its own by \`npm run bench -- --only metrics\` (${separateRun.date}, ${separateRun.durationSeconds} s), on the machine above.`, ''] : []),
    `s3-metrics' use case with the real S3 adapter, through [Toxiproxy](https://github.com/Shopify/toxiproxy) (built from the Go module proxy by scripts/ensure-toxiproxy.sh, driven with toxiproxy-node-client), which adds ${metrics.latencyMs} ms to every S3 response: about what a ListObjectsV2 page of 1,000 keys takes on AWS. Behind it, two S3 servers on this machine, each with two buckets of ${objects.toLocaleString('en')} objects: a **lean S3** (scripts/bench/fake-s3: [gofakes3](https://github.com/johannesboyne/gofakes3) v1.2.0 with its in-memory backend, built from the Go module proxy by scripts/ensure-fake-s3.sh), which keeps each bucket in a skip list and answers requests in parallel, so that the time of a page is mostly the latency added, as on S3; and **LocalStack 4.14**, what the local stack runs. One key range against the default ${metrics.partitions} key ranges (a hex digit after \`user-uploads/\` and \`processed/\`) with ${metrics.maxParallelListings} listings in flight; median of ${metrics.runs} runs each, alternating, and every run counted exactly every object and byte (${objects.toLocaleString('en')} objects, ${leanUniform?.totalBytes.toLocaleString('en')} bytes per bucket), or the bench fails.`,
    '',
    table(
      ['server', 'bucket', 'one key range, objects/s', 'requests', 'default partitioning, objects/s', 'requests', 'speed-up', 'range over runs'],
      rows.map(({ server, layout }) => [
        SERVER_NAMES[server.server],
        LAYOUT_NAMES[layout.layout],
        layout.onePartitionObjectsPerSecond,
        layout.onePartitionRequests,
        layout.defaultPartitionsObjectsPerSecond,
        layout.defaultPartitionsRequests,
        `**${layout.speedup}×**`,
        `${layout.speedupRange[0]}–${layout.speedupRange[1]}`,
      ]),
    ),
    '',
    `Where the time goes. A 1,000-key page takes ${metrics.servers.map((server) => `${server.directPageMs} ms straight from ${SERVER_NAMES[server.server]} and ${server.proxiedPageMs} ms through the proxy`).join('; ')}. In the default partitioning's median run, CPU per request (ms) and how busy the machine's ${metrics.cores} cores were:`,
    '',
    table(
      ['server', 'bucket', 'run s', 'machine busy', 'of it, kernel interrupts', 'listing process', 'S3 server', 'Toxiproxy', 'together'],
      rows.map(({ server, layout }) => [
        SERVER_NAMES[server.server],
        LAYOUT_NAMES[layout.layout],
        layout.defaultPartitionsSeconds,
        `${layout.defaultPartitionsMachineBusyPercent} %`,
        `${layout.defaultPartitionsMachineInterruptPercent} %`,
        layout.defaultPartitionsCpuPerRequestMs,
        cpuCell(layout.defaultPartitionsServerCpuPerRequestMs),
        cpuCell(layout.defaultPartitionsProxyCpuPerRequestMs),
        round1(perRequestCpu(layout)),
      ]),
    ),
    '',
  ];
  if (lean && leanUniform) {
    const pagesPerRange = Math.ceil(leanUniform.objects / 16 / 1000);
    const waves = Math.ceil(16 / metrics.maxParallelListings);
    const latencyBoundSeconds = (waves * pagesPerRange * (lean.proxiedPageMs)) / 1000;
    const cpuBoundSeconds = (leanUniform.defaultPartitionsRequests * perRequestCpu(leanUniform)) / 1000 / metrics.cores;
    const oneRangeSeconds = leanUniform.objects / leanUniform.onePartitionObjectsPerSecond;
    const reached = leanUniform.speedup >= 10;
    const standIns = (leanUniform.defaultPartitionsServerCpuPerRequestMs ?? 0) + (leanUniform.defaultPartitionsProxyCpuPerRequestMs ?? 0);
    // The machine's CPU the bench's own processes used in that run, against all of its cores.
    const ownShare = Math.round((100 * leanUniform.defaultPartitionsRequests * perRequestCpu(leanUniform)) / (leanUniform.defaultPartitionsSeconds * 1000 * metrics.cores));
    lines.push(
      `**Against the lean S3, the default partitioning is ${leanUniform.speedup}× faster than one listing** on the even bucket${reached ? ' (aim: at least 10×, reached)' : ' (aim: at least 10×, **not reached in this run**)'}. One listing waits for its ${leanUniform.onePartitionRequests} pages one after the other (${round1(oneRangeSeconds)} s). The default ranges wait for about ${pagesPerRange} pages each, ${metrics.maxParallelListings} ranges at once: ${waves * pagesPerRange} × ${lean.proxiedPageMs} ms ≈ ${round1(latencyBoundSeconds)} s of latency, a bound of ${round1(oneRangeSeconds / latencyBoundSeconds)}×. But on this machine the listing process, the S3 server and Toxiproxy share ${metrics.cores} cores: ${round1(perRequestCpu(leanUniform))} ms of CPU per request, ${leanUniform.defaultPartitionsRequests} requests, at least ${round1(cpuBoundSeconds)} s with every core free; the run took ${leanUniform.defaultPartitionsSeconds} s, with the machine ${leanUniform.defaultPartitionsMachineBusyPercent} % busy: these three processes used ${ownShare} % of its CPU, the kernel's interrupt handling (the loopback traffic between them) ${leanUniform.defaultPartitionsMachineInterruptPercent} %, other processes on the shared machine the rest. ${reached ? 'Latency, not CPU, bounded the partitioned run.' : `So the partitioned run is bound by CPU on this machine, ${round1(standIns)} ms of each request's ${round1(perRequestCpu(leanUniform))} ms spent by the stand-ins for S3 and the network, which on AWS run elsewhere; the 100-million projection below counts only the function's own CPU.`} The default partitioning also sends ${leanUniform.defaultPartitionsRequests - leanUniform.onePartitionRequests} more requests than one listing: each non-empty range ends on a part page, and the ${metrics.partitions - 16} ranges outside the uuid layout are (nearly) empty here; on 100 million objects (100,000 pages) that would be at most ${metrics.partitions} requests, ${((100 * metrics.partitions) / 100_000).toFixed(2)} % more.`,
      '',
    );
    if (leanSkewed) {
      lines.push(
        `**The skewed bucket** counts exactly too (every boundary set does) and gets **${leanSkewed.speedup}×** against the lean S3: 9 in 10 of its keys lie under one user's \`user-uploads/<uuid>/\`, so in one of the 16 hex ranges, which is listed page after page while the other ranges finish early; the partitioning cannot spread a single user's keys. Splitting a range that turns out large (from the keys of its first page) would; it is not built.`,
        '',
      );
    }
  }
  if (localstack) {
    const own = ownPageMs(localstack, metrics.latencyMs);
    const [uniform, skewed] = [localstack.layouts.find((l) => l.layout === 'uniform'), localstack.layouts.find((l) => l.layout === 'skewed')];
    lines.push(
      `**Against LocalStack** the default partitioning gets ${uniform?.speedup}× on the even bucket and ${skewed?.speedup}× on the skewed one. LocalStack's ListObjectsV2 sorts every key of the bucket on every request (\`sorted(s3_bucket.objects.values())\` in localstack/services/s3/provider.py, 4.14.0) in one Python process, so its cost per page grows with the bucket and parallel listings queue behind it: with its own time per page at about ${own} ms (the smaller of the page without the proxy and the page through it less the ${metrics.latencyMs} ms added), no partitioning can beat about (${own} + ${metrics.latencyMs}) ÷ ${own} = ${((own + metrics.latencyMs) / own).toFixed(1)}×, and every extra request of a near-empty range pays the whole-bucket sort. LocalStack is the right server for the local stack's behaviour, not for S3's listing speed: that is why the lean S3 is measured too.`,
      '',
    );
  }
  lines.push(...hundredMillion(metrics));
  return lines;
}

const round1 = (value: number) => Number(value.toFixed(1));

/** Replaces one `## ` section of a rendered report (up to the next `## ` heading) with new lines. */
export function replaceSection(markdown: string, heading: string, section: readonly string[]): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`the report has no "${heading}" section to replace`);
  const next = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  const end = next < 0 ? lines.length : next;
  return [...lines.slice(0, start), ...section, ...(next < 0 ? [] : ['']), ...lines.slice(end)].join('\n');
}

export function renderReport(report: BenchReport): string {
  const { machine } = report;
  return [
    '# Benchmarks',
    '',
    report.quick
      ? '**Quick mode** (CI smoke run: small inputs, few runs). The figures are not meaningful; `npm run bench` writes the real ones.'
      : 'Written by `npm run bench` (about half an hour on a busy 2-core machine). Every headline figure is a ratio against a baseline measured in the same run, with medians over several runs: this machine is shared and noisy, so absolute times are context, not claims.',
    '',
    `Run: ${report.date}, ${report.durationSeconds} s. Machine: ${machine.cpu}, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}, Node ${machine.node} (the Lambda target is Node 24), Docker ${machine.docker}.`,
    '',
    '## Processing overhead: one decode',
    '',
    `The image-processor use case (magic-byte check, header read, memory budget, one decode shrinking on load to the largest output, both outputs made from it, storage, table and topic as in-memory fakes) against the best bare-sharp path producing the same two outputs (a 256 px JPEG thumbnail and a 1024 px WebP) from the same input: decode once to the largest output, then the outputs from that decoded image, both at once ("cascade, parallel") or one after the other ("cascade, serial"), whichever was faster on that input. Each path ran in ${report.overhead[0]?.rounds ?? 0} rounds of a fresh process (warmed up once, then ${report.overhead[0]?.runsPerRound ?? 0} runs), the order of the paths rotated every round so the shared machine's drift hits them alike: wall time is the median of all ${report.overhead[0]?.runs ?? 0} runs, peak RSS the median of the processes' high-water marks; the ratios are paired, use case over the best bare path within each round, median over the rounds, so a burst of load from other work on this shared machine moves one round's ratio rather than the result. The CPU ratio is paired the same way over the CPU time of every thread of each process during its runs: it counts the work done, so a wall ratio well above it is time spent waiting for a core while other work ran on the machine, not work the use case adds. Both vary by 15-25 % either way between fresh processes running the same path, which is what the rounds are for. The previous pipeline, which decoded the source again for every output, all at once, is shown for context. Aim: at most 1.05 wall time and 1.1 peak RSS.`,
    '',
    table(
      ['input', 'bytes', 'use case ms', 'use case CPU ms', 'use case peak RSS MB', 'best bare path', 'bare ms', 'bare CPU ms', 'bare peak RSS MB', 'wall ratio', 'CPU ratio', 'RSS ratio', 'decode per output (old) ms', 'old peak RSS MB'],
      report.overhead.map((row) => {
        const best = row.paths[row.best];
        return [
          row.input,
          row.bytes,
          row.paths['use-case'].wallMs,
          row.paths['use-case'].cpuMs,
          row.paths['use-case'].peakRssMb,
          row.best === 'cascade-parallel' ? 'cascade, parallel' : 'cascade, serial',
          best.wallMs,
          best.cpuMs,
          best.peakRssMb,
          `**${row.wallRatio}**`,
          row.cpuRatio,
          `**${row.rssRatio}**`,
          row.paths['per-output'].wallMs,
          row.paths['per-output'].peakRssMb,
        ];
      }),
    ),
    '',
    '## AVIF effort',
    '',
    `Encode time of a ${report.avif.outputPx} AVIF (quality 50, as the processor writes renditions) from a ${report.avif.source} decoded once, per effort level, median of ${report.avif.runs} runs (1 from effort 6 up) on one of this machine's cores; bytes against sharp's default effort (${report.avif.sharpDefaultEffort}). The processor's default, \`AVIF_EFFORT=${report.avif.chosenEffort}\`, took ${chosen(report.avif).encodeMs} ms here for ${chosen(report.avif).bytesVsDefault}× the bytes of effort ${report.avif.sharpDefaultEffort}: the aim is a 1024 px AVIF from a 12 MP photo within about a second.`,
    '',
    table(
      ['effort', 'encode ms', 'bytes', `bytes vs effort ${report.avif.sharpDefaultEffort}`],
      report.avif.levels.map((level) => [level.effort === report.avif.chosenEffort ? `**${level.effort}** (default)` : level.effort, level.encodeMs, level.bytes, level.bytesVsDefault]),
    ),
    '',
    '## Processor throughput and memory',
    '',
    `The use case on a 1280×960 JPEG (the typical upload of the load test) at ${report.throughput.results.map((row) => row.concurrency).join(', ')} images at once, each level in a fresh process (so one level's memory high-water mark does not hide the next one's). Peak RSS per image in flight = (peak RSS − RSS after one warm-up image) ÷ concurrency. libvips also runs its own threads per image, so on 2 cores concurrency beyond 2 adds little.`,
    '',
    table(
      ['concurrency', 'images', 'images/s', 'speed-up over 1', 'RSS after warm-up MB', 'peak RSS MB', 'peak RSS per image in flight MB'],
      report.throughput.results.map((row) => [row.concurrency, row.images, row.imagesPerSecond, `**${row.speedupOverOne}**`, row.baselineRssMb, row.peakRssMb, row.peakRssPerImageInFlightMb]),
    ),
    '',
    '## Presigning',
    '',
    `URLs per second of generate-upload-url's use case, warm (validation, key, presign, PENDING record in an in-memory table), against the bare \`getSignedUrl\` call with the same signed headers. Median of ${report.presign.runs} runs of ${report.presign.urlsPerRun} URLs.`,
    '',
    table(['use case URLs/s', 'bare getSignedUrl URLs/s', 'ratio'], [[report.presign.urlsPerSecondUseCase, report.presign.urlsPerSecondBare, `**${report.presign.ratio}**`]]),
    '',
    ...metricsSection(report.metrics),
    '',
    ...endToEndSection(report.endToEnd),
    '## Cold start and size',
    '',
    `Time from \`docker run\` to the first answered invocation (through the Runtime Interface Emulator, with an event each function answers without calling AWS), median of ${report.cold.results[0]?.runs ?? 0} runs, against an empty handler on the same base image (${report.cold.emptyHandlerMs} ms); and each image's size against its base image.`,
    '',
    table(
      ['image', 'cold start ms', 'ratio to empty handler', 'size MB', 'base MB', 'size ratio'],
      report.cold.results.map((row) => [row.image, row.coldStartMs, `**${row.ratioToEmptyHandler}**`, row.sizeMb, row.baseSizeMb, row.sizeRatio]),
    ),
    '',
  ].join('\n');
}

const ms = (value: number) => (Number.isNaN(value) ? '–' : String(value));

function stageTable(columns: readonly { title: string; stages: readonly StretchFigures[] }[]): string {
  const names = columns[0]?.stages.map((stage) => stage.name) ?? [];
  return table(
    ['stretch', ...columns.flatMap((column) => [`${column.title} p50 ms`, 'p95 ms', 'mean ms']), 'what it is'],
    names.map((name, i) => [
      name,
      ...columns.flatMap((column) => {
        const stage = column.stages[i]!;
        return [ms(stage.p50Ms), ms(stage.p95Ms), ms(stage.meanMs)];
      }),
      columns[0]!.stages[i]!.note,
    ]),
  );
}

function endToEndSection(result: EndToEndResult): string[] {
  const [one, two] = result.bursts;
  const best = [...result.bursts].sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0]!;
  const single = result.single;
  return [
    '## End to end',
    '',
    `Through the running local stack (docker-compose.yml: the gateway, a presigned PUT to LocalStack, the S3 notification, SQS, the gateway's event source mapping, the processor container(s), DynamoDB Local, SNS). Each image record keeps the times of its stages (\`stages\`, see src/contract.ts), so the time from upload to DONE is broken down stage by stage below. One run, one machine: the uploaders, LocalStack, DynamoDB Local, the gateway and the processor share its cores.`,
    '',
    `**A single upload on an idle stack** (the regression figure: within 1 s of its PUT): a ${single.input} of ${single.bytes} bytes, ${single.runs} uploads one after the other, PUT returned → DONE record: ${single.putToDoneMs.join(', ')} ms, median **${single.medianPutToDoneMs} ms**.`,
    '',
    stageTable([{ title: 'single upload', stages: single.stages }]),
    '',
    `**A burst**: ${one?.uploads} uploads of the same ${((one?.imageBytes ?? 0) / 1024).toFixed(0)} KiB 1280×960 JPEG by ${one?.clients} clients at once, until every one was DONE, with one processor container and with two (\`PROCESSOR_CONTAINERS\`; the gateway keeps one batch in flight per container), each on a fresh stack. Throughput is DONE images over the time from the first request to the last DONE; latency is PUT returned → DONE. The ratio is against the processor alone at concurrency 2 in this run (${result.processorAloneImagesPerSecond} images/s, the table above).`,
    '',
    table(
      ['processor containers', 'images/s end to end', 'ratio to the processor alone', 'uploading took s', 'upload→DONE p50 ms', 'p95 ms', 'max ms'],
      result.bursts.map((burst) => [burst.processorContainers, burst.imagesPerSecond, `**${burst.ratio}**`, burst.burstSeconds, burst.p50Ms, burst.p95Ms, burst.maxMs]),
    ),
    '',
    stageTable(result.bursts.map((burst) => ({ title: `${burst.processorContainers} container${burst.processorContainers > 1 ? 's' : ''}`, stages: burst.stages }))),
    '',
    `Two containers against one: ${two && one ? `${round2(two.imagesPerSecond / one.imagesPerSecond)}× the throughput, upload→DONE p50 ${one.p50Ms} → ${two.p50Ms} ms` : 'not measured'}; the best is **${best.ratio}×** the processor alone${best.ratio >= 0.6 ? ' (aim: at least 0.6×)' : ' (aim: 0.6×, not reached in this run)'}.`,
    '',
    ...result.bursts.map((burst) => `- ${burst.processorContainers} container${burst.processorContainers > 1 ? 's' : ''}: ${shares(burst.stages)}`),
    '',
    `How to read it. A burst queues: almost all of an image's time is spent before its work starts, waiting in the queue for a container that is free (the gateway keeps one batch of up to 10 in flight per container) and then inside that batch for one of the container's 2 workers (\`PROCESSING_CONCURRENCY\`). Those waits are not costs in themselves but the backlog draining at the rate the containers process; the stretches of the work (download, render, store, notify) set that rate. Each worker waits on the network for the download, the rendition writes, the record and the notification (${ioShare(one)} % of its time per image with one container), with its CPU idle; a second container uses that idle time only when the machine has CPU to spare. ${two && one ? (two.imagesPerSecond > one.imagesPerSecond * 1.05 ? `Here it had: two containers process ${round2(two.imagesPerSecond / one.imagesPerSecond)}× as fast.` : `Here it had not: with two containers the render stretch went from a mean of ${meanOf(one, 'render')} ms to ${meanOf(two, 'render')} ms, the two containers sharing the same two cores, and the throughput did not rise (${round2(two.imagesPerSecond / one.imagesPerSecond)}×): the stack is bound by CPU, not by waiting.`) : ''} What remains between the end-to-end rate and the processor alone is the work the processor-alone benchmark does not do, on the same two cores: per image, LocalStack (one Python process) takes the original's PUT, sends the S3 notification, serves the receive and delete, the GetObject and two PutObjects, and the SNS publish with its delivery to the observer queue; DynamoDB Local takes a PutItem, a GetItem and two UpdateItems; the gateway, the upload function and the 16 uploading clients run beside them. In AWS all of that runs elsewhere, and Lambda runs up to \`processorMaxConcurrency\` (5) batches at once.`,
    '',
  ];
}

const meanOf = (burst: { stages: readonly StretchFigures[] } | undefined, name: string) => burst?.stages.find((stage) => stage.name === name)?.meanMs ?? Number.NaN;

/** The share of a worker's time per image spent waiting on the network (download, store, notify) rather than rendering. */
function ioShare(burst: { stages: readonly StretchFigures[] } | undefined): number {
  const io = meanOf(burst, 'download') + meanOf(burst, 'store renditions') + meanOf(burst, 'notify');
  return Math.round((100 * io) / (io + meanOf(burst, 'render')));
}

/** Where the mean upload→DONE time of a burst went, in shares of the stretches from the S3 event on. */
function shares(stages: readonly StretchFigures[]): string {
  const counted = stages.filter((stage) => stage.name !== 'PUT returned → S3 event time' && Number.isFinite(stage.meanMs));
  const total = counted.filter((stage) => stage.name !== 'notify').reduce((sum, stage) => sum + Math.max(0, stage.meanMs), 0);
  const share = (names: string[]) => Math.round((100 * counted.filter((stage) => names.includes(stage.name)).reduce((sum, stage) => sum + Math.max(0, stage.meanMs), 0)) / Math.max(1, total));
  const largest = [...counted].sort((a, b) => b.meanMs - a.meanMs)[0];
  return (
    `of the mean ${Math.round(total)} ms from the S3 event to DONE, ${share(['in the queue → invocation'])} % waiting for a container, ` +
    `${share(['invocation → work starts'])} % waiting inside the batch, ${share(['S3 event → in the queue'])} % the S3 notification, ` +
    `${share(['download', 'render', 'store renditions', 'record DONE'])} % the work (render ${share(['render'])} %); largest stretch: ${largest?.name} (mean ${largest?.meanMs} ms).`
  );
}

const round2 = (value: number) => Number(value.toFixed(2));
