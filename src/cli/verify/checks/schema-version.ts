import { scrub } from '../../../runtime/redact.js';
import { NO_SCHEMA_VERSION } from '../../../shared/names.js';
import { cliCommand } from '../../ui/shell-command.js';
import { fail, pass, skip, warn, type Check } from '../finding.js';

/**
 * Ready for the schema the repository describes: the schema version the probe sees (as the
 * application role) is this checkout's latest migration. Behind fails: a deploy did not apply
 * them (or failed), and code written for the new schema would break.
 */
export const schemaVersionCheck: Check = {
  criterion: 'OPS',
  name: 'schema version',
  async run(context) {
    const functionName = context.output('ProbeFunctionName');
    const outcome = await context.probe(functionName);
    if (outcome.kind !== 'report' || !outcome.report.ok) {
      return skip('the probe did not report (see the probe Lambda line)');
    }
    const deployed = outcome.report.schemaVersion;
    if (deployed === undefined) {
      return fail(
        `${functionName} does not report a schema version (deployed before migrations, or the application role cannot read the history): deploy the stack again`,
      );
    }
    const version = safe(deployed);
    const names = await context.repositoryMigrations();
    if (names === undefined) {
      return skip(
        `schema at ${version}; no migrations folder here to compare with (run from the repository, or give --dir)`,
      );
    }
    const latest = names.at(-1) ?? NO_SCHEMA_VERSION;
    if (deployed === latest) {
      return pass(`schema at ${version}, the latest migration of this checkout`);
    }
    const position = deployed === NO_SCHEMA_VERSION ? -1 : names.indexOf(deployed);
    if (position === -1 && deployed !== NO_SCHEMA_VERSION) {
      return warn(
        `schema at ${version}, which this checkout does not have (latest here: ${latest}): a newer branch deployed?`,
      );
    }
    const behind = names.length - 1 - position;
    // Through the tunnel, whose local port the operator fills in.
    const status = cliCommand([
      'migrate',
      'status',
      '--stage',
      context.stage,
      '--port',
      '<port>',
      '--region',
      context.region,
      ...(context.profile === undefined ? [] : ['--profile', context.profile]),
    ]);
    return fail(
      `schema at ${version}, ${behind} migration${behind === 1 ? '' : 's'} behind this checkout (latest ${latest}): deploy, or see \`${status}\``,
    );
  },
};

function safe(text: string): string {
  const line = scrub(text.split('\n')[0] ?? '', []);
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
