import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The root of this package, where its CDK app and `cdk.out` live: two levels above this file in
 * the sources (`src/cli/`) and in the build (`dist/cli/`, where every chunk of the bundle sits
 * directly), so the same relative URL works in both.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The project whose files the command reads and writes by default (`.spendsense/`, `cdk.out`,
 * `docs/environments/`): this package's root in a checkout; the installing project's root when
 * this package is installed as a dependency, so that nothing the user keeps (the local
 * database above all) lands inside `node_modules`, which the next `npm ci` deletes.
 */
export function projectRootOf(packageRoot: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const installed = packageRoot.lastIndexOf(marker);
  return installed === -1 ? packageRoot : packageRoot.slice(0, installed + 1);
}

export const PROJECT_ROOT = projectRootOf(PACKAGE_ROOT);

/** The project's schema migrations, which `migrate`, `npm start` and `verify` use by default. */
export const PROJECT_MIGRATIONS_FOLDER = path.join(PROJECT_ROOT, 'migrations');
