import { ENGINE, ENGINE_MAJOR_VERSION } from '../../../shared/names.js';
import { STAGE_POLICIES, expectedFlag } from '../expectations.js';
import { judge, type Check } from '../finding.js';

/** AC1: the instance exists and is available, PostgreSQL 15.x, the configured class and AZ mode. */
export const instanceCheck: Check = {
  criterion: 'AC1',
  name: 'instance',
  async run(context) {
    const instance = await context.instance();
    const declared = await context.declaredInstance();
    const problems: string[] = [];

    const status = instance.DBInstanceStatus ?? 'unknown';
    if (status !== 'available') problems.push(`status ${status}, expected available`);
    if (instance.Engine !== ENGINE) {
      problems.push(`engine ${instance.Engine ?? 'unknown'}, expected ${ENGINE}`);
    }
    const version = instance.EngineVersion ?? 'unknown';
    if (version.split('.')[0] !== String(ENGINE_MAJOR_VERSION)) {
      problems.push(`engine version ${version}, expected ${ENGINE_MAJOR_VERSION}.x`);
    }
    const instanceClass = instance.DBInstanceClass ?? 'unknown';
    if (declared.instanceClass !== undefined && instanceClass !== declared.instanceClass) {
      problems.push(`class ${instanceClass}, configured ${declared.instanceClass}`);
    }
    const multiAz = expectedFlag(
      declared.multiAz,
      STAGE_POLICIES[context.stage].requiresMultiAz,
      context.stage,
      'Multi-AZ',
    );
    if (multiAz.conflict !== undefined) problems.push(multiAz.conflict);
    const liveMultiAz = instance.MultiAZ ?? false;
    if (liveMultiAz !== multiAz.value) {
      problems.push(`${azMode(liveMultiAz)}, expected ${azMode(multiAz.value)}`);
    }

    return judge(
      problems,
      `${instance.DBInstanceIdentifier ?? 'instance'} available, ${ENGINE} ${version}, ${instanceClass}, ${azMode(liveMultiAz)}`,
    );
  },
};

function azMode(multiAz: boolean): string {
  return multiAz ? 'Multi-AZ' : 'single-AZ';
}
