import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { parseIntegerFlag, PORT_RANGE } from '../integer-flag.js';
import { STATE_DIR_FLAG } from '../local/commands/flags.js';
import { resolveStateDir } from '../local/paths.js';

interface CheckFlags {
  readonly url?: string;
  readonly local?: boolean;
  readonly stateDir?: string;
  readonly secretId?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly hostaddr?: string;
  readonly port?: string;
  readonly ca?: string[];
  readonly insecure?: boolean;
  readonly iam?: boolean;
  readonly user?: string;
  readonly timeoutMs: string;
  readonly json?: boolean;
}

const TIMEOUT_RANGE = { min: 100, max: 600_000, example: 5000 };

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'test a database connection stage by stage (DNS, TCP, TLS, authentication, readiness) and diagnose the first failure',
    )
    .option('--url <url>', 'a postgresql:// connection URL (first source tried)')
    .option(
      '--local',
      'the local database (`spendsense-db local`): its password is read from the state folder, never from a command line',
    )
    .option(STATE_DIR_FLAG, 'with --local: the state folder of the local database')
    .option(
      '--secret-id <id>',
      'read the connection (or RDS credentials) secret from AWS Secrets Manager',
    )
    .option('--region <region>', 'AWS region for --secret-id (default: standard AWS resolution)')
    .option('--profile <profile>', 'AWS profile for --secret-id (default: standard AWS resolution)')
    .option(
      '--hostaddr <ip>',
      'connect to this IP address (a tunnel: 127.0.0.1) but verify the certificate against the host name of the source, like libpq hostaddr',
    )
    .option('--port <port>', "use this port instead of the source's (a tunnel's local port)")
    .option(
      '--ca <file>',
      'trust this CA (PEM) besides the RDS CAs; repeatable',
      (file: string, previous: string[] | undefined) => [...(previous ?? []), file],
    )
    .option(
      '--insecure',
      'do not verify the server certificate (TLS is still required, and the password is only ever sent through SCRAM); loud warning',
    )
    .option(
      '--iam',
      'log in with an IAM authentication token signed with your AWS credentials (--profile, --region) instead of a password',
    )
    .option('--user <name>', 'the database user to log in as with --iam (spendsense_app)')
    .option('--timeout-ms <ms>', 'bound for every stage, in milliseconds', '5000')
    .option('--json', 'print the report as JSON on stdout')
    .addHelpText(
      'after',
      '\nSources, first match wins: --url, --local, --secret-id, DATABASE_URL, PG* variables (PGHOST,\nPGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLROOTCERT), then .env in the current folder.\n--hostaddr and --port apply on top of any source; hostaddr in a URL and PGHOSTADDR work too.\nThe application path: --iam --user spendsense_app (through a tunnel: the token is signed for\nthe endpoint and its port, whatever --port says).\nExit codes: see docs/cli.md.',
    )
    .action(async (flags: CheckFlags) => {
      assertFlagsApply(flags);
      const timeoutMillis = parseIntegerFlag('--timeout-ms', flags.timeoutMs, TIMEOUT_RANGE);
      const port =
        flags.port === undefined ? undefined : parseIntegerFlag('--port', flags.port, PORT_RANGE);
      const [
        { runCheck },
        { createProgress },
        { formatReport, INSECURE_WARNING },
        { reportedInJson },
      ] = await Promise.all([
        import('./run-check.js'),
        import('../ui/progress.js'),
        import('./print-report.js'),
        import('../report-failure.js'),
      ]);
      if (flags.insecure === true) process.stderr.write(INSECURE_WARNING);
      const { report, error } = await runCheck({
        ...(flags.url !== undefined && { url: flags.url }),
        ...(flags.local === true && { localStateDir: resolveStateDir(flags.stateDir) }),
        ...(flags.secretId !== undefined && { secretId: flags.secretId }),
        ...(flags.region !== undefined && { region: flags.region }),
        ...(flags.profile !== undefined && { profile: flags.profile }),
        ...(flags.hostaddr !== undefined && { hostAddress: flags.hostaddr }),
        ...(port !== undefined && { port }),
        caFiles: flags.ca ?? [],
        insecure: flags.insecure === true,
        ...(flags.iam === true && {
          iam: {
            ...(flags.user !== undefined && { user: flags.user }),
            ...(flags.region !== undefined && { region: flags.region }),
            ...(flags.profile !== undefined && { profile: flags.profile }),
          },
        }),
        timeoutMillis,
        progress: createProgress(),
      });
      if (flags.json === true) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        if (error !== undefined) throw reportedInJson(error);
      } else {
        process.stdout.write(formatReport(report));
        if (error !== undefined) throw error;
      }
    });
}

/**
 * A flag that cannot apply is an error, not something silently ignored: the sources exclude each
 * other, and the AWS and state-folder flags belong to one source each.
 */
function assertFlagsApply(flags: CheckFlags): void {
  const sources = [
    flags.url !== undefined && '--url',
    flags.local === true && '--local',
    flags.secretId !== undefined && '--secret-id',
  ].filter((name): name is string => name !== false);
  if (sources.length > 1) {
    throw new CliError(
      `${sources.join(' and ')} each name the connection to check: give one.`,
      ExitCode.Usage,
      "--url for a URL you have, --local for the local database, --secret-id to read a stage's secret from Secrets Manager.",
    );
  }
  const awsFlags = [
    flags.region !== undefined && '--region',
    flags.profile !== undefined && '--profile',
  ].filter((name): name is string => name !== false);
  if (awsFlags.length > 0 && flags.secretId === undefined && flags.iam !== true) {
    throw new CliError(
      `${awsFlags.join(' and ')} apply only to --secret-id (reading the secret from AWS) and --iam (signing a token).`,
      ExitCode.Usage,
      'Add --secret-id spendsense/<stage>/database/connection or --iam, or leave them out.',
    );
  }
  if (flags.user !== undefined && flags.iam !== true) {
    throw new CliError(
      `\`--user\` applies to \`--iam\` only (a password belongs to the source's user). Got --user ${JSON.stringify(flags.user)} without --iam.`,
      ExitCode.Usage,
      'Add --iam to log in as that user with an IAM token, or put the user in the URL.',
    );
  }
  if (flags.stateDir !== undefined && flags.local !== true) {
    throw new CliError(
      '--state-dir applies only to --local (the local database).',
      ExitCode.Usage,
      'Add --local to check the local database in that folder, or leave out --state-dir.',
    );
  }
}
