/**
 * The RDS for PostgreSQL instance classes SpendSense accepts, with the published AWS figures
 * that the stage configuration, the alarm thresholds and the cost estimate need. One table:
 * a class is accepted exactly when its capacity is known. Plain data, imported by every layer.
 *
 * Not every family comes in every size; RDS refuses such a pair when the stack deploys. What
 * this table stops at synth is a typo such as `db.t3.mirco` or `t3.micro`.
 */

export interface InstanceCapacity {
  /** `db.<family>.<size>`, e.g. `db.t3.micro`. */
  readonly instanceClass: string;
  readonly vCpus: number;
  /** Nominal memory, GiB. */
  readonly memoryGiB: number;
  /** t3 and t4g: CPU above the baseline spends CPU credits. */
  readonly burstable: boolean;
  /** CPU credits a burstable class earns per hour; its balance caps at 24 hours of them. */
  readonly cpuCreditsPerHour?: number;
}

export const BURSTABLE_FAMILIES = ['t3', 't4g'] as const;

/** t3 and t4g sizes: vCPUs, memory (GiB) and CPU credits earned per hour, alike in both. */
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

/** Memory per vCPU of each fixed-performance family, GiB. */
const FIXED_PERFORMANCE_GIB_PER_VCPU: Readonly<Record<string, number>> = {
  m5: 4,
  m5d: 4,
  m6g: 4,
  m6gd: 4,
  m6i: 4,
  m6id: 4,
  m6idn: 4,
  m6in: 4,
  m7g: 4,
  m7gd: 4,
  m7i: 4,
  m8g: 4,
  r5: 8,
  r5b: 8,
  r5d: 8,
  r6g: 8,
  r6gd: 8,
  r6i: 8,
  r6id: 8,
  r6idn: 8,
  r6in: 8,
  r7g: 8,
  r7gd: 8,
  r7i: 8,
  r8g: 8,
  x2g: 16,
  x2idn: 16,
  x2iedn: 32,
  x2iezn: 32,
  z1d: 8,
};

/** vCPUs of each fixed-performance size: `large` 2, `xlarge` 4, `<n>xlarge` 4n. */
const FIXED_PERFORMANCE_SIZE_VCPUS: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '12xlarge': 48,
  '16xlarge': 64,
  '24xlarge': 96,
  '32xlarge': 128,
  '48xlarge': 192,
};

export const FIXED_PERFORMANCE_FAMILIES = Object.keys(FIXED_PERFORMANCE_GIB_PER_VCPU);

/** What a valid instance class looks like, in words (every error about one quotes it). */
export const INSTANCE_CLASS_ALLOWED =
  `an RDS for PostgreSQL instance class "db.<family>.<size>", for example db.t3.micro, ` +
  `db.t4g.small or db.m6g.large: a burstable family (${BURSTABLE_FAMILIES.join(', ')}; sizes ` +
  `${Object.keys(BURSTABLE_SIZES).join(', ')}) or a fixed-performance family ` +
  `(${FIXED_PERFORMANCE_FAMILIES.join(', ')}; sizes ${Object.keys(FIXED_PERFORMANCE_SIZE_VCPUS).join(', ')})`;

const INSTANCE_CLASS = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/;

/** The capacity of `instanceClass` (`db.t3.micro`), or `undefined` when it is not in the table. */
export function instanceCapacity(instanceClass: string): InstanceCapacity | undefined {
  const [, family = '', size = ''] = INSTANCE_CLASS.exec(instanceClass) ?? [];
  if ((BURSTABLE_FAMILIES as readonly string[]).includes(family)) {
    const row = own(BURSTABLE_SIZES, size);
    if (row === undefined) return undefined;
    const [vCpus, memoryGiB, cpuCreditsPerHour] = row;
    return { instanceClass, vCpus, memoryGiB, burstable: true, cpuCreditsPerHour };
  }
  const gibPerVCpu = own(FIXED_PERFORMANCE_GIB_PER_VCPU, family);
  const vCpus = own(FIXED_PERFORMANCE_SIZE_VCPUS, size);
  if (gibPerVCpu === undefined || vCpus === undefined) return undefined;
  return { instanceClass, vCpus, memoryGiB: vCpus * gibPerVCpu, burstable: false };
}

export function isDatabaseInstanceClass(value: string): boolean {
  return instanceCapacity(value) !== undefined;
}

/** A table's own entry: `db.t3.constructor` must not find `Object.prototype.constructor`. */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
