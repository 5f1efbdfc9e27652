/**
 * A guarded, polite HTTP client for feed polling.
 *
 * - Only http/https, checked on the input URL and on every redirect hop.
 * - Redirects are followed by hand, each hop re-validated; loops, too many hops
 *   and https→http downgrades are errors.
 * - The SSRF guard runs on the address actually connected to: a `lookup` hook
 *   on the request checks what the resolver returned right before the socket
 *   connects (no pre-flight, so DNS rebinding has no window), and IP-literal
 *   hosts (which never go through lookup) are checked after WHATWG URL
 *   normalisation, so `0x7f000001`, `127.1`, `[::ffff:7f00:1]`… are all seen
 *   as the address they are.
 * - A connect timeout and a total deadline that destroy the socket.
 * - The body is streamed with a cap on compressed *and* decoded bytes
 *   (gzip, deflate, br, stacked), so bombs stop at the cap.
 *
 * It returns the raw body bytes and Content-Type; charset decoding and XML
 * parsing belong to src/ingest/parse.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import zlib from 'node:zlib';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../util/errors.js';
import { isPublicAddress } from './address.js';

export const DEFAULT_USER_AGENT = 'Kiosque/0.1 (+https://github.com/kiosque; feed reader)';

export interface FetchRequest {
  url: string;
  /** Stored ETag, sent back byte-exact as If-None-Match. */
  etag?: string;
  /** Stored Last-Modified, sent back byte-exact as If-Modified-Since. */
  lastModified?: string;
}

export type LookupFunction = net.LookupFunction;

export interface FetchOptions {
  /** Deadline for the whole fetch, all redirect hops and the body included. */
  timeoutMs: number;
  /** Deadline for each hop to resolve and connect (TLS handshake included). */
  connectTimeoutMs: number;
  /** Cap on the body, counted on the wire and again after decoding. */
  maxBytes: number;
  maxRedirects?: number;
  userAgent: string;
  /** Turns the private-network guard off (tests, demo on loopback). Off by default. */
  allowPrivate: boolean;
  /** "host:port" pairs (as written in a URL, e.g. "127.0.0.1:8080", "[::1]:8080") allowed even if private. */
  allowHosts?: string[];
  /** Resolver used for the connection (default dns.lookup); injectable for rebinding tests. */
  lookup?: LookupFunction;
  /** Extra trusted CA certificates for https (tests, private deployments). */
  ca?: string | Buffer | Array<string | Buffer>;
}

export const DEFAULT_FETCH_OPTIONS: Readonly<Required<Pick<FetchOptions, 'timeoutMs' | 'connectTimeoutMs' | 'maxBytes' | 'maxRedirects' | 'userAgent' | 'allowPrivate'>>> = {
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  maxBytes: 15 * 1024 * 1024,
  maxRedirects: 5,
  userAgent: DEFAULT_USER_AGENT,
  allowPrivate: false,
};

/** Freshness hints from Cache-Control max-age and Expires, in seconds from the response. */
export interface CacheHints {
  maxAgeSeconds?: number;
  expiresInSeconds?: number;
}

export type FetchOutcome =
  | ({
      kind: 'ok';
      status: number;
      body: Buffer;
      contentType?: string;
      /** Absent when the response had none or forbade caching (no-store, Expires: 0). */
      etag?: string;
      lastModified?: string;
      /** URL of the response that was read, after redirects. */
      finalUrl: string;
      /** Set when the chain started with 301/308 hops: where the feed moved for good. */
      permanentRedirectTo?: string;
    } & CacheHints)
  | ({
      kind: 'not-modified';
      /** 304, or 200 whose ETag matched (RFC 9110: the ETag wins). */
      status: number;
      etag?: string;
      lastModified?: string;
      finalUrl: string;
      permanentRedirectTo?: string;
    } & CacheHints)
  | { kind: 'gone'; status: 410; finalUrl?: string }
  | { kind: 'rate-limited'; status: 429 | 503; retryAfterSeconds?: number }
  /**
   * `message` is one generic line (never the body, never a resolved IP).
   * `transient`: likely to pass later with nobody changing anything (5xx,
   * timeouts, network); false for refusals, 4xx, oversize, TLS, bad encodings.
   */
  | { kind: 'error'; message: string; status?: number; transient: boolean };

