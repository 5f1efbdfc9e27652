/**
 * Feed fetcher against a scripted loopback server: body caps (ING-09),
 * decompression bombs (ING-10), stalls (ING-11), conditional GET across a
 * "restart" (ING-12), Retry-After (ING-13), redirects (ING-14), 410/404
 * (ING-15), server errors (ING-16) and politeness headers (ING-23).
 * The SSRF guard is on; the fixture's host:port is the only allowed pair.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FETCH_OPTIONS,
  DEFAULT_USER_AGENT,
  fetchFeed,
  parseHttpDate,
  parseRetryAfter,
  type FetchOptions,
  type FetchOutcome,
  type LookupFunction,
} from '../../../src/ingest/fetch/fetcher.js';
import { nextFeedState } from '../../../src/ingest/fetch/policy.js';
import type { FeedRecord } from '../../../src/model.js';
import { startFixture, startSilentServer, waitFor, type Fixture } from './fixture.js';

const MiB = 1024 * 1024;
const RSS = '<rss version="2.0"><channel><title>Le Monde</title><item><title>Élections</title></item></channel></rss>';
const RSS_TYPE = { 'Content-Type': 'application/rss+xml; charset=utf-8' };

let fx: Fixture;
let opts: Partial<FetchOptions>;

beforeAll(async () => {
  fx = await startFixture();
  opts = { timeoutMs: 5000, connectTimeoutMs: 2000, allowHosts: [fx.hostPort] };
});
afterAll(async () => {
  await fx.close();
});

function lastRequest() {
  return fx.requests.at(-1)!;
}

/** Value of a request header exactly as sent on the wire. */
function rawHeader(raw: string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name.toLowerCase()) return raw[i + 1];
  return undefined;
}

