import type { Command } from 'commander';

interface CostFlags {
  readonly stage?: string;
  readonly template?: string;
  readonly synth?: boolean;
  readonly json?: boolean;
}

export function registerCostCommand(program: Command): void {
  program
    .command('cost')
    .description(
      "estimate a stage's monthly AWS bill from its synthesized template (offline, no AWS account)",
    )
    .requiredOption('--stage <stage>', 'the stage: dev or prod')
    .option('--template <file>', 'price this template instead of cdk.out/<stack>.template.json')
    .option('--synth', 'synthesize first even when cdk.out already has the template')
    .option('--json', 'print the estimate as JSON on stdout')
    .addHelpText(
      'after',
      '\nPrices: src/cli/cost/prices-us-east-1.json (dated, us-east-1 on demand). An estimate, not a quote.\nExit codes: see docs/cli.md.',
    )
    .action(async (flags: CostFlags) => {
      const [{ parseStage }, { runCost }] = await Promise.all([
        import('../aws/stack-options.js'),
        import('./run-cost.js'),
      ]);
      const stage = parseStage(flags.stage);
      await runCost({
        stage,
        json: flags.json === true,
        synth: flags.synth === true,
        ...(flags.template !== undefined && { templatePath: flags.template }),
      });
    });
}
