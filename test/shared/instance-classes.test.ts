import { describe, expect, test } from 'vitest';
import {
  BURSTABLE_FAMILIES,
  FIXED_PERFORMANCE_FAMILIES,
  INSTANCE_CLASS_ALLOWED,
  instanceCapacity,
  isDatabaseInstanceClass,
} from '../../src/shared/instance-classes.js';

describe('instance capacity', () => {
  test.each([
    ['db.t3.micro', 2, 1, true, 12],
    ['db.t4g.small', 2, 2, true, 24],
    ['db.t4g.2xlarge', 8, 32, true, 192],
    ['db.m6g.large', 2, 8, false, undefined],
    ['db.m5.4xlarge', 16, 64, false, undefined],
    ['db.r6g.xlarge', 4, 32, false, undefined],
    ['db.x2g.large', 2, 32, false, undefined],
    ['db.x2iedn.48xlarge', 192, 6144, false, undefined],
  ])(
    '%s has %i vCPUs and %i GiB (burstable: %s, %s credits an hour)',
    (instanceClass, vCpus, memoryGiB, burstable, cpuCreditsPerHour) => {
      expect(instanceCapacity(instanceClass)).toEqual({
        instanceClass,
        vCpus,
        memoryGiB,
        burstable,
        ...(cpuCreditsPerHour !== undefined && { cpuCreditsPerHour }),
      });
    },
  );

  test.each([
    'db.t3.mirco',
    't3.micro',
    'db.t3.4xlarge',
    'db.m6g.micro',
    'db.q9.large',
    'db.m6g.0xlarge',
    'db.m6g.3xlarge',
    'db.m5.metal',
    'db.t3.constructor',
    'db.constructor.large',
    'DB.T3.MICRO',
  ])('%s is not a class it knows', (instanceClass) => {
    expect(instanceCapacity(instanceClass)).toBeUndefined();
    expect(isDatabaseInstanceClass(instanceClass)).toBe(false);
  });

  test('every family it names in its message is a family it knows', () => {
    expect(BURSTABLE_FAMILIES.length).toBeGreaterThan(0);
    expect(FIXED_PERFORMANCE_FAMILIES.length).toBeGreaterThan(0);
    for (const family of BURSTABLE_FAMILIES) {
      expect(isDatabaseInstanceClass(`db.${family}.micro`), family).toBe(true);
      expect(INSTANCE_CLASS_ALLOWED).toContain(family);
    }
    for (const family of FIXED_PERFORMANCE_FAMILIES) {
      expect(isDatabaseInstanceClass(`db.${family}.large`), family).toBe(true);
      expect(INSTANCE_CLASS_ALLOWED).toContain(family);
    }
  });
});
