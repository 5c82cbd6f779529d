import { describe, expect, test } from 'vitest';
import {
  MASK,
  redactConnectionStrings,
  redactSecrets,
  redactUrl,
} from '../../src/runtime/redact.js';

const password = 'Zx81Qp0rTu7Vw2Ab';

describe('redactUrl', () => {
  test('masks the password and keeps everything else', () => {
    const masked = redactUrl(
      `postgresql://spendsense_admin:${password}@db.example.com:5432/spendsense?sslmode=verify-full`,
    );
    expect(masked).toBe(
      `postgresql://spendsense_admin:${MASK}@db.example.com:5432/spendsense?sslmode=verify-full`,
    );
  });

  test('masks a password passed as a query parameter', () => {
    expect(redactUrl(`postgresql://u@h/db?password=${password}`)).not.toContain(password);
  });

  test('masks a string that is not a URL at all', () => {
    expect(redactUrl(password)).toBe(MASK);
  });

  test('leaves a URL without a password unchanged', () => {
    expect(redactUrl('postgresql://u@h:5432/db')).toBe('postgresql://u@h:5432/db');
  });
});

describe('redactSecrets', () => {
  test('replaces the raw and URL-encoded forms of each secret', () => {
    const secret = 'p@ss/word';
    const text = `raw ${secret} encoded ${encodeURIComponent(secret)}`;
    expect(redactSecrets(text, [secret])).toBe(`raw ${MASK} encoded ${MASK}`);
  });

  test('ignores missing and too-short values', () => {
    expect(redactSecrets('a b c', [undefined, 'a'])).toBe('a b c');
  });
});

describe('redactConnectionStrings', () => {
  test('masks every embedded URL password in free text', () => {
    const text = `failed postgres://a:${password}@h/db then postgresql://b:x${password}@h2/db`;
    const masked = redactConnectionStrings(text);
    expect(masked).not.toContain(password);
    expect(masked).toContain(`postgres://a:${MASK}@h/db`);
  });
});
