import * as z from 'zod';
import { INSTANCE_CLASS_ALLOWED, isDatabaseInstanceClass } from '../../shared/instance-classes.js';
import { ENGINE_MAJOR_VERSION, STAGES } from '../../shared/names.js';
import { AVAILABILITY_ZONES_ALLOWED, availabilityZoneProblem } from './availability-zones.js';
import {
  BACKUP_WINDOW_ALLOWED,
  MAINTENANCE_WINDOW_ALLOWED,
  parseBackupWindow,
  parseMaintenanceWindow,
  windowsOverlap,
} from './maintenance-windows.js';

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** gp3 volumes for RDS range from 20 GiB to 64 TiB. */
const MIN_STORAGE_GIB = 20;
const MAX_STORAGE_GIB = 65_536;
const MAX_ROTATION_DAYS = 365;
const MAX_ALARM_EMAIL_ADDRESSES = 10;
/** Lambda's default per-region concurrency quota: no reservation can exceed it. */
const MAX_RESERVED_CONCURRENCY = 1000;
/** Secrets Manager warns that a rotation function with less than 10 can be throttled. */
const MIN_ROTATION_RESERVED_CONCURRENCY = 10;

/**
 * What each field accepts, in words. Every validation error quotes this text, so a bad value
 * always comes back with the fix.
 */
export const ALLOWED = {
  stage: `one of ${STAGES.join(', ')}`,
  instanceClass: INSTANCE_CLASS_ALLOWED,
  engineMajorVersion: `${ENGINE_MAJOR_VERSION} (the only PostgreSQL major this stack is built and tested for; RDS picks the minor)`,
  storageType: '"gp3" (same price as gp2 with a 3000 IOPS baseline at any size)',
  allocatedStorageGiB: `an integer from ${MIN_STORAGE_GIB} to ${MAX_STORAGE_GIB} (GiB)`,
  maxAllocatedStorageGiB: `an integer up to ${MAX_STORAGE_GIB} (GiB), greater than allocatedStorageGiB`,
  multiAz: 'true or false',
  deletionProtection: 'true or false',
  backupRetentionDays: 'an integer from 7 to 35 (days)',
  preferredBackupWindow: BACKUP_WINDOW_ALLOWED,
  preferredMaintenanceWindow: MAINTENANCE_WINDOW_ALLOWED,
  logRetentionDays: `one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')} (days)`,
  retainLogsOnDelete: 'true or false',
  secretsManagerEndpointAzs: '1 or 2 (Availability Zones holding a Secrets Manager endpoint)',
  availabilityZones: AVAILABILITY_ZONES_ALLOWED,
  'rotation.enabled': 'true or false (rotate the master password on a schedule)',
  'rotation.days': `an integer from 1 to ${MAX_ROTATION_DAYS} (days between password rotations)`,
  'accessHost.enabled': 'true or false (an SSM-managed host for `spendsense-db tunnel`)',
  'alarms.emailAddresses': `a list of at most ${MAX_ALARM_EMAIL_ADDRESSES} email addresses such as ops@example.com, each once`,
  'proxy.enabled':
    'true or false (SpendSense Lambdas connect through RDS Proxy, IAM authentication end to end)',
  'reservedConcurrency.probe': `0 (no reservation, the default) or an integer from 1 to ${MAX_RESERVED_CONCURRENCY}: executions reserved for the probe; run \`spendsense-db preflight\` first, a reservation the account cannot afford fails the deploy`,
  'reservedConcurrency.rotation': `0 (no reservation, the default) or an integer from ${MIN_ROTATION_RESERVED_CONCURRENCY} to ${MAX_RESERVED_CONCURRENCY} (Secrets Manager advises at least ${MIN_ROTATION_RESERVED_CONCURRENCY}): executions reserved for the rotation function; run \`spendsense-db preflight\` first`,
} as const;

