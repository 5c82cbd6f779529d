import { expect } from 'vitest';

/**
 * Every textual form an error can take on its way to a log or a response: message, stack,
 * `String()`, `JSON.stringify` (own enumerable fields), for the error and each cause below it.
 */
export function errorRenderings(error: unknown): string[] {
  const renderings: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    renderings.push(String(current), safeJson(current));
    if (current instanceof Error) {
      renderings.push(current.message, current.stack ?? '');
      current = current.cause;
    } else {
      break;
    }
  }
  return renderings;
}

/** Asserts that no rendering of `error` (or its causes) contains any of `secrets`. */
export function expectNoSecretIn(error: unknown, secrets: readonly string[]): void {
  const renderings = errorRenderings(error);
  expect(renderings.length).toBeGreaterThan(0);
  expect(secrets.length).toBeGreaterThan(0);
  for (const text of renderings) {
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    }
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch (error) {
    // A circular structure cannot leak through JSON.stringify: it throws instead.
    return `unserialisable: ${(error as Error).message}`;
  }
}