/** The one message for every address-guard refusal (no IPs echoed back). */
export const BLOCKED_MESSAGE = 'refused: the feed address points to a private or reserved network';

class FetchFailure extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FetchFailure';
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ACCEPT = 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8';
const MAX_CODINGS = 4;
const MAX_URL_LENGTH = 4096;

/**
 * Validates a feed URL (at input and on every redirect hop): absolute,
 * http or https only, no credentials, no whitespace or control characters.
 * Returns the WHATWG-normalised URL without its fragment (never sent, and the
 * store drops it too). Throws a UserError with a one-line reason.
 *
 * With `guard` (subscribe time: admin form, OPML import), also refuses what
 * can be judged without DNS: private IP literals and localhost names. Names
 * that resolve to private addresses are caught at fetch time, on every poll.
 */
export function checkFeedUrl(raw: string, guard?: { allowPrivate?: boolean; allowHosts?: string[] }): URL {
  if (typeof raw !== 'string' || raw.length === 0) throw new UserError('feed URL is empty');
  if (raw.length > MAX_URL_LENGTH) throw new UserError(`feed URL is longer than ${MAX_URL_LENGTH} characters`);
  // The URL parser silently trims and drops these; a stored URL must be exactly what is fetched.
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw new UserError('feed URL must not contain spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError('feed URL is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError('only http and https feed URLs are allowed');
  if (url.username || url.password) throw new UserError('feed URL must not contain a username or password');
  if (!url.hostname) throw new UserError('feed URL has no host');
  url.hash = '';
  if (guard && !guard.allowPrivate && !isAllowedHost(url, guard.allowHosts)) {
    const host = bareHost(url);
    const local = host === 'localhost' || host.endsWith('.localhost') || host === 'localhost.' || host.endsWith('.localhost.');
    if (local || (net.isIP(host) && !isPublicAddress(host))) throw new UserError(BLOCKED_MESSAGE.replace(/^refused: /, ''));
  }
  return url;
}

function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Fetches one feed. Never throws: every failure is an `error` outcome with a
 * one-line message that does not echo the response body.
 */
export async function fetchFeed(req: FetchRequest, opts: Partial<FetchOptions> = {}): Promise<FetchOutcome> {
  const o = withDefaults(opts);
  let url: URL;
  try {
    url = checkFeedUrl(req.url);
  } catch (e) {
    return { kind: 'error', message: `refused: ${(e as Error).message}`, transient: false };
  }
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), o.timeoutMs);
  try {
    return await followRedirects(url, req, o, controller.signal);
  } catch (e) {
    if (controller.signal.aborted) return { kind: 'error', message: `timed out after ${o.timeoutMs} ms`, transient: true };
    return toErrorOutcome(e);
  } finally {
    clearTimeout(deadline);
  }
}

type ResolvedOptions = FetchOptions & { maxRedirects: number };

function withDefaults(opts: Partial<FetchOptions>): ResolvedOptions {
  const o: Record<string, unknown> = { ...DEFAULT_FETCH_OPTIONS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) o[k] = v;
  return o as unknown as ResolvedOptions;
}

