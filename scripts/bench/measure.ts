/** Small statistics for benchmarks: medians over runs, ratios of medians, CPU and RSS sampling. */

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** CPU time (user + system, every thread of the process, libvips' included) spent by `work`, in ms. */
export async function cpuTimeMs(work: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Runs `work` while sampling RSS every few ms; returns the peak seen and the wall time. */
export async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakRssBytes: number; wallMs: number }> {
  let peakRssBytes = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  try {
    const result = await work();
    return { result, peakRssBytes: Math.max(peakRssBytes, process.memoryUsage().rss), wallMs: performance.now() - started };
  } finally {
    clearInterval(sampler);
  }
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
