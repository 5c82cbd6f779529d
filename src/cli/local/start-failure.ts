import { CliError, ExitCode } from '../exit-codes.js';
import type { LocalStatePaths } from './paths.js';
import { localCommand } from './printed-commands.js';

/** What a failed `pg_ctl start` left to read: the new part of the server log, and pg_ctl's own output. */
export interface StartEvidence {
  readonly log: string;
  readonly pgCtlOutput: string;
  readonly port: number;
}

/**
 * The lines that say why: PostgreSQL's FATAL and PANIC lines, the LOG lines that name a problem
 * (a bad setting is logged before the FATAL that only says the file "contains errors"), and
 * pg_ctl's own complaints (it fails before the server writes a log line when it cannot read the
 * data folder).
 */
export function reasonLines(text: string): string[] {
  const says = (line: string): boolean =>
    /\b(FATAL|PANIC|ERROR):|^pg_ctl: |^initdb: (error|fatal)/i.test(line) ||
    (/\bLOG:/.test(line) && /invalid|unrecognized|could not|cannot|must be|denied/i.test(line));
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(says)
      // pg_ctl's closing words name no cause.
      .filter((line) => !/^pg_ctl: could not start server$/i.test(line))
      .map((line) => line.replace(/^\S+ \S+ \S+ \[\d+\] /, ''))
      .filter((line, index, all) => all.indexOf(line) === index)
  );
}

/** Damage that only a new cluster mends: offered `local reset`, and nothing else is. */
const UNRECOVERABLE =
  /could not locate a valid checkpoint record|invalid (primary )?checkpoint record|incorrect checksum in control file|could not read file "global\/pg_control"|invalid data in file|database files are incompatible with server|control file contains invalid|invalid magic number|the database system is in an inconsistent state/i;

/**
 * Names the real cause of a failed start from the server log and pg_ctl's output: the port
 * taken or not allowed, a full disk, permissions, another server, a killed one still holding its
 * shared memory, and only for a cluster PostgreSQL cannot read any more, damaged data. Anything
 * else is reported with the server's own FATAL lines, not as damage.
 */
export function startFailure(evidence: StartEvidence, paths: LocalStatePaths): CliError {
  const text = `${evidence.log}\n${evidence.pgCtlOutput}`;
  const reasons = reasonLines(text);
  const quoted = reasons.length > 0 ? reasons.slice(0, 3).join(' | ') : lastLines(text);
  const startOnOtherPort = `\`${localCommand('start', paths.root, '--port', '<n>')}\``;
  if (/could not bind .*Address already in use/i.test(text)) {
    return new CliError(
      `PostgreSQL could not listen on port ${evidence.port}: another program is using it (${quoted}).`,
      ExitCode.LocalPortInUse,
      `Start on another port with ${startOnOtherPort}, or stop the program using it.`,
    );
  }
  if (/could not bind .*(Permission denied|Cannot assign requested address)/i.test(text)) {
    return cannotListen(evidence.port, quoted, startOnOtherPort);
  }
  if (/No space left on device|Disk quota exceeded/i.test(text)) {
    return new CliError(
      `No space left on device in ${paths.root}: PostgreSQL could not write (${quoted}).`,
      ExitCode.LocalDiskFull,
      `Free space on the file system that holds ${paths.root} (\`df -h ${paths.root}\`), then run \`${localCommand('start', paths.root)}\`: the data is kept, and the server recovers it.`,
    );
  }
  if (/lock file ".*postmaster\.pid" already exists/i.test(text)) {
    return new CliError(
      `Another PostgreSQL server is using the data folder ${paths.dataDir} (${quoted}).`,
      ExitCode.LocalAlreadyRunning,
      `Run \`${localCommand('status', paths.root)}\`; stop that server before starting this one.`,
    );
  }
  if (/pre-existing shared memory block .* is still in use/i.test(text)) {
    return new CliError(
      `Processes of a server that was killed still hold its shared memory (${quoted}).`,
      ExitCode.LocalServerStuck,
      `They exit within seconds once their postmaster is gone: wait a moment, then run \`${localCommand('start', paths.root)}\` again (\`ps -ef | grep postgres\` shows them).`,
    );
  }
  if (/has wrong ownership|Permission denied|Operation not permitted/i.test(text)) {
    return new CliError(
      `PostgreSQL cannot use its files in ${paths.root}: ${quoted}.`,
      ExitCode.LocalStateUnusable,
      `The data folder and the files in it must belong to the user the server runs as; \`ls -ln ${paths.root} ${paths.dataDir}\` shows who owns them.`,
    );
  }
  if (UNRECOVERABLE.test(text)) {
    return new CliError(
      `The local database in ${paths.root} is damaged: PostgreSQL cannot read its cluster (${quoted}).`,
      ExitCode.LocalDataDamaged,
      `See ${paths.logFile}. Nothing can start this cluster again: \`${localCommand('reset', paths.root)}\` deletes it (its data is lost) and \`${localCommand('start', paths.root)}\` creates a fresh one.`,
    );
  }
  return new CliError(
    `PostgreSQL did not start: ${quoted || 'it wrote no reason'}.`,
    ExitCode.LocalStartFailed,
    `See ${paths.logFile} for the whole story; fix what it names and run \`${localCommand('start', paths.root)}\` again. The data is not known to be damaged: do not reset it.`,
  );
}

/** The system refuses the port or the address itself (not another program holding it). */
export function cannotListen(port: number, reason: string, startOnOtherPort: string): CliError {
  const privileged = port < 1024;
  return new CliError(
    `The system does not let PostgreSQL listen on port ${port} (${reason}).`,
    ExitCode.LocalCannotListen,
    privileged
      ? `Ports below 1024 need root; start on a port from 1024 up with ${startOnOtherPort}.`
      : `An address the server listens on is not available on this machine, or a security policy refuses the port; start on another port with ${startOnOtherPort}.`,
  );
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
