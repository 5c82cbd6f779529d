import type { ServerFacts } from './stages/readiness.js';

export type StageStatus = 'ok' | 'failed' | 'skipped';

export interface StageReport {
  readonly stage: string;
  readonly label: string;
  status: StageStatus;
  durationMillis: number | null;
  detail: string;
}

/** Everything `check` found, printed as a table or as `--json` (the same data). */
export interface CheckReport {
  ok: boolean;
  /** Where the settings came from; null when none were found. */
  source: string | null;
  /** The connection URL with its password masked. */
  url: string | null;
  insecure: boolean;
  timeoutMillis: number;
  stages: StageReport[];
  server: ServerFacts;
  failure: { exitCode: number; diagnosis: string; hint: string | null } | null;
}
