import type { InstanceCapacity } from '../../shared/instance-classes.js';
import { estimatedMaxConnections } from '../../shared/max-connections.js';

const GIB = 1024 ** 3;

/** The shares and limits every threshold is derived from; docs/operations.md explains each. */
export const THRESHOLD_RULES = {
  cpuUtilizationPercent: 80,
  /** Alarm when freeable memory falls below this share of the class's memory. */
  freeableMemoryShare: 0.1,
  /** Alarm when free storage falls below this share of the allocated storage. */
  freeStorageShare: 0.2,
  /** Alarm when connections exceed this share of `max_connections`. */
  connectionsShare: 0.8,
  /** Read and write latency; gp3 answers in single-digit milliseconds when healthy. */
  latencySeconds: 0.02,
  /** Alarm when the CPU credit balance falls below this share of the most a class can hold. */
  cpuCreditBalanceShare: 0.1,
  /** gp2 only: the I/O credit balance, in percent. */
  burstBalancePercent: 20,
} as const;

export interface AlarmThresholds {
  readonly cpuUtilizationPercent: number;
  readonly freeableMemoryBytes: number;
  readonly freeStorageSpaceBytes: number;
  /** The `max_connections` the connections threshold is a share of. */
  readonly maxConnections: number;
  readonly databaseConnections: number;
  readonly readLatencySeconds: number;
  readonly writeLatencySeconds: number;
  /** Burstable classes only. */
  readonly cpuCreditBalance?: number;
  /** gp2 storage only. */
  readonly burstBalancePercent?: number;
}

export interface ThresholdInputs {
  readonly allocatedStorageGiB: number;
  /** `gp2`, `gp3`, `io1`, `io2` or `standard`. */
  readonly storageType: string;
  /** @default - estimated from the class's memory */
  readonly maxConnections?: number;
}

/** The alarm thresholds of one instance class with its storage. */
export function deriveThresholds(
  capacity: InstanceCapacity,
  inputs: ThresholdInputs,
): AlarmThresholds {
  const rules = THRESHOLD_RULES;
  const maxConnections = inputs.maxConnections ?? estimatedMaxConnections(capacity);
  const maxCreditBalance = (capacity.cpuCreditsPerHour ?? 0) * 24;
  return {
    cpuUtilizationPercent: rules.cpuUtilizationPercent,
    freeableMemoryBytes: Math.round(capacity.memoryGiB * GIB * rules.freeableMemoryShare),
    freeStorageSpaceBytes: Math.round(inputs.allocatedStorageGiB * GIB * rules.freeStorageShare),
    maxConnections,
    databaseConnections: Math.floor(maxConnections * rules.connectionsShare),
    readLatencySeconds: rules.latencySeconds,
    writeLatencySeconds: rules.latencySeconds,
    ...(capacity.burstable && {
      cpuCreditBalance: Math.round(maxCreditBalance * rules.cpuCreditBalanceShare),
    }),
    ...(inputs.storageType === 'gp2' && { burstBalancePercent: rules.burstBalancePercent }),
  };
}
