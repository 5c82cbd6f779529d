import { randomInt } from 'node:crypto';
import { PASSWORD_LENGTH } from '../shared/names.js';

/** Letters and digits: unreserved in a URL, and none of the characters RDS forbids. */
export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random password of `length` letters and digits, for the local database and for each
 * rotation of the deployed one: the connection URL needs no escaping. `randomInt` draws from
 * the operating system's CSPRNG without modulo bias, so each character carries log2(62) ≈ 5.95
 * bits: about 190 bits at the default length.
 */
export function generatePassword(length: number = PASSWORD_LENGTH): string {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`The password length must be a positive whole number. Got ${length}.`);
  }
  let password = '';
  for (let index = 0; index < length; index += 1) {
    password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  }
  return password;
}
