/**
 * How the database's connection slots are shared, so that the application, whatever it does,
 * cannot take the slots operators, the password rotation and the deploy-time bootstrap need.
 * Plain numbers: the stack sizes RDS Proxy's pool with them, and the role SQL (deployed and
 * local) sets `spendsense_app`'s CONNECTION LIMIT with them.
 */

/** Slots kept from `spendsense_app`, by who needs them. */
export const RESERVED_CONNECTIONS = {
  /** `superuser_reserved_connections` (3, PostgreSQL's and RDS's default): RDS's own agents. */
  superuser: 3,
  /** The rotation function: its session as the master user and the confirming login. */
  rotation: 2,
  /** The deploy-time bootstrap's session. */
  bootstrap: 1,
  /** Schema changes: `spendsense_migrator`'s own CONNECTION LIMIT. */
  migrator: 2,
  /** Operators through `spendsense-db tunnel`: `check`, psql, a dump. */
  operators: 3,
} as const;

export const MIGRATOR_CONNECTION_LIMIT = RESERVED_CONNECTIONS.migrator;

const RESERVED_TOTAL = Object.values(RESERVED_CONNECTIONS).reduce((sum, n) => sum + n, 0);

/**
 * `spendsense_app`'s CONNECTION LIMIT on a server with `maxConnections` slots: all but the
 * reserved ones. A server too small for the whole reservation (a local test database with a
 * handful of slots) keeps half of its slots back instead; the application always gets one.
 */
export function applicationConnectionLimit(maxConnections: number): number {
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new RangeError(`max_connections must be a positive whole number. Got ${maxConnections}.`);
  }
  const kept = Math.min(RESERVED_TOTAL, Math.floor(maxConnections / 2));
  return Math.max(1, maxConnections - kept);
}

/**
 * The share of `max_connections` RDS Proxy may open, in percent. The proxy logs in as
 * `spendsense_app`, so its pool must fit under that role's limit: computed from the estimate
 * of `max_connections` (which errs low), the share times the real value stays at or below the
 * real limit, since the reservation is a fixed number of slots.
 */
export function proxyConnectionsPercent(estimatedMaxConnections: number): number {
  return Math.floor(
    (applicationConnectionLimit(estimatedMaxConnections) * 100) / estimatedMaxConnections,
  );
}
