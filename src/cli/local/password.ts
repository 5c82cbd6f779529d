import { randomInt } from 'node:crypto';
import { PASSWORD_LENGTH } from '../../shared/names.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random password of letters and digits, the alphabet the deployed stack uses too: every
 * character is URL-safe, so the local connection URL needs no escaping.
 */
export function generatePassword(length: number = PASSWORD_LENGTH): string {
  let password = '';
  for (let index = 0; index < length; index += 1) {
    password += ALPHABET[randomInt(ALPHABET.length)];
  }
  return password;
}