async function followRedirects(start: URL, req: FetchRequest, o: ResolvedOptions, signal: AbortSignal): Promise<FetchOutcome> {
  const headers = requestHeaders(req, o.userAgent);
  const visited = new Set([start.href]);
  let url = start;
  let redirects = 0;
  // The feed moved for good only while every hop from the start is permanent.
  let leadingPermanent = true;
  let permanentTarget: string | undefined;

  for (;;) {
    const res = await requestOnce(url, headers, o, signal);
    const status = res.statusCode ?? 0;
    if (!REDIRECT_STATUSES.has(status)) return await readFinal(res, url, req, o, signal, permanentTarget);

    res.destroy(); // never read a redirect's body
    const location = res.headers.location;
    if (!location) throw new FetchFailure(`HTTP ${status} redirect without a Location header`, false, status);
    let next: URL;
    try {
      next = checkFeedUrl(new URL(location, url).href);
    } catch (e) {
      throw new FetchFailure(`redirect refused: ${e instanceof UserError ? e.message : 'invalid Location header'}`, false, status);
    }
    if (url.protocol === 'https:' && next.protocol === 'http:') throw new FetchFailure('redirect refused: https to http downgrade', false, status);
    if (visited.has(next.href)) throw new FetchFailure('redirect loop', false, status);
    redirects++;
    if (redirects > o.maxRedirects) throw new FetchFailure(`too many redirects (more than ${o.maxRedirects})`, false, status);
    visited.add(next.href);
    if (leadingPermanent && (status === 301 || status === 308)) permanentTarget = next.href;
    else leadingPermanent = false;
    url = next;
  }
}

function requestHeaders(req: FetchRequest, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {
    'User-Agent': userAgent,
    Accept: ACCEPT,
    'Accept-Encoding': 'gzip, deflate, br',
  };
  // Validators are opaque: sent back exactly as stored, quotes included.
  if (req.etag && isHeaderSafe(req.etag)) headers['If-None-Match'] = req.etag;
  if (req.lastModified && isHeaderSafe(req.lastModified)) headers['If-Modified-Since'] = req.lastModified;
  return headers;
}

function isHeaderSafe(v: string): boolean {
  return v.length <= 1024 && /^[\t\x20-\x7e\x80-\xff]*$/.test(v);
}

function isAllowedHost(url: URL, allowHosts: string[] | undefined): boolean {
  if (!allowHosts?.length) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const key = `${url.hostname}:${port}`.toLowerCase();
  return allowHosts.some((h) => h.toLowerCase() === key);
}

/** One request to one URL; resolves with the response head. */
function requestOnce(url: URL, headers: Record<string, string>, o: ResolvedOptions, signal: AbortSignal): Promise<http.IncomingMessage> {
  const exempt = o.allowPrivate || isAllowedHost(url, o.allowHosts);
  const host = bareHost(url);
  // IP literals never reach the lookup hook: check them here, on the normalised form.
  if (!exempt && net.isIP(host) && !isPublicAddress(host)) return Promise.reject(new FetchFailure(BLOCKED_MESSAGE, false));
  if (signal.aborted) return Promise.reject(new FetchFailure('aborted', true));

  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const options: https.RequestOptions = {
      host,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname + url.search,
      method: 'GET',
      headers,
      agent: false, // a fresh connection per hop, so every hop goes through the guard
      signal,
      lookup: guardedLookup(o.lookup ?? (dns.lookup as LookupFunction), exempt),
      ...(isHttps && o.ca ? { ca: o.ca } : {}),
    };
    const request = (isHttps ? https : http).request(options);
    const connectTimer = setTimeout(
      () => request.destroy(new FetchFailure(`could not connect within ${o.connectTimeoutMs} ms`, true)),
      o.connectTimeoutMs,
    );
    request.once('socket', (socket) => {
      socket.once(isHttps ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    request.once('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    request.on('error', (e) => {
      clearTimeout(connectTimer);
      reject(e);
    });
    request.end();
  });
}

/**
 * Wraps a resolver so that the addresses it returns are checked right before
 * the socket connects to them. Every address is asked for and every one must
 * be public: a name with one public and one private record is refused.
 */
