import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveWorkers } from '../../../src/edition/parallel/pool.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStoreAt, storeLocationOf } from '../../../src/edition/parallel/location.js';
import type { SqliteStore } from '../../../src/store/sqlite.js';
import { subscriber } from '../../store/fixtures.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';

describe('worker count', () => {
  it('takes the setting, 0 or nothing meaning one per core, and refuses nonsense with one line', () => {
    expect(resolveWorkers(3)).toBe(3);
    expect(resolveWorkers('2')).toBe(2);
    expect(resolveWorkers(0)).toBe(availableParallelism());
    expect(resolveWorkers('')).toBe(availableParallelism());
    expect(() => resolveWorkers('many')).toThrow(/KIOSQUE_WORKERS/);
    expect(() => resolveWorkers(65)).toThrow(/0 \(one per core\) to 64/);
  });
});

describe('store location for threads', () => {
  it('an in-memory SQLite store cannot be shared; MongoDB comes from its environment', async () => {
    const mem = openSqliteStore(':memory:');
    expect(storeLocationOf(mem)).toBeUndefined();
    await mem.close();
    const fake = { kind: 'mongodb' } as Parameters<typeof storeLocationOf>[0];
    expect(storeLocationOf(fake, {})).toBeUndefined();
    expect(storeLocationOf(fake, { MONGODB_URI: 'mongodb://db:27017', MONGODB_DB: 'k' })).toEqual({ kind: 'mongodb', uri: 'mongodb://db:27017', db: 'k' });
  });
});

describe('checkpoints during a build', () => {
  it('a worker connection leaves the write-ahead log to checkpoint(), which copies it whole into the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-ckpt-'));
    try {
      const file = join(dir, 'k.db');
      const main = openSqliteStore(file);
      expect(main.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
      const worker = (await openStoreAt({ kind: 'sqlite', file, autoCheckpoint: false })) as SqliteStore;
      expect(worker.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      // Well past SQLite's 1,000 pages: the worker's commits never copied the log.
      for (let i = 0; i < 1200; i++) await worker.createSubscriber({ ...subscriber(`s${i}`), name: 'x'.repeat(15_000) });
      const before = main.checkpoint();
      expect(before.logPages).toBeGreaterThan(1000);
      expect(before.copiedPages).toBe(before.logPages);
      expect(await main.countSubscribers()).toBe(1200);
      await worker.close();
      await main.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
