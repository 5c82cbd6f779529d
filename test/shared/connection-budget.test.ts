import { describe, expect, test } from 'vitest';
import {
  applicationConnectionLimit,
  MIGRATOR_CONNECTION_LIMIT,
  proxyConnectionsPercent,
  RESERVED_CONNECTIONS,
} from '../../src/shared/connection-budget.js';
import { instanceCapacity } from '../../src/shared/instance-classes.js';
import { estimatedMaxConnections } from '../../src/shared/max-connections.js';

describe('the application connection limit', () => {
  test.each([
    // db.t3.micro: the estimate, and what RDS really allows (112)
    [84, 73],
    [112, 101],
    // the local database
    [100, 89],
    [5000, 4989],
    // small test servers keep half back; the application always gets one
    [6, 3],
    [2, 1],
    [1, 1],
  ])('max_connections %i leaves %i for spendsense_app', (max, limit) => {
    expect(applicationConnectionLimit(max)).toBe(limit);
  });

  test('keeps a slot for each who needs one: rotation, bootstrap, migrator, operators, RDS', () => {
    expect(RESERVED_CONNECTIONS).toEqual({
      superuser: 3,
      rotation: 2,
      bootstrap: 1,
      migrator: MIGRATOR_CONNECTION_LIMIT,
      operators: 3,
    });
    expect(112 - applicationConnectionLimit(112)).toBe(11);
  });

  test.each([0, -1, 1.5, Number.NaN])('refuses max_connections %s', (max) => {
    expect(() => applicationConnectionLimit(max)).toThrow(/positive whole number/);
  });
});

describe("RDS Proxy's share", () => {
  test.each(['db.t3.micro', 'db.t4g.small', 'db.m6g.large', 'db.r6g.4xlarge', 'db.x2g.16xlarge'])(
    '%s: the proxy pool fits under the role limit whatever the real max_connections',
    (instanceClass) => {
      const capacity = instanceCapacity(instanceClass);
      expect(capacity).toBeDefined();
      const estimate = estimatedMaxConnections(capacity!);
      const percent = proxyConnectionsPercent(estimate);
      expect(percent).toBeGreaterThan(0);
      expect(percent).toBeLessThan(100);
      // RDS's DBInstanceClassMemory is below the nominal memory, but never below our estimate.
      for (const real of [estimate, Math.ceil(estimate * 1.2), Math.ceil(estimate * 1.34)]) {
        expect(Math.floor((real * percent) / 100)).toBeLessThanOrEqual(
          applicationConnectionLimit(real),
        );
      }
    },
  );

  test('is 86% on a db.t3.micro', () => {
    expect(proxyConnectionsPercent(84)).toBe(86);
  });
});
