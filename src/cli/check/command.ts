import type { Command } from 'commander';
import { z } from 'zod';
import { CliError, ExitCode } from '../exit-codes.js';

interface CheckFlags {
  readonly url?: string;
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

const timeoutSchema = z.coerce.number().int().min(100).max(600_000);
const portSchema = z.coerce.number().int().min(1).max(65535);

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'test a database connection stage by stage (DNS, TCP, TLS, authentication, readiness) and diagnose the first failure',
    )
    .option('--url <url>', 'a postgresql:// connection URL (first source tried)')
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
      'do not verify the server certificate (TLS is still required); loud warning',
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
      '\nSources, first match wins: --url, --secret-id, DATABASE_URL, PG* variables (PGHOST, PGPORT,\nPGDATABASE, PGUSER, PGPASSWORD, PGSSLROOTCERT), then .env in the current folder.\n--hostaddr and --port apply on top of any source; hostaddr in a URL and PGHOSTADDR work too.\nThe application path: --iam --user spendsense_app (through a tunnel: the token is signed for\nthe endpoint and its port, whatever --port says).\nExit codes: see docs/cli.md.',
    )
    .action(async (flags: CheckFlags) => {
      const timeout = timeoutSchema.safeParse(flags.timeoutMs);
      if (!timeout.success) {
        throw new CliError(
          `\`--timeout-ms\` must be an integer from 100 to 600000. Got ${JSON.stringify(flags.timeoutMs)}.`,
          ExitCode.Usage,
        );
      }
      const port = flags.port === undefined ? undefined : portSchema.safeParse(flags.port);
      if (port?.success === false) {
        throw new CliError(
          `\`--port\` must be an integer from 1 to 65535. Got ${JSON.stringify(flags.port)}.`,
          ExitCode.Usage,
        );
      }
      if (flags.user !== undefined && flags.iam !== true) {
        throw new CliError(
          `\`--user\` applies to \`--iam\` only (a password belongs to the source's user). Got --user ${JSON.stringify(flags.user)} without --iam.`,
          ExitCode.Usage,
          'Add --iam to log in as that user with an IAM token, or put the user in the URL.',
        );
      }
      const [{ runCheck }, { createProgress }, { formatReport, INSECURE_WARNING }] =
        await Promise.all([
          import('./run-check.js'),
          import('../ui/progress.js'),
          import('./print-report.js'),
        ]);
      if (flags.insecure === true) process.stderr.write(INSECURE_WARNING);
      const { report, error } = await runCheck({
        ...(flags.url !== undefined && { url: flags.url }),
        ...(flags.secretId !== undefined && { secretId: flags.secretId }),
        ...(flags.region !== undefined && { region: flags.region }),
        ...(flags.profile !== undefined && { profile: flags.profile }),
        ...(flags.hostaddr !== undefined && { hostAddress: flags.hostaddr }),
        ...(port?.success === true && { port: port.data }),
        caFiles: flags.ca ?? [],
        insecure: flags.insecure === true,
        ...(flags.iam === true && {
          iam: {
            ...(flags.user !== undefined && { user: flags.user }),
            ...(flags.region !== undefined && { region: flags.region }),
            ...(flags.profile !== undefined && { profile: flags.profile }),
          },
        }),
        timeoutMillis: timeout.data,
        progress: createProgress(),
      });
      if (flags.json === true) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        process.stdout.write(formatReport(report));
      }
      if (error !== undefined) throw error;
    });
}
