/** A small synthetic world in a SQLite file for the parallel build tests (the bench's seeding, fewer rows). */
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { seed } from '../../../src/bench/editions.js';

export async function seedFile(file: string, subscribers: number, articles = 200, clicksPer = 20): Promise<void> {
  const store = openSqliteStore(file);
  try {
    await seed(store, { subscribers, articles, clicksPer, seed: 3 });
  } finally {
    await store.close();
  }
}
