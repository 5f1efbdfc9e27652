import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyPluginCallback } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../cli/context.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { registerSecurity } from './security.js';
import { clickPlugin } from './click.js';
import { subscriberPlugin } from './subscriber/routes.js';
import { editorPlugin } from './editor/routes.js';
import { DEFAULT_LIMITS, type ExportSection, type WebDeps, type WebLimits } from './deps.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** A plugin another stage adds to the web server (e.g. the newsletter's /u/ route), with its options. */
export type ExtraPlugin = FastifyPluginAsync<any> | FastifyPluginCallback<any> | { plugin: FastifyPluginAsync<any> | FastifyPluginCallback<any>; options?: Record<string, unknown> };

export interface WebServerOptions {
  /**
   * Registered after Kiosque's own routes, inside the same security layer
   * (headers, cookies, form bodies, rate limits, CSRF on unsafe methods).
   * A route that must accept cross-site POSTs without a CSRF token (RFC 8058
   * one-click unsubscribe) sets `config: { csrf: false }`.
   */
  plugins?: ExtraPlugin[];
  /** How mail leaves (magic links); by default SMTP_URL or the .eml outbox. */
  mailer?: Mailer;
  /** Extra sections of the subscriber's data export (STO-09), e.g. `{ sends: (id) => store.listSends(id) }`. */
  exportSections?: Record<string, ExportSection>;
  limits?: Partial<WebLimits>;
}

/**
 * The web server. Rendered editions are personal, so they are never served
 * as a public directory: subscriber and editor pages are Fastify plugins that
 * read them from the store with access checks.
 */
export async function createWebServer(ctx: AppContext, opts: WebServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // Only the proxies named in KIOSQUE_TRUST_PROXY may set the client address (rate limits key on it).
    trustProxy: trustedProxies(ctx.config.trustProxy),
    bodyLimit: 256 * 1024,
    // Signed tokens (/c/, sign-in links) are longer than the default 100 characters.
    routerOptions: { maxParamLength: 2048 },
    // Unknown fields are refused (400), not silently dropped (STO-01/02).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  const mailer = opts.mailer ?? createMailer(ctx.config, () => ctx.clock.now());
  const deps: WebDeps = {
    ctx,
    mailer,
    session: { secret: ctx.config.secret, secure: ctx.config.baseUrl.startsWith('https:'), now: () => ctx.clock.now() },
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    exportSections: opts.exportSections ?? {},
  };
  if (!opts.mailer) app.addHook('onClose', async () => mailer.close());

  app.get('/healthz', async () => {
    await ctx.store.getKv('health:probe');
    return { ok: true, store: ctx.store.kind, instance: ctx.config.instanceId };
  });

  // No icon: an empty answer keeps browsers from logging a 404 on every page.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  await registerSecurity(app, { secret: ctx.config.secret, baseUrl: ctx.config.baseUrl });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', index: false, dotfiles: 'deny', list: false, redirect: false, maxAge: 3600_000 });
  await app.register(clickPlugin({ store: ctx.store, secret: ctx.config.secret, clock: ctx.clock, ratePerMinute: deps.limits.clickPerMinute }));
  await app.register(subscriberPlugin(deps));
  await app.register(editorPlugin(deps), { prefix: '/editor' });
  for (const p of opts.plugins ?? []) {
    if (typeof p === 'function') await app.register(p);
    else await app.register(p.plugin, p.options ?? {});
  }
  return app;
}

/** KIOSQUE_TRUST_PROXY as Fastify wants it: false, or the list of trusted proxy addresses. */
export function trustedProxies(setting: string): false | string[] {
  const list = setting
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : false;
}
