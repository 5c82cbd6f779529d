/** Raised when a wait we bounded ran out; `what` names the wait, never a value. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';

  constructor(
    readonly what: string,
    readonly timeoutMillis: number,
  ) {
    super(`${what} did not finish within ${timeoutMillis} ms`);
  }
}

/**
 * Waits for `promise` at most `timeoutMillis`. The timer is cleared whichever way the race ends,
 * so a finished command never waits for it.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  timeoutMillis: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, timeoutMillis)), timeoutMillis);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
