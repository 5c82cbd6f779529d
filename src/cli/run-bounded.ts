import { spawn } from 'node:child_process';

export interface BoundedRunOptions {
  readonly cwd?: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the program's standard input, then closed. @default - stdin is /dev/null */
  readonly input?: string;
  /** Run as this user and group (the CLI runs as root). @default - the current user */
  readonly uid?: number;
  readonly gid?: number;
  /** The program is killed (SIGKILL) when it runs longer. */
  readonly timeoutMillis: number;
  /** Keep only the last this many characters of each output. @default 65536 */
  readonly maxOutputChars?: number;
}

export interface BoundedRunResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the program was killed for running longer than `timeoutMillis`. */
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Both outputs interleaved in the order they arrived, as a terminal would show them. */
  readonly output: string;
}

/**
 * Runs a program to completion and collects its output. Every wait is ours to clear: Node's
 * own `timeout` option of `spawn` leaves its timer running when the program cannot be started
 * (ENOENT, EACCES), which keeps the CLI alive for the whole timeout after its work is done.
 * Rejects with the system error when the program cannot be started.
 */
export function runBounded(
  command: string,
  args: readonly string[],
  options: BoundedRunOptions,
): Promise<BoundedRunResult> {
  const limit = options.maxOutputChars ?? 65_536;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.uid !== undefined && { uid: options.uid }),
      ...(options.gid !== undefined && { gid: options.gid }),
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMillis);
    let stdout = '';
    let stderr = '';
    let output = '';
    const keep = (text: string): string => (text.length > limit ? text.slice(-limit) : text);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = keep(stdout + chunk);
      output = keep(output + chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = keep(stderr + chunk);
      output = keep(output + chunk);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, stdout, stderr, output });
    });
    if (options.input !== undefined && child.stdin !== null) {
      // A program that exits without reading its input closes the pipe: not an error here.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}
