/**
 * Host limiter: a global bound and at most one request in flight per host
 * (ING-23), and slow feeds do not hold up the run beyond the pool (ING-11 d).
 */
import { describe, expect, it } from 'vitest';
import { fetchFeed } from '../../../src/ingest/fetch/fetcher.js';
import { createHostLimiter, hostKey } from '../../../src/ingest/fetch/host-limiter.js';
import { startFixture, startSilentServer } from './fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs tasks through the limiter and records the peak concurrency, overall and per host. */
async function track(limiter: ReturnType<typeof createHostLimiter>, urls: string[], ms = 20) {
  let running = 0;
  let peak = 0;
  const perHost = new Map<string, number>();
  let perHostPeak = 0;
  const order: string[] = [];
  await Promise.all(
    urls.map((url, i) =>
      limiter.run(url, async () => {
        const key = hostKey(url);
        running++;
        perHost.set(key, (perHost.get(key) ?? 0) + 1);
        peak = Math.max(peak, running);
        perHostPeak = Math.max(perHostPeak, perHost.get(key)!);
        order.push(`${i}`);
        await sleep(ms);
        running--;
        perHost.set(key, perHost.get(key)! - 1);
      }),
    ),
  );
  return { peak, perHostPeak, order };
}

describe('createHostLimiter', () => {
  it('never runs more than the global limit', async () => {
    const urls = Array.from({ length: 12 }, (_, i) => `https://site${i}.example/feed`);
    const { peak, perHostPeak } = await track(createHostLimiter(3), urls);
    expect(peak).toBe(3);
    expect(perHostPeak).toBe(1);
  });

  it('runs one request per host at a time, in arrival order', async () => {
    const urls = Array.from({ length: 5 }, (_, i) => `https://www.lemonde.fr/rss/${i}.xml`);
    const { peak, order } = await track(createHostLimiter(8), urls, 5);
    expect(peak).toBe(1);
    expect(order).toEqual(['0', '1', '2', '3', '4']);
  });

  it('a busy host does not block other hosts queued behind it', async () => {
    const limiter = createHostLimiter(2);
    const started: string[] = [];
    const a1 = limiter.run('https://a.example/1', async () => {
      started.push('a1');
      await sleep(50);
    });
    const a2 = limiter.run('https://a.example/2', async () => {
      started.push('a2');
    });
    const b1 = limiter.run('https://b.example/1', async () => {
      started.push('b1');
    });
    await b1;
    expect(started).toEqual(['a1', 'b1']);
    expect(limiter.queued).toBe(1);
    await Promise.all([a1, a2]);
    expect(started).toEqual(['a1', 'b1', 'a2']);
    expect(limiter.active).toBe(0);
  });

  it('host keys are case-insensitive and include the port', () => {
    expect(hostKey('https://WWW.LeMonde.fr/rss')).toBe(hostKey('https://www.lemonde.fr/other'));
    expect(hostKey('http://example.com:8080/a')).not.toBe(hostKey('http://example.com/a'));
    expect(hostKey('not a url')).toBe('not a url');
  });

  it('a failing or synchronously throwing task releases its slot and rejects', async () => {
    const limiter = createHostLimiter(1);
    await expect(limiter.run('https://x.example/', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      limiter.run('https://x.example/', () => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    await expect(limiter.run('https://x.example/', async () => 42)).resolves.toBe(42);
    expect(limiter.active).toBe(0);
  });

  it('rejects a bad limit with a clear error', () => {
    expect(() => createHostLimiter(0)).toThrow('globalMax must be a positive integer');
  });
});

describe('ING-11 (d) many slow feeds at once', () => {
  it('100 stalled feeds on 100 hosts: the pool bounds concurrency and the run ends in bounded time', async () => {
    // One silent listener on [::] answers for 127.0.0.1 … 127.0.0.100: 100 distinct hosts.
    const silent = await startSilentServer('::');
    try {
      const timeoutMs = 150;
      const limiter = createHostLimiter(8);
      const urls = Array.from({ length: 100 }, (_, i) => `http://127.0.0.${i + 1}:${silent.port}/feed`);
      let inFlight = 0;
      let peak = 0;
      const started = Date.now();
      const outcomes = await Promise.all(
        urls.map((url) =>
          limiter.run(url, async () => {
            peak = Math.max(peak, ++inFlight);
            try {
              return await fetchFeed({ url }, { allowPrivate: true, timeoutMs, connectTimeoutMs: 1000 });
            } finally {
              inFlight--;
            }
          }),
        ),
      );
      const elapsed = Date.now() - started;
      expect(outcomes.every((o) => o.kind === 'error' && o.message === `timed out after ${timeoutMs} ms`)).toBe(true);
      expect(peak).toBe(8);
      expect(silent.connections).toBe(100);
      // 13 waves of 150 ms, with generous slack for a busy machine.
      expect(elapsed).toBeLessThan(Math.ceil(100 / 8) * timeoutMs * 3);
    } finally {
      await silent.close();
    }
  });

  it('a stalled feed does not hold up fast feeds on other hosts', async () => {
    const silent = await startSilentServer();
    const fx = await startFixture();
    try {
      fx.script('/feed', [{ status: 200, body: '<rss/>' }]);
      const limiter = createHostLimiter(2);
      const done: string[] = [];
      const slow = limiter.run(`http://${silent.hostPort}/feed`, async () => {
        await fetchFeed({ url: `http://${silent.hostPort}/feed` }, { allowPrivate: true, timeoutMs: 800 });
        done.push('slow');
      });
      const fast = Array.from({ length: 5 }, (_, i) =>
        limiter.run(`${fx.url('/feed')}?n=${i}`, async () => {
          const o = await fetchFeed({ url: fx.url('/feed') }, { allowPrivate: true });
          expect(o.kind).toBe('ok');
          done.push(`fast${i}`);
        }),
      );
      await Promise.all(fast);
      expect(done).not.toContain('slow');
      await slow;
      expect(done.at(-1)).toBe('slow');
    } finally {
      await Promise.all([silent.close(), fx.close()]);
    }
  });
});
