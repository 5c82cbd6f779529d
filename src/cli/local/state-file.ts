import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';

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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return localStateSchema.parse(JSON.parse(text));
}

export async function writeLocalState(file: string, state: LocalState): Promise<void> {
  await writeFile(file, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}
