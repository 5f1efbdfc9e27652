/**
 * Where a thread finds the store: worker threads open their own connection
 * (a connection cannot cross threads). Only on-disk SQLite and MongoDB can be
 * shared; an in-memory store cannot, and then the build stays in-process.
 */
import type { Store } from '../../store/store.js';

export type StoreLocation =
  /** autoCheckpoint: see SqliteStoreOptions (a build's workers open the file with it off). */
  { kind: 'sqlite'; file: string; autoCheckpoint?: boolean } | { kind: 'mongodb'; uri: string; db: string };

/** The location of an open store when it can be reopened elsewhere: SQLite files by their path, MongoDB from its environment. */
export function storeLocationOf(store: Store, env: NodeJS.ProcessEnv = process.env): StoreLocation | undefined {
  if (store.kind === 'sqlite') {
    const db = (store as unknown as { db?: { name?: unknown; memory?: unknown } }).db;
    if (db && typeof db.name === 'string' && db.name && db.memory !== true && db.name !== ':memory:') return { kind: 'sqlite', file: db.name };
    return undefined;
  }
  if (store.kind === 'mongodb' && env.MONGODB_URI) return { kind: 'mongodb', uri: env.MONGODB_URI, db: env.MONGODB_DB || 'kiosque' };
  return undefined;
}

export async function openStoreAt(loc: StoreLocation): Promise<Store> {
  if (loc.kind === 'sqlite') {
    const { openSqliteStore } = await import('../../store/sqlite.js');
    return openSqliteStore(loc.file, loc.autoCheckpoint === false ? { autoCheckpoint: false } : {});
  }
  const { openMongoStore } = await import('../../store/mongo.js');
  return openMongoStore(loc.uri, loc.db);
}
