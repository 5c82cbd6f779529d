import { stackName, type Stage } from '../../shared/names.js';
import { createProgress, type Progress } from '../ui/progress.js';
import { estimateCost } from './estimate.js';
import { formatEstimate } from './format-estimate.js';
import { loadPriceTable } from './price-table.js';
import { loadTemplate } from '../synth/template-source.js';

export interface CostOptions {
  readonly stage: Stage;
  readonly json: boolean;
  /** @default - cdk.out/<stack>.template.json, synthesized when missing */
  readonly templatePath?: string;
  readonly synth: boolean;
  /** @default - progress on stderr */
  readonly progress?: Progress;
  /** @default process.stdout */
  readonly stdout?: NodeJS.WritableStream;
  /** @default process.stderr */
  readonly stderr?: NodeJS.WritableStream;
}

/** `spendsense-db cost`: the monthly estimate of a stage's synthesized template. Offline. */
export async function runCost(options: CostOptions): Promise<void> {
  const progress = options.progress ?? createProgress();
  const loaded = await loadTemplate({
    stage: options.stage,
    synth: options.synth,
    progress,
    ...(options.templatePath !== undefined && { templatePath: options.templatePath }),
  });
  if (loaded.staleNote !== undefined)
    (options.stderr ?? process.stderr).write(`note: ${loaded.staleNote}\n`);
  const estimate = estimateCost(loaded.template, loadPriceTable(), {
    stackName: stackName(options.stage),
    template: loaded.path,
  });
  const stdout = options.stdout ?? process.stdout;
  stdout.write(options.json ? `${JSON.stringify(estimate, null, 2)}\n` : formatEstimate(estimate));
}
