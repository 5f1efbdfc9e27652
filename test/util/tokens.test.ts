import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { signToken, verifyToken } from '../../src/util/tokens.js';
import { seededRng } from '../../src/util/random.js';
import { localDate, localTime } from '../../src/util/time.js';

const SECRET = 'x'.repeat(40);

describe('signed tokens', () => {
  it('round-trips and refuses tampering, other purposes and other secrets', () => {
    const t = signToken({ a: 'art1', s: 'sub1' }, SECRET, 'click');
    expect(verifyToken(t, SECRET, 'click')).toEqual({ a: 'art1', s: 'sub1' });
    expect(verifyToken(t, SECRET, 'unsubscribe')).toBeNull();
    expect(verifyToken(t, 'y'.repeat(40), 'click')).toBeNull();
    const [body, sig] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ a: 'art2', s: 'sub1' })).toString('base64url');
    expect(verifyToken(`${forged}.${sig}`, SECRET, 'click')).toBeNull();
    expect(verifyToken(`${body}.${sig!.slice(0, -2)}`, SECRET, 'click')).toBeNull();
    expect(verifyToken('garbage', SECRET, 'click')).toBeNull();
  });

  it('expires tokens that carry exp', () => {
    const past = signToken({ e: 'a@x.test', exp: Math.floor(Date.now() / 1000) - 1 }, SECRET, 'login');
    const future = signToken({ e: 'a@x.test', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET, 'login');
    expect(verifyToken(past, SECRET, 'login')).toBeNull();
    expect(verifyToken(future, SECRET, 'login')).not.toBeNull();
  });
});

describe('local dates (OPS-07)', () => {
  it('computes the edition date in the subscriber zone, whatever the process TZ', () => {
    const at = new Date('2026-03-09T23:30:00Z');
    expect(localDate(at, 'Pacific/Kiritimati')).toBe('2026-03-10');
    expect(localDate(at, 'Pacific/Pago_Pago')).toBe('2026-03-09');
    expect(localDate(at, 'Asia/Kathmandu')).toBe('2026-03-10');
    expect(localDate(at, 'Pacific/Chatham')).toBe('2026-03-10');
    expect(localTime(at, 'Asia/Kathmandu')).toBe('05:15');
  });
});

describe('token signing', () => {
  it('signs exactly as HMAC-SHA256 (createHmac) for short, long and non-ASCII secrets and payloads', () => {
    const reference = (payload: Record<string, unknown>, secret: string, purpose: string) => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const mac = createHmac('sha256', secret).update(`${purpose}\n${body}`).digest().subarray(0, 16).toString('base64url');
      return `${body}.${mac}`;
    };
    const secrets = ['', 'k', 'x'.repeat(32), 'y'.repeat(64), 'z'.repeat(65), 'é'.repeat(40), 'clé secrète 🗝️'.repeat(9)];
    const rng = seededRng(7);
    for (const secret of secrets) {
      for (let n = 0; n < 40; n++) {
        // Up to ~1,300 bytes of token text: past the signer's preallocated room too.
        const payload = { s: `sub-${n}`, a: 'é'.repeat(Math.floor(rng() * 300)), e: `ed${rng()}`, p: Math.floor(rng() * 20) };
        const purpose = n % 2 ? 'click' : 'newsletter-unsubscribe';
        const t = signToken(payload, secret, purpose);
        expect(t).toBe(reference(payload, secret, purpose));
        expect(verifyToken(t, secret, purpose)).toEqual(payload);
      }
    }
  });
});
