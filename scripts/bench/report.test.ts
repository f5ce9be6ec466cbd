import type { LayoutResult, MetricsScaleResult, ServerResult } from './metrics-scale';
import { metricsSection, replaceSection } from './report';

function layout(name: LayoutResult['layout'], speedup: number): LayoutResult {
  return {
    layout: name,
    objects: 100_000,
    totalBytes: 2_550_000,
    onePartitionObjectsPerSecond: 15_000,
    defaultPartitionsObjectsPerSecond: 15_000 * speedup,
    speedup,
    speedupRange: [speedup, speedup],
    onePartitionRequests: 100,
    defaultPartitionsRequests: 128,
    onePartitionCpuPerRequestMs: 3,
    defaultPartitionsCpuPerRequestMs: 3.5,
    defaultPartitionsSeconds: 100_000 / (15_000 * speedup),
    defaultPartitionsMachineBusyPercent: 97,
    defaultPartitionsMachineInterruptPercent: 12,
    defaultPartitionsServerCpuPerRequestMs: 4.9,
    defaultPartitionsProxyCpuPerRequestMs: null,
  };
}

const server = (name: ServerResult['server'], uniformSpeedup: number): ServerResult => ({
  server: name,
  populateSeconds: 2,
  layouts: [layout('uniform', uniformSpeedup), layout('skewed', 1.1)],
  directPageMs: 10,
  proxiedPageMs: 62,
});

const metrics = (leanSpeedup: number): MetricsScaleResult => ({
  runs: 3,
  latencyMs: 50,
  partitions: 33,
  maxParallelListings: 16,
  cores: 2,
  servers: [server('gofakes3', leanSpeedup), server('localstack', 1.3)],
  cpuPerPage: { sdkDeserializerMs: 15, adapterMs: 3.5, samples: 40 },
});

describe('metricsSection', () => {
  it('reports the speed-up against the lean S3 as reached or not against the aim of 10×, with every figure', () => {
    const reached = metricsSection(metrics(11.2)).join('\n');
    const missed = metricsSection(metrics(6.3)).join('\n');

    expect(reached).toContain('the default partitioning is 11.2× faster than one listing** on the even bucket (aim: at least 10×, reached)');
    expect(missed).toContain('(aim: at least 10×, **not reached in this run**)');
    expect(missed).toContain('| lean S3 (gofakes3) | skewed: 9 in 10 under one user, 1 in 10 off the layout | 15000 | 100 | 16500 | 128 | **1.1×** | 1.1–1.1 |');
    expect(missed).toContain('| 97 % | 12 % | 3.5 | 4.9 | not read | 8.4 |');
    expect(missed).not.toMatch(/undefined|NaN/);
  });

  it('projects 100 million objects from the adapter CPU per page and the latency', () => {
    const text = metricsSection(metrics(11)).join('\n');

    // 100,000 pages × (50 + 3.5) ms = 89 minutes; ÷ 16 × 50 ms = 5 minutes; 100,000 × 3.5 ms = 6 minutes at 1 vCPU.
    expect(text).toContain('| one key range | 100,000 pages × (50 ms latency + 3.5 ms CPU) | 89 |');
    expect(text).toContain('| default: 16 listings in flight, latency alone | 100,000 pages ÷ 16 × 50 ms | 5 |');
    expect(text).toContain('| default, CPU at the deployed 1,769 MB (1.00 vCPU) | 100,000 pages × 3.5 ms ÷ 1.00 | 6 |');
    expect(text).toContain('| default, CPU at 512 MB (0.29 vCPU) | 100,000 pages × 3.5 ms ÷ 0.29 | 20 |');
  });
});

describe('replaceSection', () => {
  const report = ['# Benchmarks', '', '## Presigning', '', 'old presign', '', '## Metrics at scale', '', 'old metrics', '', '## End to end', '', 'e2e'].join('\n');

  it('replaces one section up to the next heading and keeps the others as they were', () => {
    const updated = replaceSection(report, '## Metrics at scale', ['## Metrics at scale', '', 'new metrics']);

    expect(updated).toBe(['# Benchmarks', '', '## Presigning', '', 'old presign', '', '## Metrics at scale', '', 'new metrics', '', '## End to end', '', 'e2e'].join('\n'));
  });

  it('refuses a report without the section', () => {
    expect(() => replaceSection('# Benchmarks\n', '## Metrics at scale', ['x'])).toThrow('the report has no "## Metrics at scale" section to replace');
  });
});
