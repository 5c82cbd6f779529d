import { describe, expect, test } from 'vitest';
import { generatePassword, PASSWORD_ALPHABET } from '../../src/runtime/password.js';
import { PASSWORD_LENGTH } from '../../src/shared/names.js';

describe('generatePassword', () => {
  test('gives PASSWORD_LENGTH letters and digits by default', () => {
    expect(generatePassword()).toMatch(new RegExp(`^[A-Za-z0-9]{${PASSWORD_LENGTH}}$`));
  });

  test('takes the length it is given', () => {
    expect(generatePassword(64)).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  test('draws from the whole alphabet of 62 characters, about 190 bits at the default length', () => {
    expect(new Set(PASSWORD_ALPHABET).size).toBe(62);
    expect(PASSWORD_LENGTH * Math.log2(PASSWORD_ALPHABET.length)).toBeGreaterThan(190);
    // 4000 characters: the chance that a given character never shows is (61/62)^4000 < 1e-28.
    const seen = new Set(Array.from({ length: 125 }, () => generatePassword()).join(''));
    expect([...seen].sort().join('')).toBe([...PASSWORD_ALPHABET].sort().join(''));
  });

  test('never repeats itself', () => {
    const passwords = Array.from({ length: 1000 }, () => generatePassword());
    expect(new Set(passwords).size).toBe(passwords.length);
  });

  test.each([0, -1, 2.5, Number.NaN])('refuses the length %s', (length) => {
    expect(() => generatePassword(length)).toThrow(
      `The password length must be a positive whole number. Got ${length}.`,
    );
  });
});
