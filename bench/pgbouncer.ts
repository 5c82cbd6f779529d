/**
 * PgBouncer from Debian's package (`apt-get install -y pgbouncer`), standing in for RDS Proxy in
 * `npm run bench:scale`: transaction pooling, TLS required from clients, verify-full to the
 * server. Runs in the foreground as the local server's OS user (PgBouncer, like PostgreSQL,
 * refuses to run as root; its own `-u` switches user) from a private temporary folder.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { generateLocalCertificates } from '../src/cli/local/certificates.js';
import { findFreePort } from '../src/cli/local/ports.js';
import { giveToServerUser, isRoot, resolveServerUser } from '../src/cli/local/server-user.js';

const execFileAsync = promisify(execFile);

export const PGBOUNCER_INSTALL_HINT = 'apt-get install -y pgbouncer (Debian/Ubuntu)';

export interface PgBouncerOptions {
  /** The PostgreSQL server it pools for, and the CA that signed its certificate. */
  readonly server: { host: string; port: number; database: string; caPem: string };
  /** The one login it serves (clients and pool alike), with its password. */
  readonly user: string;
  readonly password: string;
  /** Server connections it may open for that user and database. */
  readonly poolSize: number;
}

export interface PgBouncer {
  readonly host: string;
  readonly port: number;
  /** The CA clients verify PgBouncer's certificate against. */
  readonly caPem: string;
  stop(): Promise<void>;
}

/** The path of the `pgbouncer` program, or undefined when it is not installed. */
export async function findPgBouncer(): Promise<string | undefined> {
  for (const candidate of ['pgbouncer', '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    const found = await execFileAsync(candidate, ['--version'], { timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (found) return candidate;
  }
  return undefined;
}

export async function startPgBouncer(
  program: string,
  options: PgBouncerOptions,
): Promise<PgBouncer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'spendsense-pgbouncer-'));
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGINT'); // "safe shutdown": waits for clients to go, then exits
      const stopped = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
      if (!stopped) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await findFreePort('127.0.0.1');
    const certificates = await generateLocalCertificates({ commonNamePrefix: 'Bench PgBouncer' });
    const files = {
      ini: path.join(dir, 'pgbouncer.ini'),
      users: path.join(dir, 'userlist.txt'),
      cert: path.join(dir, 'client-tls.crt'),
      key: path.join(dir, 'client-tls.key'),
      serverCa: path.join(dir, 'server-ca.crt'),
      log: path.join(dir, 'pgbouncer.log'),
    };
    const { server } = options;
    await writeFile(files.cert, certificates.serverCertificatePem);
    await writeFile(files.key, certificates.serverKeyPem, { mode: 0o600 });
    await writeFile(files.serverCa, server.caPem);
    await writeFile(files.users, `"${options.user}" "${options.password}"\n`, { mode: 0o600 });
    await writeFile(
      files.ini,
      [
        '[databases]',
        `${server.database} = host=${server.host} port=${server.port} dbname=${server.database}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        "unix_socket_dir = ''",
        'pool_mode = transaction',
        'max_client_conn = 1000',
        `default_pool_size = ${options.poolSize}`,
        `max_db_connections = ${options.poolSize}`,
        'auth_type = scram-sha-256',
        `auth_file = ${files.users}`,
        'client_tls_sslmode = require',
        `client_tls_cert_file = ${files.cert}`,
        `client_tls_key_file = ${files.key}`,
        'server_tls_sslmode = verify-full',
        `server_tls_ca_file = ${files.serverCa}`,
        // node-postgres may send these in the startup packet; PgBouncer refuses unknown ones.
        'ignore_startup_parameters = extra_float_digits,options,statement_timeout',
        `logfile = ${files.log}`,
        'log_connections = 0',
        'log_disconnections = 0',
        'log_pooler_errors = 1',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const args = [files.ini];
    if (isRoot()) {
      const user = await resolveServerUser();
      await chmod(dir, 0o700);
      for (const file of [dir, ...Object.values(files).filter((file) => file !== files.log)]) {
        await giveToServerUser(file, user);
      }
      args.unshift('-u', user.name);
    }
    child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await waitForPort(port, child, () => stderr);
    return { host: '127.0.0.1', port, caPem: certificates.caCertificatePem, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits (at most 10 s) until something accepts TCP connections on the port. */
async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`pgbouncer exited (code ${child.exitCode}): ${stderr().trim()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`pgbouncer did not listen on 127.0.0.1:${port} within 10 s: ${stderr().trim()}`);
}
