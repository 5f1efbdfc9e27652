import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler, type JobDefinition } from '../../src/scheduler/scheduler.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/util/log.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { createMongoStore } from '../../src/store/mongo.js';
import { MingoDb } from '../store/mingo-db.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function sharedFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'kiosque-sched-')), 'kiosque.db');
}

function open(file: string): Store {
  const s = openSqliteStore(file);
  stores.push(s);
  return s;
}

function slowJob(ms: number, runs: string[], who: string): JobDefinition {
  return {
    name: 'ingest',
    cron: '0 0 1 1 *',
    catchUp: false,
    run: async () => {
      runs.push(who);
      await new Promise((r) => setTimeout(r, ms));
      return who;
    },
  };
}

describe('Scheduler', () => {
  it('never runs one job on two instances at once (store lease)', async () => {
    const file = sharedFile();
    const runs: string[] = [];
    const a = new Scheduler({ store: open(file), log: silentLogger, clock: systemClock, owner: 'a' }, [slowJob(300, runs, 'a')]);
    const b = new Scheduler({ store: open(file), log: silentLogger, clock: systemClock, owner: 'b' }, [slowJob(300, runs, 'b')]);
    const [ra, rb] = await Promise.all([a.runNow('ingest'), b.runNow('ingest')]);
    expect(runs).toHaveLength(1);
    expect([ra.status, rb.status].sort()).toEqual(['ran', 'skipped']);
    // Once released, the other instance may run it.
    const again = await (runs[0] === 'a' ? b : a).runNow('ingest');
    expect(again.status).toBe('ran');
  });

  it('OPS-09: instances whose clocks are 5 minutes apart still run a job one at a time (MongoDB leases use the server time)', async () => {
    const db = new MingoDb();
    const skewed = (ms: number): Clock => ({ now: () => new Date(Date.now() + ms) });
    const runs: string[] = [];
    const job = (who: string): JobDefinition => ({ ...slowJob(200, runs, who), leaseTtlMs: 60_000 });
    const a = new Scheduler({ store: await createMongoStore(db, { clock: skewed(0) }), log: silentLogger, clock: skewed(0), owner: 'a' }, [job('a')]);
    const b = new Scheduler({ store: await createMongoStore(db, { clock: skewed(5 * 60_000) }), log: silentLogger, clock: skewed(5 * 60_000), owner: 'b' }, [job('b')]);
    const first = a.runNow('ingest');
    await new Promise((r) => setTimeout(r, 50));
    // B's clock is past A's lease by its own reckoning; the server's is not.
    expect(await b.runNow('ingest')).toMatchObject({ status: 'skipped', reason: 'not-elected' });
    expect(await first).toMatchObject({ status: 'ran' });
    expect(await b.runNow('ingest')).toMatchObject({ status: 'ran' });
    expect(runs).toEqual(['a', 'b']);
  });

  it('skips a tick while the previous run is still going', async () => {
    const runs: string[] = [];
    const s = new Scheduler({ store: open(sharedFile()), log: silentLogger, clock: systemClock, owner: 'a' }, [slowJob(200, runs, 'a')]);
    const first = s.runNow('ingest');
    const second = await s.runNow('ingest');
    expect(second).toEqual({ status: 'skipped', reason: 'still-running' });
    expect((await first).status).toBe('ran');
    expect(runs).toEqual(['a']);
  });

  it('catches up a missed run once at start, and not when the last run is recent', async () => {
    const store = open(sharedFile());
    let count = 0;
    const job: JobDefinition = { name: 'ingest', cron: '*/15 * * * *', run: async () => ++count };
    const s1 = new Scheduler({ store, log: silentLogger, clock: systemClock, owner: 'a' }, [job]);
    await s1.start();
    await new Promise((r) => setTimeout(r, 200));
    await s1.stop();
    expect(count).toBe(1);
    const s2 = new Scheduler({ store, log: silentLogger, clock: systemClock, owner: 'a' }, [job]);
    await s2.start();
    await new Promise((r) => setTimeout(r, 200));
    await s2.stop();
    expect(count).toBe(1);
  });

  it('records a failing run without throwing, and stop waits for running jobs', async () => {
    const store = open(sharedFile());
    let finished = false;
    const s = new Scheduler({ store, log: silentLogger, clock: systemClock, owner: 'a' }, [
      { name: 'bad', cron: '0 0 1 1 *', catchUp: false, run: async () => Promise.reject(new Error('boom')) },
      {
        name: 'slow',
        cron: '0 0 1 1 *',
        catchUp: false,
        run: async () => {
          await new Promise((r) => setTimeout(r, 300));
          finished = true;
        },
      },
    ]);
    expect(await s.runNow('bad')).toMatchObject({ status: 'failed', error: 'boom' });
    void s.runNow('slow');
    await s.stop(5000);
    expect(finished).toBe(true);
    expect(await s.runNow('slow')).toEqual({ status: 'skipped', reason: 'stopping' });
  });

  it('rejects an invalid cron expression with a clear message', () => {
    expect(() => new Scheduler({ store: open(sharedFile()), log: silentLogger, clock: systemClock, owner: 'a' }, [{ name: 'x', cron: '61 * * * *', run: async () => 0 }])).toThrow(
      /invalid cron expression for job x/,
    );
  });
});

describe('Scheduler on real cron ticks (OPS-01)', () => {
  it('never overlaps a slow job, and keeps ticking after a failure or a hang', async () => {
    const store = open(sharedFile());
    let running = 0;
    let maxConcurrent = 0;
    let calls = 0;
    const s = new Scheduler({ store, log: silentLogger, clock: systemClock, owner: 'a' }, [
      {
        name: 'tick',
        cron: '* * * * * *', // every second
        catchUp: false,
        maxRuntimeMs: 1500,
        run: async () => {
          calls++;
          running++;
          // Runs 1 and 2 must never overlap anything; run 3 hangs and is abandoned by the watchdog.
          if (calls <= 3) maxConcurrent = Math.max(maxConcurrent, running);
          try {
            if (calls === 1) await new Promise((r) => setTimeout(r, 1300)); // slower than the tick
            else if (calls === 2) throw new Error('boom');
            else if (calls === 3) await new Promise(() => undefined); // hangs forever
          } finally {
            if (calls !== 3) running--;
          }
        },
      },
    ]);
    await s.start();
    await new Promise((r) => setTimeout(r, 6500));
    await s.stop(100);
    expect(calls).toBeGreaterThanOrEqual(4); // a run after the slow one, the failure and the hang
    expect(maxConcurrent).toBe(1);
  });
});
