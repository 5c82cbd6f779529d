import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  cliBundleOptions,
  outputOf,
  packagesIn,
  staticallyLoaded,
  unexpectedInputs,
} from '../../scripts/cli-bundle.js';

/**
 * Every call registers every command, so registration must stay cheap, and each command loads
 * only what it uses (src/cli/program.ts states the rule). Checked on the bundle itself, built in
 * memory with the options of `npm run build`: its metafile says which chunks a file imports
 * statically, so it shows what Node loads before an action runs and what the action's own
 * `await import()`s bring with them.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let metafile: Metafile;

beforeAll(async () => {
  const result = await build({
    ...cliBundleOptions(ROOT, path.join(tmpdir(), 'spendsense-lazy-loading')),
    write: false,
  });
  if (result.metafile === undefined) throw new Error('esbuild returned no metafile');
  metafile = result.metafile;
}, 120_000);

const STARTUP = 'src/cli/main.ts';

/** Every file that registers a command: each folder's command.ts and the `local` subcommands. */
const COMMAND_FILES = [
  ...readdirSync(path.join(ROOT, 'src/cli'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `src/cli/${entry.name}/command.ts`)
    .filter((file) => readdirSync(path.join(ROOT, path.dirname(file))).includes('command.ts')),
  ...readdirSync(path.join(ROOT, 'src/cli/local/commands'))
    .filter((name) => !['index.ts', 'flags.ts'].includes(name))
    .map((name) => `src/cli/local/commands/${name}`),
].sort();

/** The modules a command file imports with `await import('./…')`, as source paths. */
function actionImports(commandFile: string): string[] {
  const text = readFileSync(path.join(ROOT, commandFile), 'utf8');
  return [...text.matchAll(/import\('(\.[^']+)'\)/g)].map(([, specifier]) =>
    path.posix.join(path.posix.dirname(commandFile), (specifier as string).replace(/\.js$/, '.ts')),
  );
}

/** The packages in the chunks Node loads to run `commandFile`'s action. */
function packagesLoadedBy(commandFile: string): string[] {
  const files = [STARTUP, ...actionImports(commandFile)].flatMap((source) =>
    staticallyLoaded(metafile, outputOf(metafile, source)),
  );
  return packagesIn(metafile, [...new Set(files)]);
}

const AWS = /^@(aws-sdk|smithy|aws-crypto|aws-lambda-powertools)\//;

test('the command files are found (the tables below are not empty)', () => {
  expect(COMMAND_FILES.length).toBeGreaterThanOrEqual(12);
  expect(COMMAND_FILES).toContain('src/cli/check/command.ts');
  expect(COMMAND_FILES).toContain('src/cli/local/commands/status.ts');
});

test('before any action runs, a call loads commander and no other package', () => {
  const startup = staticallyLoaded(metafile, outputOf(metafile, STARTUP));
  expect(startup.length).toBeGreaterThan(0);
  expect(packagesIn(metafile, startup)).toEqual(['commander']);
});

describe.each(COMMAND_FILES)('%s', (commandFile) => {
  test('its action loads its work with await import(), each built as a chunk of its own', () => {
    const imports = actionImports(commandFile);
    expect(imports.length).toBeGreaterThan(0);
    for (const source of imports) expect(outputOf(metafile, source)).toMatch(/\.js$/);
  });

  test('nothing it loads brings ora (only a spinner on a terminal does) or CDK code', () => {
    const packages = packagesLoadedBy(commandFile);
    expect(packages).toContain('commander');
    expect(packages).not.toContain('ora');
    expect(packages.filter((name) => /^(aws-cdk-lib|constructs|cdk-nag)$/.test(name))).toEqual([]);
  });
});

test.each([
  ['check', 'src/cli/check/command.ts', 'pg', [AWS, /^@peculiar\//]],
  ['local status', 'src/cli/local/commands/status.ts', 'zod', [/^pg$/, AWS, /^@peculiar\//]],
  ['local url', 'src/cli/local/commands/url.ts', 'zod', [/^pg$/, AWS, /^@peculiar\//]],
  ['local stop', 'src/cli/local/commands/stop.ts', 'zod', [/^pg$/, AWS, /^@peculiar\//]],
  ['local start', 'src/cli/local/commands/start.ts', 'zod', [/^pg$/, AWS, /^@peculiar\//]],
  ['up', 'src/cli/up/command.ts', 'pg', [AWS, /^@peculiar\//]],
  ['cost', 'src/cli/cost/command.ts', 'zod', [/^pg$/, AWS]],
] as const)(
  '%s loads %s but not the packages only other commands or branches need',
  (_name, commandFile, needed, forbidden) => {
    const packages = packagesLoadedBy(commandFile);
    expect(packages).toContain(needed);
    expect(packages.filter((name) => forbidden.some((pattern) => pattern.test(name)))).toEqual([]);
  },
);

test('the AWS SDK is loaded by the commands that call AWS, and by check only with --secret-id', () => {
  expect(packagesLoadedBy('src/cli/verify/command.ts')).toContain('@aws-sdk/client-cloudformation');
  const secretsManager = Object.keys(metafile.outputs).filter((output) =>
    packagesIn(metafile, [output]).includes('@aws-sdk/client-secrets-manager'),
  );
  expect(secretsManager.length).toBeGreaterThan(0);
  const checkLoads = [STARTUP, ...actionImports('src/cli/check/command.ts')].flatMap((source) =>
    staticallyLoaded(metafile, outputOf(metafile, source)),
  );
  expect(checkLoads.filter((file) => secretsManager.includes(file))).toEqual([]);
});

test('the bundle takes nothing from tests, benchmarks or CDK code', () => {
  expect(Object.keys(metafile.inputs).length).toBeGreaterThan(100);
  expect(unexpectedInputs(metafile)).toEqual([]);
  expect(
    Object.keys(metafile.inputs).filter((input) => /^(test|bench|src\/infra)\//.test(input)),
  ).toEqual([]);
});
