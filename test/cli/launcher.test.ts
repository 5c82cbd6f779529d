import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import {
  BUILD_STAMP,
  buildState,
  chooseEntry,
  CLI_BUILT_ENTRY,
  CLI_SOURCE_ENTRY,
  FROM_SOURCES_ENV,
} from '../../bin/build-state.js';

/**
 * bin/spendsense-db.js runs the build in dist/ when it is current and the TypeScript sources
 * otherwise, saying why: a stale build must never run old code silently. Checked on small
 * checkouts made here, with file times set by hand.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'spendsense-launcher-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// An hour ago: a folder changed by the test itself (a rename, a deletion) is newer.
const BUILT_AT = Date.now() - 3_600_000;
const BEFORE = new Date(BUILT_AT - 60_000);
const AFTER = new Date(BUILT_AT + 60_000);

/** Writes `file` under `root` with its modification time (and its folders') set to `time`. */
function write(root: string, file: string, text: string, time = BEFORE): void {
  const absolute = path.join(root, file);
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, text);
  for (let at = absolute; at !== root && at.startsWith(root); at = path.dirname(at)) {
    utimesSync(at, time, time);
  }
}

let checkouts = 0;

/** A checkout built at BUILT_AT from sources all older than that. */
function checkout(options: { built?: boolean } = {}): string {
  const root = path.join(scratch, `checkout-${++checkouts}`);
  mkdirSync(root);
  write(
    root,
    CLI_SOURCE_ENTRY,
    "export async function main(argv: string[]): Promise<number> {\n  process.stdout.write(`sources ${argv.join(' ')}\\n`);\n  return 4;\n}\n",
  );
  write(root, 'src/runtime/index.ts', 'export const runtime = 1;\n');
  write(root, 'src/shared/names.ts', "export const name = 'x';\n");
  write(root, 'package.json', '{ "type": "module" }\n');
  write(root, 'package-lock.json', '{}\n');
  write(root, 'test/example.test.ts', '// not an input of the build\n');
  if (options.built ?? true) {
    write(
      root,
      CLI_BUILT_ENTRY,
      "export async function main(argv) {\n  process.stdout.write(`built ${argv.join(' ')}\\n`);\n  return 3;\n}\n",
    );
    write(root, BUILD_STAMP, JSON.stringify({ sourcesAsOfMillis: BUILT_AT }));
  }
  utimesSync(root, BEFORE, BEFORE);
  return root;
}

describe('buildState', () => {
  test('a build newer than every input is current', () => {
    expect(buildState(checkout())).toEqual({ kind: 'built' });
  });

  test.each([
    [
      'an edited source',
      (root: string) => utimesSync(path.join(root, 'src/cli/main.ts'), AFTER, AFTER),
      'src/cli/main.ts',
    ],
    [
      'a new source',
      (root: string) => write(root, 'src/runtime/extra.ts', '', AFTER),
      'src/runtime',
    ],
    [
      'a renamed source (its own time unchanged)',
      (root: string) => {
        renameSync(path.join(root, 'src/shared/names.ts'), path.join(root, 'src/shared/n.ts'));
        utimesSync(path.join(root, 'src/shared/n.ts'), BEFORE, BEFORE);
      },
      'src/shared',
    ],
    [
      'a deleted source',
      (root: string) => rmSync(path.join(root, 'src/runtime/index.ts')),
      'src/runtime',
    ],
    [
      'dependencies installed or changed',
      (root: string) => write(root, 'package-lock.json', '{ }', AFTER),
      'package-lock.json',
    ],
  ])('%s makes it stale, naming what changed', (_name, change, changed) => {
    const root = checkout();
    change(root);
    expect(buildState(root)).toEqual({ kind: 'stale', changed });
  });

  test('a change outside the inputs (a test, the docs) leaves it current', () => {
    const root = checkout();
    write(root, 'test/example.test.ts', '// changed\n', AFTER);
    write(root, 'docs/cli.md', '# changed\n', AFTER);
    expect(buildState(root)).toEqual({ kind: 'built' });
  });

  test.each([
    ['no build at all', (root: string) => rmSync(path.join(root, 'dist'), { recursive: true })],
    [
      'a build that did not finish (no stamp)',
      (root: string) => rmSync(path.join(root, BUILD_STAMP)),
    ],
    ['a stamp without its build', (root: string) => rmSync(path.join(root, CLI_BUILT_ENTRY))],
    ['an unreadable stamp', (root: string) => write(root, BUILD_STAMP, 'not json')],
  ])('%s is no build', (_name, change) => {
    const root = checkout();
    change(root);
    expect(buildState(root)).toEqual({ kind: 'no-build' });
  });

  test('an installed package (dist/ only, no sources) never compares', () => {
    const root = checkout();
    rmSync(path.join(root, 'src'), { recursive: true });
    expect(buildState(root)).toEqual({ kind: 'no-sources' });
  });
});

