/**
 * The newsletter's web routes, as one Fastify plugin:
 *
 *   GET  /u/:token                  a page with one "Unsubscribe" button (never unsubscribes: EML-03)
 *   POST /u/:token                  RFC 8058 one-click unsubscribe: any body (urlencoded, multipart,
 *                                   empty, other), no cookie, no CSRF token; 200; idempotent (EML-02)
 *   GET  /newsletter/confirm/:token a page with one "Confirm" button (link scanners confirm nothing)
 *   POST /newsletter/confirm/:token double opt-in confirmation: the subscriber becomes active
 *
 * A bad, foreign or stale token (erased subscriber, changed address) gets the
 * same generic 404 page. The body parsers are registered inside this plugin
 * only, so the rest of the site keeps its own rules.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Lang, Subscriber } from '../model.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { verifyToken } from '../util/tokens.js';
import { escapeHtml } from '../edition/render.js';
import { CONFIRM_PURPOSE, UNSUBSCRIBE_PURPOSE, suppressionHash } from './message.js';

export interface NewsletterWebOptions {
  store: Store;
  secret: string;
  clock?: Clock;
  siteTitle?: string;
}

/**
 * RFC 8058: the one-click POST comes from the mail provider, without cookies
 * or a CSRF token; the opaque token in the URL is the authorisation. The
 * site's CSRF layer skips routes with this config.
 */
const NO_CSRF = { csrf: false } as const;

/** Largest body read on these routes (a one-click POST is a few dozen bytes). */
const BODY_LIMIT = 16 * 1024;

const TEXT = {
  fr: {
    unsubTitle: 'Se désabonner',
    unsubAsk: "Voulez-vous ne plus recevoir l'édition par e-mail ?",
    unsubButton: 'Me désabonner',
    unsubDone: "C'est fait : vous ne recevrez plus l'édition par e-mail.",
    confirmTitle: 'Confirmer votre abonnement',
    confirmAsk: "Confirmez-vous vouloir recevoir l'édition par e-mail ?",
    confirmButton: 'Confirmer',
    confirmDone: "Merci : votre abonnement est confirmé. Votre première édition arrive à l'heure choisie.",
    notFound: "Ce lien n'est pas (ou plus) valable.",
  },
  en: {
    unsubTitle: 'Unsubscribe',
    unsubAsk: 'Stop receiving the edition by e-mail?',
    unsubButton: 'Unsubscribe me',
    unsubDone: 'Done: you will not receive the edition by e-mail any more.',
    confirmTitle: 'Confirm your subscription',
    confirmAsk: 'Do you confirm you want to receive the edition by e-mail?',
    confirmButton: 'Confirm',
    confirmDone: 'Thank you: your subscription is confirmed. Your first edition arrives at the time you chose.',
    notFound: 'This link is not (or no longer) valid.',
  },
} as const;

/** Fastify plugin (register it with `app.register(newsletterRoutes, opts)`). */
export async function newsletterRoutes(app: FastifyInstance, opts: NewsletterWebOptions): Promise<void> {
  const { store, secret } = opts;
  const clock = opts.clock ?? systemClock;
  const site = opts.siteTitle ?? 'Kiosque';
  registerBodyParsers(app);

  /** The subscriber a token names, if the token is genuine and still matches their address. */
  const subscriberOf = async (token: string, purpose: string): Promise<Subscriber | null> => {
    const payload = verifyToken<{ s?: unknown; h?: unknown }>(token, secret, purpose);
    if (!payload || typeof payload.s !== 'string') return null;
    const sub = await store.getSubscriber(payload.s).catch(() => null);
    if (!sub) return null;
    // Unsubscribe tokens are bound to the address (they rotate when it changes); confirmation tokens expire instead.
    if (purpose === UNSUBSCRIBE_PURPOSE && suppressionHash(secret, sub.email).slice(0, 8) !== payload.h) return null;
    return sub;
  };

  app.get<{ Params: { token: string } }>('/u/:token', async (req, reply) => {
    const sub = await subscriberOf(req.params.token, UNSUBSCRIBE_PURPOSE);
    if (!sub) return notFound(reply, site);
    const T = TEXT[sub.lang];
    return page(reply, 200, sub.lang, `${site} — ${T.unsubTitle}`, `<p>${escapeHtml(T.unsubAsk)}</p>${button(`/u/${req.params.token}`, T.unsubButton, 'List-Unsubscribe', 'One-Click')}`);
  });

  app.post<{ Params: { token: string } }>('/u/:token', { config: NO_CSRF }, async (req, reply) => {
    const sub = await subscriberOf(req.params.token, UNSUBSCRIBE_PURPOSE);
    if (!sub) return notFound(reply, site);
    await unsubscribe(store, secret, sub, clock.now(), 'one-click-unsubscribe');
    const T = TEXT[sub.lang];
    return page(reply, 200, sub.lang, `${site} — ${T.unsubTitle}`, `<p>${escapeHtml(T.unsubDone)}</p>`);
  });

  app.get<{ Params: { token: string } }>('/newsletter/confirm/:token', async (req, reply) => {
    const sub = await subscriberOf(req.params.token, CONFIRM_PURPOSE);
    if (!sub || !['pending', 'active'].includes(sub.status)) return notFound(reply, site);
    const T = TEXT[sub.lang];
    if (sub.status === 'active') return page(reply, 200, sub.lang, `${site} — ${T.confirmTitle}`, `<p>${escapeHtml(T.confirmDone)}</p>`);
    return page(reply, 200, sub.lang, `${site} — ${T.confirmTitle}`, `<p>${escapeHtml(T.confirmAsk)}</p>${button(`/newsletter/confirm/${req.params.token}`, T.confirmButton, 'confirm', '1')}`);
  });

  app.post<{ Params: { token: string } }>('/newsletter/confirm/:token', { config: NO_CSRF }, async (req, reply) => {
    const sub = await subscriberOf(req.params.token, CONFIRM_PURPOSE);
    if (!sub || !['pending', 'active'].includes(sub.status)) return notFound(reply, site);
    await confirmSubscription(store, secret, sub, clock.now());
    const T = TEXT[sub.lang];
    return page(reply, 200, sub.lang, `${site} — ${T.confirmTitle}`, `<p>${escapeHtml(T.confirmDone)}</p>`);
  });
}

