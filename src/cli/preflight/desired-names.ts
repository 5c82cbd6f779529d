import { resourcesOfType } from '../aws/cloudformation-template.js';
import { resolveString } from '../aws/intrinsics.js';
import { stackName } from '../../shared/names.js';
import type { PreflightContext } from './context.js';

/** The names the deploy will create for one resource type, as far as they are known now. */
export interface DesiredNames {
  /** Resolved names, with the resource that wants each. */
  readonly names: readonly { readonly logicalId: string; readonly name: string }[];
  /**
   * Names built from the new stack's id (its creation id), which CloudFormation makes only when
   * it creates the stack: nothing can hold them yet.
   */
  readonly uniqueToCreation: number;
  /** Physical ids of this stack's own resources of the type: a name among them is no collision. */
  readonly owned: ReadonlySet<string>;
}

/** Resolves the `property` of every `type` resource of the synthesized template. */
export async function desiredNames(
  context: PreflightContext,
  type: string,
  property: string,
): Promise<DesiredNames> {
  const stack = await context.stack();
  const { account, partition } = await context.identity();
  const pseudo = {
    region: context.region,
    accountId: account,
    partition,
    stackName: stackName(context.stage),
    ...(stack !== undefined && { stackId: stack.id }),
  };
  const names: { logicalId: string; name: string }[] = [];
  let uniqueToCreation = 0;
  for (const [logicalId, resource] of resourcesOfType(context.synthesized.template, type)) {
    const value = resource.Properties?.[property];
    const name = resolveString(value, pseudo);
    if (name !== undefined) names.push({ logicalId, name });
    else if (JSON.stringify(value).includes('AWS::StackId')) uniqueToCreation += 1;
    else throw new Error(`${logicalId}.${property} is not a name this check can resolve`);
  }
  const owned = new Set(
    (await context.stackResources())
      .filter((resource) => resource.ResourceType === type)
      .flatMap((resource) => resource.PhysicalResourceId ?? []),
  );
  return { names, uniqueToCreation, owned };
}

/** `3 names free (a, b, c)` and the creation-unique ones, for a passing line's evidence. */
export function freeNames(desired: DesiredNames, what: string): string {
  const listed = desired.names.map(({ name }) => name);
  const unique =
    desired.uniqueToCreation === 0
      ? ''
      : `; ${desired.uniqueToCreation} unique to this creation of the stack (named after its new stack id)`;
  return `${listed.length} ${what} free or this stack's own${listed.length === 0 ? '' : ` (${listed.join(', ')})`}${unique}`;
}
