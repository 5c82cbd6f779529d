import { formatTable } from '../ui/table.js';
import type { CostEstimate, ListedResource } from './estimate.js';

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

/** The estimate for a terminal: per-resource table, total, then free and unpriced resources. */
export function formatEstimate(estimate: CostEstimate): string {
  const { priceTable } = estimate;
  const table = formatTable(
    ['logical id', 'type', 'what', 'USD/month'],
    [
      ...estimate.lines.map((line) => [
        line.logicalId,
        line.type,
        line.what,
        formatUsd(line.monthlyUsd).padStart(9),
      ]),
    ],
  );
  const total = `ESTIMATED TOTAL: ${formatUsd(estimate.totalMonthlyUsd)} per month (${priceTable.region} on-demand prices of ${priceTable.date}${estimate.unpriced.length > 0 ? `; excludes ${estimate.unpriced.length} unpriced item(s) below` : ''})`;
  return [
    `Monthly cost estimate of ${estimate.stackName}, from ${estimate.template}`,
    table,
    total,
    listed(`UNPRICED (${estimate.unpriced.length}), not in the total`, estimate.unpriced),
    summarizeFree(estimate.free),
    ['Assumptions:', ...estimate.assumptions.map((assumption) => `  - ${assumption}`)].join('\n'),
    [
      `Prices: ${priceTable.basis}`,
      'Sources (AWS pricing pages):',
      ...priceTable.sources.map((source) => `  - ${source.covers}: ${source.url}`),
    ].join('\n'),
  ]
    .filter((block) => block !== '')
    .join('\n\n')
    .concat('\n');
}

function listed(title: string, resources: readonly ListedResource[]): string {
  if (resources.length === 0) return '';
  return [
    title + ':',
    ...resources.map((item) => `  ${item.logicalId}  ${item.type}  ${item.reason}`),
  ].join('\n');
}

function summarizeFree(resources: readonly ListedResource[]): string {
  if (resources.length === 0) return '';
  const counts = new Map<string, number>();
  for (const resource of resources) counts.set(resource.type, (counts.get(resource.type) ?? 0) + 1);
  const types = [...counts].map(([type, count]) => `${type} ×${count}`).join(', ');
  return `Free (${resources.length} resources, no charge of their own): ${types}`;
}
