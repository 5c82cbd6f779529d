/**
 * The one redaction helper. Everything that prints a connection string, an error that may
 * carry one, or a value derived from a secret goes through here.
 */

export const MASK = '****';

/**
 * Returns the connection URL with its password replaced by {@link MASK}. Query parameters
 * named `password` are masked too. A string that does not parse as a URL is masked whole
 * rather than echoed, since it may be a password pasted in the wrong place.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.password !== '') parsed.password = MASK;
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', MASK);
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

/**
 * Replaces every occurrence of each secret value (and its URL-encoded form) in `text`.
 * Empty and very short values are ignored: masking a one-character "secret" would
 * shred the message without protecting anything.
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      result = result.split(form).join(MASK);
    }
  }
  return result;
}

const URL_CREDENTIALS = /\b(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi;

/**
 * Masks the password of every PostgreSQL URL embedded in free text, such as a foreign error
 * message that quotes its input. The last line of defence for messages we did not write.
 */
export function redactConnectionStrings(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1${MASK}@`);
}

const SIGNING_PARAMETERS = /(X-Amz-(?:Signature|Security-Token|Credential)(?:=|%3D))[^&\s"']+/gi;

/**
 * Masks the signature, session token and credential scope of any SigV4 pre-signed text, such as
 * an IAM database authentication token quoted in a foreign message, even one no longer known.
 */
export function redactSigningParameters(text: string): string {
  return text.replace(SIGNING_PARAMETERS, `$1${MASK}`);
}

/**
 * Everything a message from a foreign library goes through before it is kept: every known
 * secret (raw and URL-encoded), then URL credentials and SigV4 signing parameters, masked.
 */
export function scrub(text: string, secrets: Iterable<string | undefined>): string {
  return redactSigningParameters(redactConnectionStrings(redactSecrets(text, secrets)));
}
