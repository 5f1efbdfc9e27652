import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { printJson } from './shared.js';

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('benchmarks with JSON output (speed and memory targets)');

  bench
    .command('tag')
    .description('tag every row of a JSONL file (language, keywords, topics, places) and report docs/s')
    .requiredOption('--input <file>', 'JSONL rows with title and text')
    .option('--json', 'print JSON')
    .action(async (o: { input: string }) => {
      const { benchTag } = await import('../../bench/tag.js');
      printJson(await benchTag(o));
    });

  bench
    .command('all')
    .description('run every benchmark with its default inputs and print one JSON object')
    .option('--json', 'print JSON')
    .action(async () => {
      const { runAllBenchmarks } = await import('../../bench/all.js');
      printJson(await runAllBenchmarks());
    });
}

export { UserError };
