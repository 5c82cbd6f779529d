import type { CloudFormationTemplate, TemplateResource } from '../aws/cloudformation-template.js';
import type { PriceTable } from './price-table.js';

/** One priced component of a resource: a resource may have several (hours, storage, address). */
export interface CostComponent {
  /** What is counted and how, for example `db.t3.micro single-AZ: 730 h × $0.018/h`. */
  readonly what: string;
  readonly monthlyUsd: number;
}

/** How one resource is priced. */
export type Pricing =
  | {
      readonly kind: 'priced';
      readonly components: readonly CostComponent[];
      /** Parts of the resource the table cannot price; listed as unpriced, never dropped. */
      readonly unpricedParts?: readonly string[];
    }
  | { readonly kind: 'free'; readonly reason: string }
  | { readonly kind: 'unpriced'; readonly reason: string };

/** What a pricer may look at besides its resource. */
export interface PricingScope {
  readonly template: CloudFormationTemplate;
  readonly prices: PriceTable;
}

export type ResourcePricer = (
  logicalId: string,
  resource: TemplateResource,
  scope: PricingScope,
) => Pricing;

export const priced = (...components: CostComponent[]): Pricing => ({ kind: 'priced', components });
export const free = (reason: string): Pricing => ({ kind: 'free', reason });
export const unpriced = (reason: string): Pricing => ({ kind: 'unpriced', reason });

/** `$0.018` for rates: as many decimals as the table gives. */
export function rate(usd: number): string {
  return `$${usd}`;
}
