/**
 * Polling policy (pure): next poll time from cache hints and Retry-After
 * (ING-13, ING-23), validators (ING-12), 410/404 (ING-15), backoff and
 * auto-disable (ING-16), permanent redirects with confirmations (ING-14).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchFeed, type FetchOutcome } from '../../../src/ingest/fetch/fetcher.js';
import { backoffSeconds, DEFAULT_POLL_POLICY, nextFeedState, type PollPolicy } from '../../../src/ingest/fetch/policy.js';
import type { FeedRecord } from '../../../src/model.js';
import { startFixture, type Fixture } from './fixture.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const H = 3600;

function feed(extra: Partial<FeedRecord> = {}): FeedRecord {
  return {
    id: 'f1',
    url: 'https://www.lemonde.fr/rss/une.xml',
    title: 'Le Monde',
    section: 'International',
    status: 'active',
    createdAt: '2026-11-01T00:00:00.000Z',
    errorCount: 0,
    ...extra,
  };
}

function ok(extra: Partial<Extract<FetchOutcome, { kind: 'ok' }>> = {}): FetchOutcome {
  return { kind: 'ok', status: 200, body: Buffer.from('<rss/>'), finalUrl: 'https://www.lemonde.fr/rss/une.xml', ...extra };
}

/** Seconds from NOW to the patch's nextFetchAt. */
function delay(patch: { nextFetchAt?: string }): number {
  return (Date.parse(patch.nextFetchAt!) - NOW.getTime()) / 1000;
}

/** Applies a patch the way a store does: present-but-undefined keys clear the field. */
function apply(f: FeedRecord, patch: object): FeedRecord {
  return JSON.parse(JSON.stringify({ ...f, ...patch })) as FeedRecord;
}

