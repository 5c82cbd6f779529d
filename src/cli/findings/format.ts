import type { Finding } from './finding.js';

/**
 * The fixes of the warnings and failures, one block per check, for under a report's table (the
 * table keeps one line per check). Empty when nothing needs fixing.
 */
export function formatFixes(outcomes: readonly (Finding & { readonly check: string })[]): string {
  const lines = outcomes
    .filter((outcome) => outcome.fix !== undefined && outcome.result !== 'pass')
    .map((outcome) => `  ${outcome.check} (${outcome.result}): ${outcome.fix ?? ''}`);
  return lines.length === 0 ? '' : `\nHow to fix:\n${lines.join('\n')}\n`;
}
