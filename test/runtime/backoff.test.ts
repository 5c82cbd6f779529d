import { describe, expect, test } from 'vitest';
import {
  equalJitterDelayMillis,
  fullJitterDelayMillis,
  SlotBackoff,
} from '../../src/runtime/backoff.js';

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

describe('equalJitterDelayMillis', () => {
  test.each([
    [1, 100],
    [2, 200],
    [3, 400],
  ])('failure %i draws from [c/2, c) with c = %i', (failures, ceiling) => {
    expect(equalJitterDelayMillis(failures, 100, 10_000, () => 0)).toBe(ceiling / 2);
    expect(equalJitterDelayMillis(failures, 100, 10_000, () => 0.999_999)).toBe(ceiling - 1);
  });

  test('never exceeds the cap', () => {
    expect(equalJitterDelayMillis(40, 1000, 10_000, () => 0.999_999)).toBe(9999);
  });
});

describe('SlotBackoff', () => {
  test('a refusal keeps the environment away for the drawn delay, counted from the refusal', () => {
    const backoff = new SlotBackoff(1000, 10_000, () => 0.5);
    expect(backoff.remainingMillis(5000)).toBe(0);

    expect(backoff.refused(5000)).toBe(750);

    expect(backoff.refusals).toBe(1);
    expect(backoff.remainingMillis(5000)).toBe(750);
    expect(backoff.remainingMillis(5700)).toBe(50);
    expect(backoff.remainingMillis(5750)).toBe(0);
  });

  test('consecutive refusals grow the delay up to the cap; a success resets it', () => {
    const backoff = new SlotBackoff(1000, 4000, () => 0);
    const delays = [1, 2, 3, 4].map(() => backoff.refused(0));
    expect(delays).toEqual([500, 1000, 2000, 2000]);

    backoff.succeeded();

    expect(backoff.refusals).toBe(0);
    expect(backoff.remainingMillis(0)).toBe(0);
    expect(backoff.refused(0)).toBe(500);
  });
});
