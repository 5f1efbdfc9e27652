import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import type { Lang } from '../model.js';
import { LABELS, type Labels } from './i18n.js';

const VIEWS_DIR = fileURLToPath(new URL('./views/', import.meta.url));

/**
 * Server-rendered pages: eta templates that escape every `<%= %>` by default.
 * Raw output (`<%~ %>`) is only used for the layout body and for HTML this
 * code built itself (sanitized Markdown, SVG charts from numbers).
 */
export const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true, autoTrim: [false, 'nl'] });

export interface PageData {
  lang: Lang;
  title: string;
  /** Which navigation the layout shows. */
  area: 'public' | 'subscriber' | 'editor';
  csrf?: string;
  notice?: string;
  [key: string]: unknown;
}

/** IANA time zones for the forms' suggestions. */
export const TIME_ZONES: readonly string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['Europe/Paris', 'Europe/London', 'Europe/Brussels', 'Europe/Zurich', 'America/Montreal', 'America/New_York'];
  }
})();

export function renderPage(view: string, data: PageData): string {
  const L: Labels = LABELS[data.lang];
  return eta.render(`./${view}`, { L, zones: TIME_ZONES, ...data });
}

/** Sends a page as HTML; pages with personal data are never cached. */
export function sendPage(reply: FastifyReply, view: string, data: PageData, status = 200): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(renderPage(view, data));
}
