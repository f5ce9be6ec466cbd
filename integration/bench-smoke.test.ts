import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmarks } from '../scripts/bench/run';

// `npm run bench` is not a test: it measures. This runs its quick mode so the benchmark code
// cannot rot unnoticed, and checks the report it writes has every section with real numbers.
describe('npm run bench, quick mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imgproc-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every benchmark and writes the report', async () => {
    const output = join(dir, 'BENCHMARKS.md');

    const results = await runBenchmarks({ quick: true, output, log: () => undefined });

    const report = readFileSync(output, 'utf8');
    for (const section of ['## Processing overhead: one decode', '## AVIF effort', '## Processor throughput and memory', '## Presigning', '## Metrics at scale', '## End to end', '## Cold start and size']) {
      expect(report).toContain(section);
    }
    const ratios = [
      ...results.overhead.flatMap((row) => [row.wallRatio, row.cpuRatio, row.rssRatio]),
      ...results.avif.levels.map((level) => level.bytesVsDefault),
      ...results.throughput.results.map((row) => row.speedupOverOne),
      results.presign.ratio,
      ...results.metrics.servers.flatMap((server) => server.layouts.map((layout) => layout.speedup)),
      ...results.endToEnd.bursts.map((burst) => burst.ratio),
      results.endToEnd.single.medianPutToDoneMs,
      ...results.cold.results.map((row) => row.ratioToEmptyHandler),
    ];
    expect(ratios.every((ratio) => Number.isFinite(ratio) && ratio > 0)).toBe(true);
    expect(results.metrics.servers.map((server) => server.server)).toEqual(['gofakes3', 'localstack']);
    expect(results.overhead).toHaveLength(4);
    expect(results.cold.results).toHaveLength(3);
  }, 20 * 60_000);
});
