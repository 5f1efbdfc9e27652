import { loadConfig, type Config, type LoadConfigOptions } from '../config/config.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { createLogger, type Logger } from '../util/log.js';
import { systemClock, type Clock } from '../util/clock.js';

/** What every command needs: settings, logs, the store, the clock. Opened once per process. */
export interface AppContext {
  config: Config;
  log: Logger;
  store: Store;
  clock: Clock;
  close(): Promise<void>;
}

export async function openContext(opts: LoadConfigOptions & { clock?: Clock } = {}): Promise<AppContext> {
  const config = loadConfig(opts);
  const log = createLogger(config.logLevel);
  const store = await openStore(config);
  return {
    config,
    log,
    store,
    clock: opts.clock ?? systemClock,
    close: () => store.close(),
  };
}
