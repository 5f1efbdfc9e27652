import type { Command } from 'commander';
import { printJson } from './shared.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('offline demo: sample feeds served on loopback, ingested, tagged, editions built and served')
    .option('--once', 'run the pipeline once and exit instead of serving')
    .option('--json', 'with --once: print {"articles","stories","subscribers","editions","editionsDir"}')
    .action(async (opts: { once?: boolean; json?: boolean }) => {
      const { setUpDemo } = await import('../../demo/run.js');
      const t0 = Date.now();
      const run = await setUpDemo({ quiet: !!opts.json });
      if (opts.once) {
        await run.feedServer.close();
        await run.ctx.close();
        if (opts.json) printJson(run.summary);
        else console.log(describe(run.summary, Date.now() - t0));
        return;
      }
      console.log(describe(run.summary, Date.now() - t0));
      const { runServer } = await import('./server.js');
      await runServer(run.ctx, {
        scheduler: true,
        onListening: (url) => {
          console.log(`\nKiosque demo is running at ${url}`);
          console.log(`  rendered editions: ${run.summary.editionsDir}`);
          console.log(`  sample feeds:      ${run.feedServer.url}/feeds/<key>.xml`);
          console.log('Press Ctrl+C to stop.');
        },
      });
    });
}

function describe(s: { articles: number; stories: number; subscribers: number; editions: number; editionsDir: string }, ms: number): string {
  return (
    `demo ready in ${(ms / 1000).toFixed(1)} s: ${s.articles} articles in ${s.stories} stories, ` +
    `${s.subscribers} subscribers, ${s.editions} editions (written under ${s.editionsDir})`
  );
}
