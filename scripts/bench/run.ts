import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { typicalPhoto } from '../../integration/support/burst';
import { coldStarts } from './cold-start';
import { endToEnd } from './end-to-end';
import { metricsAtScale } from './metrics-scale';
import { presigning } from './presign';
import { avifEffortLevels, oneDecodeComparison, processorThroughput } from './processing';
import { metricsSection, renderReport, replaceSection } from './report';
import { round } from './measure';

/**
 * npm run bench [-- --quick] [-- --output <file>] [-- --only metrics]
 * Measures everything in one run and writes docs/BENCHMARKS.md (quick mode: .local/BENCHMARKS.quick.md).
 */
export async function runBenchmarks(options: { quick: boolean; output: string; log?: (line: string) => void }) {
  const log = options.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
  const { quick } = options;
  const started = Date.now();
  const step = (name: string) => log(`${name} (${round((Date.now() - started) / 1000, 0)} s)`);

  step('one decode: use case vs the best bare-sharp decode-once-then-cascade path, fresh processes');
  const overhead = await oneDecodeComparison(quick);
  step('AVIF encode time per effort level');
  const avif = await avifEffortLevels(quick);
  const photo = await typicalPhoto();
  step('processor throughput and memory at concurrency 1, 2, 4');
  const throughput = await processorThroughput(photo, quick);
  step('presigning: use case vs bare getSignedUrl');
  const presign = await presigning(quick);
  step('metrics at scale: the lean S3 and LocalStack through Toxiproxy');
  const metrics = await metricsAtScale(quick, log);
  step('end to end through the local stack: one 12 MP upload, then a burst with 1 and 2 processor containers');
  const processorAtTwo = throughput.results.find((result) => result.concurrency === 2)!;
  const endToEndResult = await endToEnd({
    quick,
    photo,
    processorAloneImagesPerSecond: processorAtTwo.imagesPerSecond,
    log,
    // One user uploads the whole burst: lift the pending quota out of the way of the measurement.
    stackSettings: { MAX_PENDING_UPLOADS_PER_USER: '1000' },
  });
  step('cold start and image size');
  const cold = await coldStarts(quick);

  const machine = {
    cpu: `${cpus().length} × ${cpus()[0]?.model.trim()}`,
    memoryGiB: round(totalmem() / 2 ** 30, 0),
    kernel: release(),
    node: process.version,
    docker: spawnSync('docker', ['version', '-f', '{{.Server.Version}}'], { encoding: 'utf8' }).stdout.trim(),
  };
  const report = renderReport({
    quick,
    date: new Date().toISOString(),
    durationSeconds: round((Date.now() - started) / 1000, 0),
    machine,
    overhead,
    avif,
    throughput,
    presign,
    metrics,
    endToEnd: endToEndResult,
    cold,
  });
  mkdirSync(dirname(options.output), { recursive: true });
  writeFileSync(options.output, report);
  // The raw figures, to check or re-render the report (.local is not committed).
  mkdirSync('.local', { recursive: true });
  writeFileSync(`.local/bench-results${quick ? '.quick' : ''}.json`, `${JSON.stringify({ overhead, avif, throughput, presign, metrics, endToEnd: endToEndResult, cold, machine }, null, 2)}\n`);
  step(`wrote ${options.output}`);
  return { overhead, avif, throughput, presign, metrics, endToEnd: endToEndResult, cold };
}

/**
 * npm run bench -- --only metrics: measures the listing alone and replaces its section in the report
 * that is there (docs/BENCHMARKS.md), leaving the other sections as they were measured.
 */
export async function runMetricsOnly(options: { quick: boolean; output: string; log?: (line: string) => void }) {
  const log = options.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
  if (!existsSync(options.output)) throw new Error(`--only metrics updates the report in ${options.output}, which does not exist: run npm run bench without --only first`);
  const started = Date.now();
  log('metrics at scale: one listing against the default partitioning, through Toxiproxy, on the lean S3 and on LocalStack');
  const metrics = await metricsAtScale(options.quick, log);
  const section = metricsSection(metrics, { date: new Date().toISOString(), durationSeconds: round((Date.now() - started) / 1000, 0) });
  writeFileSync(options.output, replaceSection(readFileSync(options.output, 'utf8'), '## Metrics at scale', section));
  mkdirSync('.local', { recursive: true });
  writeFileSync(`.local/bench-metrics${options.quick ? '.quick' : ''}.json`, `${JSON.stringify(metrics, null, 2)}\n`);
  log(`wrote the "Metrics at scale" section of ${options.output} (${round((Date.now() - started) / 1000, 0)} s)`);
  return metrics;
}

const SECTIONS = ['metrics'] as const;

if (require.main === module) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
  const outputIndex = args.indexOf('--output');
  const output = outputIndex >= 0 ? args[outputIndex + 1]! : quick ? '.local/BENCHMARKS.quick.md' : 'docs/BENCHMARKS.md';
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  if (only !== undefined && !(SECTIONS as readonly string[]).includes(only)) {
    process.stderr.write(`[bench] --only takes one of: ${SECTIONS.join(', ')} (got ${only ?? 'nothing'})\n`);
    process.exit(2);
  }
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // Exit (rather than die) on Ctrl-C or kill, so that the servers the bench started stop with it.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => process.exit(code));
  (only === 'metrics' ? runMetricsOnly({ quick, output }) : runBenchmarks({ quick, output })).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
