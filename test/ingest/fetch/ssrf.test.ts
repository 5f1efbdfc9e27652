/**
 * SSRF guard of the feed fetcher: ING-01 (internal targets), ING-02 (alternate
 * encodings), ING-03 (redirects), ING-04 (DNS rebinding), ING-05 (schemes).
 * A "canary" listener on [::] (dual stack, so it also accepts 127.0.0.1,
 * 127.0.0.2, 0.0.0.0 and ::1) records every TCP accept: a refusal must leave
 * it untouched.
 */
import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../../src/ingest/fetch/address.js';
import { BLOCKED_MESSAGE, checkFeedUrl, fetchFeed, type LookupFunction } from '../../../src/ingest/fetch/fetcher.js';
import { startFixture, TEST_TLS, type Fixture } from './fixture.js';

const RSS = '<rss version="2.0"><channel><title>ok</title></channel></rss>';
const FAST = { timeoutMs: 5000, connectTimeoutMs: 2000 };

/** Real DNS for real names; test names (nip.io, metadata) answered the way the Internet would. */
const testResolver: LookupFunction = (hostname, options, cb) => {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const nip = /^(\d+\.\d+\.\d+\.\d+)\.nip\.io$/.exec(name);
  const fixed = nip ? nip[1]! : name === 'metadata.google.internal' ? '169.254.169.254' : undefined;
  if (!fixed) return dns.lookup(name, options, cb);
  if (options.all) cb(null, [{ address: fixed, family: 4 }]);
  else cb(null, fixed, 4);
};

let canary: Fixture;
let P: number;

beforeAll(async () => {
  canary = await startFixture({ host: '::' });
  P = canary.port;
  canary.script('/', [{ status: 200, headers: { 'Content-Type': 'application/rss+xml' }, body: RSS }]);
  canary.script('/ok', [{ status: 200, headers: { 'Content-Type': 'application/rss+xml' }, body: RSS }]);
});
afterAll(async () => {
  await canary.close();
});

async function expectRefused(url: string, extra: Record<string, unknown> = {}) {
  const before = canary.connections;
  const outcome = await fetchFeed({ url }, { ...FAST, lookup: testResolver, ...extra });
  expect(outcome, url).toMatchObject({ kind: 'error', transient: false });
  if (outcome.kind === 'error') expect(outcome.message, url).toMatch(/^refused: /);
  expect(canary.connections, `${url} reached the listener`).toBe(before);
  return outcome;
}

describe('ING-01 internal targets are refused before any TCP connect', () => {
  const vectors = () => [
    `http://127.0.0.1:${P}/`,
    `http://localhost:${P}/`,
    `http://[::1]:${P}/`,
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    `http://0.0.0.0:${P}/`,
    `http://[::]:${P}/`,
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://224.0.0.1/',
  ];

  it('refuses every vector with the one generic message, listener untouched', async () => {
    for (const url of vectors()) {
      const outcome = await expectRefused(url);
      expect(outcome).toEqual({ kind: 'error', message: BLOCKED_MESSAGE, transient: false });
    }
    expect(canary.connections).toBe(0);
  });

  it('the guard is on by default: no options at all still refuses', async () => {
    const outcome = await fetchFeed({ url: `http://127.0.0.1:${P}/ok` });
    expect(outcome).toEqual({ kind: 'error', message: BLOCKED_MESSAGE, transient: false });
    expect(canary.connections).toBe(0);
  });

  it('allowPrivate: true turns the guard off explicitly (the same URLs then connect)', async () => {
    const before = canary.connections;
    for (const url of [`http://127.0.0.1:${P}/ok`, `http://localhost:${P}/ok`, `http://[::1]:${P}/ok`]) {
      const outcome = await fetchFeed({ url }, { ...FAST, allowPrivate: true });
      expect(outcome, url).toMatchObject({ kind: 'ok', status: 200 });
    }
    expect(canary.connections).toBe(before + 3);
  });

  it('allowHosts lets exactly one host:port through, nothing else', async () => {
    const allowHosts = [`127.0.0.1:${P}`];
    const ok = await fetchFeed({ url: `http://127.0.0.1:${P}/ok` }, { ...FAST, allowHosts });
    expect(ok.kind).toBe('ok');
    const after = canary.connections;
    await expectRefused(`http://[::1]:${P}/ok`, { allowHosts });
    await expectRefused(`http://127.0.0.2:${P}/ok`, { allowHosts });
    await expectRefused(`http://127.0.0.1:${P + 1 > 65535 ? P - 1 : P + 1}/ok`, { allowHosts });
    expect(canary.connections).toBe(after);
  });
});

