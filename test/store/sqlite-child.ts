/**
 * Child process for the multi-process SQLite test (STO-07); not a test file.
 *   writer <file> <worker> <batches> <batchSize>  upserts batches (own + shared articles), prints "batch N" after each
 *   hold-tx <file>                               writes 500 rows inside one transaction, prints "in-tx", then hangs
 */
import { openSqliteStore } from '../../src/store/sqlite.js';
import { article } from './fixtures.js';

const [mode, file, ...rest] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(line + '\n');

if (mode === 'writer') {
  const [worker, batches, size] = [rest[0]!, Number(rest[1]), Number(rest[2])];
  const store = openSqliteStore(file!);
  for (let b = 0; b < batches; b++) {
    const own = Array.from({ length: size }, (_, i) =>
      article(`${worker}-b${b}-i${i}`, { feedId: `feed-${worker}`, guidHash: `b${b}-i${i}`, categories: [`batch:${worker}:${b}`] }),
    );
    // The same items from every writer: (feedId, guidHash) must stay unique.
    const shared = Array.from({ length: 5 }, (_, i) => article(`shared-${b}-${i}`, { feedId: 'feed-shared', guidHash: `s${b}-${i}`, title: `from ${worker}` }));
    await store.upsertArticles([...own, ...shared]);
    say(`batch ${b}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  say(JSON.stringify({ worker, busyRetries: store.busyRetries }));
  await store.close();
} else if (mode === 'hold-tx') {
  const store = openSqliteStore(file!);
  store.db.exec('BEGIN IMMEDIATE');
  const put = store.db.prepare('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)');
  for (let i = 0; i < 500; i++) put.run(`crash:${i}`, JSON.stringify({ i }), new Date().toISOString());
  say('in-tx');
  // Hang inside the open transaction until killed.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
} else {
  process.stderr.write(`unknown mode ${String(mode)}\n`);
  process.exit(2);
}
