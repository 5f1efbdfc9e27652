import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.js';

const BIN = resolve(__dirname, '../../bin/kiosque.js');

const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title><link>https://slow.example/</link>
<item><title>Une nouvelle ligne de tram à Lyon</title><link>https://slow.example/tram</link><guid>tram</guid><pubDate>Sun, 22 Nov 2026 05:00:00 GMT</pubDate><description>Les essais commencent.</description></item></channel></rss>`;

describe('kiosque start (OPS-10 graceful shutdown)', () => {
  it('starts, catches up the ingest, and on SIGTERM finishes the running job and exits 0', async () => {
    const slow = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(FEED), 1500);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const port = (slow.address() as { port: number }).port;

    const dir = mkdtempSync(join(tmpdir(), 'kiosque-start-'));
    const dataDir = join(dir, 'data');
    const setup = openSqliteStore(join(dataDir, 'kiosque.db'));
    await setup.upsertFeed({ url: `http://127.0.0.1:${port}/feed.xml`, title: 'Slow', section: 'France' });
    await setup.close();

    const child = spawn(process.execPath, [BIN, 'start'], {
      cwd: dir,
      env: { ...process.env, KIOSQUE_DATA_DIR: dataDir, KIOSQUE_PORT: '0', KIOSQUE_FETCH_ALLOW_PRIVATE: 'true', KIOSQUE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    await new Promise<void>((resolveWait, reject) => {
      const t = setTimeout(() => reject(new Error(`not listening: ${log}`)), 30_000);
      const check = () => {
        if (/Kiosque listening on/.test(log) && /catching up missed run of ingest/.test(log)) {
          clearTimeout(t);
          resolveWait();
        } else setTimeout(check, 50);
      };
      check();
    });
    // The catch-up ingest is waiting on the slow feed now.
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(log).toMatch(/shutting down/);

    const store = openSqliteStore(join(dataDir, 'kiosque.db'));
    expect(await store.countArticles()).toBe(1); // the in-flight run was allowed to finish
    await store.close();
    slow.close();
  });
});