/** Streams `total` bytes of items, chunked, respecting backpressure; records what was sent. */
function streamItems(res: http.ServerResponse, total: number, stats: { sent: number; closed: boolean }) {
  const chunk = Buffer.from('<item><title>x</title></item>'.repeat(2260)); // ~64 KiB
  res.on('close', () => (stats.closed = true));
  const pump = () => {
    while (stats.sent < total && !res.destroyed) {
      stats.sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** A gzip member decoding to `mib` MiB of zeros, assembled from one fully flushed deflate block (fast to build). */
function gzipBomb(mib: number): Buffer {
  const zeros = Buffer.alloc(MiB);
  const block = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
  const last = zlib.deflateRawSync(Buffer.alloc(0));
  let crc = 0;
  for (let i = 0; i < mib; i++) crc = zlib.crc32(zeros, crc);
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((mib * MiB) % 2 ** 32, 4);
  return Buffer.concat([header, ...new Array<Buffer>(mib).fill(block), last, trailer]);
}

describe('ING-23 politeness and the plain 200', () => {
  it('returns raw bytes, Content-Type, validators and cache hints; sends a stable UA and Accept-Encoding', async () => {
    fx.script('/feed.xml?lang=fr&x=1', [
      {
        status: 200,
        headers: { ...RSS_TYPE, ETag: '"abc"', 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT', 'Cache-Control': 'public, max-age=7200' },
        body: RSS,
      },
    ]);
    const outcome = await fetchFeed({ url: fx.url('/feed.xml?lang=fr&x=1') }, opts);
    expect(outcome).toMatchObject({
      kind: 'ok',
      status: 200,
      contentType: 'application/rss+xml; charset=utf-8',
      etag: '"abc"',
      lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT',
      finalUrl: fx.url('/feed.xml?lang=fr&x=1'),
      maxAgeSeconds: 7200,
    });
    if (outcome.kind === 'ok') expect(outcome.body.equals(Buffer.from(RSS))).toBe(true);
    const req = lastRequest();
    expect(req.url).toBe('/feed.xml?lang=fr&x=1'); // no cache-busting
    expect(req.method).toBe('GET');
    expect(req.headers['user-agent']).toBe(DEFAULT_USER_AGENT);
    expect(DEFAULT_USER_AGENT).toMatch(/^Kiosque\/\S+ \(\+https?:\/\/\S+/); // product + contact URL
    expect(req.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(req.headers.accept).toMatch(/application\/rss\+xml/);
    expect(req.headers['if-none-match']).toBeUndefined();
    expect(req.headers['if-modified-since']).toBeUndefined();
  });

  it('the defaults are the documented ones', () => {
    expect(DEFAULT_FETCH_OPTIONS).toMatchObject({ timeoutMs: 30_000, connectTimeoutMs: 10_000, maxBytes: 15 * MiB, maxRedirects: 5, allowPrivate: false });
  });

  it('a custom User-Agent is sent as is', async () => {
    fx.script('/ua', [{ status: 200, body: RSS }]);
    await fetchFeed({ url: fx.url('/ua') }, { ...opts, userAgent: 'Kiosque-test/1 (+mailto:ops@example.org)' });
    expect(lastRequest().headers['user-agent']).toBe('Kiosque-test/1 (+mailto:ops@example.org)');
  });
});

describe('ING-09 response-size cap', () => {
  it('64 MiB chunked without Content-Length: aborted at the cap, socket destroyed, memory bounded', async () => {
    const stats = { sent: 0, closed: false };
    fx.route('/big', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
      streamItems(res, 64 * MiB, stats);
    });
    const rssBefore = process.memoryUsage().rss;
    const outcome = await fetchFeed({ url: fx.url('/big') }, opts);
    const growth = process.memoryUsage().rss - rssBefore;
    expect(outcome).toEqual({ kind: 'error', message: 'response too large', transient: false });
    await waitFor(() => stats.closed);
    expect(stats.sent).toBeLessThan(40 * MiB); // the transfer stopped near the 15 MiB cap
    expect(growth).toBeLessThan(120 * MiB);
  });

  it('a lying Content-Length: 1000 followed by 64 MiB reads 1000 bytes at most', async () => {
    const stats = { sent: 0, closed: false };
    fx.route('/liar', (req, res) => {
      // Raw socket write: the header promises 1000 bytes, then 64 MiB follow.
      res.socket!.write('HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 1000\r\n\r\n');
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const sock = res.socket!;
      sock.on('close', () => (stats.closed = true));
      const pump = () => {
        while (stats.sent < 64 * MiB && !sock.destroyed) {
          stats.sent += chunk.length;
          if (!sock.write(chunk)) return void sock.once('drain', pump);
        }
        sock.end();
      };
      pump();
      void req;
    });
    const outcome = await fetchFeed({ url: fx.url('/liar') }, opts);
    // The HTTP parser stops at the declared length; the rest is never read.
    expect(outcome.kind).toBe('ok');
    if (outcome.kind === 'ok') expect(outcome.body.length).toBe(1000);
    await waitFor(() => stats.closed);
    expect(stats.sent).toBeLessThan(40 * MiB);
  });

  it('a declared Content-Length above the cap is refused without reading', async () => {
    fx.route('/declared', (_req, res) => {
      res.writeHead(200, { 'Content-Length': String(64 * MiB) });
      res.write('<rss>');
      res.on('error', () => {});
    });
    const outcome = await fetchFeed({ url: fx.url('/declared') }, opts);
    expect(outcome).toEqual({ kind: 'error', message: 'response too large', transient: false });
  });

  it('a body of exactly the cap passes, one byte more does not', async () => {
    const body = Buffer.alloc(4096, 'a');
    fx.script('/exact', [{ status: 200, body }]);
    expect((await fetchFeed({ url: fx.url('/exact') }, { ...opts, maxBytes: 4096 })).kind).toBe('ok');
    expect(await fetchFeed({ url: fx.url('/exact') }, { ...opts, maxBytes: 4095 })).toMatchObject({ kind: 'error', message: 'response too large' });
  });
});

describe('ING-10 decompression bombs: the cap is on decoded bytes', () => {
  let gzipped: Buffer;
  beforeAll(() => {
    gzipped = gzipBomb(1024); // 1 GiB of zeros
  });

  it('builds a 1 GiB gzip bomb of about 1 MB', () => {
    expect(gzipped.length).toBeGreaterThan(1_000_000);
    expect(gzipped.length).toBeLessThan(1_100_000);
    // It is a valid gzip stream: its first MiBs decode to zeros.
    const head = zlib.gunzipSync(gzipBomb(2));
    expect(head.length).toBe(2 * MiB);
  });

  async function serveAndFetch(path: string, encoding: string, body: Buffer) {
    fx.route(path, (_req, res) => {
      res.on('error', () => {});
      res.writeHead(200, { 'Content-Type': 'application/rss+xml', 'Content-Encoding': encoding, 'Content-Length': body.length });
      res.end(body);
    });
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const outcome = await fetchFeed({ url: fx.url(path) }, opts);
    return { outcome, growth: process.memoryUsage().rss - rssBefore, ms: Date.now() - started };
  }

  it('gzip, 1 GiB decoded from 1 MB on the wire: aborted at 15 MiB', async () => {
    const { outcome, growth } = await serveAndFetch('/bomb.gz', 'gzip', gzipped);
    expect(outcome).toEqual({ kind: 'error', message: 'response too large', transient: false });
    expect(growth).toBeLessThan(150 * MiB);
  });

  it('br, 64 MiB decoded from a few hundred bytes: aborted at the cap', async () => {
    const br = zlib.brotliCompressSync(Buffer.alloc(64 * MiB), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    expect(br.length).toBeLessThan(10_000);
    const { outcome, growth } = await serveAndFetch('/bomb.br', 'br', br);
    expect(outcome).toEqual({ kind: 'error', message: 'response too large', transient: false });
    expect(growth).toBeLessThan(150 * MiB);
  });

  it('Content-Encoding: gzip, gzip (bomb inside a gzip): aborted at the cap', async () => {
    const twice = zlib.gzipSync(gzipped);
    const { outcome, growth } = await serveAndFetch('/bomb.gz.gz', 'gzip, gzip', twice);
    expect(outcome).toEqual({ kind: 'error', message: 'response too large', transient: false });
    expect(growth).toBeLessThan(150 * MiB);
  });

  it('honest gzip, deflate, br and stacked bodies decode to the original bytes', async () => {
    const body = Buffer.from(RSS.repeat(50));
    const cases: [string, Buffer][] = [
      ['gzip', zlib.gzipSync(body)],
      ['x-gzip', zlib.gzipSync(body)],
      ['deflate', zlib.deflateSync(body)],
      ['br', zlib.brotliCompressSync(body)],
      ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(body))],
      ['deflate, gzip', zlib.gzipSync(zlib.deflateSync(body))],
      ['identity', body],
    ];
    for (const [encoding, wire] of cases) {
      const { outcome } = await serveAndFetch(`/enc-${encoding.replace(/\W+/g, '-')}`, encoding, wire);
      expect(outcome.kind, encoding).toBe('ok');
      if (outcome.kind === 'ok') expect(outcome.body.equals(body), encoding).toBe(true);
    }
  });

  it('a small cap applies to the decoded size even when the wire size is tiny', async () => {
    const body = Buffer.from(RSS.repeat(1000)); // ~100 kB, compresses to ~1 kB
    const { outcome } = await (async () => {
      fx.route('/small-cap', (_req, res) => {
        res.writeHead(200, { 'Content-Encoding': 'gzip' });
        res.end(zlib.gzipSync(body));
      });
      return { outcome: await fetchFeed({ url: fx.url('/small-cap') }, { ...opts, maxBytes: 10_000 }) };
    })();
    expect(outcome).toMatchObject({ kind: 'error', message: 'response too large' });
  });

  it('corrupt or unknown encodings are clear errors', async () => {
    const corrupt = await serveAndFetch('/corrupt.gz', 'gzip', Buffer.from('this is not gzip at all'));
    expect(corrupt.outcome).toEqual({ kind: 'error', message: 'could not decode the response body (gzip)', transient: false });
    const unknown = await serveAndFetch('/zstd', 'zstd', Buffer.from('whatever'));
    expect(unknown.outcome).toEqual({ kind: 'error', message: 'unsupported content encoding "zstd"', transient: false });
  });
});

describe('ING-11 stalled peers: deadlines destroy the socket', () => {
  it('(a) accepts TCP, never sends headers: total deadline', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const outcome = await fetchFeed({ url: `http://${silent.hostPort}/feed` }, { ...opts, allowHosts: [silent.hostPort], timeoutMs: 400 });
      const ms = Date.now() - started;
      expect(outcome).toEqual({ kind: 'error', message: 'timed out after 400 ms', transient: true });
      expect(ms).toBeGreaterThanOrEqual(350);
      expect(ms).toBeLessThan(3000);
      await waitFor(() => silent.closedSockets === 1);
    } finally {
      await silent.close();
    }
  });

  it('(b) headers then one byte every 100 ms: total deadline, not an idle timeout', async () => {
    const stats = { closed: false, bytes: 0 };
    fx.route('/drip', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
      const timer = setInterval(() => {
        stats.bytes++;
        res.write('<');
      }, 100);
      res.on('close', () => {
        clearInterval(timer);
        stats.closed = true;
      });
    });
    const started = Date.now();
    const outcome = await fetchFeed({ url: fx.url('/drip') }, { ...opts, timeoutMs: 600 });
    expect(outcome).toEqual({ kind: 'error', message: 'timed out after 600 ms', transient: true });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(stats.bytes).toBeGreaterThan(2); // the drip was flowing, yet the fetch stopped
    await waitFor(() => stats.closed);
  });

  it('(c) a stalled TLS handshake hits the connect timeout', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const outcome = await fetchFeed(
        { url: `https://${silent.hostPort}/feed` },
        { ...opts, allowHosts: [silent.hostPort], connectTimeoutMs: 300, timeoutMs: 5000 },
      );
      expect(outcome).toEqual({ kind: 'error', message: 'could not connect within 300 ms', transient: true });
      expect(Date.now() - started).toBeLessThan(3000);
      await waitFor(() => silent.closedSockets === 1);
    } finally {
      await silent.close();
    }
  });

  it('a resolver that never answers hits the connect timeout', async () => {
    const never: LookupFunction = () => {};
    const outcome = await fetchFeed({ url: 'http://slow-dns.example/feed' }, { ...opts, lookup: never, connectTimeoutMs: 200 });
    expect(outcome).toEqual({ kind: 'error', message: 'could not connect within 200 ms', transient: true });
  });

  it('the deadline spans all redirect hops', async () => {
    fx.route('/slow-hop', (_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(302, { Location: '/slow-hop2' }).end();
      }, 250);
    });
    fx.route('/slow-hop2', (_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(200).end(RSS);
      }, 250);
    });
    const outcome = await fetchFeed({ url: fx.url('/slow-hop') }, { ...opts, timeoutMs: 400 });
    expect(outcome).toEqual({ kind: 'error', message: 'timed out after 400 ms', transient: true });
  });
});