describe('successful polls', () => {
  it('a 200 resets the error state, stores validators and schedules the base interval', () => {
    const before = feed({ errorCount: 4, lastError: 'HTTP 500 Internal Server Error', lastStatus: 500, etag: '"old"', lastModified: 'x' });
    const patch = nextFeedState(before, ok({ etag: '"v1"', lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' }), NOW);
    expect(patch).toMatchObject({
      lastFetchedAt: NOW.toISOString(),
      lastSuccessAt: NOW.toISOString(),
      lastStatus: 200,
      errorCount: 0,
      etag: '"v1"',
      lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT',
    });
    expect('lastError' in patch && patch.lastError === undefined).toBe(true);
    expect(delay(patch)).toBe(DEFAULT_POLL_POLICY.baseIntervalSeconds);
    const after = apply(before, patch);
    expect(after.lastError).toBeUndefined();
  });

  it('a 200 without validators clears the stored ones (next request unconditional)', () => {
    const patch = nextFeedState(feed({ etag: '"v1"', lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' }), ok(), NOW);
    expect('etag' in patch && patch.etag === undefined).toBe(true);
    expect('lastModified' in patch && patch.lastModified === undefined).toBe(true);
  });

  it('a 304 keeps stored validators unless new ones came, and clears the error state', () => {
    const f = feed({ etag: '"v1"', lastModified: 'LM1', errorCount: 2 });
    const p304 = nextFeedState(f, { kind: 'not-modified', status: 304, finalUrl: f.url }, NOW);
    expect(p304).not.toHaveProperty('etag');
    expect(p304).not.toHaveProperty('lastModified');
    expect(p304).toMatchObject({ lastStatus: 304, errorCount: 0, lastSuccessAt: NOW.toISOString() });
    const pSameEtag = nextFeedState(f, { kind: 'not-modified', status: 200, etag: '"v1"', lastModified: 'LM2', finalUrl: f.url }, NOW);
    expect(pSameEtag).toMatchObject({ etag: '"v1"', lastModified: 'LM2' });
  });

  it('ING-23: the next poll is at least max(base, <ttl>, max-age, Expires), capped at the max interval', () => {
    expect(delay(nextFeedState(feed(), ok({ maxAgeSeconds: 60 }), NOW))).toBe(H); // shorter hints never speed polling up
    expect(delay(nextFeedState(feed(), ok({ maxAgeSeconds: 2 * H }), NOW))).toBe(2 * H);
    expect(delay(nextFeedState(feed(), ok({ maxAgeSeconds: 2 * H, expiresInSeconds: 3 * H }), NOW))).toBe(3 * H);
    expect(delay(nextFeedState(feed(), ok({ maxAgeSeconds: 2 * H }), NOW, DEFAULT_POLL_POLICY, { ttlSeconds: 5 * H }))).toBe(5 * H);
    expect(delay(nextFeedState(feed(), ok({ maxAgeSeconds: 30 * 24 * H }), NOW))).toBe(24 * H);
    expect(delay(nextFeedState(feed(), { kind: 'not-modified', status: 304, finalUrl: 'x', maxAgeSeconds: 6 * H }, NOW))).toBe(6 * H);
  });

  it('records the item count when the caller passes it', () => {
    expect(nextFeedState(feed(), ok(), NOW, DEFAULT_POLL_POLICY, { itemCount: 25 })).toMatchObject({ lastItemCount: 25 });
  });
});

describe('ING-13 rate limiting', () => {
  const rl = (retryAfterSeconds?: number, status: 429 | 503 = 429): FetchOutcome => ({
    kind: 'rate-limited',
    status,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });

  it('waits no less than Retry-After, clamped to the max interval; garbage falls back to the default', () => {
    expect(delay(nextFeedState(feed(), rl(3 * H), NOW))).toBe(3 * H);
    expect(delay(nextFeedState(feed(), rl(99999999), NOW))).toBe(24 * H);
    expect(delay(nextFeedState(feed(), rl(undefined), NOW))).toBe(H);
    expect(delay(nextFeedState(feed(), rl(0), NOW))).toBe(H);
    expect(delay(nextFeedState(feed(), rl(2 * H, 503), NOW))).toBe(2 * H);
  });

  it('counts as a failure, leaves validators alone and never asks for a retry in the same run', () => {
    const patch = nextFeedState(feed({ etag: '"v1"', errorCount: 3 }), rl(60), NOW);
    expect(patch).toMatchObject({ errorCount: 4, lastStatus: 429, lastError: 'rate limited (HTTP 429)' });
    expect(patch).not.toHaveProperty('etag');
    expect(patch).not.toHaveProperty('lastSuccessAt');
    expect(delay(patch)).toBe(backoffSeconds(4)); // repeated 429s back off like errors
    expect(delay(patch)).toBeGreaterThan(0);
  });
});

describe('ING-15 410 and 404', () => {
  it('410 marks the feed gone and stops polling', () => {
    const patch = nextFeedState(feed({ pendingRedirect: { url: 'https://x/', count: 1 } }), { kind: 'gone', status: 410 }, NOW);
    expect(patch).toMatchObject({ status: 'gone', lastStatus: 410, errorCount: 1 });
    expect(patch.lastError).toMatch(/410/);
    expect('pendingRedirect' in patch && patch.pendingRedirect === undefined).toBe(true);
  });

  it('404 backs off but does not disable', () => {
    const patch = nextFeedState(feed(), { kind: 'error', status: 404, message: 'HTTP 404 Not Found', transient: false }, NOW);
    expect(patch).toMatchObject({ errorCount: 1, lastStatus: 404, lastError: 'HTTP 404 Not Found' });
    expect(patch).not.toHaveProperty('status');
    expect(delay(patch)).toBe(H);
  });
});

describe('ING-16 repeated failures', () => {
  it('50 × HTTP 500: exponential backoff capped at 24 h, counter persisted, disabled at the threshold', () => {
    const err: FetchOutcome = { kind: 'error', status: 500, message: 'HTTP 500 Internal Server Error', transient: true };
    let f = feed();
    let now = NOW;
    const delays: number[] = [];
    let disabledAt: number | undefined;
    for (let i = 1; i <= 50; i++) {
      const patch = nextFeedState(f, err, now);
      expect(patch.errorCount).toBe(i); // persisted in the patch, so it survives restarts
      const d = (Date.parse(patch.nextFetchAt!) - now.getTime()) / 1000;
      delays.push(d);
      f = apply(f, patch);
      if (f.status === 'disabled' && disabledAt === undefined) disabledAt = i;
      now = new Date(patch.nextFetchAt!);
    }
    expect(delays.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 24, 24].map((h) => h * H));
    expect(Math.max(...delays)).toBe(24 * H);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(disabledAt).toBe(DEFAULT_POLL_POLICY.disableAfterErrors);
    expect(f.lastError).toMatch(/disabled after 50 consecutive failures/);
    // It took weeks of failure to get there, not one bad weekend.
    const firstDisabled = delays.slice(0, DEFAULT_POLL_POLICY.disableAfterErrors - 1).reduce((a, b) => a + b, 0);
    expect(firstDisabled / 86400).toBeGreaterThan(25);
  });

  it('one success resets the counter', () => {
    const patch = nextFeedState(feed({ errorCount: 12 }), ok(), NOW);
    expect(patch.errorCount).toBe(0);
  });

  it('a parse failure reported as an error does not store the validators', () => {
    const patch = nextFeedState(feed({ etag: '"v0"' }), { kind: 'error', message: 'not a valid feed: unexpected end', transient: false }, NOW);
    expect(patch).not.toHaveProperty('etag');
    expect(patch).toMatchObject({ errorCount: 1, lastError: 'not a valid feed: unexpected end' });
    expect('lastStatus' in patch && patch.lastStatus === undefined).toBe(true); // a stale 200 is not left behind
  });

  it('backoffSeconds follows the policy', () => {
    const p: PollPolicy = { ...DEFAULT_POLL_POLICY, baseIntervalSeconds: 900, maxBackoffSeconds: 4 * H };
    expect([1, 2, 3, 4, 5, 6, 1000].map((n) => backoffSeconds(n, p))).toEqual([900, 1800, 3600, 7200, 4 * H, 4 * H, 4 * H]);
  });
});

describe('ING-14 permanent redirects need confirmations', () => {
  const B = 'https://www.lemonde.fr/rss/en_continu.xml';

  it('the URL changes after K polls that saw the same 301/308 target', () => {
    let f = feed();
    for (let i = 1; i < DEFAULT_POLL_POLICY.redirectConfirmations; i++) {
      const patch = nextFeedState(f, ok({ permanentRedirectTo: B }), NOW);
      expect(patch.pendingRedirect).toEqual({ url: B, count: i });
      expect(patch).not.toHaveProperty('url');
      f = apply(f, patch);
    }
    const last = nextFeedState(f, ok({ permanentRedirectTo: B }), NOW);
    expect(last.url).toBe(B);
    expect('pendingRedirect' in last && last.pendingRedirect === undefined).toBe(true);
  });

  it('a different target restarts the count; a poll without redirect clears it; errors keep it', () => {
    const pending = feed({ pendingRedirect: { url: B, count: 2 } });
    expect(nextFeedState(pending, ok({ permanentRedirectTo: 'https://other.example/feed' }), NOW).pendingRedirect).toEqual({
      url: 'https://other.example/feed',
      count: 1,
    });
    const cleared = nextFeedState(pending, ok(), NOW);
    expect('pendingRedirect' in cleared && cleared.pendingRedirect === undefined).toBe(true);
    const failed = nextFeedState(pending, { kind: 'error', message: 'HTTP 502 Bad Gateway', status: 502, transient: true }, NOW);
    expect(failed).not.toHaveProperty('pendingRedirect');
  });

  it('redirectConfirmations: 1 moves immediately', () => {
    expect(nextFeedState(feed(), ok({ permanentRedirectTo: B }), NOW, { ...DEFAULT_POLL_POLICY, redirectConfirmations: 1 }).url).toBe(B);
  });

  describe('against a real server', () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await startFixture();
      fx.script('/old', [{ status: 301, headers: { Location: '/new' } }]);
      fx.script('/tmp-old', [{ status: 302, headers: { Location: '/new' } }]);
      fx.script('/new', [{ status: 200, body: '<rss/>' }]);
      fx.script('/to-internal', [{ status: 308, headers: { Location: 'http://127.0.0.2:9/' } }]);
    });
    afterAll(async () => {
      await fx.close();
    });

    async function pollTimes(start: string, n: number): Promise<FeedRecord> {
      let f = feed({ url: start });
      for (let i = 0; i < n; i++) {
        const outcome = await fetchFeed({ url: f.url }, { allowHosts: [fx.hostPort], timeoutMs: 5000 });
        f = apply(f, nextFeedState(f, outcome, NOW));
      }
      return f;
    }

    it('301: after 3 polls the feed is stored at B and later polls go only to B', async () => {
      const f = await pollTimes(fx.url('/old'), 5);
      expect(f.url).toBe(fx.url('/new'));
      expect(fx.requests.filter((r) => r.url === '/old')).toHaveLength(3);
      expect(fx.requests.filter((r) => r.url === '/new')).toHaveLength(5);
    });

    it('302 keeps A', async () => {
      const f = await pollTimes(fx.url('/tmp-old'), 4);
      expect(f.url).toBe(fx.url('/tmp-old'));
      expect(f.pendingRedirect).toBeUndefined();
    });

    it('a 308 to a private address is never persisted', async () => {
      const f = await pollTimes(fx.url('/to-internal'), 4);
      expect(f.url).toBe(fx.url('/to-internal'));
      expect(f.pendingRedirect).toBeUndefined();
      expect(f.errorCount).toBe(4);
    });
  });
});
