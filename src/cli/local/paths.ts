import path from 'node:path';
import { PROJECT_ROOT } from '../project-root.js';

/** The environment variable that moves the local database's state folder. */
export const LOCAL_DIR_ENV = 'SPENDSENSE_LOCAL_DIR';

/** Where every file of one local database lives. All paths are absolute. */
export interface LocalStatePaths {
  readonly root: string;
  /** The PostgreSQL cluster, owned by the server user. */
  readonly dataDir: string;
  /** Where a first initialisation builds the cluster before it is moved to `dataDir`. */
  readonly dataInitDir: string;
  readonly tlsDir: string;
  readonly caCertificate: string;
  readonly serverCertificate: string;
  /** Mode 0600, owned by the server user: PostgreSQL refuses a key others can read. */
  readonly serverKey: string;
  /** The generated password of `spendsense_admin`, mode 0600. */
  readonly passwordFile: string;
  readonly stateFile: string;
  readonly logFile: string;
  /** Held while a `start` runs, so two of them cannot race on the same folder. */
  readonly lockFile: string;
}

export function localStatePaths(root: string): LocalStatePaths {
  const absolute = path.resolve(root);
  const tlsDir = path.join(absolute, 'tls');
  return {
    root: absolute,
    dataDir: path.join(absolute, 'data'),
    dataInitDir: path.join(absolute, 'data.initialising'),
    tlsDir,
    caCertificate: path.join(tlsDir, 'ca.pem'),
    serverCertificate: path.join(tlsDir, 'server.crt'),
    serverKey: path.join(tlsDir, 'server.key'),
    passwordFile: path.join(absolute, 'password'),
    stateFile: path.join(absolute, 'state.json'),
    logFile: path.join(absolute, 'server.log'),
    lockFile: path.join(absolute, 'start.lock'),
  };
}

/**
 * The state folder to use: an explicit one (the `--state-dir` flag), else
 * `SPENDSENSE_LOCAL_DIR`, else `.spendsense/local` in the project root (git-ignored).
 */
export function resolveStateDir(
  explicit?: string,
  environment: NodeJS.ProcessEnv = process.env,
): string {
  const chosen = explicit ?? environment[LOCAL_DIR_ENV];
  if (chosen !== undefined && chosen !== '') return path.resolve(chosen);
  return path.join(PROJECT_ROOT, '.spendsense', 'local');
}
