import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'spendsense-app-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs bin/app.ts the way the CDK CLI does (cdk.json `app`, context and outdir in the environment). */
function runApp(context: Record<string, unknown>, outdir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: root,
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('bin/app.ts with a bad configuration', () => {
  const outdir = join(scratch, 'cdk.out');
  const result = runApp(
    { 'spendsense:prod:multiAz': 'false', 'spendsense:dev:clientCidrs': '203.0.113.7/32' },
    outdir,
  );

  test('exits non-zero', () => {
    expect(result.status).toBe(1);
  });

  test('prints each problem with field, value and what is allowed, and no stack trace', () => {
    expect(result.stderr).toContain('Invalid stage configuration; nothing was synthesized.');
    expect(result.stderr).toContain(
      'context spendsense:dev:clientCidrs: retired: the database is never publicly accessible. Reach it from a laptop with `spendsense-db tunnel --stage <stage>`',
    );
    expect(result.stderr).toContain(
      'prod.multiAz: got false (from context spendsense:prod:multiAz); allowed: true in prod',
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('writes nothing (the CDK creates the empty output directory, no file goes in)', () => {
    expect(existsSync(outdir) ? readdirSync(outdir) : []).toEqual([]);
  });
});
