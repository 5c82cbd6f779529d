import * as z from 'zod';

/**
 * What the probe Lambda (src/lambda/probe) returns and `spendsense-db verify` reads: one schema
 * for both sides, so they cannot drift. Change it additively: a deployed probe may be older
 * than the CLI reading it.
 */
export const probeFailureSchema = z.looseObject({
  /** The error's class name, e.g. `DatabaseConnectionError`. */
  errorClass: z.string(),
  /** The finer category when there is one, e.g. `timeout`, `access-denied`. */
  category: z.string().optional(),
  /** SQLSTATE or Node.js error code, when there is one. */
  code: z.string().optional(),
  /** Redacted: never a password or URL credentials. */
  message: z.string(),
});

export const probeReportSchema = z.discriminatedUnion('ok', [
  z.looseObject({
    ok: z.literal(true),
    /** `server_version`, e.g. `15.14`. */
    serverVersion: z.string(),
    serverMajor: z.number().int(),
    /** This very connection is TLS-encrypted, according to the server (`pg_stat_ssl`). */
    encrypted: z.boolean(),
    /** The TLS version of this connection, e.g. `TLSv1.3` (absent from probes before roles). */
    tlsVersion: z.string().optional(),
    database: z.string(),
    /** `current_user`: `spendsense_app` for a probe that logs in like SpendSense functions. */
    user: z.string(),
    /** Whether `user` is a superuser (absent from probes before roles). */
    superuser: z.boolean().optional(),
    /** Whether `user` may create roles (absent from probes before roles). */
    canCreateRoles: z.boolean().optional(),
    /**
     * The last migration applied, as the application role sees it (`none` before the first);
     * absent from probes deployed before migrations, or when the history is unreadable.
     */
    schemaVersion: z.string().optional(),
    /** Time to obtain a connection: token, TCP, TLS, authentication on a cold start; ~0 warm. */
    connectMillis: z.number(),
    queryMillis: z.number(),
  }),
  z.looseObject({
    ok: z.literal(false),
    failure: probeFailureSchema,
    connectMillis: z.number(),
  }),
]);

export type ProbeReport = z.infer<typeof probeReportSchema>;
export type ProbeSuccess = Extract<ProbeReport, { ok: true }>;
export type ProbeFailure = Extract<ProbeReport, { ok: false }>;
