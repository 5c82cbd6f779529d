import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { fromNodeProviderChain } from '../../src/lambda/bundle/credential-providers.js';
import type * as TlsModule from '../../src/runtime/tls.js';
import { DatabaseEnvironment } from '../../src/shared/names.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'spendsense-rds-ca-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

/** A fresh copy of the module: it reads the file once per process. */
async function freshTls(): Promise<typeof TlsModule> {
  vi.resetModules();
  return import('../../src/runtime/tls.js');
}

describe('rdsCertificateAuthorities', () => {
  test('without a CA file: every RDS CA the package ships', async () => {
    vi.stubEnv(DatabaseEnvironment.RdsCaFile, '');
    const tls = await freshTls();
    expect(tls.rdsCertificateAuthorities()).toBe(tls.allRdsCertificateAuthorities);
    expect(tls.allRdsCertificateAuthorities.length).toBeGreaterThan(100);
  });

  test('with a CA file: only what it holds', async () => {
    const file = path.join(folder, 'rds-ca.pem');
    writeFileSync(file, PEM);
    vi.stubEnv(DatabaseEnvironment.RdsCaFile, file);
    const tls = await freshTls();
    expect(tls.rdsCertificateAuthorities()).toEqual([PEM]);
  });

  test.each([
    ['a missing file', path.join(folder, 'missing.pem'), /cannot be read: ENOENT/],
    ['a file without a certificate', 'not-pem', /holds no PEM certificate/],
  ])('%s is a configuration error naming the variable', async (_case, name, message) => {
    const file = name === 'not-pem' ? path.join(folder, 'not.pem') : name;
    if (name === 'not-pem') writeFileSync(file, 'hello\n');
    vi.stubEnv(DatabaseEnvironment.RdsCaFile, file);
    const tls = await freshTls();
    expect(() => tls.rdsCertificateAuthorities()).toThrow(message);
    expect(() => tls.rdsCertificateAuthorities()).toThrow(DatabaseEnvironment.RdsCaFile);
  });
});

describe('the bundle credential chain', () => {
  test('reads the role credentials Lambda puts in the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    expect(await fromNodeProviderChain()()).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  test('fails with a named error when they are missing', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    await expect(fromNodeProviderChain()()).rejects.toMatchObject({
      name: 'CredentialsProviderError',
    });
  });
});
