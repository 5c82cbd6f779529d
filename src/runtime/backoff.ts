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

/**
 * "Equal jitter": a delay drawn uniformly from [c/2, c), c = min(cap, base * 2^(n-1)) for the
 * n-th consecutive failure. Unlike full jitter it never comes out near zero, so a client that
 * must stay away for a while does, while the random half still spreads a fleet out.
 */
export function equalJitterDelayMillis(
  failures: number,
  baseDelayMillis: number,
  maxDelayMillis: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMillis, baseDelayMillis * 2 ** (failures - 1));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * One execution environment's memory of the server refusing it a connection slot (`53300`).
 * A refused environment keeps away from the server, across invocations, for a delay that grows
 * with each consecutive refusal (equal jitter, capped); invocations meanwhile fail at once
 * without a connection attempt, which would only be refused again and cost the full server a
 * TLS handshake and an authentication. A connection that succeeds forgets the refusals.
 */
export class SlotBackoff {
  readonly #baseDelayMillis: number;
  readonly #maxDelayMillis: number;
  readonly #random: () => number;
  #refusals = 0;
  #until = 0;

  constructor(baseDelayMillis: number, maxDelayMillis: number, random: () => number = Math.random) {
    this.#baseDelayMillis = baseDelayMillis;
    this.#maxDelayMillis = maxDelayMillis;
    this.#random = random;
  }

  /** Refusals since the last connection that succeeded. */
  get refusals(): number {
    return this.#refusals;
  }

  /** How long from `now` the environment must still keep away; 0 when it may try. */
  remainingMillis(now: number): number {
    return Math.max(0, this.#until - now);
  }

  /** Records a refusal at `now`; returns how long to keep away. */
  refused(now: number): number {
    this.#refusals += 1;
    const delay = equalJitterDelayMillis(
      this.#refusals,
      this.#baseDelayMillis,
      this.#maxDelayMillis,
      this.#random,
    );
    this.#until = now + delay;
    return delay;
  }

  /** A connection succeeded: the server has room again. */
  succeeded(): void {
    this.#refusals = 0;
    this.#until = 0;
  }
}
