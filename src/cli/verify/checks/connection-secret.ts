import {
  checkConnectionSecret,
  CONNECTION_SECRET_FIELDS,
  type ConnectionSecret,
} from '../../../runtime/connection-secret.js';
import { fail, judge, type Check } from '../finding.js';

const FIELDS: readonly string[] = CONNECTION_SECRET_FIELDS;

/**
 * AC4: the connection secret holds every field, agrees with the instance, and its URL agrees with
 * its fields; its user is the credentials' user. (Its password against the credentials'
 * AWSCURRENT is the rotation health check's.) Values are compared here and never printed:
 * problems name fields only.
 */
export const connectionSecretCheck: Check = {
  criterion: 'AC4',
  name: 'connection secret',
  async run(context) {
    const json = parseJson(await context.secretString(context.output('ConnectionSecretArn')));
    if (json === undefined) return fail('connection secret is not JSON');
    const parsed = checkConnectionSecret(json);
    if (!parsed.success) return fail(`connection secret fields: ${parsed.problems}`);
    const secret = parsed.data;
    const instance = await context.instance();
    const credentials = parseJson(
      await context.secretString(context.output('CredentialsSecretArn')),
    );

    const problems: string[] = [];
    const differs = (field: string, from: string): void => {
      problems.push(`${field} differs from ${from}`);
    };
    // With RDS Proxy enabled, Lambdas may be pointed at the proxy instead of the instance.
    const proxy = context.stack.outputs.ProxyEndpoint;
    if (
      secret.host !== instance.Endpoint?.Address &&
      (proxy === undefined || secret.host !== proxy)
    ) {
      differs(
        'host',
        proxy === undefined ? 'the instance endpoint' : 'the instance and proxy endpoints',
      );
    }
    if (secret.port !== instance.Endpoint?.Port) differs('port', 'the instance port');
    if (secret.dbname !== instance.DBName) differs('dbname', 'the instance database');
    if (secret.username !== instance.MasterUsername) differs('username', 'the master user');
    problems.push(...urlProblems(secret));
    const stored = credentials as { username?: unknown } | undefined;
    if (stored?.username !== secret.username) differs('username', 'the credentials secret');

    return judge(
      problems.map((problem) => `connection secret ${problem}`),
      `all ${FIELDS.length} fields present; host${proxy !== undefined && secret.host === proxy ? ' (the proxy)' : ''}, port, dbname and username match the instance; ` +
        'url agrees with them (compared, not shown)',
    );
  },
};

/** `undefined` for text that is not JSON; the parser's message would quote the secret. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function urlProblems(secret: ConnectionSecret): string[] {
  let url: URL;
  try {
    url = new URL(secret.url);
  } catch {
    return ['url does not parse'];
  }
  const mismatched = [
    url.hostname.replace(/^\[|\]$/g, '') !== secret.host && 'host',
    url.port !== String(secret.port) && 'port',
    decodeURIComponent(url.pathname.slice(1)) !== secret.dbname && 'dbname',
    decodeURIComponent(url.username) !== secret.username && 'username',
    decodeURIComponent(url.password) !== secret.password && 'password',
  ].filter((field) => field !== false);
  return mismatched.length === 0 ? [] : [`url disagrees with its ${mismatched.join(', ')} field`];
}
