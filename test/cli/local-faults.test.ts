import { chmod, chown, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { findFreePort } from '../../src/cli/local/ports.js';
import { errorAndHint, PROPOSES_RESET } from '../support/cli-output.js';
import { queryLocal } from '../support/local-database.js';
import { runCli, type CliRun } from '../support/run-cli.js';

/**
 * Faults injected into a real local database, one at a time: each start must name the real
 * cause with its own exit code, offer `local reset` only when the cluster itself is unusable,
 * and mend on its own what can be mended without touching the data.
 */

let project: string;
let folder: string;
let port: number;

const file = (...parts: string[]): string => path.join(folder, ...parts);
const local = (...args: string[]): Promise<CliRun> =>
  runCli(['local', ...args, '--state-dir', folder]);

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'spendsense-faults-'));
  await chmod(project, 0o755);
  folder = path.join(project, 'state');
  port = await findFreePort();
  expect((await local('start', '--port', String(port))).exitCode).toBe(ExitCode.Ok);
  await queryLocal(
    folder,
    port,
    "create table kept (note text); insert into kept values ('survives')",
  );
  expect((await local('stop')).exitCode).toBe(ExitCode.Ok);
});
async function rows(): Promise<string[]> {
  const result = await queryLocal<{ note: string }>(
    folder,
    port,
    'select note from kept order by note',
  );
  return result.map((row) => row.note);
}

afterAll(async () => {
  await local('stop');
  await rm(project, { recursive: true, force: true });
});
afterEach(async () => {
  await local('stop');
});

interface CauseCase {
  readonly name: string;
  /** Breaks one thing; returns what mends it. */
  readonly breakIt: () => Promise<() => Promise<void>>;
  readonly exitCode: number;
  readonly diagnosis: RegExp;
  /** Only a cluster PostgreSQL cannot read any more may be offered a reset. */
  readonly resetOffered: boolean;
}

/** Replaces a file's content; the returned function puts the original back. */
async function replaceFile(target: string, content: string | Buffer): Promise<() => Promise<void>> {
  const original = await readFile(target);
  await writeFile(target, content);
  return () => writeFile(target, original);
}

const causes: CauseCase[] = [
  {
    name: 'the port is held by another program',
    breakIt: async () => {
      const squatter = net.createServer();
      await new Promise<void>((resolve) => squatter.listen({ port, host: '127.0.0.1' }, resolve));
      return () => new Promise((resolve) => squatter.close(() => resolve()));
    },
    exitCode: ExitCode.LocalPortInUse,
    diagnosis: /Port \d+ is already in use by another program/,
    resetOffered: false,
  },
  {
    name: 'an address this machine does not have (EADDRNOTAVAIL)',
    breakIt: async () => {
      const state = JSON.parse(await readFile(file('state.json'), 'utf8'));
      return replaceFile(
        file('state.json'),
        JSON.stringify({ ...state, listenAddresses: ['192.0.2.1'] }),
      );
    },
    exitCode: ExitCode.LocalCannotListen,
    diagnosis: /does not let PostgreSQL listen on port \d+ \(EADDRNOTAVAIL on 192\.0\.2\.1\)/,
    resetOffered: false,
  },
  {
    name: 'a setting the server refuses: its FATAL line, not "damaged"',
    breakIt: async () => {
      const conf = file('data', 'postgresql.conf');
      const original = await readFile(conf, 'utf8');
      return replaceFile(conf, `${original}\nshared_buffers = 'plenty'\n`);
    },
    exitCode: ExitCode.LocalStartFailed,
    diagnosis: /PostgreSQL did not start: .*shared_buffers/,
    resetOffered: false,
  },
  {
    name: 'a cluster a PostgreSQL 16 made',
    breakIt: () => replaceFile(file('data', 'PG_VERSION'), '16\n'),
    exitCode: ExitCode.LocalStateUnusable,
    diagnosis: /holds a PostgreSQL 16 cluster/,
    resetOffered: false,
  },
  {
    name: 'a control file that is garbage: damaged, and only then a reset',
    breakIt: () => replaceFile(file('data', 'global', 'pg_control'), 'garbage'),
    exitCode: ExitCode.LocalDataDamaged,
    diagnosis: /is damaged: PostgreSQL cannot read its cluster .*pg_control/,
    resetOffered: true,
  },
  {
    name: 'a data folder that holds no cluster at all',
    breakIt: async () => {
      const mendVersion = await replaceFile(file('data', 'PG_VERSION'), '');
      const mendControl = await replaceFile(file('data', 'global', 'pg_control'), '');
      await rm(file('data', 'PG_VERSION'));
      await rm(file('data', 'global', 'pg_control'));
      return async () => {
        await mendVersion();
        await mendControl();
      };
    },
    exitCode: ExitCode.LocalDataDamaged,
    diagnosis: /holds no PostgreSQL cluster \(no PG_VERSION, no global\/pg_control\)/,
    resetOffered: true,
  },
];

