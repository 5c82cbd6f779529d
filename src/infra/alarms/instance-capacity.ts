/**
 * What an RDS instance class offers, as far as alarm thresholds need it. Published AWS figures
 * for every family the stage configuration accepts, as a table of sizes (vCPUs) and families
 * (memory per vCPU) instead of one row per class.
 */
export interface InstanceCapacity {
  readonly instanceClass: string;
  readonly vCpus: number;
  /** Nominal memory, GiB. */
  readonly memoryGiB: number;
  /** t3 and t4g: CPU above the baseline spends CPU credits. */
  readonly burstable: boolean;
  /** CPU credits a burstable class earns per hour; its balance caps at 24 hours of them. */
  readonly cpuCreditsPerHour?: number;
}

/** t3 and t4g sizes: vCPUs, memory and credits earned per hour (identical for both families). */
const BURSTABLE_SIZES: Readonly<
  Record<string, readonly [vCpus: number, memoryGiB: number, creditsPerHour: number]>
> = {
  micro: [2, 1, 12],
  small: [2, 2, 24],
  medium: [2, 4, 24],
  large: [2, 8, 36],
  xlarge: [4, 16, 96],
  '2xlarge': [8, 32, 192],
};
const BURSTABLE_FAMILIES = ['t3', 't4g'];

/** Memory per vCPU of each fixed-performance family, GiB. */
const GIB_PER_VCPU: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    ['m5', 'm5d', 'm6g', 'm6gd', 'm6i', 'm6id', 'm6idn', 'm6in', 'm7g', 'm7gd', 'm7i', 'm8g'].map(
      (f) => [f, 4],
    ),
  ),
  ...Object.fromEntries(
    [
      'r5',
      'r5b',
      'r5d',
      'r6g',
      'r6gd',
      'r6i',
      'r6id',
      'r6idn',
      'r6in',
      'r7g',
      'r7gd',
      'r7i',
      'r8g',
      'z1d',
    ].map((f) => [f, 8]),
  ),
  x2g: 16,
  x2idn: 16,
  x2iedn: 32,
  x2iezn: 32,
};

/** `large` has 2 vCPUs, `xlarge` 4, and `<n>xlarge` 4n. */
function fixedSizeVCpus(size: string): number | undefined {
  if (size === 'large') return 2;
  const match = /^(\d*)xlarge$/.exec(size);
  if (match === null) return undefined;
  const multiple = match[1] === '' ? 1 : Number(match[1]);
  return multiple >= 1 ? 4 * multiple : undefined;
}

export const INSTANCE_CAPACITY_ALLOWED =
  `"db.<family>.<size>" with a burstable family (${BURSTABLE_FAMILIES.join(', ')}; sizes ${Object.keys(BURSTABLE_SIZES).join(', ')}) ` +
  `or a fixed-performance family (${Object.keys(GIB_PER_VCPU).join(', ')}; sizes large, xlarge, <n>xlarge)`;

/** The capacity of `instanceClass` (`db.t3.micro`), or `undefined` when it is not in the table. */
export function instanceCapacity(instanceClass: string): InstanceCapacity | undefined {
  const [, family = '', size = ''] = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass) ?? [];
  if (BURSTABLE_FAMILIES.includes(family)) {
    const row = BURSTABLE_SIZES[size];
    if (row === undefined) return undefined;
    const [vCpus, memoryGiB, cpuCreditsPerHour] = row;
    return { instanceClass, vCpus, memoryGiB, burstable: true, cpuCreditsPerHour };
  }
  const gibPerVCpu = GIB_PER_VCPU[family];
  const vCpus = fixedSizeVCpus(size);
  if (gibPerVCpu === undefined || vCpus === undefined) return undefined;
  return { instanceClass, vCpus, memoryGiB: vCpus * gibPerVCpu, burstable: false };
}

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
