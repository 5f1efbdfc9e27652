import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { renderDemoFeed, type DemoFeed } from './content.js';

export interface DemoFeedServer {
  url: string;
  host: string;
  feedUrl(key: string): string;
  close(): Promise<void>;
  /** Requests served, per path (tests and the demo report use it). */
  hits: Map<string, number>;
}

const CONTENT_TYPES = { rss2: 'application/rss+xml', atom: 'application/atom+xml', rss1: 'application/rdf+xml' } as const;

/**
 * Serves the demo feeds on loopback like a well-behaved publisher: ETag and
 * Last-Modified with 304s, gzip when asked, a charset in the Content-Type.
 * Dates are fixed when the server starts, so repeated polls see the same feed.
 */
export async function startDemoFeedServer(feeds: DemoFeed[], opts: { port?: number; now?: Date } = {}): Promise<DemoFeedServer> {
  const now = opts.now ?? new Date();
  const lastModified = now.toUTCString();
  const byKey = new Map(feeds.map((f) => [f.key, f]));
  const cache = new Map<string, { body: Buffer; etag: string }>();
  const hits = new Map<string, number>();
  let base = '';

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const m = /^\/feeds\/([a-z0-9-]+)\.xml$/.exec(path);
    const feed = m ? byKey.get(m[1]!) : undefined;
    if (!feed || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    let entry = cache.get(feed.key);
    if (!entry) {
      const body = renderDemoFeed(feed, now, `${base}${path}`);
      entry = { body, etag: `"${createHash('sha1').update(body).digest('hex').slice(0, 20)}"` };
      cache.set(feed.key, entry);
    }
    const headers: Record<string, string> = {
      'content-type': `${CONTENT_TYPES[feed.format]}; charset=${feed.encoding}`,
      etag: entry.etag,
      'last-modified': lastModified,
      'cache-control': 'max-age=300',
    };
    if (req.headers['if-none-match'] === entry.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    let body = entry.body;
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    host: `127.0.0.1:${port}`,
    feedUrl: (key) => `${base}/feeds/${key}.xml`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
