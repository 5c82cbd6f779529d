import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { readTextIfExists } from './fs-errors.js';

/** What the CLI remembers about a local database between runs (no secret in here). */
export const localStateSchema = z.object({
  version: z.literal(1),
  port: z.number().int().min(1).max(65535),
  /** The host clients use: named in the server certificate. */
  host: z.enum(['localhost', '127.0.0.1']),
  listenAddresses: z.array(z.string().min(1)).min(1),
  maxConnections: z.number().int().min(1),
  durable: z.boolean(),
  createdAt: z.string(),
});
export type LocalState = z.infer<typeof localStateSchema>;

/** Reads state.json; undefined when it does not exist, an error when it is not ours. */
export async function readLocalState(file: string): Promise<LocalState | undefined> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  return localStateSchema.parse(JSON.parse(text));
}

export async function writeLocalState(file: string, state: LocalState): Promise<void> {
  await writeFile(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

/**
 * What a lost state.json can be rebuilt from: `postmaster.opts`, where PostgreSQL records the
 * options of its last start (`"-p" "5433" "-c" "listen_addresses=127.0.0.1,::1" ...`), so the
 * database comes back on the port and addresses it had. Empty when there is no such file.
 */
export async function stateFromLastStart(
  dataDir: string,
): Promise<Partial<Pick<LocalState, 'port' | 'listenAddresses' | 'maxConnections' | 'durable'>>> {
  const text = await readFile(path.join(dataDir, 'postmaster.opts'), 'utf8').catch(() => '');
  const words = [...text.matchAll(/"([^"]*)"/g)].map((match) => match[1] ?? '');
  const settings = new Map<string, string>();
  let port: number | undefined;
  words.forEach((word, index) => {
    const next = words[index + 1] ?? '';
    if (word === '-p' && /^\d+$/.test(next)) port = Number(next);
    if (word === '-c' && next.includes('=')) {
      settings.set(next.slice(0, next.indexOf('=')), next.slice(next.indexOf('=') + 1));
    }
  });
  const listen = settings.get('listen_addresses');
  const maxConnections = Number(settings.get('max_connections'));
  const parsed = localStateSchema.partial().safeParse({
    ...(port !== undefined && { port }),
    ...(listen !== undefined && { listenAddresses: listen.split(',').filter(Boolean) }),
    ...(Number.isInteger(maxConnections) && { maxConnections }),
    ...(words.length > 0 && { durable: settings.get('fsync') !== 'off' }),
  });
  return parsed.success ? parsed.data : {};
}
