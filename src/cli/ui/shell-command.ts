/** How this package's command is run from the project: it is not installed globally. */
export const CLI_INVOCATION = 'npx spendsense-db';

/**
 * A word as a POSIX shell reads it back unchanged: left bare when it holds nothing the shell
 * interprets, else in single quotes.
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A program and its arguments as one shell line, for people to read or paste. */
export function shellLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(' ');
}

/**
 * A `spendsense-db` command line that works as printed: `npx spendsense-db` followed by the
 * arguments, each quoted for the shell (a state folder with a space in its name, say), except
 * placeholders such as `<n>` for the reader to replace.
 */
export function cliCommand(args: readonly string[]): string {
  const word = (arg: string): string => (PLACEHOLDER.test(arg) ? arg : shellQuote(arg));
  return [CLI_INVOCATION, ...args.map(word)].join(' ');
}

/** `<n>`, `<stage>`: a value for the reader to fill in, shown as is. */
const PLACEHOLDER = /^<[a-z][a-z-]*>$/;
