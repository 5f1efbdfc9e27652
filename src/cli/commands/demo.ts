import type { Command } from 'commander';
import { printJson } from './shared.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('offline demo: sample feeds served on loopback, ingested, tagged, editions built and served')
    .option('--once', 'run the pipeline once and exit instead of serving')
    .option('--json', 'with --once: print {"articles","stories","subscribers","editions","editionsDir","emails","outboxDir"}')
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
      const links = await demoLinks(run.ctx);
      await runServer(run.ctx, {
        scheduler: true,
        onListening: (url) => {
          console.log(`\nKiosque demo is running at ${url}`);
          if (links.subscriber) console.log(`  subscriber (${links.subscriber.email}): ${url}${links.subscriber.path}`);
          console.log(`  editors' console (${links.editor.email}): ${url}${links.editor.path}`);
          console.log(`  sign-up page:      ${url}/signup`);
          console.log(`  rendered editions: ${run.summary.editionsDir}`);
          console.log(`  sample feeds:      ${run.feedServer.url}/feeds/<key>.xml`);
          console.log('Sign-in links work once and expire (subscriber 24 h, editor 24 h). Press Ctrl+C to stop.');
        },
      });
    });
}

function describe(s: { articles: number; stories: number; subscribers: number; editions: number; editionsDir: string; emails: number; outboxDir: string }, ms: number): string {
  return (
    `demo ready in ${(ms / 1000).toFixed(1)} s: ${s.articles} articles in ${s.stories} stories, ` +
    `${s.subscribers} subscribers, ${s.editions} editions (written under ${s.editionsDir}), ` +
    `${s.emails} newsletter e-mails (.eml under ${s.outboxDir})`
  );
}

/** Sign-in links (paths) for one demo subscriber and a demo editor account, created when missing. */
async function demoLinks(ctx: import('../context.js').AppContext) {
  const { magicToken } = await import('../../web/session.js');
  const { addEditor } = await import('./editors.js');
  const session = { secret: ctx.config.secret, secure: false, now: () => ctx.clock.now() };
  const sub = (await ctx.store.listSubscribers({ status: 'active', limit: 1 }))[0];
  const { editor } = await addEditor(ctx, 'redaction@kiosque.localhost', 'admin');
  return {
    subscriber: sub ? { email: sub.email, path: `/login/${magicToken(session, 'subscriber', sub, 24 * 3600_000)}` } : undefined,
    editor: { email: editor.email, path: `/editor/login/${magicToken(session, 'editor', editor, 24 * 3600_000)}` },
  };
}
