import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decideSend, DEFAULT_POLICY } from '../../src/newsletter/schedule.js';
import type { SendRecord } from '../../src/store/sends.js';
import { dstCases, simulate, subscriberAt, type SimSend } from './dst-sim.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./dst-child.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

const on = (sends: SimSend[], date: string) => sends.filter((s) => s.date === date);

function sentRow(subscriberId: string, date: string, at: string): SendRecord {
  return { subscriberId, editionDate: date, state: 'sent', fence: 1, attempts: 1, messageId: `m-${date}`, queuedAt: at, updatedAt: at, sentAt: at };
}

let cached: ReturnType<typeof dstCases> | undefined;
const cases = () => (cached ??= dstCases());

describe('DST and time zones (OPS-05 to OPS-08)', () => {
  it('OPS-05: a time inside the spring-forward gap is sent once, at the first instant after the gap', () => {
    const c = cases();
    const ny = c.springForwardNewYork as SimSend[];
    expect(on(ny, '2025-03-09')).toEqual([{ date: '2025-03-09', at: '2025-03-09T07:00:00.000Z' }]); // 03:00 EDT
    expect(on(ny, '2025-03-10')).toEqual([{ date: '2025-03-10', at: '2025-03-10T06:30:00.000Z' }]); // 02:30 EDT
    expect(on(c.havanaMidnightGap as SimSend[], '2025-03-09')).toEqual([{ date: '2025-03-09', at: '2025-03-09T05:00:00.000Z' }]); // 01:00 CDT
    expect(on(c.lordHoweHalfHourGap as SimSend[], '2025-10-05')).toEqual([{ date: '2025-10-05', at: '2025-10-04T15:30:00.000Z' }]); // 02:30 +11
    expect(on(c.parisSpring as SimSend[], '2026-03-29')).toEqual([{ date: '2026-03-29', at: '2026-03-29T01:00:00.000Z' }]); // 03:00 CEST
  });

  it('OPS-06: a time inside the fall-back overlap is sent once, at the first occurrence', () => {
    const c = cases();
    expect(on(c.fallBackNewYork as SimSend[], '2025-11-02')).toEqual([{ date: '2025-11-02', at: '2025-11-02T05:30:00.000Z' }]); // 01:30 EDT
    expect(on(c.parisAutumn as SimSend[], '2026-10-25')).toEqual([{ date: '2026-10-25', at: '2026-10-25T00:30:00.000Z' }]); // 02:30 CEST
    // Every simulated day has exactly one edition (none skipped, none doubled).
    for (const [name, sends] of Object.entries(c)) {
      const dates = (sends as SimSend[]).map((s) => s.date);
      expect(new Set(dates).size, name).toBe(dates.length);
    }
  });

  it('OPS-07: the same results whatever the server TZ (UTC, Los Angeles, Tokyo)', async () => {
    const outs = await Promise.all(
      ['UTC', 'America/Los_Angeles', 'Asia/Tokyo'].map(async (tz) => {
        const { stdout } = await run(TSX, [CHILD], { env: { ...process.env, TZ: tz }, timeout: 120_000 });
        return JSON.parse(stdout) as { tz: string; cases: unknown; editionDates: Record<string, string> };
      }),
    );
    expect(outs.map((o) => o.tz)).toEqual(['UTC', 'America/Los_Angeles', 'Asia/Tokyo']);
    expect(outs[0]!.editionDates).toEqual({
      'Pacific/Kiritimati': '2026-03-10',
      'Pacific/Pago_Pago': '2026-03-09',
      'Asia/Kathmandu': '2026-03-10',
      'Australia/Lord_Howe': '2026-03-10',
      'Pacific/Chatham': '2026-03-10',
    });
    expect(outs[1]).toEqual({ ...outs[0], tz: 'America/Los_Angeles' });
    expect(outs[2]).toEqual({ ...outs[0], tz: 'Asia/Tokyo' });
    expect(outs[0]!.cases).toEqual(JSON.parse(JSON.stringify(cases())));
  }, 150_000);

  it('OPS-08: Tokyo → Los Angeles after the 07:00 JST send: no second edition, no skipped date', () => {
    const move = '2026-03-09T22:05:00.000Z'; // 07:05 JST on 03-10 = 15:05 PDT on 03-09
    const sub = subscriberAt('Asia/Tokyo', '07:00');
    const ledger = [sentRow(sub.id, '2026-03-09', '2026-03-08T22:00:00.000Z')];
    const sends = simulate(sub, '2026-03-09T20:00:00Z', '2026-03-12T00:00:00Z', {
      ledger,
      change: (now, s) => (now.toISOString() >= move ? { ...s, timezone: 'America/Los_Angeles' } : s),
    });
    expect(on(sends, '2026-03-10')).toEqual([{ date: '2026-03-10', at: '2026-03-09T22:00:00.000Z' }]);
    expect(on(sends, '2026-03-09')).toEqual([]); // LA's 03-09 is before the edition already received
    expect(on(sends, '2026-03-11')).toEqual([{ date: '2026-03-11', at: '2026-03-11T14:00:00.000Z' }]); // 07:00 PDT
  });

  it('OPS-08: Los Angeles → Tokyo after the 07:00 PST send: the next date comes, but not within the minimum interval', () => {
    const move = '2026-03-09T15:30:00.000Z'; // after 07:00 PDT on 03-09 (= 00:30 JST 03-10)
    const sends = simulate(subscriberAt('America/Los_Angeles', '07:00'), '2026-03-09T02:00:00Z', '2026-03-11T12:00:00Z', {
      change: (now, s) => (now.toISOString() >= move ? { ...s, timezone: 'Asia/Tokyo' } : s),
    });
    const d09 = on(sends, '2026-03-09');
    const d10 = on(sends, '2026-03-10');
    expect(d09).toEqual([{ date: '2026-03-09', at: '2026-03-09T14:00:00.000Z' }]);
    expect(d10).toHaveLength(1);
    expect(Date.parse(d10[0]!.at) - Date.parse(d09[0]!.at)).toBeGreaterThanOrEqual(DEFAULT_POLICY.minIntervalHours * 3600_000);
    expect(on(sends, '2026-03-11')).toEqual([{ date: '2026-03-11', at: '2026-03-10T22:00:00.000Z' }]); // 07:00 JST
  });
});

