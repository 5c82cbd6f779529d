import { describe, expect, test } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { localStatePaths } from '../../src/cli/local/paths.js';
import { startFailure } from '../../src/cli/local/start-failure.js';

const paths = localStatePaths('/srv/state');
const at = (level: string, text: string): string =>
  `2026-12-03 08:00:00.000 UTC [4242] ${level}:  ${text}`;

/**
 * The server log and pg_ctl's words of real failed starts (PostgreSQL 15's own wording), and
 * the cause each must be named by. Only a cluster PostgreSQL cannot read is offered a reset.
 */
const cases: {
  name: string;
  log: string[];
  pgCtl?: string;
  exitCode: number;
  says: RegExp;
  resetOffered: boolean;
}[] = [
  {
    name: 'port held by another program',
    log: [
      at('LOG', 'could not bind IPv4 address "127.0.0.1": Address already in use'),
      at('FATAL', 'could not create any TCP/IP sockets'),
    ],
    exitCode: ExitCode.LocalPortInUse,
    says: /another program is using it/,
    resetOffered: false,
  },
  {
    name: 'port the system refuses (EACCES)',
    log: [
      at('LOG', 'could not bind IPv4 address "127.0.0.1": Permission denied'),
      at('FATAL', 'could not create any TCP/IP sockets'),
    ],
    exitCode: ExitCode.LocalCannotListen,
    says: /does not let PostgreSQL listen on port 5433/,
    resetOffered: false,
  },
  {
    name: 'address this machine does not have (EADDRNOTAVAIL)',
    log: [at('LOG', 'could not bind IPv6 address "::1": Cannot assign requested address')],
    exitCode: ExitCode.LocalCannotListen,
    says: /Cannot assign requested address/,
    resetOffered: false,
  },
  {
    name: 'WAL cannot be written: the disk is full',
    log: [at('PANIC', 'could not write to file "pg_wal/xlogtemp.4242": No space left on device')],
    exitCode: ExitCode.LocalDiskFull,
    says: /No space left on device in \/srv\/state/,
    resetOffered: false,
  },
  {
    name: 'the lock file cannot be written: the disk is full',
    log: [at('FATAL', 'could not write lock file "postmaster.pid": No space left on device')],
    exitCode: ExitCode.LocalDiskFull,
    says: /No space left on device in \/srv\/state/,
    resetOffered: false,
  },
  {
    name: 'another server on the data folder',
    log: [
      at('FATAL', 'lock file "postmaster.pid" already exists'),
      at('HINT', 'Is another postmaster (PID 77) running in data directory "/srv/state/data"?'),
    ],
    exitCode: ExitCode.LocalAlreadyRunning,
    says: /Another PostgreSQL server is using the data folder/,
    resetOffered: false,
  },
  {
    name: 'backends of a killed server still hold its shared memory',
    log: [at('FATAL', 'pre-existing shared memory block (key 5433001, ID 12) is still in use')],
    exitCode: ExitCode.LocalServerStuck,
    says: /still hold its shared memory/,
    resetOffered: false,
  },
  {
    name: 'data folder owned by another user',
    log: [at('FATAL', 'data directory "/srv/state/data" has wrong ownership')],
    exitCode: ExitCode.LocalStateUnusable,
    says: /cannot use its files/,
    resetOffered: false,
  },
  {
    name: 'pg_ctl cannot read the data folder (no log line at all)',
    log: [],
    pgCtl: 'pg_ctl: could not open PID file "/srv/state/data/postmaster.pid": Permission denied',
    exitCode: ExitCode.LocalStateUnusable,
    says: /could not open PID file/,
    resetOffered: false,
  },
  {
    name: 'a bad setting: its LOG line, not just "contains errors"',
    log: [
      at('LOG', 'invalid value for parameter "shared_buffers": "plenty"'),
      at('FATAL', 'configuration file "/srv/state/data/postgresql.conf" contains errors'),
    ],
    exitCode: ExitCode.LocalStartFailed,
    says: /invalid value for parameter "shared_buffers"/,
    resetOffered: false,
  },
  {
    name: 'no reason written in time',
    log: [],
    pgCtl: 'waiting for server to start.... stopped waiting\npg_ctl: server did not start in time',
    exitCode: ExitCode.LocalStartFailed,
    says: /server did not start in time/,
    resetOffered: false,
  },
  {
    name: 'no valid checkpoint: the cluster is unreadable',
    log: [at('PANIC', 'could not locate a valid checkpoint record')],
    exitCode: ExitCode.LocalDataDamaged,
    says: /is damaged/,
    resetOffered: true,
  },
  {
    name: 'a control file with a bad checksum',
    log: [at('FATAL', 'incorrect checksum in control file')],
    exitCode: ExitCode.LocalDataDamaged,
    says: /is damaged/,
    resetOffered: true,
  },
];

describe('a failed start is named by the cause in the server log and pg_ctl output', () => {
  test.each(cases)('$name', ({ log, pgCtl, exitCode, says, resetOffered }) => {
    const error = startFailure(
      { log: log.join('\n'), pgCtlOutput: pgCtl ?? 'pg_ctl: could not start server', port: 5433 },
      paths,
    );
    expect(error.exitCode).toBe(exitCode);
    expect(error.message).toMatch(says);
    expect(/`npx spendsense-db local reset/.test(error.hint)).toBe(resetOffered);
    // Every hint gives a command that works as printed: the state folder is named.
    expect(error.hint).toMatch(/--state-dir \/srv\/state|ls -ln \/srv\/state/);
  });
});