describe('ING-02 alternate encodings are judged after normalisation', () => {
  const vectors = () => [
    `http://0:${P}/`,
    `http://127.1:${P}/`,
    `http://127.0.1:${P}/`,
    `http://0177.0.0.1:${P}/`,
    `http://0x7f.0.0.1:${P}/`,
    `http://0x7f000001:${P}/`,
    `http://2130706433:${P}/`,
    `http://017700000001:${P}/`,
    `http://[::ffff:127.0.0.1]:${P}/`,
    `http://[::ffff:7f00:1]:${P}/`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${P}/`,
    `http://[::127.0.0.1]:${P}/`,
    `http://[0:0:0:0:0:0:0:1]:${P}/`,
    `http://localhost.:${P}/`,
    `http://127.0.0.1.nip.io:${P}/`,
    `http://A.com@127.0.0.1:${P}/`,
    `http://①②⑦.0.0.1:${P}/`,
    'http://012.0.0.1/',
    `http://LOCALHOST:${P}/`,
    `http://127.0.0.2.nip.io:${P}/`,
  ];

  it('blocks every vector; the listener on the port sees no connection', async () => {
    const before = canary.connections;
    for (const url of vectors()) await expectRefused(url);
    expect(canary.connections).toBe(before);
  });

  it('the vectors are real: with the guard off they do reach the listener', async () => {
    const before = canary.connections;
    const reachable = [`http://127.1:${P}/ok`, `http://0x7f000001:${P}/ok`, `http://[::ffff:7f00:1]:${P}/ok`, `http://127.0.0.1.nip.io:${P}/ok`];
    for (const url of reachable) {
      const outcome = await fetchFeed({ url }, { ...FAST, allowPrivate: true, lookup: testResolver });
      expect(outcome.kind, url).toBe('ok');
    }
    expect(canary.connections).toBe(before + reachable.length);
  });
});

describe('address classifier', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254',
    '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250', '255.255.255.255',
    '240.0.0.1', '192.0.2.1', '198.18.0.1', '198.51.100.7', '203.0.113.9', '192.0.0.8',
    '::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:8.8.8.8', '::127.0.0.1', '::7f00:1', 'fd00::1', 'fc00::1',
    'fe80::1', 'fe80::1%eth0', 'fec0::1', 'ff02::1', '2001:db8::1', '2001::1', '64:ff9b::127.0.0.1', '64:ff9b::a00:1',
    '2002:7f00:1::1', '2002:c0a8:101::1', '100::1', '3fff::1', 'not-an-ip', '', '1.2.3', '[::1]',
  ])('%s is not public', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2a00:1450:4007:80e::200e', '64:ff9b::808:808', '2002:808:808::1'])(
    '%s is public',
    (ip) => {
      expect(isPublicAddress(ip)).toBe(true);
    },
  );
});

