import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/**
 * Signed, opaque tokens: base64url(JSON payload) + "." + base64url(HMAC-SHA256)
 * truncated to 128 bits. Used for click redirects, magic links and
 * unsubscribe links. A token names a record server-side; it never carries a
 * URL to redirect to. `purpose` is mixed into the MAC so a token made for one
 * use cannot be replayed for another.
 */
export function signToken(payload: Record<string, unknown>, secret: string, purpose: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${signingMac(body, secret, purpose)}`;
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

/**
 * The same MAC as mac(), computed as HMAC is defined (RFC 2104) with two
 * one-shot hashes over buffers that already hold the padded key: well under
 * half the cost of a createHmac object, which counts when every edition signs
 * a token per link. Signing only; verification keeps createHmac.
 */
function signingMac(body: string, secret: string, purpose: string): string {
  const k = paddedKey(secret);
  const text = `${purpose}\n${body}`;
  let msg: Buffer;
  if (text.length * 3 <= k.inner.length - 64) {
    // Synchronous from write to hash: the buffer is this thread's and free again on return.
    msg = k.inner.subarray(0, 64 + k.inner.write(text, 64));
  } else {
    msg = Buffer.allocUnsafe(64 + Buffer.byteLength(text));
    k.inner.copy(msg, 0, 0, 64);
    msg.write(text, 64);
  }
  hash('sha256', msg, 'buffer').copy(k.outer, 64);
  return hash('sha256', k.outer, 'buffer').subarray(0, 16).toString('base64url');
}

/** Per secret: a buffer starting with the key XOR ipad (room after it for messages), and one of key XOR opad then room for the inner hash. */
const paddedKeys = new Map<string, { inner: Buffer; outer: Buffer }>();

function paddedKey(secret: string): { inner: Buffer; outer: Buffer } {
  let k = paddedKeys.get(secret);
  if (!k) {
    const raw = Buffer.from(secret, 'utf8');
    // A key longer than SHA-256's block is hashed first; a shorter one is padded with zeros.
    const key = Buffer.alloc(64);
    (raw.length > 64 ? hash('sha256', raw, 'buffer') : raw).copy(key, 0);
    k = { inner: Buffer.alloc(64 + 1024), outer: Buffer.alloc(64 + 32) };
    for (let i = 0; i < 64; i++) {
      k.inner[i] = key[i]! ^ 0x36;
      k.outer[i] = key[i]! ^ 0x5c;
    }
    // A process uses one or two secrets; the bound only guards against misuse.
    if (paddedKeys.size >= 16) paddedKeys.clear();
    paddedKeys.set(secret, k);
  }
  return k;
}
