import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { createProgress } from '../../util/progress.js';
import { withContext, printJson } from './shared.js';
import type { AppContext } from '../context.js';
import type { IngestReport } from '../../ingest/pipeline.js';

export function registerIngestCommands(program: Command): void {
  program
    .command('ingest')
    .description('fetch due feeds now, store and tag new articles, merge duplicate stories')
    .option('--force', 'fetch every active feed, even those not due yet')
    .option('--feed <id...>', 'only these feed ids')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { force?: boolean; feed?: string[]; json?: boolean }) => {
      await withContext(async (ctx) => {
        const report = await runIngest(ctx, { ...(opts.force ? { force: true } : {}), ...(opts.feed ? { feedIds: opts.feed } : {}) });
        if (opts.json) printJson(report);
        else console.log(summarizeIngest(report));
      });
    });

  program
    .command('parse')
    .description('parse feed files and print one JSON line per file (no network, nothing stored)')
    .argument('<files...>', 'feed files (RSS, Atom)')
    .option('--json', 'JSON lines output (the only format)')
    .action(async (files: string[]) => {
      const { parseFileToJson } = await import('../../ingest/parse/parse-file.js');
      for (const file of files) {
        const result = await parseFileToJson(file);
        process.stdout.write(JSON.stringify(result) + '\n');
      }
    });

  program
    .command('retag')
    .description('re-run tagging (language, keywords, topics, places) over stored articles')
    .option('--all', 'retag every article, not only untagged ones')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withContext(async (ctx) => {
        const { TaggingEngine, retagStored } = await import('../../tag/tagger.js');
        const engine = await TaggingEngine.load(ctx.store);
        const r = await retagStored(ctx.store, engine, {
          all: !!opts.all,
          progress: (title: string, total: number) => createProgress(title, total, ctx.log),
        });
        if (opts.json) printJson(r);
        else console.log(`retagged ${JSON.stringify(r)}`);
      });
    });
}

/** The ingest stage with the project's settings: used by the CLI, the scheduler and the demo. */
export async function runIngest(
  ctx: AppContext,
  opts: { force?: boolean; feedIds?: string[]; fetchOverrides?: Record<string, unknown> } = {},
): Promise<IngestReport> {
  const { ingestFeeds } = await import('../../ingest/pipeline.js');
  const { TaggingEngine } = await import('../../tag/tagger.js');
  const tagger = await TaggingEngine.load(ctx.store, { clock: ctx.clock });
  const report = await ingestFeeds(
    {
      store: ctx.store,
      log: ctx.log,
      clock: ctx.clock,
      concurrency: ctx.config.fetchConcurrency,
      fetchOptions: {
        timeoutMs: ctx.config.fetchTimeoutMs,
        connectTimeoutMs: ctx.config.fetchConnectTimeoutMs,
        maxBytes: ctx.config.fetchMaxBytes,
        userAgent: ctx.config.userAgent,
        allowPrivate: ctx.config.fetchAllowPrivate,
        ...opts.fetchOverrides,
      },
      tagger,
      progress: (title, total) => createProgress(title, total, ctx.log),
    },
    opts,
  );
  // Document frequencies and the topic model learned from this run's articles.
  await tagger.save(ctx.store);
  return report;
}

export function summarizeIngest(r: IngestReport): string {
  return (
    `ingest: ${r.feeds} feeds polled — ${r.fetched} fetched, ${r.notModified} not modified, ${r.failed} failed; ` +
    `${r.inserted} new articles, ${r.updated} updated`
  );
}

export { UserError };
