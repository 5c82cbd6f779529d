import { REACHABILITY_NOTE, type EnvironmentInfo } from './environment.js';

/** The environment for a terminal: aligned sections, then the commands ready to paste. */
export function formatText(info: EnvironmentInfo): string {
  const section = (title: string, rows: readonly (readonly [string, string])[]): string => {
    const width = Math.max(...rows.map(([label]) => label.length));
    return [title, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join(
      '\n',
    );
  };
  const { stack, endpoint, secrets, securityGroups } = info;
  return (
    [
      `SpendSense ${info.stage} database: ${stack.name} in ${info.region} (${stack.status}` +
        `${stack.lastUpdated === null ? '' : `, updated ${stack.lastUpdated}`})`,
      section('Endpoint', [
        ['host', endpoint.address],
        ['port', String(endpoint.port)],
        ['database', endpoint.database],
        ['master user', info.masterUsername],
        ['instance', info.instanceIdentifier],
        ['parameter group', info.parameterGroupName],
        ['schema version', `${info.schemaVersion} (left by the last deploy)`],
      ]),
      section('Secrets (values never shown here)', [
        ['connection', `${secrets.connection.name}  ${secrets.connection.arn}`],
        ['credentials', `${secrets.credentials.name}  ${secrets.credentials.arn}`],
      ]),
      section('Network and encryption', [
        ['database SG', securityGroups.database],
        ['Lambda SG', `${securityGroups.lambda} (SpendSense Lambdas join this group)`],
        ['KMS key', info.kmsKeyArn],
        ['probe function', info.probeFunctionName],
        ...featureRows(info),
      ]),
      section(
        'Console',
        info.consoleLinks.map((link) => [link.label, link.url]),
      ),
      [
        'Commands',
        ...info.commands.map(
          (command) => `  # ${command.label}. ${command.note}\n  ${command.command}`,
        ),
        `  # ${REACHABILITY_NOTE}`,
      ].join('\n'),
    ].join('\n\n') + '\n'
  );
}

/** Rows for the optional features that are on in this stage. */
export function featureRows(info: EnvironmentInfo): [string, string][] {
  const { proxyEndpoint, accessHostInstanceId, alarmTopicArn } = info.features;
  const rows: [string, string | null][] = [
    ['RDS Proxy endpoint', proxyEndpoint],
    ['access host', accessHostInstanceId],
    ['alarm topic', alarmTopicArn],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== null);
}
