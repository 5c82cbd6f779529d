import { readTextIfExists } from '../local/fs-errors.js';

/**
 * Reads a `.env` file into a map: `KEY=value` lines, an optional `export ` prefix, `#`
 * comments, and values in single or double quotes. Returns undefined when there is no file.
 * Only what `check` needs; no variable expansion.
 */
export async function readEnvFile(file: string): Promise<Map<string, string> | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  return parseEnv(text);
}

export function parseEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const [, key, raw] = match as unknown as [string, string, string];
    values.set(key, unquote(raw));
  }
  return values;
}

function unquote(raw: string): string {
  const quote = raw[0];
  if ((quote === '"' || quote === "'") && raw.endsWith(quote) && raw.length >= 2) {
    const inner = raw.slice(1, -1);
    return quote === '"' ? inner.replaceAll('\\n', '\n').replaceAll('\\"', '"') : inner;
  }
  // An unquoted value ends at a comment.
  return raw.replace(/\s+#.*$/, '');
}
