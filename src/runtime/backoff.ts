/**
 * "Full jitter" exponential backoff: a delay drawn uniformly from [0, min(cap, base * 2^(n-1))]
 * before retry n. Spreading retries over the whole window keeps many Lambdas that lost the
 * database at the same moment from reconnecting in lockstep (AWS Architecture Blog,
 * "Exponential Backoff And Jitter").
 */
export function fullJitterDelayMillis(
  retry: number,
  baseDelayMillis: number,
  maxDelayMillis: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMillis, baseDelayMillis * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
