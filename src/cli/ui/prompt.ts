import readline from 'node:readline';
import { CliError, ExitCode } from '../exit-codes.js';

export interface PromptStreams {
  /** @default process.stdin */
  readonly input?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** @default process.stderr: the question is not data, so stdout stays clean */
  readonly output?: NodeJS.WritableStream;
}

/** True when there is a terminal to ask on. */
export function canPrompt(streams: PromptStreams = {}): boolean {
  return (streams.input ?? process.stdin).isTTY === true;
}

/**
 * Asks one question on the terminal and returns the answer, or `undefined` when the input ends
 * first (Ctrl-D). Ctrl-C is a clean cancel: a CliError with exit code 130 saying what was not
 * done, never an internal error.
 * @param cancelled what Ctrl-C left undone, for the message (`Reset cancelled: nothing was deleted.`)
 */
export function ask(
  question: string,
  cancelled: string,
  streams: PromptStreams = {},
): Promise<string | undefined> {
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stderr;
  const prompt = readline.createInterface({ input, output, terminal: input.isTTY === true });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      finish();
      prompt.close();
    };
    prompt.on('SIGINT', () =>
      settle(() => {
        output.write('\n');
        reject(
          new CliError(
            cancelled,
            ExitCode.Cancelled,
            'Nothing to undo; run the command again to be asked again.',
          ),
        );
      }),
    );
    prompt.on('close', () =>
      settle(() => {
        output.write('\n');
        resolve(undefined);
      }),
    );
    prompt.question(question, (answer) => settle(() => resolve(answer)));
  });
}