describe('cadence: frequency, cap, inactivity', () => {
  it('weekdays skips Saturday and Sunday; weekly sends once per ISO week', () => {
    const wk = simulate(subscriberAt('Europe/Paris', '07:00', { frequency: 'weekdays' }), '2026-11-16T00:00:00Z', '2026-11-29T20:00:00Z', { stepMinutes: 15 });
    const days = wk.map((s) => new Date(`${s.date}T12:00:00Z`).getUTCDay());
    expect(days.every((d) => d >= 1 && d <= 5)).toBe(true);
    expect(wk).toHaveLength(10);
    const weekly = simulate(subscriberAt('Europe/Paris', '07:00', { frequency: 'weekly' }), '2026-11-16T00:00:00Z', '2026-11-29T20:00:00Z', { stepMinutes: 15 });
    expect(weekly.map((s) => s.date)).toEqual(['2026-11-16', '2026-11-23']); // Mondays
  });

  it('a long-inactive daily reader gets the weekly edition and is told so', () => {
    const sub = subscriberAt('Europe/Paris', '07:00', { lastEngagedAt: '2026-08-01T00:00:00.000Z', confirmedAt: '2026-01-01T00:00:00.000Z', createdAt: '2026-01-01T00:00:00.000Z' });
    const d = decideSend(sub, new Date('2026-11-16T08:00:00Z'), []);
    expect(d).toMatchObject({ due: true, frequency: 'weekly', reducedCadence: true });
    const ledger = [sentRow(sub.id, '2026-11-16', '2026-11-16T06:00:00.000Z')];
    expect(decideSend(sub, new Date('2026-11-17T08:00:00Z'), ledger)).toMatchObject({ due: false, reason: 'weekly-already' });
    // A recent click brings the daily cadence back.
    expect(decideSend(sub, new Date('2026-11-17T08:00:00Z'), ledger, { lastClickAt: '2026-11-16T09:00:00.000Z' })).toMatchObject({ due: true, reducedCadence: false });
  });

  it('caps editions per 7 days; not subscribed, pending and bouncing get nothing; edition time is respected', () => {
    const sub = subscriberAt('Europe/Paris', '07:00', { lastEngagedAt: '2026-11-20T00:00:00.000Z' });
    const ledger = ['16', '17', '18'].map((d) => sentRow(sub.id, `2026-11-${d}`, `2026-11-${d}T06:00:00.000Z`));
    const now = new Date('2026-11-19T08:00:00Z');
    expect(decideSend(sub, now, ledger, { policy: { ...DEFAULT_POLICY, maxPerWeek: 3 } })).toMatchObject({ due: false, reason: 'cap' });
    expect(decideSend(sub, now, ledger)).toMatchObject({ due: true, date: '2026-11-19' });
    expect(decideSend(sub, new Date('2026-11-19T05:59:00Z'), ledger)).toMatchObject({ due: false, reason: 'not-yet' });
    expect(decideSend(sub, new Date('2026-11-19T05:59:00Z'), ledger, { now: true })).toMatchObject({ due: true });
    for (const over of [{ status: 'pending' as const }, { status: 'bouncing' as const }, { status: 'unsubscribed' as const }, { consents: { ...sub.consents, newsletter: { granted: false, at: sub.createdAt, source: 'x' } } }]) {
      expect(decideSend({ ...sub, ...over }, now, ledger)).toMatchObject({ due: false, reason: 'not-subscribed' });
    }
    expect(decideSend(sub, now, [...ledger, sentRow(sub.id, '2026-11-19', '2026-11-19T06:00:00.000Z')])).toMatchObject({ due: false, reason: 'already-sent' });
  });
});