export const stageConfigSchema = z
  .strictObject({
    stage: z.enum(STAGES),
    /** `db.<family>.<size>`; the MVP runs db.t3.micro. */
    instanceClass: z.string().refine(isDatabaseInstanceClass, ALLOWED.instanceClass),
    engineMajorVersion: z.literal(ENGINE_MAJOR_VERSION),
    storageType: z.literal('gp3'),
    allocatedStorageGiB: z.number().int().min(MIN_STORAGE_GIB).max(MAX_STORAGE_GIB),
    /** The storage autoscaling cap. */
    maxAllocatedStorageGiB: z.number().int().max(MAX_STORAGE_GIB),
    multiAz: z.boolean(),
    deletionProtection: z.boolean(),
    backupRetentionDays: z.number().int().min(7).max(35),
    preferredBackupWindow: z
      .string()
      .refine((value) => parseBackupWindow(value) !== undefined, ALLOWED.preferredBackupWindow),
    preferredMaintenanceWindow: z
      .string()
      .refine(
        (value) => parseMaintenanceWindow(value) !== undefined,
        ALLOWED.preferredMaintenanceWindow,
      ),
    logRetentionDays: z
      .number()
      .refine(
        (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
        ALLOWED.logRetentionDays,
      ),
    /** Keep the database's log groups when the stack is deleted (audit trail). */
    retainLogsOnDelete: z.boolean(),
    secretsManagerEndpointAzs: z.union([z.literal(1), z.literal(2)]),
    /**
     * The VPC's two zones, by name or zone ID; [] lets CloudFormation take the region's first
     * two. The region is checked separately (`availabilityZoneProblems`): it is not config.
     */
    availabilityZones: z
      .array(z.string())
      .refine(
        (zones) => zones.length === 0 || (zones.length === 2 && zones[0] !== zones[1]),
        AVAILABILITY_ZONES_ALLOWED,
      ),
    /** Master password rotation by the stack's rotation function (the connection secret follows). */
    rotation: z.strictObject({
      enabled: z.boolean(),
      days: z.number().int().min(1).max(MAX_ROTATION_DAYS),
    }),
    /** The SSM access host `spendsense-db tunnel` forwards through (on in dev, opt-in in prod). */
    accessHost: z.strictObject({ enabled: z.boolean() }),
    /** Who the alarm topic emails; each address confirms its subscription first. */
    alarms: z.strictObject({
      emailAddresses: z
        .array(z.string())
        .max(MAX_ALARM_EMAIL_ADDRESSES)
        .superRefine((addresses, ctx) => {
          const lowerCase = addresses.map((address) => address.toLowerCase());
          addresses.forEach((address, index) => {
            const valid = z.email().safeParse(address).success;
            const repeated = valid && lowerCase.indexOf(address.toLowerCase()) !== index;
            if (!valid || repeated) {
              ctx.addIssue({
                code: 'custom',
                path: [index],
                message: valid
                  ? 'each address once (a repeated subscription fails the deployment)'
                  : 'an email address such as ops@example.com',
              });
            }
          });
        }),
    }),
    /** RDS Proxy in front of the instance; the application descriptor then names the proxy. */
    proxy: z.strictObject({ enabled: z.boolean() }),
    /**
     * Lambda concurrency reserved per function; 0 reserves nothing, the default, since a
     * reservation can fail the first deploy in a new account (`spendsense-db preflight` checks).
     */
    reservedConcurrency: z.strictObject({
      probe: z.number().int().min(0).max(MAX_RESERVED_CONCURRENCY),
      rotation: z
        .number()
        .int()
        .max(MAX_RESERVED_CONCURRENCY)
        .refine(
          (value) => value === 0 || value >= MIN_ROTATION_RESERVED_CONCURRENCY,
          ALLOWED['reservedConcurrency.rotation'],
        ),
    }),
  })
  .superRefine((config, ctx) => {
    const fail = (field: StageConfigField, message: string): void => {
      ctx.addIssue({ code: 'custom', path: field.split('.'), message });
    };

    if (config.maxAllocatedStorageGiB <= config.allocatedStorageGiB) {
      fail(
        'maxAllocatedStorageGiB',
        `more than allocatedStorageGiB (${config.allocatedStorageGiB}), up to ${MAX_STORAGE_GIB}: it is the storage autoscaling cap`,
      );
    }
    const backup = parseBackupWindow(config.preferredBackupWindow);
    const maintenance = parseMaintenanceWindow(config.preferredMaintenanceWindow);
    if (backup !== undefined && maintenance !== undefined && windowsOverlap(backup, maintenance)) {
      fail(
        'preferredBackupWindow',
        `a window that does not overlap preferredMaintenanceWindow (${config.preferredMaintenanceWindow})`,
      );
    }

    if (config.reservedConcurrency.rotation > 0 && !config.rotation.enabled) {
      fail(
        'reservedConcurrency.rotation',
        '0 while rotation.enabled is false (there is no rotation function to reserve for)',
      );
    }

    if (config.stage === 'prod') {
      if (!config.rotation.enabled) {
        fail('rotation.enabled', 'true in prod (the master password changes on a schedule)');
      }
      if (!config.multiAz)
        fail('multiAz', 'true in prod (a standby in a second Availability Zone)');
      if (!config.deletionProtection) fail('deletionProtection', 'true in prod');
      if (config.backupRetentionDays < 14) {
        fail(
          'backupRetentionDays',
          'an integer from 14 to 35 in prod (two weeks of point-in-time recovery or more)',
        );
      }
      if (config.secretsManagerEndpointAzs !== 2) {
        fail(
          'secretsManagerEndpointAzs',
          '2 in prod (one Availability Zone down must not cut Lambdas off from their secret)',
        );
      }
    }
  });

export type StageConfig = z.infer<typeof stageConfigSchema>;

/**
 * The configured zones that do not belong to the stack's region, one problem each: the region
 * is resolved apart from the stage values (`resolveRegion`), so this runs once both are known.
 */
export function availabilityZoneProblems(
  configs: Readonly<Record<string, StageConfig>>,
  region: string,
): string[] {
  return Object.values(configs).flatMap((config) =>
    config.availabilityZones.flatMap((zone, index) => {
      const problem = availabilityZoneProblem(zone, region);
      return problem === undefined
        ? []
        : [
            `${config.stage}.availabilityZones[${index}]: got ${JSON.stringify(zone)}; allowed: ${problem}`,
          ];
    }),
  );
}
export type StageConfigField = keyof typeof ALLOWED;
