/**
 * Sessions without server state: an HMAC-signed token in an HttpOnly cookie.
 * Subscribers and editors use different cookies *and* different token
 * purposes, so one can never stand for the other (WEB-10). Each token names
 * the account and a hash of its e-mail address: erasing the account or
 * changing the address ends every session and link made before (WEB-13).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EditorAccount, Subscriber } from '../model.js';
import type { Store } from '../store/store.js';
import { signToken, verifyToken } from '../util/tokens.js';
import { randomId, stableId } from '../util/ids.js';

export const SUBSCRIBER_COOKIE = 'kq_sub';
export const EDITOR_COOKIE = 'kq_ed';

const SUBSCRIBER_SESSION_DAYS = 30;
const EDITOR_SESSION_HOURS = 12;
/** Exports and erasure need a sign-in at most this old (re-authentication, WEB-10). */
export const FRESH_AUTH_MS = 30 * 60_000;

export type Role = 'subscriber' | 'editor';

interface SessionPayload extends Record<string, unknown> {
  /** account id */
  i: string;
  /** hash of the account's e-mail address */
  h: string;
  /** time of sign-in (ms) */
  t: number;
  exp: number;
}

interface MagicPayload extends Record<string, unknown> {
  i: string;
  h: string;
  /** single-use nonce */
  n: string;
  exp: number;
  /** where to go after sign-in */
  next?: string;
}

export const emailHash = (email: string): string => stableId(`email:${email.trim().toLowerCase()}`);

export interface SessionOptions {
  secret: string;
  /** Secure cookies when the site is served over https. */
  secure: boolean;
  now: () => Date;
}

export function sessionCookieOptions(opts: SessionOptions, maxAgeSeconds: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: opts.secure, maxAge: maxAgeSeconds };
}

const sessionSeconds = (role: Role) => (role === 'subscriber' ? SUBSCRIBER_SESSION_DAYS * 86400 : EDITOR_SESSION_HOURS * 3600);

/** The value of a session cookie (signed in now). */
export function sessionToken(opts: SessionOptions, role: Role, account: { id: string; email: string }): string {
  const now = opts.now().getTime();
  return signToken({ i: account.id, h: emailHash(account.email), t: now, exp: Math.floor(now / 1000) + sessionSeconds(role) }, opts.secret, `session:${role}`);
}

export function setSession(reply: FastifyReply, opts: SessionOptions, role: Role, account: { id: string; email: string }): void {
  reply.setCookie(role === 'subscriber' ? SUBSCRIBER_COOKIE : EDITOR_COOKIE, sessionToken(opts, role, account), sessionCookieOptions(opts, sessionSeconds(role)));
}

export function clearSession(reply: FastifyReply, opts: SessionOptions, role: Role): void {
  reply.clearCookie(role === 'subscriber' ? SUBSCRIBER_COOKIE : EDITOR_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secure });
}

function readSession(req: FastifyRequest, opts: SessionOptions, role: Role): SessionPayload | null {
  const raw = req.cookies?.[role === 'subscriber' ? SUBSCRIBER_COOKIE : EDITOR_COOKIE];
  if (!raw) return null;
  const p = verifyToken<SessionPayload>(raw, opts.secret, `session:${role}`);
  if (!p || typeof p.i !== 'string' || typeof p.h !== 'string' || typeof p.t !== 'number') return null;
  return p;
}

/** The signed-in subscriber, or null (unknown, erased, or address changed since). */
export async function currentSubscriber(req: FastifyRequest, opts: SessionOptions, store: Store): Promise<{ subscriber: Subscriber; authAt: number } | null> {
  const p = readSession(req, opts, 'subscriber');
  if (!p) return null;
  const subscriber = await store.getSubscriber(p.i);
  if (!subscriber || emailHash(subscriber.email) !== p.h) return null;
  return { subscriber, authAt: p.t };
}

export async function currentEditor(req: FastifyRequest, opts: SessionOptions, store: Store): Promise<EditorAccount | null> {
  const p = readSession(req, opts, 'editor');
  if (!p) return null;
  const editor = await store.getEditor(p.i);
  if (!editor || emailHash(editor.email) !== p.h) return null;
  return editor;
}

/** A sign-in link token: expiring, single use (the nonce is claimed when used), bound to the address. */
export function magicToken(opts: SessionOptions, role: Role, account: { id: string; email: string }, ttlMs: number, next?: string): string {
  const exp = Math.floor((opts.now().getTime() + ttlMs) / 1000);
  const payload: MagicPayload = { i: account.id, h: emailHash(account.email), n: randomId(), exp, ...(next ? { next } : {}) };
  return signToken(payload, opts.secret, `magic:${role}`);
}

/** Checks a sign-in token (signature, expiry against the app clock). Does not consume it. */
export function readMagicToken(opts: SessionOptions, role: Role, token: string): MagicPayload | null {
  const p = verifyToken<MagicPayload>(token, opts.secret, `magic:${role}`);
  if (!p || typeof p.i !== 'string' || typeof p.n !== 'string' || typeof p.exp !== 'number') return null;
  if (p.exp * 1000 < opts.now().getTime()) return null;
  return p;
}

/** Consumes a sign-in token: true the first time only (the store claims the nonce until expiry). */
export async function consumeMagicToken(store: Store, opts: SessionOptions, p: MagicPayload): Promise<boolean> {
  const ttl = Math.max(1000, p.exp * 1000 - opts.now().getTime() + 60_000);
  // Only a hash of the nonce is stored (WEB-13).
  return store.claimCooldown(`magic:${stableId(`nonce:${p.n}`)}`, ttl);
}

/** Only local paths are accepted as "next" (no open redirect through sign-in). */
export function safeNext(next: unknown, fallback: string): string {
  return typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%#]*$/.test(next) && next.length < 200 ? next : fallback;
}