function newFeed(url: string): FeedRecord {
  return { id: 'f1', url, title: 'Le Monde', section: 'International', status: 'active', createdAt: '2026-11-01T00:00:00.000Z', errorCount: 0 };
}

/** One poll as the pipeline does it, with a JSON round trip standing for "persisted, process restarted". */
async function poll(feed: FeedRecord, now: Date): Promise<{ feed: FeedRecord; outcome: FetchOutcome }> {
  const outcome = await fetchFeed({ url: feed.url, etag: feed.etag, lastModified: feed.lastModified }, opts);
  const patch = nextFeedState(feed, outcome, now);
  const updated = JSON.parse(JSON.stringify({ ...feed, ...patch })) as FeedRecord;
  return { feed: updated, outcome };
}

describe('ING-12 conditional GET that survives restarts', () => {
  it('follows the five-step sequence', async () => {
    const LM1 = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const LM2 = 'Thu, 22 Oct 2015 08:00:00 GMT';
    fx.route('/cond', (req, res) => {
      const n = fx.requests.filter((r) => r.url === '/cond').length;
      if (n === 1) return res.writeHead(200, { ...RSS_TYPE, ETag: '"v1"', 'Last-Modified': LM1 }).end('body A');
      if (n === 2) return res.writeHead(req.headers['if-none-match'] === '"v1"' ? 304 : 500).end();
      if (n === 3) return res.writeHead(200, { ...RSS_TYPE, ETag: '"v1"', 'Last-Modified': LM2 }).end('body A again');
      if (n === 4) return res.writeHead(200, { ...RSS_TYPE, ETag: '"v2"', 'Last-Modified': LM2, Expires: '0' }).end('body B');
      return res.writeHead(200, RSS_TYPE).end('body C');
    });
    const now = new Date('2026-11-22T10:00:00.000Z');
    let feed = newFeed(fx.url('/cond'));
    const condRequests = () => fx.requests.filter((r) => r.url === '/cond');

    // 1. 200 with validators: stored.
    let r = await poll(feed, now);
    expect(r.outcome.kind).toBe('ok');
    feed = r.feed;
    expect(feed.etag).toBe('"v1"');
    expect(feed.lastModified).toBe(LM1);

    // 2. After the restart: both validators byte-exact, quotes included; 304.
    r = await poll(feed, now);
    const raw = condRequests()[1]!.rawHeaders;
    expect(rawHeader(raw, 'If-None-Match')).toBe('"v1"');
    expect(rawHeader(raw, 'If-Modified-Since')).toBe(LM1);
    expect(r.outcome).toMatchObject({ kind: 'not-modified', status: 304 });
    feed = r.feed;
    expect(feed.etag).toBe('"v1"');
    expect(feed.lastModified).toBe(LM1);

    // 3. 200, same ETag, new Last-Modified: not modified, but the new Last-Modified is kept.
    r = await poll(feed, now);
    expect(r.outcome).toMatchObject({ kind: 'not-modified', status: 200, etag: '"v1"', lastModified: LM2 });
    feed = r.feed;
    expect(feed.etag).toBe('"v1"');
    expect(feed.lastModified).toBe(LM2);

    // 4. Expires: 0 — the content is new, but its validators are not stored.
    r = await poll(feed, now);
    expect(r.outcome.kind).toBe('ok');
    expect(r.outcome).not.toHaveProperty('etag');
    feed = r.feed;
    expect(feed.etag).toBeUndefined();
    expect(feed.lastModified).toBeUndefined();

    // 5. The next request is unconditional; a 200 without validators keeps it that way.
    r = await poll(feed, now);
    expect(condRequests()[4]!.headers['if-none-match']).toBeUndefined();
    expect(condRequests()[4]!.headers['if-modified-since']).toBeUndefined();
    r = await poll(r.feed, now);
    expect(condRequests()[5]!.headers['if-none-match']).toBeUndefined();
    expect(r.feed.etag).toBeUndefined();
  });

  it('a weak ETag matches its strong form; Cache-Control: no-store drops validators', async () => {
    fx.script('/weak', [{ status: 200, headers: { ETag: 'W/"w1"' }, body: RSS }]);
    expect(await fetchFeed({ url: fx.url('/weak'), etag: '"w1"' }, opts)).toMatchObject({ kind: 'not-modified', status: 200 });
    fx.script('/nostore', [{ status: 200, headers: { ETag: '"n1"', 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT', 'Cache-Control': 'no-store' }, body: RSS }]);
    const outcome = await fetchFeed({ url: fx.url('/nostore') }, opts);
    expect(outcome.kind).toBe('ok');
    expect(outcome).not.toHaveProperty('etag');
    expect(outcome).not.toHaveProperty('lastModified');
  });

  it('stored validators with control characters are not sent (no header injection)', async () => {
    fx.script('/inject', [{ status: 200, body: RSS }]);
    const outcome = await fetchFeed({ url: fx.url('/inject'), etag: '"a"\r\nX-Evil: 1' }, opts);
    expect(outcome.kind).toBe('ok');
    expect(lastRequest().headers['x-evil']).toBeUndefined();
    expect(lastRequest().headers['if-none-match']).toBeUndefined();
  });
});

describe('ING-13 429 / 503 with Retry-After', () => {
  const future42 = () => new Date(Date.now() + 42_000).toUTCString();
  it.each([
    [429, '3600', 3600],
    [429, 'Wed, 21 Oct 2015 07:28:00 GMT', 0],
    [429, '99999999', 99999999],
    [429, '-5', undefined],
    [429, 'soon', undefined],
    [429, '', undefined],
    [503, '120', 120],
    [503, 'soon', undefined],
  ] as const)('%i with Retry-After %j → %j', async (status, header, expected) => {
    const path = `/rl-${status}-${encodeURIComponent(header)}`;
    fx.script(path, [{ status, headers: header ? { 'Retry-After': header } : {}, body: 'slow down' }]);
    const outcome = await fetchFeed({ url: fx.url(path) }, opts);
    expect(outcome).toEqual({ kind: 'rate-limited', status, ...(expected !== undefined ? { retryAfterSeconds: expected } : {}) });
  });

  it('an HTTP-date 42 s ahead gives about 42 s', async () => {
    fx.script('/rl-date', [{ status: 429, headers: { 'Retry-After': future42() } }]);
    const outcome = await fetchFeed({ url: fx.url('/rl-date') }, opts);
    expect(outcome.kind).toBe('rate-limited');
    if (outcome.kind === 'rate-limited') {
      expect(outcome.retryAfterSeconds).toBeGreaterThanOrEqual(40);
      expect(outcome.retryAfterSeconds).toBeLessThanOrEqual(43);
    }
  });

  it('parseRetryAfter and parseHttpDate accept only the HTTP forms', () => {
    const now = new Date('2026-10-21T07:27:18.000Z');
    expect(parseRetryAfter('42', now)).toBe(42);
    expect(parseRetryAfter(' 42 ', now)).toBe(42);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now)).toBe(42);
    expect(parseRetryAfter('Wednesday, 21-Oct-26 07:28:00 GMT', now)).toBe(42);
    expect(parseRetryAfter('Wed Oct 21 07:28:00 2026', now)).toBe(42);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
    for (const bad of ['-5', 'soon', '1.5', '2', '2026-10-21', 'Wed, 21 Oct 2026 07:28:00 CET', undefined]) {
      if (bad === '2') continue; // "2" is a valid delay
      expect(parseRetryAfter(bad, now), String(bad)).toBeUndefined();
    }
    expect(parseHttpDate('-5')).toBeUndefined();
    expect(parseHttpDate('0')).toBeUndefined();
  });
});

describe('ING-14 redirects', () => {
  beforeAll(() => {
    fx.script('/b', [{ status: 200, headers: RSS_TYPE, body: RSS }]);
    for (const s of [301, 302, 303, 307, 308]) fx.script(`/a${s}`, [{ status: s, headers: { Location: '/b' } }]);
    fx.script('/perm-then-temp', [{ status: 301, headers: { Location: '/temp' } }]);
    fx.script('/temp', [{ status: 302, headers: { Location: '/b' } }]);
    fx.script('/temp-then-perm', [{ status: 302, headers: { Location: '/a308' } }]);
    fx.script('/loop-a', [{ status: 301, headers: { Location: '/loop-b' } }]);
    fx.script('/loop-b', [{ status: 301, headers: { Location: '/loop-a' } }]);
    for (let i = 0; i < 6; i++) fx.script(`/chain${i}`, [{ status: 302, headers: { Location: `/chain${i + 1}` } }]);
    fx.script('/chain6', [{ status: 200, body: RSS }]);
    fx.script('/no-location', [{ status: 301 }]);
  });

  it.each([301, 308])('%i reports the permanent target', async (s) => {
    const outcome = await fetchFeed({ url: fx.url(`/a${s}`) }, opts);
    expect(outcome).toMatchObject({ kind: 'ok', finalUrl: fx.url('/b'), permanentRedirectTo: fx.url('/b') });
  });

  it.each([302, 303, 307])('%i is followed but not permanent', async (s) => {
    const outcome = await fetchFeed({ url: fx.url(`/a${s}`) }, opts);
    expect(outcome).toMatchObject({ kind: 'ok', finalUrl: fx.url('/b') });
    expect(outcome).not.toHaveProperty('permanentRedirectTo');
  });

  it('only the leading run of permanent hops counts', async () => {
    expect(await fetchFeed({ url: fx.url('/perm-then-temp') }, opts)).toMatchObject({ kind: 'ok', permanentRedirectTo: fx.url('/temp') });
    const tempFirst = await fetchFeed({ url: fx.url('/temp-then-perm') }, opts);
    expect(tempFirst.kind).toBe('ok');
    expect(tempFirst).not.toHaveProperty('permanentRedirectTo');
  });

  it('a loop and more than 5 hops are errors; exactly 5 hops are fine', async () => {
    expect(await fetchFeed({ url: fx.url('/loop-a') }, opts)).toMatchObject({ kind: 'error', message: 'redirect loop', transient: false });
    expect(await fetchFeed({ url: fx.url('/chain0') }, opts)).toMatchObject({ kind: 'error', message: 'too many redirects (more than 5)' });
    expect(await fetchFeed({ url: fx.url('/chain1') }, opts)).toMatchObject({ kind: 'ok', finalUrl: fx.url('/chain6') });
    expect(await fetchFeed({ url: fx.url('/chain1') }, { ...opts, maxRedirects: 4 })).toMatchObject({ kind: 'error' });
  });

  it('a redirect without Location is an error', async () => {
    expect(await fetchFeed({ url: fx.url('/no-location') }, opts)).toMatchObject({ kind: 'error', status: 301, message: 'HTTP 301 redirect without a Location header' });
  });
});

describe('ING-15 / ING-16 HTTP errors', () => {
  it('410 is gone', async () => {
    fx.script('/gone', [{ status: 410, body: 'bye' }]);
    expect(await fetchFeed({ url: fx.url('/gone') }, opts)).toEqual({ kind: 'gone', status: 410, finalUrl: fx.url('/gone') });
  });

  it('404 and 500 are errors with a generic message; the body is never echoed', async () => {
    fx.script('/secret-500', [{ status: 500, body: 'db password is hunter2' }]);
    expect(await fetchFeed({ url: fx.url('/missing') }, opts)).toEqual({ kind: 'error', status: 404, message: 'HTTP 404 Not Found', transient: false });
    const e = await fetchFeed({ url: fx.url('/secret-500') }, opts);
    expect(e).toEqual({ kind: 'error', status: 500, message: 'HTTP 500 Internal Server Error', transient: true });
  });

  it('a refused connection is a transient error that names no address', async () => {
    const silent = await startSilentServer();
    const port = silent.port;
    await silent.close();
    const outcome = await fetchFeed({ url: `http://127.0.0.1:${port}/` }, { ...opts, allowHosts: [`127.0.0.1:${port}`] });
    expect(outcome).toEqual({ kind: 'error', message: 'connection refused', transient: true });
  });
});
