import { scrub } from './redact.js';

/**
 * A copy of a foreign error (node-postgres, the AWS SDK, Node.js) that is safe to keep as the
 * `cause` of one of ours: its `name`, `code` and stack frames, its message and its own causes
 * scrubbed of URL credentials and of every known secret. The original stays behind, with
 * whatever it carries (a quoted input, a raw response).
 */
export class ScrubbedError extends Error {
  /** The SQLSTATE, Node.js or AWS error code of the original, when it had one. */
  readonly code?: string;

  constructor(name: string, message: string, code: string | undefined, options?: ErrorOptions) {
    super(message, options);
    // The original's name, so a log line still says `DatabaseError` or `AccessDeniedException`.
    this.name = name;
    if (code !== undefined) this.code = code;
  }
}

const MAX_DEPTH = 5;

/** The scrubbed copy of `error` and its causes; `undefined` stays `undefined`. */
export function scrubbedCause(
  error: unknown,
  secrets: Iterable<string | undefined>,
): ScrubbedError | undefined {
  return copy(error, [...secrets], 0);
}

function copy(
  error: unknown,
  secrets: readonly (string | undefined)[],
  depth: number,
): ScrubbedError | undefined {
  if (error === undefined || error === null || depth >= MAX_DEPTH) return undefined;
  if (!(error instanceof Error)) {
    return new ScrubbedError('NonErrorThrown', scrub(String(error), secrets), undefined);
  }
  const code = (error as { code?: unknown }).code;
  const message = scrub(error.message, secrets);
  const cause = copy(error.cause, secrets, depth + 1);
  const scrubbed = new ScrubbedError(
    error.name,
    message,
    typeof code === 'string' ? code : undefined,
    cause === undefined ? undefined : { cause },
  );
  // The original's frames (file and function names, no values) under the scrubbed first line.
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  scrubbed.stack = [`${error.name}: ${message}`, ...frames].join('\n');
  return scrubbed;
}
