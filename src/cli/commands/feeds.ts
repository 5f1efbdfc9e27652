import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { FeedRecord, NewFeed } from '../../model.js';
import { parseOpml, toOpml, httpUrl } from '../../ingest/opml.js';
import { checkFeedUrl } from '../../ingest/fetch/fetcher.js';
import { UserError } from '../../util/errors.js';
import { openContext, type AppContext } from '../context.js';
import { withContext, printJson } from './shared.js';

export function registerFeedCommands(program: Command): void {
  const feeds = program.command('feeds').description('manage the list of feeds (OPML import/export, add, list with health)');

  feeds
    .command('import')
    .description('add every feed of an OPML file, keeping its sections')
    .argument('<file>', 'OPML file')
    .option('--section <name>', 'section for feeds outside any section outline', 'À la une')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { section: string; json?: boolean }) => {
      const text = await readFile(file, 'utf8').catch(() => {
        throw new UserError(`cannot read OPML file ${file}`);
      });
      const { feeds: parsed, skipped: badOutlines } = await parseOpml(text, { defaultSection: opts.section });
      await withContext(async (ctx) => {
        const list: NewFeed[] = [];
        let skipped = badOutlines;
        for (const f of parsed) {
          try {
            list.push(validateNewFeed(f, { allowPrivate: ctx.config.fetchAllowPrivate }));
          } catch (e) {
            skipped++;
            ctx.log.warn(`${f.url}: ${(e as Error).message}`);
          }
        }
        const r = await importFeeds(ctx, list);
        if (opts.json) printJson({ ...r, skipped });
        else console.log(`imported ${r.added + r.existing} feeds from ${file}: ${r.added} new, ${r.existing} already known, ${skipped} outlines skipped`);
      });
    });

  feeds
    .command('export')
    .description('write all feeds as OPML (to a file, or to standard output)')
    .argument('[file]', 'output file')
    .action(async (file?: string) => {
      await withContext(async (ctx) => {
        const xml = toOpml(await ctx.store.listFeeds());
        if (file) await writeFile(file, xml);
        else process.stdout.write(xml);
      });
    });

  feeds
    .command('add')
    .description('add one feed by URL')
    .argument('<url>', 'feed URL (http or https)')
    .requiredOption('--section <name>', 'editorial section, e.g. "Sport"')
    .option('--title <title>', 'display name (defaults to the feed\'s own title after the first fetch)')
    .option('--lang <lang>', 'language of the feed: fr or en')
    .option('--country <cc>', 'publisher home country, ISO 3166 alpha-2 (e.g. FR)')
    .option('--region <name>', 'region a regional feed covers')
    .action(async (url: string, opts: { section: string; title?: string; lang?: string; country?: string; region?: string }) => {
      await withContext(async (ctx) => {
        const feed = validateNewFeed(
          { url, section: opts.section, title: opts.title, lang: opts.lang, country: opts.country, region: opts.region },
          { allowPrivate: ctx.config.fetchAllowPrivate },
        );
        const existing = await ctx.store.getFeedByUrl(feed.url);
        const f = await ctx.store.upsertFeed(feed);
        console.log(`${existing ? 'already known' : 'added'}: ${f.id} ${f.url} [${f.section}]`);
      });
    });

  feeds
    .command('list')
    .description('list feeds with their health (last fetch, status, errors, items)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const list = await ctx.store.listFeeds();
        if (opts.json) return printJson(list.map(feedHealth));
        if (!list.length) return console.log('no feeds yet: kiosque feeds import feeds/feeds.opml');
        for (const f of list) {
          const h = feedHealth(f);
          console.log(
            `${h.health.padEnd(8)} ${f.id}  ${f.section.padEnd(14).slice(0, 14)} ${f.title.slice(0, 40).padEnd(40)} last ${h.lastFetchedAt ?? 'never'}` +
              `${f.lastStatus ? ` HTTP ${f.lastStatus}` : ''}${f.errorCount ? ` errors ${f.errorCount}` : ''}${f.lastError ? ` — ${f.lastError}` : ''}`,
          );
        }
      });
    });

  for (const [name, status, what] of [
    ['disable', 'disabled', 'stop polling a feed (its articles stay)'],
    ['enable', 'active', 'resume polling a disabled or gone feed'],
  ] as const) {
    feeds
      .command(name)
      .description(what)
      .argument('<feed>', 'feed id or URL')
      .action(async (ref: string) => {
        await withContext(async (ctx) => {
          const f = await findFeed(ctx, ref);
          await ctx.store.updateFeed(f.id, { status, ...(status === 'active' ? { errorCount: 0, nextFetchAt: new Date(0).toISOString() } : {}) });
          console.log(`${f.url}: ${status}`);
        });
      });
  }
}

export async function importFeeds(ctx: Pick<AppContext, 'store'>, list: NewFeed[]): Promise<{ added: number; existing: number }> {
  let added = 0;
  let existing = 0;
  for (const f of list) {
    if (await ctx.store.getFeedByUrl(f.url)) existing++;
    else {
      await ctx.store.upsertFeed(f);
      added++;
    }
  }
  return { added, existing };
}

/**
 * Checks a feed an editor adds: the URL (scheme, credentials, private
 * addresses that can be judged without DNS — the fetcher checks the resolved
 * address again on every poll), section, language and country.
 */
export function validateNewFeed(
  raw: { url: string; section: string; title?: string | undefined; lang?: string | undefined; country?: string | undefined; region?: string | undefined },
  guard: { allowPrivate: boolean } = { allowPrivate: false },
): NewFeed {
  let url: string;
  try {
    url = checkFeedUrl(raw.url.trim(), guard).toString();
  } catch (e) {
    throw new UserError(`feed URL ${JSON.stringify(raw.url).slice(0, 200)} refused: ${(e as Error).message}`);
  }
  const section = raw.section.trim();
  if (!section || section.length > 120) throw new UserError('section must be 1 to 120 characters');
  if (raw.lang && raw.lang !== 'fr' && raw.lang !== 'en') throw new UserError(`lang must be fr or en, not ${JSON.stringify(raw.lang)}`);
  if (raw.country && !/^[A-Za-z]{2}$/.test(raw.country)) throw new UserError(`country must be a two-letter ISO code, not ${JSON.stringify(raw.country)}`);
  return {
    url,
    section,
    title: (raw.title?.trim() || url).slice(0, 300),
    ...(raw.lang ? { lang: raw.lang as 'fr' | 'en' } : {}),
    ...(raw.country ? { country: raw.country.toUpperCase() } : {}),
    ...(raw.region ? { region: raw.region.slice(0, 120) } : {}),
  };
}

async function findFeed(ctx: AppContext, ref: string): Promise<FeedRecord> {
  const f = (await ctx.store.getFeed(ref)) ?? (httpUrl(ref) ? await ctx.store.getFeedByUrl(httpUrl(ref)!) : null);
  if (!f) throw new UserError(`no feed with id or URL ${ref}`);
  return f;
}

/** A feed's health as shown to editors. */
export function feedHealth(f: FeedRecord) {
  const health = f.status !== 'active' ? f.status : f.errorCount > 0 ? 'failing' : f.lastSuccessAt ? 'ok' : 'new';
  return {
    id: f.id,
    url: f.url,
    title: f.title,
    section: f.section,
    status: f.status,
    health,
    lastFetchedAt: f.lastFetchedAt,
    lastSuccessAt: f.lastSuccessAt,
    lastStatus: f.lastStatus,
    lastError: f.lastError,
    errorCount: f.errorCount,
    lastItemCount: f.lastItemCount,
    nextFetchAt: f.nextFetchAt,
  };
}

export { openContext };
