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
    .command('http')
    .description('web edition page and /c/ click redirect on loopback (autocannon): requests/s and p99 latency')
    .option('--duration <seconds>', 'seconds per measure (1-60)', '5')
    .option('--connections <n>', 'concurrent connections', '20')
    .option('--json', 'print JSON')
    .action(async (o: { duration: string; connections: string }) => {
      const duration = Number(o.duration);
      const connections = Number(o.connections);
      if (!Number.isFinite(duration) || duration < 1 || duration > 60) throw new UserError('--duration must be between 1 and 60 seconds');
      if (!Number.isInteger(connections) || connections < 1 || connections > 1000) throw new UserError('--connections must be an integer from 1 to 1000');
      const { benchHttp } = await import('../../web/bench.js');
      printJson(await benchHttp({ duration, connections }));
    });

  bench
    .command('send')
    .description('e-mail N editions through the ledger and pooled SMTP to a sink on loopback and report messages/s')
    .option('--messages <n>', 'how many editions (default 10000)', (v) => Number(v))
    .option('--concurrency <n>', 'messages in flight (default 64)', (v) => Number(v))
    .option('--connections <n>', 'SMTP connections (default 8)', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (o: { messages?: number; concurrency?: number; connections?: number }) => {
      checkIntegerOptions(o, () => 1, 1_000_000_000);
      const { benchSend } = await import('../../newsletter/bench.js');
      printJson(await benchSend(o));
    });

  bench
    .command('editions')
    .description('build N editions from M candidates (synthetic subscribers with 50 clicks each) in a temp SQLite store with worker threads; report editions/s and peak memory')
    .option('--subscribers <n>', 'subscribers (default 20000)', (v) => Number(v))
    .option('--articles <n>', 'candidate articles (default 2000)', (v) => Number(v))
    .option('--workers <n>', 'worker threads (default: config workers / KIOSQUE_WORKERS, 0 = one per core)', (v) => Number(v))
    .option('--files', 'write every edition\'s editions/DATE files inside the build, as `kiosque build` does (timed with it)')
    .option('--json', 'print JSON')
    .action(async (o: { subscribers?: number; articles?: number; workers?: number; files?: boolean }) => {
      checkIntegerOptions(o, (k) => (k === 'workers' ? 0 : 1), 10_000_000);
      const { benchEditions } = await import('../../bench/editions.js');
      printJson(await benchEditions(o));
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

/** Every numeric option is an integer in [min(name), max]; otherwise a one-line error naming the option. */
function checkIntegerOptions(o: Record<string, unknown>, min: (name: string) => number, max: number): void {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number') continue;
    if (!Number.isInteger(v) || v < min(k) || v > max) throw new UserError(`--${k} must be an integer from ${min(k)} to ${max}`);
  }
}
