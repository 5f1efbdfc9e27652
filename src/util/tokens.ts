import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, opaque tokens: base64url(JSON payload) + "." + base64url(HMAC-SHA256)
 * truncated to 128 bits. Used for click redirects, magic links and
 * unsubscribe links. A token names a record server-side; it never carries a
 * URL to redirect to. `purpose` is mixed into the MAC so a token made for one
 * use cannot be replayed for another.
 */
export function signToken(payload: Record<string, unknown>, secret: string, purpose: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(body, secret, purpose)}`;
}

/** The payload of a valid token, or null. `now` is the app clock's time, for expiring tokens. */
export function verifyToken<T extends Record<string, unknown>>(token: string, secret: string, purpose: string, now: Date = new Date()): T | null {
  if (typeof token !== 'string' || token.length > 2048) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(mac(body, secret, purpose), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    // Expiring tokens carry "exp" in seconds since the epoch.
    if (typeof value.exp === 'number' && value.exp * 1000 < now.getTime()) return null;
    return value as T;
  } catch {
    return null;
  }
}

function mac(body: string, secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${body}`).digest().subarray(0, 16).toString('base64url');
}
