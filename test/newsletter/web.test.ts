import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { newsletterRoutes, eraseAndSuppress, parseMultipartFields } from '../../src/newsletter/web.js';
import { confirmUrl, suppressionHash, unsubscribeToken } from '../../src/newsletter/message.js';
import { subscriberFor } from './fixtures.js';
import { randomId } from '../../src/util/ids.js';

const secret = 'k'.repeat(40);
let store: Store;
let app: FastifyInstance;

async function makeApp(withFormbody = false): Promise<FastifyInstance> {
  const a = Fastify({ logger: false });
  // The site may register its own form parser at the root; the plugin must still accept RFC 8058 bodies.
  if (withFormbody) await a.register(formbody);
  await a.register(newsletterRoutes, { store, secret });
  await a.ready();
  return a;
}

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.createSubscriber(subscriberFor('s1'));
  app = await makeApp();
});
afterEach(async () => {
  await app.close();
  await store.close();
});

const token = () => unsubscribeToken(secret, { id: 's1', email: 's1@exemple.fr' });
const multipart = (boundary = 'XYZ') => ({
  headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
});

describe('one-click unsubscribe (EML-02, EML-03)', () => {
  it('GET and HEAD show a confirmation button and never unsubscribe, even from 20 scanners', async () => {
    const r = await app.inject({ method: 'GET', url: `/u/${token()}` });
    expect(r.statusCode).toBe(200);
    expect(r.body).toMatch(/<form method="post" action="\/u\/[^"]+">/);
    expect(r.body).toMatch(/Me désabonner/);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect((await app.inject({ method: 'HEAD', url: `/u/${token()}` })).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) {
      await app.inject({ method: 'GET', url: `/u/${token()}`, headers: { 'user-agent': ['Barracuda', 'Mimecast', 'Microsoft Office/16.0', 'Proofpoint'][i % 4]! } });
    }
    expect((await store.getSubscriber('s1'))!.status).toBe('active');
  });

  for (const [name, req] of [
    ['urlencoded', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' }],
    ['multipart', multipart()],
    ['an empty body', {}],
    ['text/plain', { headers: { 'content-type': 'text/plain' }, payload: 'List-Unsubscribe=One-Click' }],
  ] as const) {
    it(`POST with ${name}: 200, no cookie, no redirect, committed before the response`, async () => {
      const r = await app.inject({ method: 'POST', url: `/u/${token()}`, ...req });
      expect(r.statusCode).toBe(200);
      expect(r.headers['set-cookie']).toBeUndefined();
      expect(r.headers.location).toBeUndefined();
      const s = (await store.getSubscriber('s1'))!;
      expect(s.status).toBe('unsubscribed');
      expect(s.consents.newsletter).toMatchObject({ granted: false, source: 'one-click-unsubscribe' });
      expect(s.unsubscribedAt).toBeTruthy();
      expect(await store.isSuppressed(suppressionHash(secret, 's1@exemple.fr'))).toBe(true);
    });
  }

  it('is idempotent, and works when the site registered @fastify/formbody itself', async () => {
    await app.close();
    app = await makeApp(true);
    const first = await app.inject({ method: 'POST', url: `/u/${token()}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    const at = (await store.getSubscriber('s1'))!.unsubscribedAt;
    const again = await app.inject({ method: 'POST', url: `/u/${token()}`, ...multipart('----b') });
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect((await store.getSubscriber('s1'))!.unsubscribedAt).toBe(at);
  });

  it('a bad, forged, foreign-purpose or stale token gets the same generic 404', async () => {
    const bodies = new Set<string>();
    const forged = token().replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const otherPurpose = confirmUrl('https://x', secret, { id: 's1' }, new Date()).split('/').pop()!;
    for (const t of ['nope', forged, otherPurpose, 'a'.repeat(99)]) {
      const r = await app.inject({ method: 'POST', url: `/u/${t}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
      expect(r.statusCode).toBe(404);
      bodies.add(r.body);
    }
    expect(bodies.size).toBe(1);
    expect((await app.inject({ method: 'POST', url: `/u/${'a'.repeat(3000)}` })).statusCode).toBe(414);
    expect((await store.getSubscriber('s1'))!.status).toBe('active');
    // The address changed: the old token no longer names anyone (tokens rotate with the address).
    await store.updateSubscriber('s1', { email: 'new@exemple.fr' });
    expect((await app.inject({ method: 'POST', url: `/u/${token()}` })).statusCode).toBe(404);
    // Erased: 404, and the address stays suppressed as a hash (STO-10).
    const t2 = unsubscribeToken(secret, { id: 's1', email: 'new@exemple.fr' });
    expect(await eraseAndSuppress(store, secret, 's1', new Date())).toBe(true);
    expect((await app.inject({ method: 'GET', url: `/u/${t2}` })).statusCode).toBe(404);
    expect(await store.isSuppressed(suppressionHash(secret, 'NEW@exemple.fr'))).toBe(true);
  });

  it('tokens fit in Fastify\'s default maxParamLength (100)', () => {
    const id = randomId();
    expect(unsubscribeToken(secret, { id, email: 'élodie.martin+kiosque@exemple.fr' }).length).toBeLessThanOrEqual(100);
    expect(confirmUrl('https://x', secret, { id }, new Date()).split('/').pop()!.length).toBeLessThanOrEqual(100);
  });

  it('parses small multipart bodies, ignores files and junk', () => {
    expect(parseMultipartFields(multipart().payload, 'multipart/form-data; boundary=XYZ')).toEqual({ 'List-Unsubscribe': 'One-Click' });
    expect(parseMultipartFields('--"Q"--', 'multipart/form-data')).toEqual({});
    expect(parseMultipartFields('--b\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\nzz\r\n--b--', 'multipart/form-data; boundary="b"')).toEqual({});
  });
});

describe('double opt-in confirmation', () => {
  it('GET shows a button; POST makes the pending subscriber active (idempotent); expired links 404', async () => {
    await store.createSubscriber(subscriberFor('p1', { status: 'pending', confirmedAt: undefined }));
    const url = new URL(confirmUrl('https://x', secret, { id: 'p1' }, new Date()));
    const g = await app.inject({ method: 'GET', url: url.pathname });
    expect(g.statusCode).toBe(200);
    expect(g.body).toMatch(/Confirmer/);
    expect((await store.getSubscriber('p1'))!.status).toBe('pending');
    const p = await app.inject({ method: 'POST', url: url.pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'confirm=1' });
    expect(p.statusCode).toBe(200);
    const s = (await store.getSubscriber('p1'))!;
    expect(s.status).toBe('active');
    expect(s.confirmedAt).toBeTruthy();
    expect((await app.inject({ method: 'POST', url: url.pathname })).statusCode).toBe(200);
    const old = new URL(confirmUrl('https://x', secret, { id: 'p1' }, new Date(Date.now() - 8 * 86400_000)));
    expect((await app.inject({ method: 'POST', url: old.pathname })).statusCode).toBe(404);
    // An unsubscribed reader cannot be re-subscribed by an old confirmation link.
    await store.updateSubscriber('p1', { status: 'unsubscribed' });
    expect((await app.inject({ method: 'POST', url: url.pathname })).statusCode).toBe(404);
  });
});