describe('chooseEntry', () => {
  test('a current build runs, without a word', () => {
    const root = checkout();
    const entry = chooseEntry({}, root);
    expect(entry).toEqual({ url: expect.stringMatching(/\/dist\/cli\/main\.js$/), sources: false });
  });

  test('a stale build does not run: the sources do, with a notice naming the change and the fix', () => {
    const root = checkout();
    utimesSync(path.join(root, 'src/cli/main.ts'), AFTER, AFTER);
    expect(chooseEntry({}, root)).toEqual({
      url: expect.stringMatching(/\/src\/cli\/main\.ts$/),
      sources: true,
      notice:
        'running the TypeScript sources (src/cli/main.ts changed after the last build); `npm run build` makes it start fast again.',
    });
  });

  test('no build: the sources, with a notice', () => {
    const root = checkout({ built: false });
    expect(chooseEntry({}, root).notice).toBe(
      'running the TypeScript sources (there is no build in dist/); `npm run build` makes it start fast again.',
    );
  });

  test(`${FROM_SOURCES_ENV}=1 runs the sources quietly; an installed package ignores it`, () => {
    const root = checkout();
    expect(chooseEntry({ [FROM_SOURCES_ENV]: '1' }, root)).toEqual({
      url: expect.stringMatching(/\/src\/cli\/main\.ts$/),
      sources: true,
    });
    rmSync(path.join(root, 'src'), { recursive: true });
    expect(chooseEntry({ [FROM_SOURCES_ENV]: '1' }, root).sources).toBe(false);
  });
});

describe('bin/spendsense-db.js, run as a process', () => {
  /** A checkout with the real launcher, and this project's packages (tsx) beside it. */
  function launchable(): string {
    const root = checkout();
    mkdirSync(path.join(root, 'bin'));
    for (const file of ['spendsense-db.js', 'build-state.js']) {
      copyFileSync(path.join(ROOT, 'bin', file), path.join(root, 'bin', file));
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    utimesSync(root, BEFORE, BEFORE);
    return root;
  }

  function run(root: string, environment: NodeJS.ProcessEnv = {}) {
    const env = { ...process.env, ...environment };
    if (!(FROM_SOURCES_ENV in environment)) delete env[FROM_SOURCES_ENV];
    return spawnSync(process.execPath, [path.join(root, 'bin/spendsense-db.js'), 'a', 'b'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
  }

  test('runs the current build, passing the arguments and its exit code through', () => {
    const result = run(launchable());
    expect({ stdout: result.stdout, stderr: result.stderr, status: result.status }).toEqual({
      stdout: 'built a b\n',
      stderr: '',
      status: 3,
    });
  });

  test('runs the sources after a change, with exactly one line of notice', () => {
    const root = launchable();
    write(root, 'src/cli/extra.ts', 'export {};\n', AFTER);
    const result = run(root);
    expect({ stdout: result.stdout, stderr: result.stderr, status: result.status }).toEqual({
      stdout: 'sources a b\n',
      stderr:
        'spendsense-db: running the TypeScript sources (src/cli changed after the last build); `npm run build` makes it start fast again.\n',
      status: 4,
    });
  });

  test(`${FROM_SOURCES_ENV}=1 runs the sources without a notice`, () => {
    const result = run(launchable(), { [FROM_SOURCES_ENV]: '1' });
    expect({ stdout: result.stdout, stderr: result.stderr }).toEqual({
      stdout: 'sources a b\n',
      stderr: '',
    });
  });
});
