import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../src/util/tokens.js';
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