/**
 * Withdraws the newsletter consent (idempotent): status unsubscribed, consent
 * recorded as withdrawn with its time, address on the suppression list.
 * Committed before the response (EML-02), so the very next send skips it.
 */
export async function unsubscribe(store: Store, secret: string, sub: Subscriber, now: Date, source: string): Promise<void> {
  await store.addSuppression({ hash: suppressionHash(secret, sub.email), reason: 'unsubscribe', at: now.toISOString() });
  if (sub.status === 'unsubscribed' && !sub.consents.newsletter.granted) return;
  const at = now.toISOString();
  await store.updateSubscriber(sub.id, {
    status: 'unsubscribed',
    unsubscribedAt: sub.unsubscribedAt ?? at,
    consents: { ...sub.consents, newsletter: { granted: false, at, source } },
  });
}

/** Double opt-in: a pending subscriber who confirms becomes active (idempotent); a past suppression is lifted. */
export async function confirmSubscription(store: Store, secret: string, sub: Subscriber, now: Date): Promise<Subscriber> {
  if (sub.status === 'active') return sub;
  await store.removeSuppression(suppressionHash(secret, sub.email));
  return store.updateSubscriber(sub.id, { status: 'active', confirmedAt: now.toISOString() });
}

/**
 * Erasure with the address kept only as a salted hash on the suppression
 * list, so a later re-import of it is recognised (STO-10).
 */
export async function eraseAndSuppress(store: Store, secret: string, subscriberId: string, now: Date): Promise<boolean> {
  const sub = await store.getSubscriber(subscriberId);
  if (!sub) return false;
  await store.addSuppression({ hash: suppressionHash(secret, sub.email), reason: 'erasure', at: now.toISOString() });
  await store.eraseSubscriber(subscriberId);
  return true;
}

/**
 * RFC 8058 bodies in this plugin's scope: urlencoded and multipart (read as
 * small strings and parsed here), anything else drained and ignored. Only
 * added where the site has no parser of its own for the type.
 */
function registerBodyParsers(app: FastifyInstance): void {
  const add = (type: string, parse: (body: string, contentType: string) => unknown) => {
    if (app.hasContentTypeParser(type)) return;
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (req, body, done) => {
      try {
        done(null, parse(String(body), String(req.headers['content-type'] ?? '')));
      } catch {
        done(null, {});
      }
    });
  };
  add('application/x-www-form-urlencoded', (body) => Object.fromEntries(new URLSearchParams(body)));
  add('multipart/form-data', (body, contentType) => parseMultipartFields(body, contentType));
  add('*', () => ({}));
}

/**
 * The text fields of a small multipart/form-data body (no files), enough for
 * `List-Unsubscribe=One-Click`. Bounded by BODY_LIMIT before it gets here.
 */
export function parseMultipartFields(body: string, contentType: string): Record<string, string> {
  const m = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  const out: Record<string, string> = {};
  if (!boundary) return out;
  for (const part of body.split(`--${boundary}`).slice(1, 50)) {
    if (part.startsWith('--')) break;
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /content-disposition:[^\r\n]*\bname="([^"]{1,100})"/i.exec(head)?.[1];
    if (!name || /filename=/i.test(head)) continue;
    out[name] = part.slice(sep + 4).replace(/\r\n$/, '');
  }
  return out;
}

function button(action: string, label: string, name: string, value: string): string {
  return `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}"><button type="submit">${escapeHtml(label)}</button></form>`;
}

function notFound(reply: FastifyReply, site: string): FastifyReply {
  return page(reply, 404, 'fr', site, `<p>${escapeHtml(TEXT.fr.notFound)}</p><p lang="en">${escapeHtml(TEXT.en.notFound)}</p>`);
}

function page(reply: FastifyReply, status: number, lang: Lang, title: string, body: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff')
    .send(
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/static/kiosque.css"></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}
