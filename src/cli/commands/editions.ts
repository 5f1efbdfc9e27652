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
    .option('--subscriber <id...>', 'only these subscribers')
    .option('--resend-uncertain', 're-send editions a crashed run may have delivered (check the mail server logs first)')
    .option('--confirm-pending', 'also send the double opt-in message to pending subscribers who asked for the newsletter')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { date?: string; now?: boolean; subscriber?: string[]; resendUncertain?: boolean; confirmPending?: boolean; json?: boolean }) => {
      await withContext(async (ctx) => {
        const { runSend } = await import('../../newsletter/run.js');
        const r = await runSend(ctx, {
          ...(opts.date ? { date: opts.date } : {}),
          ...(opts.now ? { now: true } : {}),
          ...(opts.subscriber ? { subscriberIds: opts.subscriber } : {}),
          ...(opts.resendUncertain ? { resendUncertain: true } : {}),
          ...(opts.confirmPending ? { confirmPending: true } : {}),
        });
        if (opts.json) return printJson(r);
        if ('skipped' in r && typeof r.skipped === 'string') throw new UserError(`not sent: ${r.skipped} (try again in a few minutes)`, 3);
        const rep = r as import('../../newsletter/send.js').SendReport;
        const where = ctx.config.smtpUrl ? 'by SMTP' : `to ${ctx.config.editionsDir}/outbox`;
        const skipped = Object.entries(rep.skipped).map(([k, v]) => `${v} ${k}`).join(', ');
        console.log(
          `sent ${rep.sent} of ${rep.due} due editions ${where} in ${rep.seconds} s` +
            (rep.failed ? `, ${rep.failed} failed` : '') +
            (rep.retryLater ? `, ${rep.retryLater} to retry later` : '') +
            (rep.uncertain ? `, ${rep.uncertain} uncertain (a crashed run may have delivered them; see --resend-uncertain)` : '') +
            (rep.confirmations ? `, ${rep.confirmations} confirmation requests` : '') +
            (skipped ? ` (not due: ${skipped})` : ''),
        );
      });
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
      workers: ctx.config.workers,
      instanceId: ctx.config.instanceId,
      ...(ctx.config.mongodbUri ? { storeLocation: { kind: 'mongodb' as const, uri: ctx.config.mongodbUri, db: ctx.config.mongodbDb } } : {}),
    },
    opts,
  );
}
