import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { openContext, type AppContext } from '../context.js';
import { UserError, oneLine } from '../../util/errors.js';
import { Scheduler, type JobDefinition } from '../../scheduler/scheduler.js';
import { createWebServer } from '../../web/server.js';
import { runIngest, summarizeIngest } from './ingest.js';
import { runBuild } from './editions.js';

export function registerServerCommands(program: Command): void {
  program
    .command('start')
    .description('run Kiosque: the web server plus the scheduled jobs (ingest, editions at each subscriber\'s hour)')
    .action(async () => {
      const ctx = await openContext();
      await runServer(ctx, { scheduler: true });
    });

  program
    .command('serve')
    .description('run only the web server (web edition, subscriber and editor pages)')
    .action(async () => {
      const ctx = await openContext();
      await runServer(ctx, { scheduler: false });
    });
}

/** The jobs `start` schedules. Each is idempotent, so catch-up and retries are safe. */
export function defaultJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: 'ingest',
      cron: ctx.config.ingestCron,
      leaseTtlMs: 10 * 60_000,
      run: async () => {
        const r = await runIngest(ctx);
        ctx.log.info(summarizeIngest(r));
        return { feeds: r.feeds, inserted: r.inserted, failed: r.failed };
      },
    },
    {
      // Every minute: the editions whose local edition time has come (each subscriber's own zone).
      name: 'editions',
      cron: '* * * * *',
      leaseTtlMs: 10 * 60_000,
      run: async () => {
        const { dueSubscribers } = await import('../../edition/build.js');
        const due = await dueSubscribers(ctx.store, ctx.clock.now());
        let built = 0;
        for (const date of new Set(due.map((d) => d.date))) {
          const ids = due.filter((d) => d.date === date).map((d) => d.subscriber.id);
          built += (await runBuild(ctx, { date, subscriberIds: ids })).editions;
        }
        return { built };
      },
    },
    {
      // Every minute: e-mail the editions whose local edition time has come, zone by zone, once each (ledger).
      name: 'newsletter',
      cron: '* * * * *',
      leaseTtlMs: 10 * 60_000,
      run: async (signal) => {
        const { runSend } = await import('../../newsletter/run.js');
        const r = await runSend(ctx, { signal });
        return 'sent' in r ? { sent: r.sent, failed: r.failed, retryLater: r.retryLater, uncertain: r.uncertain } : r;
      },
    },
  ];
}

/** Checks what start-up needs before anything is scheduled; each failure is one clear line. */
export function checkDependencies(ctx: AppContext): void {
  for (const [what, dir] of [
    ['data directory (KIOSQUE_DATA_DIR)', ctx.config.dataDir],
    ['editions directory (KIOSQUE_EDITIONS_DIR)', ctx.config.editionsDir],
  ] as const) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UserError(`${what} ${dir} is not writable`);
    }
  }
}

export async function runServer(ctx: AppContext, opts: { scheduler: boolean; extraJobs?: JobDefinition[]; onListening?: (url: string) => void }): Promise<void> {
  checkDependencies(ctx);
  const { newsletterPlugin } = await import('../../newsletter/run.js');
  const app = await createWebServer(ctx, { plugins: [newsletterPlugin(ctx)], exportSections: { newsletterSends: (id) => ctx.store.listSends({ subscriberId: id }) } });
  try {
    await app.listen({ host: ctx.config.host, port: ctx.config.port });
  } catch (e) {
    await ctx.close();
    throw new UserError(`cannot listen on ${ctx.config.host}:${ctx.config.port}: ${oneLine(e)}`);
  }
  const scheduler = opts.scheduler
    ? new Scheduler({ store: ctx.store, log: ctx.log, clock: ctx.clock, owner: ctx.config.instanceId }, [...defaultJobs(ctx), ...(opts.extraJobs ?? [])])
    : undefined;
  await scheduler?.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : ctx.config.port;
  const url = `http://${ctx.config.host === '0.0.0.0' ? 'localhost' : ctx.config.host}:${port}`;
  ctx.log.info({ url, scheduler: !!scheduler, store: ctx.store.kind }, `Kiosque listening on ${url}`);
  opts.onListening?.(url);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    ctx.log.info({ signal }, 'shutting down: no new work, waiting for running jobs and requests');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await scheduler?.stop(20_000);
    await app.close();
    await ctx.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
