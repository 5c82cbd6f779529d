import type { InstanceCapacity } from './instance-classes.js';

/** The divisor of RDS for PostgreSQL's default `max_connections` formula. */
const BYTES_PER_CONNECTION = 9_531_392;
const MAX_CONNECTIONS_CAP = 5000;
/**
 * `DBInstanceClassMemory` is the nominal memory minus what RDS keeps for the operating system
 * and its own processes, which AWS does not publish per class: the real `max_connections` is a
 * little below the nominal figure (112 on a 1 GiB class). We assume a quarter is kept, which
 * keeps the estimate at or below the real value. An estimate that errs low makes the
 * connections alarm fire a little early; one that errs high could put its threshold above the
 * real limit, where it would never fire. `spendsense-db check` reports the real value; pass it
 * as `maxConnections` to the alarms when it is known.
 */
const ASSUMED_AVAILABLE_MEMORY_SHARE = 0.75;

/**
 * The default `max_connections` of RDS for PostgreSQL,
 * `LEAST(DBInstanceClassMemory / 9531392, 5000)`, estimated from the nominal memory.
 */
export function estimatedMaxConnections(capacity: InstanceCapacity): number {
  const memoryBytes = capacity.memoryGiB * 1024 ** 3 * ASSUMED_AVAILABLE_MEMORY_SHARE;
  return Math.min(Math.floor(memoryBytes / BYTES_PER_CONNECTION), MAX_CONNECTIONS_CAP);
}
