import type { Progress } from '../ui/progress.js';

/**
 * Runs each named AWS read at most once, shown as progress, however many checks ask for it:
 * later callers share the first call's promise, its failure included.
 */
export class ReadOnce {
  private readonly reads = new Map<string, Promise<unknown>>();

  constructor(private readonly progress: Progress) {}

  read<T>(key: string, label: string, task: () => Promise<T>): Promise<T> {
    let pending = this.reads.get(key) as Promise<T> | undefined;
    if (pending === undefined) {
      pending = this.progress.step(label, task);
      this.reads.set(key, pending);
    }
    return pending;
  }
}

/** Every item of a paginated AWS list, page after page until no token is returned. */
export async function collectPages<T>(
  page: (
    token: string | undefined,
  ) => Promise<[items: readonly T[] | undefined, next: string | undefined]>,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const [found, next] = await page(token);
    items.push(...(found ?? []));
    token = next;
  } while (token !== undefined);
  return items;
}
