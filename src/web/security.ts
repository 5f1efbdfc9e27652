/**
 * Everything every route gets: security headers with a strict CSP (WEB-14),
 * cookies, form bodies, CSRF tokens checked as a preHandler on every unsafe
 * method (WEB-10), a same-origin check, rate limits keyed by the socket
 * address (no proxy header is trusted: WEB-11), one-line errors.
 */
import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyRateLimit from '@fastify/rate-limit';
import { isUserError, oneLine } from '../util/errors.js';
import { LABELS, pickLang } from './i18n.js';
import { sendPage } from './views.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: no CSRF token required (e.g. RFC 8058 one-click unsubscribe POSTs from mail providers). */
    csrf?: boolean;
  }
}

export interface SecurityOptions {
  secret: string;
  baseUrl: string;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Security headers: a strict CSP (no inline script or style, no framing, no base), nosniff, HSTS over https (WEB-14). */
const HELMET_CONFIG = (https: boolean) => ({
  contentSecurityPolicy: {
    useDefaults: false as const,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      ...(https ? { upgradeInsecureRequests: [] } : {}),
    },
  },
  // Same-origin POSTs keep their Origin header (checked below); other sites get no referrer.
  referrerPolicy: { policy: 'same-origin' as const },
  strictTransportSecurity: https ? { maxAge: 15552000, includeSubDomains: true } : false,
  crossOriginEmbedderPolicy: false,
});

/** The headers @fastify/helmet sets with this configuration, captured once from a throwaway instance. */
export async function helmetHeaders(config: ReturnType<typeof HELMET_CONFIG>): Promise<Record<string, string>> {
  const probe = Fastify({ logger: false });
  await probe.register(fastifyHelmet, config);
  probe.get('/', async () => '');
  const res = await probe.inject('/');
  await probe.close();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (['content-type', 'content-length', 'date', 'connection', 'keep-alive'].includes(k) || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

export async function registerSecurity(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  const https = opts.baseUrl.startsWith('https:');
  const baseOrigin = new URL(opts.baseUrl).origin;
  const headers = await helmetHeaders(HELMET_CONFIG(https));
  // @fastify/helmet builds its middleware anew on every request; the headers are the same every time,
  // so they are computed once by helmet itself (below) and set here.
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(fastifyCookie, { secret: createHmac('sha256', opts.secret).update('cookie-signing').digest('base64url') });
  // Only forms and JSON: a text/plain body (a CSRF-able "simple request") gets 415 (WEB-10, STO-03).
  app.removeContentTypeParser('text/plain');
  // node:querystring parser: `a[$ne]=x` stays a flat key that the schemas refuse (STO-03).
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true, secure: https },
  });
  await app.register(fastifyRateLimit, {
    global: false,
    // The socket address, or the client address given by a proxy named in KIOSQUE_TRUST_PROXY (never any other X-Forwarded-For).
    keyGenerator: (req) => req.ip,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: 'Too Many Requests', message: `rate limit exceeded, retry in ${ctx.after}` }),
  });

  // A cross-site form post is refused before it is parsed (the CSRF token would refuse it too).
  app.addHook('onRequest', async (req, reply) => {
    if (!UNSAFE.has(req.method) || req.routeOptions.config?.csrf === false) return;
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const own = `${https ? 'https' : 'http'}://${req.headers.host ?? ''}`;
    if (origin !== baseOrigin && origin !== own) {
      return reply.code(403).type('text/plain; charset=utf-8').send('cross-site request refused');
    }
  });
  // After the body is parsed: a form's _csrf field is then visible (preHandler, not onRequest).
  app.addHook('preHandler', (req, reply, done) => {
    if (!UNSAFE.has(req.method) || req.routeOptions.config?.csrf === false) return done();
    app.csrfProtection(req, reply, done);
  });

  app.setNotFoundHandler((req, reply) => {
    // Plain and identical whatever the path (tampered and unknown /c/ tokens look the same: WEB-07).
    reply.code(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('Not found');
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
    let status = err.statusCode ?? (isUserError(err) ? 400 : 500);
    if (err.validation) status = 400;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message = status >= 500 ? 'internal error' : oneLine(err.message);
    if (status === 429 && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
    if (wantsHtml(req)) {
      const lang = pickLang(undefined, req.headers['accept-language']);
      const L = LABELS[lang];
      const title = status === 403 ? L.forbidden : status === 429 ? L.tooMany : status === 404 ? L.notFound : L.badRequest;
      return sendPage(reply, 'error', { lang, title, area: 'public', message, status }, status);
    }
    return reply.code(status).send({ statusCode: status, error: title(status), message });
  });
}

function title(status: number): string {
  return status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : status === 415 ? 'Unsupported Media Type' : status === 429 ? 'Too Many Requests' : 'Error';
}

function wantsHtml(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

/**
 * A body schema for an HTML form: the given string fields plus the CSRF
 * token; nothing else is accepted (additionalProperties false, STO-01/02).
 */
export function formSchema(properties: Record<string, object>, required: string[] = []) {
  return {
    type: 'object',
    additionalProperties: false,
    required,
    properties: { ...properties, _csrf: { type: 'string', maxLength: 200 } },
  } as const;
}

export const str = (maxLength: number, extra: object = {}) => ({ type: 'string', maxLength, ...extra });
/** A form field that may repeat (checkboxes): always an array after validation. */
export const strList = (maxLength: number, maxItems = 200) => ({ type: 'array', maxItems, items: { type: 'string', maxLength } });
export const EMPTY_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

/** 303 after a successful form post, so reloading the page does not post again. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).send();
}