describe('a start that fails says why, with the fix for that cause', () => {
  test.each(causes)('$name', async (fault) => {
    const mend = await fault.breakIt();
    let run: CliRun;
    try {
      run = await local('start');
    } finally {
      await mend();
    }
    expect(run.exitCode, run.stderr).toBe(fault.exitCode);
    const { error, hint } = errorAndHint(run);
    expect(error).toMatch(fault.diagnosis);
    expect(PROPOSES_RESET.test(hint)).toBe(fault.resetOffered);
    // Once mended, the same data is there: nothing was lost on the way.
    expect((await local('start')).exitCode).toBe(ExitCode.Ok);
    expect(await rows()).toEqual(['survives']);
  });
});

interface RepairCase {
  readonly name: string;
  readonly breakIt: () => Promise<void>;
  /** What `repaired:` says on stderr; undefined when the repair is silent. */
  readonly reported?: RegExp;
  readonly after?: () => Promise<void>;
}

const isRoot = process.getuid?.() === 0;

const repairs: RepairCase[] = [
  {
    name: 'state.json missing: rebuilt from the last start, same port',
    breakIt: () => rm(file('state.json')),
    reported:
      /state\.json was missing or invalid: rebuilt from the server's last start \(port \d+\)/,
    after: async () => {
      expect(JSON.parse(await readFile(file('state.json'), 'utf8'))).toMatchObject({ port });
    },
  },
  {
    name: 'state.json not JSON',
    breakIt: () => writeFile(file('state.json'), '{ not json'),
    reported: /state\.json was missing or invalid/,
  },
  {
    name: 'the password file readable by others',
    breakIt: () => chmod(file('password'), 0o644),
    reported: /the password file was readable by others \(mode 644\): now 600/,
    after: async () => expect((await stat(file('password'))).mode & 0o777).toBe(0o600),
  },
  {
    name: 'the password file missing: a new password is set, the data stays',
    breakIt: () => rm(file('password')),
    reported: /the password file was missing: spendsense_admin has a new password/,
    after: async () =>
      expect(await readFile(file('password'), 'utf8')).toMatch(/^[A-Za-z0-9]{32}\n$/),
  },
  {
    name: 'the server key damaged',
    breakIt: async () => {
      const key = await readFile(file('tls', 'server.key'), 'utf8');
      await writeFile(file('tls', 'server.key'), key.slice(0, 60));
    },
    reported: /the TLS certificates were missing, damaged or expiring: new ones were made/,
  },
  {
    name: 'the server key readable by others',
    breakIt: () => chmod(file('tls', 'server.key'), 0o644),
    after: async () => expect((await stat(file('tls', 'server.key'))).mode & 0o777).toBe(0o600),
  },
  {
    name: 'the CA certificate missing',
    breakIt: () => rm(file('tls', 'ca.pem')),
    reported: /the TLS certificates were missing/,
  },
  {
    name: 'PG_VERSION missing while the cluster is there',
    breakIt: () => rm(file('data', 'PG_VERSION')),
    reported: /PG_VERSION was missing from the data folder: written back/,
  },
  {
    name: 'the data folder open to others (PostgreSQL refuses it)',
    breakIt: () => chmod(file('data'), 0o755),
    reported: /had mode 755, which PostgreSQL refuses: now 700/,
  },
  ...(isRoot
    ? [
        {
          name: 'the data folder and a file in it owned by root (a `sudo cp`)',
          breakIt: async () => {
            await chown(file('data'), 0, 0);
            await chown(file('data', 'postgresql.conf'), 0, 0);
          },
          reported: /file\(s\) in .*\/data did not belong to postgres: given back/,
        } satisfies RepairCase,
      ]
    : []),
];

describe('what a start mends on its own, keeping the data', () => {
  test.each(repairs)('$name', async (repair) => {
    await repair.breakIt();
    const run = await local('start');
    expect(run.exitCode, run.stderr).toBe(ExitCode.Ok);
    if (repair.reported !== undefined) expect(run.stderr).toMatch(repair.reported);
    await repair.after?.();
    expect(await rows()).toEqual(['survives']);
    const check = await runCli(['check', '--local', '--state-dir', folder]);
    expect(check.exitCode).toBe(ExitCode.Ok);
  });
});

describe('read-only commands on a state that needs a repair point to the repair, never to a reset', () => {
  test.each([
    ['url', 'the password file is missing', () => rm(file('password'))],
    ['url', 'tls/ca.pem is missing', () => rm(file('tls', 'ca.pem'))],
  ] as const)('local %s when %s', async (command, reason, breakIt) => {
    await breakIt();
    const run = await local(command);
    expect(run.exitCode).toBe(ExitCode.LocalDataDamaged);
    const { error, hint } = errorAndHint(run);
    expect(error).toContain(reason);
    expect(hint).toContain(`npx spendsense-db local start --state-dir ${folder}`);
    expect(PROPOSES_RESET.test(hint)).toBe(false);
    expect((await local('start')).exitCode).toBe(ExitCode.Ok);
  });
});

describe('check --local on a stopped database', () => {
  test('connection refused (21), and the hint starts this database', async () => {
    const run = await runCli(['check', '--local', '--state-dir', folder]);
    expect(run.exitCode).toBe(ExitCode.ConnectionRefused);
    const { error, hint } = errorAndHint(run);
    expect(error).toContain(`The local database in ${folder} is not running.`);
    expect(hint).toBe(
      `hint:  Start it with \`npx spendsense-db local start --state-dir ${folder}\`.`,
    );
  });
});
