/**
 * STO-07: several processes on one SQLite file. Concurrent writers with
 * overlapping items, a long read during the writes, a writer SIGKILLed
 * mid-run and one SIGKILLed inside an open transaction; then the file must
 * pass `PRAGMA integrity_check`, hold no partial batch and no duplicate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { article, sleep } from './fixtures.js';
import { spawnScript, type ScriptChild } from '../helpers/child.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'sqlite-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'kiosque-sto07-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Child extends Omit<ScriptChild<string>, 'waitFor'> {
  lines: string[];
  /** Resolves when a line matching `re` has been printed. */
  waitFor(re: RegExp): Promise<void>;
}

function child(...args: string[]): Child {
  const c = spawnScript(CHILD, args, (line) => line);
  return { ...c, lines: c.items, waitFor: (re) => c.waitFor((l) => re.test(l), String(re)) };
}

describe('STO-07: SQLite under several processes and crashes', () => {
  it('stays consistent: no partial batch, no duplicate, integrity ok', async () => {
    const file = join(dir, 'shared.db');
    const store = openSqliteStore(file); // creates the schema before the children race for it
    const BATCHES = 30;
    const SIZE = 40;

    const writers = ['w1', 'w2', 'w3'].map((w) => child('writer', file, w, String(BATCHES), String(SIZE)));
    const doomed = child('writer', file, 'wk', String(BATCHES * 10), String(SIZE));

    // A long read while the writers write: one snapshot throughout.
    await writers[0]!.waitFor(/^batch 3$/);
    store.db.exec('BEGIN');
    const countAll = store.db.prepare('SELECT count(*) AS n FROM articles');
    const before = (countAll.get() as { n: number }).n;
    await sleep(400);
    const during = (countAll.get() as { n: number }).n;
    store.db.exec('COMMIT');
    const after = (countAll.get() as { n: number }).n;
    expect(during).toBe(before);
    expect(after).toBeGreaterThan(before);

    // Kill one writer in the middle of its run.
    await doomed.waitFor(/^batch 5$/);
    doomed.proc.kill('SIGKILL');
    expect((await doomed.exit).signal).toBe('SIGKILL');

    // And one process while it holds an open write transaction.
    const holder = child('hold-tx', file);
    await holder.waitFor(/^in-tx$/);
    holder.proc.kill('SIGKILL');
    expect((await holder.exit).signal).toBe('SIGKILL');

    const exits = await Promise.all(writers.map((w) => w.exit));
    for (const x of exits) expect(x.code, x.stderr).toBe(0);
    const retries = writers.map((w) => JSON.parse(w.lines.at(-1)!) as { busyRetries: number });

    // The store is still writable after the crashes (the killed transaction's lock is gone).
    await store.upsertArticles([article('after-crash', { feedId: 'parent', guidHash: 'after' })]);

    const check = openSqliteStore(file);
    expect(check.integrityCheck()).toBe('ok');
    const db = check.db;
    // No row of the transaction that was killed.
    expect(db.prepare("SELECT count(*) AS n FROM kv WHERE key LIKE 'crash:%'").get()).toEqual({ n: 0 });
    // Every batch is all or nothing, the killed writer's included.
    const perBatch = db
      .prepare("SELECT json_extract(data, '$.categories[0]') AS batch, count(*) AS n FROM articles WHERE feed_id LIKE 'feed-w%' GROUP BY batch")
      .all() as { batch: string; n: number }[];
    for (const b of perBatch) expect(b.n, b.batch).toBe(SIZE);
    const byWorker = (w: string) => perBatch.filter((b) => b.batch.startsWith(`batch:${w}:`)).length;
    for (const w of ['w1', 'w2', 'w3']) expect(byWorker(w)).toBe(BATCHES);
    expect(byWorker('wk')).toBeGreaterThanOrEqual(6);
    expect(byWorker('wk')).toBeLessThan(BATCHES * 10);
    // Items every writer upserted exist once each.
    const shared = db.prepare("SELECT count(*) AS n, count(DISTINCT guid_hash) AS g FROM articles WHERE feed_id = 'feed-shared'").get() as { n: number; g: number };
    expect(shared.n).toBe(shared.g);
    expect(shared.n).toBeGreaterThanOrEqual(BATCHES * 5);
    console.log(
      JSON.stringify({
        sto07: { articles: after, snapshotHeld: during === before, killedWriterBatches: byWorker('wk'), busyRetries: retries.map((r) => r.busyRetries) },
      }),
    );
    await check.close();
    await store.close();
  }, 120_000);
});
