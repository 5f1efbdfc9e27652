/**
 * The partitioned build: worker threads give the same editions as the
 * single-thread build, a rebuild replaces, and several processes on one
 * SQLite file share a day's build, one of them SIGKILLed mid-build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { buildEditions } from '../../../src/edition/build.js';
import { partitionRange, runPartitionedBuild, type BuildEvent, type PartitionedBuildReport, type RunPlan } from '../../../src/edition/parallel/run.js';
import { silentLogger } from '../../../src/util/log.js';
import { fixedClock } from '../../../src/util/clock.js';
import type { Edition } from '../../../src/model.js';
import { seedFile } from './world.js';
import { spawnScript } from '../../helpers/child.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'build-child.ts');
const dir = mkdtempSync(join(tmpdir(), 'kiosque-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = '2026-11-22T06:00:00.000Z';
const DATE = '2026-11-22';
const deps = (store: ReturnType<typeof openSqliteStore>, name: string) => ({
  store,
  log: silentLogger,
  clock: fixedClock(NOW),
  editionsDir: join(dir, name, 'editions'),
  baseUrl: 'http://localhost:3000',
  secret: 's'.repeat(32),
});
/** A store file seeded with `subscribers` before the describe block's tests (call inside describe). */
function seededFile(name: string, subscribers: number): string {
  const file = join(dir, name);
  beforeAll(() => seedFile(file, subscribers), 120_000);
  return file;
}
/** Runs `fn` on the store of `file`, closed afterwards whatever happens. */
async function withStore<T>(file: string, fn: (store: ReturnType<typeof openSqliteStore>) => Promise<T>, clock?: ReturnType<typeof fixedClock>): Promise<T> {
  const store = openSqliteStore(file, clock ? { clock } : {});
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
/** The store with some of its methods replaced; the others still act on it. */
/** The store, with `before` run ahead of every call of one method (to count calls, or to throw instead). */
function beforeCall<S extends object, K extends keyof S>(target: S, method: K, before: (...args: unknown[]) => void): S {
  return new Proxy(target, {
    get(t, key, receiver) {
      const v = Reflect.get(t, key, receiver);
      if (typeof v !== 'function') return v;
      if (key !== method) return v.bind(t);
      return (...args: unknown[]) => {
        before(...args);
        return v.apply(t, args);
      };
    },
  });
}
/** What a reader sees: the items, in order, with their reasons (not the build time). */
const shape = (e: Edition) => ({ id: e.id, sections: e.sections, items: e.items, metrics: e.metrics, personalized: e.personalized });

describe('partition ranges', () => {
  it('cover every id once: open at both ends, bounds inclusive above', () => {
    const plan = { bounds: ['b', 'd'] };
    expect(partitionRange(plan, 0)).toEqual({ through: 'b' });
    expect(partitionRange(plan, 1)).toEqual({ after: 'b', through: 'd' });
    expect(partitionRange(plan, 2)).toEqual({ after: 'd' });
    expect(partitionRange({ bounds: [] }, 0)).toEqual({});
  });
});

describe('threaded build', () => {
  const one = join(dir, 'one.db');
  const threaded = join(dir, 'threaded.db');
  beforeAll(async () => {
    await seedFile(one, 130);
    await seedFile(threaded, 130);
  }, 120_000);

  it('gives every subscriber the edition of the single-thread build; a rebuild replaces', async () => {
    const a = openSqliteStore(one);
    const b = openSqliteStore(threaded);
    try {
      const seq = await buildEditions(deps(a, 'one'), { date: DATE });
      expect(seq.editions).toBe(130);
      const events: BuildEvent[] = [];
      // The threads leave the write-ahead log to this thread, which copies it at least once, when the pool closes.
      let checkpoints = 0;
      const checkpoint = b.checkpoint.bind(b);
      b.checkpoint = () => (checkpoints++, checkpoint());
      const r = await runPartitionedBuild(deps(b, 'threaded'), { date: DATE, workers: 2, partitionSize: 25, owner: 'solo', onEvent: (e) => events.push(e) });
      expect(r).toMatchObject({ partitions: 6, editions: 130, subscribers: 130, threads: 2, takenOver: [] });
      expect(checkpoints).toBeGreaterThanOrEqual(1);
      expect(r.built).toEqual([0, 1, 2, 3, 4, 5]);
      const mine = await b.listEditions({ date: DATE, limit: 1000 });
      const theirs = new Map((await a.listEditions({ date: DATE, limit: 1000 })).map((e) => [e.subscriberId, e]));
      expect(mine).toHaveLength(130);
      for (const e of mine) expect(shape(e)).toEqual(shape(theirs.get(e.subscriberId)!));
      // Files rendered by the threads, like the single-thread build's.
      const { readFile } = await import('node:fs/promises');
      const html = await readFile(join(dir, 'threaded', 'editions', DATE, `${mine[0]!.subscriberId}.html`), 'utf8');
      expect(html).toContain(mine[0]!.items[0]!.title.slice(0, 20));

      // The run is complete: building again plans a new run and replaces every edition.
      const again = await runPartitionedBuild(deps(b, 'threaded'), { date: DATE, partitionSize: 25, owner: 'solo', inProcess: true, render: false });
      expect(again.runId).not.toBe(r.runId);
      expect(again.editions).toBe(130);
      expect(await b.countEditions({ date: DATE })).toBe(130);

      // buildEditions takes the partitioned path from `parallelFrom` subscribers on.
      const viaBuild = await buildEditions({ ...deps(b, 'threaded'), parallelFrom: 100, workers: 1, instanceId: 'cli' }, { date: DATE });
      expect(viaBuild).toMatchObject({ editions: 130, subscribers: 130, dates: [DATE] });
      expect((await b.getKv<RunPlan>(`build:${DATE}:run`))!.createdBy).toBe('cli');
      for (const e of await b.listEditions({ date: DATE, limit: 1000 })) expect(shape(e)).toEqual(shape(theirs.get(e.subscriberId)!));
    } finally {
      await a.close();
      await b.close();
    }
  }, 180_000);
});

describe('taking partitions', () => {
  const file = seededFile('many.db', 60);

  it("reads each partition's done mark a bounded number of times, not once per partition taken after it", async () => {
    await withStore(file, async (store) => {
      let doneReads = 0;
      const counting = beforeCall(store, 'getKv', (k) => {
        if (String(k).endsWith(':done')) doneReads++;
      });
      const r = await runPartitionedBuild({ ...deps(store, 'many'), store: counting }, { date: DATE, partitionSize: 2, owner: 'solo', inProcess: true, render: false });
      expect(r.partitions).toBe(30);
      expect(r.editions).toBe(60);
      // Per partition: the look before taking it and the look after its lease; then two completion checks
      // of every partition at the end. Re-reading every done partition before each new one: 465 more.
      expect(doneReads).toBeLessThanOrEqual(4 * r.partitions + 5);
    });
  }, 120_000);
});

describe('a failing partition', () => {
  const file = seededFile('failing.db', 60);

  it('stops the instance, frees its lease at once, and the next instance finishes the same run', async () => {
    await withStore(file, async (store) => {
      let saves = 0;
      const flaky = beforeCall(store, 'saveEditions', () => {
        if (++saves === 2) throw new Error('disk full');
      });
      const events: BuildEvent[] = [];
      await expect(
        runPartitionedBuild({ ...deps(store, 'failing'), store: flaky }, { date: DATE, partitionSize: 20, owner: 'first', inProcess: true, render: false, leaseMs: 60_000, onEvent: (e) => events.push(e) }),
      ).rejects.toThrow('disk full');
      const failedAt = (events.filter((e) => e.type === 'took').pop() as { partition: number }).partition;
      const plan = (await store.getKv<RunPlan>(`build:${DATE}:run`))!;
      // Released, not left to expire in a minute.
      const lease = await store.acquireLease(`build:${plan.id}:${failedAt}`, 'someone', 1000);
      expect(lease).not.toBeNull();
      await store.releaseLease(lease!);
      const second = await runPartitionedBuild(deps(store, 'failing'), { date: DATE, partitionSize: 20, owner: 'second', inProcess: true, render: false });
      expect(second.runId).toBe(plan.id);
      expect(second.built).toContain(failedAt);
      expect(second.editions + events.filter((e) => e.type === 'done').length * 20).toBe(60);
      expect(await store.countEditions({ date: DATE })).toBe(60);
    });
  }, 120_000);
});

describe('run state', () => {
  const file = seededFile('state.db', 30);

  it('a new run forgets the plans, marks and leases of runs planned over a week before', async () => {
    const at = (days: number) => fixedClock(new Date(Date.parse(NOW) - days * 86_400_000).toISOString());
    const old = openSqliteStore(file, { clock: at(10) });
    await old.setKv('build:2026-11-12:run', { id: 'old' });
    await old.setKv('build:old:0:done', { by: 'x' });
    await old.acquireLease('build:old:0', 'gone', 1000);
    await old.close();
    const recent = openSqliteStore(file, { clock: at(2) });
    await recent.setKv('build:recent:0:done', { by: 'y' });
    await recent.close();
    await withStore(
      file,
      async (store) => {
      const r = await runPartitionedBuild(deps(store, 'state'), { date: DATE, partitionSize: 10, owner: 'solo', inProcess: true, render: false });
      expect(r.editions).toBe(30);
      expect(await store.getKv('build:2026-11-12:run')).toBeNull();
      expect(await store.getKv('build:old:0:done')).toBeNull();
      expect(store.db.prepare("SELECT count(*) AS n FROM leases WHERE name = 'build:old:0'").get()).toEqual({ n: 0 });
      expect(await store.getKv('build:recent:0:done')).toEqual({ by: 'y' });
      expect(await store.getKv(`build:${r.runId}:0:done`)).toMatchObject({ by: 'solo' });
      },
      fixedClock(NOW),
    );
  }, 120_000);
});

type ChildEvent = BuildEvent | ({ type: 'report' } & PartitionedBuildReport);

function child(file: string, owner: string, leaseMs: number, partitionSize: number, holdMs = 0) {
  const c = spawnScript(CHILD, [file, owner, String(leaseMs), String(partitionSize), String(holdMs)], (line) => JSON.parse(line) as ChildEvent);
  return { ...c, events: c.items };
}

describe('several processes share one build', () => {
  const file = seededFile('shared.db', 240);

  it('every subscriber ends with one edition; the survivors take over the partitions of a process SIGKILLed mid-build', async () => {
    const leaseMs = 1500;
    // The victim is slow (it stalls 400 ms after taking each partition), so it is still building when the others join.
    const victim = child(file, 'victim', leaseMs, 20, 400);
    await victim.waitFor((e) => e.type === 'took');
    const others = [child(file, 'a', leaseMs, 20), child(file, 'b', leaseMs, 20)];
    await others[0]!.waitFor((e) => e.type === 'run');
    // Killed right after taking its next partition: mid-partition, lease held.
    const seen = victim.events.filter((e) => e.type === 'took').length;
    await victim.waitFor(() => victim.events.filter((e) => e.type === 'took').length > seen);
    victim.proc.kill('SIGKILL');
    const killed = await victim.exit;
    expect(killed.signal).toBe('SIGKILL');
    const exits = await Promise.all(others.map((c) => c.exit));
    for (const x of exits) expect(x.code, x.stderr).toBe(0);

    const took = new Set(victim.events.filter((e) => e.type === 'took').map((e) => (e as { partition: number }).partition));
    const victimDone = new Set(victim.events.filter((e) => e.type === 'done').map((e) => (e as { partition: number }).partition));
    const unfinished = [...took].filter((p) => !victimDone.has(p));
    expect(unfinished.length).toBeGreaterThan(0);
    const reports = others.map((c) => c.events.find((e) => e.type === 'report') as { type: 'report' } & PartitionedBuildReport);
    const takenOver = reports.flatMap((r) => r.takenOver);
    for (const p of unfinished) expect(takenOver).toContain(p);
    const partitions = reports[0]!.partitions;
    expect(partitions).toBe(12);
    // Every partition built and marked done once by someone; the survivors built all the victim left.
    const built = [...reports.flatMap((r) => r.built), ...victimDone].sort((x, y) => x - y);
    expect(built).toEqual(Array.from({ length: partitions }, (_, i) => i));

    if (process.env.KIOSQUE_TEST_VERBOSE) {
      console.log(JSON.stringify({ victim: { took: [...took], done: [...victimDone] }, survivors: reports.map((r) => ({ built: r.built, takenOver: r.takenOver, editions: r.editions })) }));
    }
    const store = openSqliteStore(file);
    try {
      const plan = (await store.getKv<RunPlan>(`build:${DATE}:run`))!;
      expect(plan.subscribers).toBe(240);
      for (let p = 0; p < partitions; p++) {
        const mark = await store.getKv<{ by: string; token: number }>(`build:${plan.id}:${p}:done`);
        expect(mark).not.toBeNull();
        if (unfinished.includes(p)) {
          // The lease changed hands at least once (the victim's token was 1).
          expect(mark!.token).toBeGreaterThanOrEqual(2);
          expect(mark!.by).not.toBe('victim');
        }
      }
      expect(await store.countEditions({ date: DATE })).toBe(240);
      const subs = await store.listSubscribers({ limit: 1000 });
      for (const s of subs) expect(await store.getEdition(s.id, DATE), s.id).not.toBeNull();
      expect(store.db.prepare('SELECT count(*) AS n FROM editions WHERE date = ? GROUP BY subscriber_id HAVING n > 1').all(DATE)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 180_000);
});
