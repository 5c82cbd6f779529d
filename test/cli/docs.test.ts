import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { runCli } from '../support/run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function documents(): Promise<[string, string][]> {
  const docs = (await readdir(path.join(ROOT, 'docs'))).filter((name) => name.endsWith('.md'));
  const files = ['README.md', ...docs.map((name) => path.join('docs', name))];
  return Promise.all(
    files.map(
      async (file) => [file, await readFile(path.join(ROOT, file), 'utf8')] as [string, string],
    ),
  );
}

describe('docs/cli.md matches the code', () => {
  test('the exit code table lists every code, by number and name, and nothing else', async () => {
    const doc = await readFile(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Exit codes'));
    const rows = [...table.matchAll(/^\| (\d+)\s+\| `(\w+)`/gm)].map(
      (match) => [match[2], Number(match[1])] as const,
    );
    expect(rows.length).toBeGreaterThan(30);
    expect(Object.fromEntries(rows)).toEqual(ExitCode);
  });
});

/**
 * A password on a command line is readable by every user of the machine in the process list
 * (`ps`, /proc/<pid>/cmdline). The revealed local URL may go into a variable, never be an
 * argument: `psql "$(… --reveal)"` and `check --url "$(… --reveal)"` are what this forbids.
 */
describe('no documented or printed command puts a password on a command line', () => {
  const REVEAL = /"\$\(npx spendsense-db local url[^)]*--reveal[^)]*\)"/g;
  const asAssignment = (text: string, index: number): boolean =>
    /(?:^|\s)(?:export\s+)?[A-Z_][A-Z0-9_]*=$/.test(text.slice(Math.max(0, index - 40), index));

  test('in the README and docs, --reveal output only ever fills a variable', async () => {
    const found: string[] = [];
    let uses = 0;
    for (const [file, text] of await documents()) {
      for (const match of text.matchAll(REVEAL)) {
        uses += 1;
        if (!asAssignment(text, match.index)) found.push(`${file}: ${match[0]}`);
      }
    }
    expect(uses).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });

  test('the help of local url says so too, and shows --reveal only filling a variable', async () => {
    const run = await runCli(['local', 'url', '--help']);
    expect(run.exitCode).toBe(0);
    // Help text is wrapped to the terminal's width.
    const help = run.stdout
      .replace(/\s+/g, ' ')
      .replace(/\$\(npx spendsense-db /g, '$(npx spendsense-db ');
    expect(help).toContain('never pass it on a command line');
    const uses = [...help.matchAll(REVEAL)];
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(asAssignment(help, use.index)).toBe(true);
  });
});
