/** One metric of an Embedded Metric Format line, read back the way CloudWatch reads it. */
export interface EmfMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  /** Each dimension set of the metric, with the line's values of its keys. */
  readonly dimensionSets: readonly Readonly<Record<string, string>>[];
  readonly values: readonly number[];
}

/**
 * Parses EMF log lines (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * every metric each directive names, with its dimensions and values. Lines that are not EMF are skipped.
 */
export function parseEmf(lines: readonly string[]): EmfMetric[] {
  const metrics: EmfMetric[] = [];
  for (const line of lines) {
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const metadata = document._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
    if (!metadata || typeof metadata.Timestamp !== 'number' || !Array.isArray(metadata.CloudWatchMetrics)) continue;
    for (const directive of metadata.CloudWatchMetrics as { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[]) {
      const dimensionSets = directive.Dimensions.map((keys) => Object.fromEntries(keys.map((key) => [key, String(document[key])])));
      for (const metric of directive.Metrics) {
        const value = document[metric.Name];
        metrics.push({
          namespace: directive.Namespace,
          name: metric.Name,
          unit: metric.Unit,
          dimensionSets,
          values: (Array.isArray(value) ? value : [value]).map(Number),
        });
      }
    }
  }
  return metrics;
}

/** Captures what is written to stdout while `work` runs (Powertools writes EMF there). */
export async function captureStdout(work: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((line) => line !== ''));
    return true;
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = original;
  }
  return lines;
}
