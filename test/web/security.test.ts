import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createWebServer } from '../../src/web/server.js';
import { SUBSCRIBER_COOKIE, sessionToken } from '../../src/web/session.js';
import { Client, makeWorld, type World } from './world.js';

let w: World;
let app: FastifyInstance;

beforeAll(async () => {
  w = await makeWorld({ articles: 12 });
  app = await createWebServer(w.ctx, {
    mailer: w.mailer,
    limits: { signupPer10Min: 5 },
    // What the newsletter's one-click unsubscribe does: its own plugin, a POST without CSRF token.
    plugins: [
      async (a: FastifyInstance) => {
        a.post('/u/:token', { config: { csrf: false }, schema: { params: { type: 'object', properties: { token: { type: 'string', maxLength: 2048 } } } } }, async () => ({ ok: true }));
      },
    ],
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await w?.cleanup();
});

describe('WEB-14: headers', () => {
  it('strict CSP, nosniff, no framing on pages', async () => {
    const c = new Client(app);
    c.cookies.set(SUBSCRIBER_COOKIE, sessionToken({ secret: w.ctx.config.secret, secure: false, now: () => new Date() }, 'subscriber', w.subscribers[0]!));
    for (const url of ['/', '/signup', '/edition', '/me', '/editor/login']) {
      const r = await c.get(url);
      const csp = String(r.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-powered-by']).toBeUndefined();
      // no inline script or style anywhere
      expect(r.body).not.toMatch(/<script>|<script(?![^>]*\bsrc=)|style="/);
    }
  });
});

describe('WEB-09: static files', () => {
  it('serves the stylesheet and nothing outside the public folder', async () => {
    expect((await app.inject('/static/kiosque.css')).statusCode).toBe(200);
    for (const url of [
      '/static/..%2f..%2fpackage.json',
      '/static/%2e%2e/%2e%2e/etc/passwd',
      '/static/..%5c..%5c.env',
      '/static//secret.txt',
      '/static/./secret.txt',
      '/static/public/../private/x',
      '/static/%2Fprivate/x',
      '/static/?../',
      '/static/../server.ts',
      '/static/../../data/secret.key',
      '//evil.example/%2e%2e',
    ]) {
      const r = await app.inject(url);
      expect([403, 404], url).toContain(r.statusCode);
      expect(r.headers.location).toBeUndefined();
    }
  });
});

describe('WEB-11: rate limits by socket address, X-Forwarded-For ignored', () => {
  it('limits sign-in posts even with a rotating X-Forwarded-For, with Retry-After', async () => {
    const c = new Client(app);
    await c.get('/login');
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 8; i++) {
      last = await c.post('/login', { email: `x${i}@exemple.fr` }, { headers: { 'x-forwarded-for': `203.0.113.${i}` }, remoteAddress: '192.0.2.7' });
      codes.push(last.statusCode);
    }
    expect(codes.slice(0, 5).every((s) => s === 200)).toBe(true);
    expect(codes.slice(5).every((s) => s === 429)).toBe(true);
    expect(last!.headers['retry-after']).toBeDefined();
    // Another client is not affected.
    expect((await c.post('/login', { email: 'y@exemple.fr' }, { remoteAddress: '192.0.2.8' })).statusCode).toBe(200);
  });
});

describe('STO-01: query strings', () => {
  it('operator keys and repeated keys are refused, never passed on', async () => {
    const c = new Client(app);
    c.cookies.set(SUBSCRIBER_COOKIE, sessionToken({ secret: w.ctx.config.secret, secure: false, now: () => new Date() }, 'subscriber', w.subscribers[0]!));
    expect((await c.get('/editions?topic[$ne]=x')).statusCode).toBe(400);
    expect((await c.get('/edition?notice[$ne]=x')).statusCode).toBe(400);
    expect((await c.get('/edition?notice=noted&notice=saved')).statusCode).toBe(400);
    expect((await app.inject('/places?q=Ly&q=Pa')).statusCode).toBe(400);
    expect((await app.inject('/places?q[$regex]=^(a%2B)%2B$')).statusCode).toBe(400);
  });
});

describe('extra plugins', () => {
  it('are served inside the security layer; a route can opt out of CSRF (one-click unsubscribe)', async () => {
    const r = await app.inject({ method: 'POST', url: '/u/abc', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-security-policy']).toBeDefined();
  });
});

describe('health', () => {
  it('keeps /healthz', async () => {
    const r = await app.inject('/healthz');
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, store: 'sqlite' });
  });
});
