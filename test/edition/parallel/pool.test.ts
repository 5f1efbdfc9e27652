import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveWorkers } from '../../../src/edition/parallel/pool.js';
import { storeLocationOf } from '../../../src/edition/parallel/location.js';
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