describe('ING-03 every redirect hop is re-validated', () => {
  let pub: Fixture;
  let internal: Fixture;
  let tlsPub: Fixture;
  beforeAll(async () => {
    pub = await startFixture({ host: '127.0.0.1' });
    internal = await startFixture({ host: '127.0.0.2' });
    tlsPub = await startFixture({ host: '127.0.0.1', tls: true });
    internal.script('/latest/meta-data', [{ status: 200, body: 'ami-id\ninstance-id\n' }]);
    for (const s of [301, 302, 303, 307, 308]) {
      pub.script(`/r${s}`, [{ status: s, headers: { Location: internal.url('/latest/meta-data') } }]);
    }
    for (let i = 1; i <= 4; i++) pub.script(`/hop${i}`, [{ status: 302, headers: { Location: `/hop${i + 1}` } }]);
    pub.script('/hop5', [{ status: 301, headers: { Location: internal.url('/latest/meta-data') } }]);
    pub.script('/to-localhost', [{ status: 307, headers: { Location: `http://localhost:${internal.port}/` } }]);
    pub.script('/to-file', [{ status: 301, headers: { Location: 'file:///etc/passwd' } }]);
    pub.script('/feed', [{ status: 200, headers: { 'Content-Type': 'application/rss+xml' }, body: RSS }]);
    tlsPub.script('/downgrade', [{ status: 301, headers: { Location: pub.url('/feed') } }]);
    tlsPub.script('/feed', [{ status: 200, headers: { 'Content-Type': 'application/rss+xml' }, body: RSS }]);
  });
  afterAll(async () => {
    await Promise.all([pub.close(), internal.close(), tlsPub.close()]);
  });

  it.each([301, 302, 303, 307, 308])('%i to 127.0.0.2 is refused at connect time', async (status) => {
    const outcome = await fetchFeed({ url: pub.url(`/r${status}`) }, { ...FAST, allowHosts: [pub.hostPort] });
    expect(outcome).toEqual({ kind: 'error', message: BLOCKED_MESSAGE, transient: false });
    expect(internal.connections).toBe(0);
  });

  it('a 5-hop chain ending on a private IP is refused at the last hop', async () => {
    const before = pub.requests.length;
    const outcome = await fetchFeed({ url: pub.url('/hop1') }, { ...FAST, allowHosts: [pub.hostPort] });
    expect(outcome).toEqual({ kind: 'error', message: BLOCKED_MESSAGE, transient: false });
    expect(pub.requests.slice(before).map((r) => r.url)).toEqual(['/hop1', '/hop2', '/hop3', '/hop4', '/hop5']);
    expect(internal.connections).toBe(0);
  });

  it('a redirect to a name resolving to loopback is refused', async () => {
    const outcome = await fetchFeed({ url: pub.url('/to-localhost') }, { ...FAST, allowHosts: [pub.hostPort] });
    expect(outcome).toEqual({ kind: 'error', message: BLOCKED_MESSAGE, transient: false });
    expect(internal.connections).toBe(0);
  });

  it('a redirect to another scheme is refused', async () => {
    const outcome = await fetchFeed({ url: pub.url('/to-file') }, { ...FAST, allowHosts: [pub.hostPort] });
    expect(outcome).toMatchObject({ kind: 'error', message: 'redirect refused: only http and https feed URLs are allowed' });
  });

  it('https works with a trusted CA, and an https→http downgrade is refused', async () => {
    const opts = { ...FAST, allowHosts: [tlsPub.hostPort, pub.hostPort], ca: TEST_TLS.cert };
    const ok = await fetchFeed({ url: tlsPub.url('/feed') }, opts);
    expect(ok).toMatchObject({ kind: 'ok', status: 200 });
    const before = pub.connections;
    const outcome = await fetchFeed({ url: tlsPub.url('/downgrade') }, opts);
    expect(outcome).toMatchObject({ kind: 'error', message: 'redirect refused: https to http downgrade', transient: false });
    expect(pub.connections).toBe(before);
  });

  it('a self-signed certificate is not trusted without the CA', async () => {
    const outcome = await fetchFeed({ url: tlsPub.url('/feed') }, { ...FAST, allowHosts: [tlsPub.hostPort] });
    expect(outcome).toMatchObject({ kind: 'error', transient: false });
    if (outcome.kind === 'error') expect(outcome.message).toMatch(/^TLS error/);
  });
});

