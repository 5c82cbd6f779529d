import { describe, expect, test } from 'vitest';
import { fullJitterDelayMillis } from '../../src/runtime/backoff.js';

describe('fullJitterDelayMillis', () => {
  test.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
  ])('retry %i draws from [0, %i) with base 100', (retry, ceiling) => {
    expect(fullJitterDelayMillis(retry, 100, 10_000, () => 0)).toBe(0);
    expect(fullJitterDelayMillis(retry, 100, 10_000, () => 0.5)).toBe(ceiling / 2);
    expect(fullJitterDelayMillis(retry, 100, 10_000, () => 0.999_999)).toBe(ceiling - 1);
  });

  test('never exceeds the cap, however many retries', () => {
    expect(fullJitterDelayMillis(30, 100, 2000, () => 0.999_999)).toBe(1999);
  });

  test('spreads delays over the whole window', () => {
    const delays = Array.from({ length: 500 }, () => fullJitterDelayMillis(3, 100, 2000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(400);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
