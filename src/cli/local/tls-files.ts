import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { LocalStatePaths } from './paths.js';
import { giveToServerUser, type ServerUser } from './server-user.js';

const RENEW_WITHIN_DAYS = 30;
const DAY_MILLIS = 86_400_000;

/**
 * Makes sure the CA, the server certificate and its key exist, belong together, and are not
 * about to expire; writes a fresh set otherwise (a missing, truncated or mismatched key
 * included). Certificates hold no data, so renewing them is always safe: clients read the CA
 * file by path at every connection. The key's mode and owner are set every time, since
 * PostgreSQL refuses a key others can read or its own user does not own.
 * @returns true when a new set was written
 */
export async function ensureCertificates(
  paths: LocalStatePaths,
  user: ServerUser,
): Promise<boolean> {
  if (await certificatesUsable(paths)) {
    await chmod(paths.serverKey, 0o600);
    await giveToServerUser(paths.serverKey, user);
    return false;
  }
  // Loaded only when certificates are made: the X.509 library is the CLI's slowest import.
  const { generateLocalCertificates } = await import('./certificates.js');
  const certificates = await generateLocalCertificates();
  await mkdir(paths.tlsDir, { recursive: true, mode: 0o755 });
  await writeFile(paths.caCertificate, certificates.caCertificatePem, { mode: 0o644 });
  await writeFile(paths.serverCertificate, certificates.serverCertificatePem, { mode: 0o644 });
  await writeFile(paths.serverKey, certificates.serverKeyPem, { mode: 0o600 });
  await chmod(paths.serverKey, 0o600);
  await giveToServerUser(paths.serverKey, user);
  return true;
}

async function certificatesUsable(paths: LocalStatePaths): Promise<boolean> {
  try {
    const [key, ca, server] = await Promise.all([
      readFile(paths.serverKey, 'utf8'),
      readFile(paths.caCertificate, 'utf8'),
      readFile(paths.serverCertificate, 'utf8'),
    ]);
    const certificate = new X509Certificate(server);
    const authority = new X509Certificate(ca);
    return (
      certificate.checkPrivateKey(createPrivateKey(key)) &&
      certificate.checkIssued(authority) &&
      certificate.verify(authority.publicKey) &&
      !expiresWithin(server, RENEW_WITHIN_DAYS)
    );
  } catch {
    return false;
  }
}

/** True when the certificate expires within `days` (or already has), so it is time to renew. */
export function expiresWithin(certificatePem: string, days: number): boolean {
  const validTo = new Date(new X509Certificate(certificatePem).validTo).getTime();
  return validTo - Date.now() < days * DAY_MILLIS;
}
