import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Clock } from '../util/clock.js';
import type { Store } from './store.js';

/** File name of the embedded store inside the data directory. */
export const SQLITE_FILE = 'kiosque.db';

/**
 * The configured store: MongoDB when `mongodbUri` is set, otherwise SQLite at
 * `<dataDir>/kiosque.db`. Each backend is loaded only when chosen.
 */
export async function openStore(
  config: Pick<Config, 'dataDir' | 'mongodbUri' | 'mongodbDb'>,
  opts: { clock?: Clock } = {},
): Promise<Store> {
  if (config.mongodbUri) {
    const { openMongoStore } = await import('./mongo.js');
    return openMongoStore(config.mongodbUri, config.mongodbDb, opts);
  }
  const { openSqliteStore } = await import('./sqlite.js');
  return openSqliteStore(join(config.dataDir, SQLITE_FILE), opts);
}