describe('ING-04 DNS rebinding: the address checked is the address connected', () => {
  const answer =
    (pick: () => { address: string; family: number }[]): LookupFunction =>
    (_host, options, cb) => {
      const list = pick();
      if (options.all) cb(null, list);
      else cb(null, list[0]!.address, list[0]!.family);
    };

  it('public on the first lookup, loopback on the second: refused, no connect, one lookup by the fetcher', async () => {
    const before = canary.connections;
    let calls = 0;
    const rebinding = answer(() => [{ address: ++calls === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }]);
    // What a pre-flight check would see: a public address.
    await new Promise<void>((resolve) =>
      rebinding('rebind.example', {}, (_e, address) => {
        expect(address).toBe('93.184.216.34');
        resolve();
      }),
    );
    const outcome = await fetchFeed({ url: `http://rebind.example:${P}/ok` }, { ...FAST, lookup: rebinding });
    expect(outcome).toEqual({ kind: 'error', message: BLOCKED_MESSAGE, transient: false });
    expect(calls).toBe(2); // the fetcher resolved once, at connect time
    expect(canary.connections).toBe(before);
  });

  it('loopback on the first lookup: refused', async () => {
    await expectRefused(`http://rebind.example:${P}/ok`, { lookup: answer(() => [{ address: '127.0.0.1', family: 4 }]) });
  });

  it('two A records, one public and one private: refused', async () => {
    const before = canary.connections;
    const both = answer(() => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    await expectRefused(`http://two.example:${P}/ok`, { lookup: both });
    const privateFirst = answer(() => [
      { address: '::1', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ]);
    await expectRefused(`http://two.example:${P}/ok`, { lookup: privateFirst });
    expect(canary.connections).toBe(before);
  });

  it('a resolver that ignores `all` and answers one address is still checked', async () => {
    const single: LookupFunction = (_h, _o, cb) => cb(null, '127.0.0.1', 4);
    await expectRefused(`http://single.example:${P}/ok`, { lookup: single });
  });

  it('control: the resolved address is the one connected to (guard off)', async () => {
    const before = canary.connections;
    const toLoopback = answer(() => [{ address: '127.0.0.1', family: 4 }]);
    const outcome = await fetchFeed({ url: `http://rebind.example:${P}/ok` }, { ...FAST, allowPrivate: true, lookup: toLoopback });
    expect(outcome.kind).toBe('ok');
    expect(canary.connections).toBe(before + 1);
    expect(canary.requests.at(-1)?.headers.host).toBe(`rebind.example:${P}`);
  });
});

describe('ING-05 scheme allow-list', () => {
  it.each([
    'file:///etc/passwd',
    'data:application/rss+xml,<rss version="2.0"><channel><title>x</title></channel></rss>',
    'ftp://h/f',
    'gopher://127.0.0.1:6379/_INFO',
    'javascript:alert(1)',
    'blob:https://example.com/550e8400-e29b-41d4-a716-446655440000',
    '//evil.example/feed',
    ' http://x',
    'http://x/ ',
    'http://x/\nfeed',
    '',
    'ws://example.com/',
  ])('refuses %j before any lookup', async (url) => {
    let lookups = 0;
    const counting: LookupFunction = (h, o, cb) => {
      lookups++;
      dns.lookup(h, o, cb);
    };
    const outcome = await fetchFeed({ url }, { ...FAST, lookup: counting, allowPrivate: true });
    expect(outcome).toMatchObject({ kind: 'error', transient: false });
    if (outcome.kind === 'error') expect(outcome.message).toMatch(/^refused: /);
    expect(lookups).toBe(0);
  });

  it('checkFeedUrl accepts http(s) in any case and normalises it', () => {
    expect(checkFeedUrl('HTTP://X/').href).toBe('http://x/');
    expect(checkFeedUrl('https://Example.COM/feed?a=1').href).toBe('https://example.com/feed?a=1');
    expect(() => checkFeedUrl('file:///etc/passwd')).toThrow('only http and https feed URLs are allowed');
    expect(() => checkFeedUrl('http://user:pw@example.com/')).toThrow('must not contain a username or password');
    expect(checkFeedUrl('https://example.com/feed#top').href).toBe('https://example.com/feed');
  });

  it('checkFeedUrl with a guard refuses, at subscribe time, what needs no DNS to judge', () => {
    const guard = { allowPrivate: false };
    for (const url of ['http://127.1/', 'http://[::ffff:7f00:1]/', 'http://10.0.0.1/', 'http://localhost:8080/', 'http://LOCALHOST./', 'http://app.localhost/']) {
      expect(() => checkFeedUrl(url, guard), url).toThrow('the feed address points to a private or reserved network');
    }
    expect(checkFeedUrl('http://93.184.216.34/feed', guard).href).toBe('http://93.184.216.34/feed');
    expect(checkFeedUrl('http://127.0.0.1:8080/feed', { allowHosts: ['127.0.0.1:8080'] }).host).toBe('127.0.0.1:8080');
    expect(checkFeedUrl('http://127.0.0.1/', { allowPrivate: true }).host).toBe('127.0.0.1');
  });

  it('an upper-case HTTP scheme is fetched as http', async () => {
    const outcome = await fetchFeed({ url: `HTTP://127.0.0.1:${P}/ok` }, { ...FAST, allowPrivate: true });
    expect(outcome).toMatchObject({ kind: 'ok', finalUrl: `http://127.0.0.1:${P}/ok` });
  });
});