function guardedLookup(base: LookupFunction, exempt: boolean): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, addresses, family) => {
      if (err) return callback(err, '', undefined);
      const list: dns.LookupAddress[] = Array.isArray(addresses)
        ? addresses
        : [{ address: addresses, family: family ?? net.isIP(addresses) }];
      if (list.length === 0) {
        const e: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
        e.code = 'ENOTFOUND';
        return callback(e, '', undefined);
      }
      if (!exempt && list.some((a) => !isPublicAddress(a.address))) {
        return callback(new FetchFailure(BLOCKED_MESSAGE, false) as NodeJS.ErrnoException, '', undefined);
      }
      if (options.all) return callback(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

async function readFinal(
  res: http.IncomingMessage,
  url: URL,
  req: FetchRequest,
  o: ResolvedOptions,
  signal: AbortSignal,
  permanentTarget: string | undefined,
): Promise<FetchOutcome> {
  const status = res.statusCode ?? 0;
  const h = res.headers;
  const serverNow = responseNow(h);
  const moved = permanentTarget ? { permanentRedirectTo: permanentTarget } : {};

  if (status === 304) {
    res.destroy();
    return { kind: 'not-modified', status, finalUrl: url.href, ...validators(h), ...parseCacheHints(h, serverNow), ...moved };
  }
  if (status === 410) {
    res.destroy();
    return { kind: 'gone', status: 410, finalUrl: url.href };
  }
  if (status === 429 || status === 503) {
    res.destroy();
    const retryAfterSeconds = parseRetryAfter(h['retry-after'], serverNow);
    return { kind: 'rate-limited', status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  if (status >= 200 && status < 300 && status !== 204 && status !== 205 && status !== 206) {
    const v = validators(h);
    const cache = parseCacheHints(h, serverNow);
    if (isUnchanged(req, h)) {
      res.destroy();
      return { kind: 'not-modified', status, finalUrl: url.href, ...v, ...cache, ...moved };
    }
    const body = await readBody(res, o.maxBytes, signal);
    const contentType = h['content-type'];
    return { kind: 'ok', status, body, ...(contentType ? { contentType } : {}), ...v, ...cache, finalUrl: url.href, ...moved };
  }
  res.destroy(); // the body of an error page is never read nor echoed
  const reason = http.STATUS_CODES[status];
  return {
    kind: 'error',
    status,
    message: `HTTP ${status}${reason ? ` ${reason}` : ''}`,
    transient: status >= 500 || status === 408 || status === 425,
  };
}

/**
 * A 200 whose ETag equals the one sent is not modified (RFC 9110 §8.8.1: the
 * ETag takes precedence); with no ETags on either side, equal Last-Modified.
 */
function isUnchanged(req: FetchRequest, h: http.IncomingHttpHeaders): boolean {
  if (req.etag && h.etag) return weakEtag(req.etag) === weakEtag(h.etag);
  if (!req.etag && !h.etag && req.lastModified && h['last-modified']) return req.lastModified === h['last-modified'];
  return false;
}

function weakEtag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/** Validators to store, unless the response forbids caching (no-store, Expires: 0). */
function validators(h: http.IncomingHttpHeaders): { etag?: string; lastModified?: string } {
  const cacheControl = String(h['cache-control'] ?? '').toLowerCase();
  if (/(^|,)\s*no-store\s*(,|$)/.test(cacheControl)) return {};
  if ((h.expires ?? '').trim() === '0') return {};
  const out: { etag?: string; lastModified?: string } = {};
  if (h.etag && isHeaderSafe(h.etag)) out.etag = h.etag;
  const lm = h['last-modified'];
  if (lm && isHeaderSafe(lm)) out.lastModified = lm;
  return out;
}

/** The server's clock when it has a valid Date header (immune to our clock skew), else ours. */
function responseNow(h: http.IncomingHttpHeaders): Date {
  const t = h.date ? parseHttpDate(h.date) : undefined;
  return t !== undefined ? new Date(t) : new Date();
}

/** Cache-Control max-age and Expires as seconds from `now`. */
export function parseCacheHints(h: { 'cache-control'?: string; expires?: string }, now: Date): CacheHints {
  const out: CacheHints = {};
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(h['cache-control'] ?? '');
  if (m) out.maxAgeSeconds = Number(m[1]);
  const expires = h.expires?.trim();
  if (expires) {
    const t = parseHttpDate(expires);
    // An invalid Expires (e.g. "0") means "already expired" (RFC 9111 §5.3).
    out.expiresInSeconds = t === undefined ? 0 : Math.max(0, Math.ceil((t - now.getTime()) / 1000));
  }
  return out;
}

/**
 * Retry-After as seconds from `now`: delay-seconds or an HTTP-date (a date in
 * the past gives 0). Negative numbers and garbage give undefined.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,15}$/.test(v)) return Number(v);
  const t = parseHttpDate(v);
  if (t === undefined) return undefined;
  return Math.max(0, Math.ceil((t - now.getTime()) / 1000));
}

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** Epoch ms of an HTTP-date (RFC 9110 §5.6.7, all three forms), else undefined. */
export function parseHttpDate(s: string): number | undefined {
  // Only the HTTP forms: Date.parse alone would read "-5" or "2" as years.
  let text = s.trim();
  if (ASCTIME_DATE.test(text)) text += ' GMT';
  else if (!IMF_FIXDATE.test(text) && !RFC850_DATE.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

// ───────────────────────── body ─────────────────────────

/** Counts bytes through a stream and fails past the cap. */
class ByteCap extends Transform {
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) return cb(new FetchFailure('response too large', false));
    cb(null, chunk);
  }
}

/** Collects the decoded body and fails past the cap. */
class CappedCollector extends Writable {
  readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.max) return cb(new FetchFailure('response too large', false));
    this.chunks.push(chunk);
    cb();
  }
}

function parseContentEncoding(value: string | undefined): string[] {
  const codings = (value ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  if (codings.length > MAX_CODINGS) throw new FetchFailure('too many content encodings', false);
  for (const c of codings) {
    if (!['gzip', 'x-gzip', 'deflate', 'br'].includes(c)) {
      throw new FetchFailure(`unsupported content encoding "${c.replace(/[^a-z0-9._-]/g, '').slice(0, 20)}"`, false);
    }
  }
  return codings;
}

function createDecoder(coding: string): Transform {
  if (coding === 'br') return zlib.createBrotliDecompress();
  if (coding === 'deflate') return zlib.createInflate();
  return zlib.createGunzip();
}

async function readBody(res: http.IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  let codings: string[];
  try {
    codings = parseContentEncoding(res.headers['content-encoding']);
  } catch (e) {
    res.destroy();
    throw e;
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw new FetchFailure('response too large', false);
  }
  // Codings are listed in the order applied, so they are undone last-first.
  const decoders = [...codings].reverse().map(createDecoder);
  let decodeFailed = false;
  for (const d of decoders) d.once('error', () => (decodeFailed = true));
  const collector = new CappedCollector(maxBytes);
  const stages = decoders.length ? [res, new ByteCap(maxBytes), ...decoders, collector] : [res, collector];
  try {
    await pipeline(stages, { signal });
  } catch (e) {
    res.destroy();
    if (e instanceof FetchFailure || signal.aborted) throw e;
    if (decodeFailed) throw new FetchFailure(`could not decode the response body (${codings.join(', ')})`, false);
    throw new FetchFailure('connection closed before the body was complete', true);
  }
  return Buffer.concat(collector.chunks);
}

// ───────────────────────── errors ─────────────────────────

function toErrorOutcome(e: unknown): FetchOutcome {
  if (e instanceof FetchFailure) {
    return { kind: 'error', message: e.message, transient: e.transient, ...(e.status !== undefined ? { status: e.status } : {}) };
  }
  const code = String((e as NodeJS.ErrnoException | undefined)?.code ?? '');
  // Only codes, never messages: a system message would echo the resolved IP.
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
      return { kind: 'error', message: 'host not found', transient: true };
    case 'ECONNREFUSED':
      return { kind: 'error', message: 'connection refused', transient: true };
    case 'ECONNRESET':
    case 'EPIPE':
      return { kind: 'error', message: 'connection reset', transient: true };
    case 'ETIMEDOUT':
      return { kind: 'error', message: 'connection timed out', transient: true };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { kind: 'error', message: 'host unreachable', transient: true };
  }
  if (code.startsWith('HPE_')) return { kind: 'error', message: 'invalid HTTP response', transient: true };
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) return { kind: 'error', message: `TLS error (${code})`, transient: false };
  return { kind: 'error', message: `network error${code ? ` (${code})` : ''}`, transient: true };
}
