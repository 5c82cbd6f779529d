/** Latency summary of one side of a scenario, in milliseconds. */
export interface Latency {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Nearest-rank percentiles of the samples (milliseconds), rounded to microseconds. */
export function summarise(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

/** The nearest-rank median of the values. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('No samples to summarise.');
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return round(sorted[Math.max(0, index)] ?? Number.NaN);
}

export function ratio(numerator: Latency, denominator: Latency): number {
  return Math.round((numerator.p50Ms / denominator.p50Ms) * 1000) / 1000;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
