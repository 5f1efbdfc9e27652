import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { createProgress } from '../../util/progress.js';
import type { AppContext } from '../context.js';
import type { BuildOptions, BuildReport } from '../../edition/build.js';
import { withContext, printJson } from './shared.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseDateOption(v: string): string {
  if (!ISO_DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new UserError(`--date must be YYYY-MM-DD, not ${JSON.stringify(v)}`);
  return v;
}

export function registerEditionCommands(program: Command): void {
  program
    .command('build')
    .description("build every due subscriber's edition for a date (JSON, Markdown, HTML under editions/)")
    .option('--date <YYYY-MM-DD>', 'edition date (default: today in each subscriber\'s time zone)', parseDateOption)
    .option('--subscriber <id...>', 'only these subscribers')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { date?: string; subscriber?: string[]; json?: boolean }) => {
      await withContext(async (ctx) => {
        const r = await runBuild(ctx, { ...(opts.date ? { date: opts.date } : {}), ...(opts.subscriber ? { subscriberIds: opts.subscriber } : {}) });
        if (opts.json) printJson(r);
        else console.log(`built ${r.editions} editions for ${r.dates.join(', ') || 'no date'} (settings v${r.settingsVersion}) in ${r.seconds} s, written under ${r.editionsDir}`);
      });
    });

  program
    .command('send')
    .description('send the editions that are due by e-mail (or to editions/outbox without SMTP_URL)')
    .option('--date <YYYY-MM-DD>', 'edition date', parseDateOption)
    .option('--now', 'send now whatever the subscribers\' edition times')
    .action(async () => {
      throw new UserError('newsletter delivery is not part of this version yet (issue #6)');
    });
}

/** The build stage with the project's settings: used by the CLI, the scheduler and the demo. */
export async function runBuild(ctx: AppContext, opts: BuildOptions = {}): Promise<BuildReport> {
  const { buildEditions } = await import('../../edition/build.js');
  return buildEditions(
    {
      store: ctx.store,
      log: ctx.log,
      clock: ctx.clock,
      editionsDir: ctx.config.editionsDir,
      baseUrl: ctx.config.baseUrl,
      secret: ctx.config.secret,
      progress: (title, total) => createProgress(title, total, ctx.log),
    },
    opts,
  );
}
