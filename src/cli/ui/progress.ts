/**
 * Progress for steps that may take more than a second. Always written to stderr, so stdout
 * stays clean for `--json` and for command substitution (`$(spendsense-db local url)`).
 * On a terminal it is a spinner; elsewhere (CI, pipes) one line per finished step.
 */
export interface Progress {
  /** Runs `task` while showing `label`; reports success with the elapsed time, or failure. */
  step<T>(label: string, task: () => Promise<T>): Promise<T>;
}

export interface ProgressOptions {
  /** Show nothing at all (for example with `--quiet`). @default false */
  readonly silent?: boolean;
  /** @default process.stderr */
  readonly stream?: NodeJS.WriteStream;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const silent = options.silent ?? false;
  return {
    async step<T>(label: string, task: () => Promise<T>): Promise<T> {
      if (silent) return task();
      const started = performance.now();
      const elapsed = (): string => `${Math.round(performance.now() - started)} ms`;
      if (!stream.isTTY) {
        try {
          const result = await task();
          stream.write(`ok    ${label} (${elapsed()})\n`);
          return result;
        } catch (error) {
          stream.write(`fail  ${label} (${elapsed()})\n`);
          throw error;
        }
      }
      // Loaded only for a terminal: ora and its dependencies cost more to load than most
      // commands take to run, and scripts and pipes never see a spinner.
      const { default: ora } = await import('ora');
      const spinner = ora({ text: label, stream }).start();
      try {
        const result = await task();
        spinner.succeed(`${label} (${elapsed()})`);
        return result;
      } catch (error) {
        spinner.fail(`${label} (${elapsed()})`);
        throw error;
      }
    },
  };
}
