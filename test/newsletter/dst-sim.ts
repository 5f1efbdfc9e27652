/**
 * A minute-by-minute simulation of the send decision against an in-memory
 * ledger (one row per subscriber and date, as the store's unique key). Used by
 * schedule.test.ts directly and by dst-child.ts under other process TZs.
 */
import type { Subscriber } from '../../src/model.js';
import type { SendRecord } from '../../src/store/sends.js';
import { decideSend } from '../../src/newsletter/schedule.js';
import { activeSubscriber } from '../../src/subscribers/subscriber.js';

export function subscriberAt(timezone: string, editionTime: string, over: Partial<Subscriber> = {}): Subscriber {
  const at = '2025-01-01T00:00:00.000Z';
  return activeSubscriber({ id: `s-${timezone}`, email: 'lea@exemple.fr', at, source: 'test' }, { timezone, editionTime, confirmedAt: at, ...over });
}

export interface SimSend {
  date: string;
  at: string;
}

/**
 * Steps the clock from `from` to `to` every `stepMinutes`; whenever the
 * subscriber is due, "sends" (adds a sent ledger row). `change` may swap the
 * subscriber at given instants (time-zone moves).
 */
export function simulate(
  sub: Subscriber,
  from: string,
  to: string,
  opts: { stepMinutes?: number; change?: (now: Date, sub: Subscriber) => Subscriber; ledger?: SendRecord[]; inactive?: boolean } = {},
): SimSend[] {
  const ledger: SendRecord[] = opts.ledger ?? [];
  const sends: SimSend[] = [];
  const step = (opts.stepMinutes ?? 1) * 60_000;
  let s = sub;
  for (let t = Date.parse(from); t <= Date.parse(to); t += step) {
    const now = new Date(t);
    if (opts.change) s = opts.change(now, s);
    // An engaged reader (inactivity has its own test).
    if (!opts.inactive) s = { ...s, lastEngagedAt: now.toISOString() };
    const d = decideSend(s, now, ledger);
    if (!d.due) continue;
    // The store's unique key: a second row for the same date is impossible.
    if (ledger.some((r) => r.subscriberId === s.id && r.editionDate === d.date)) throw new Error(`decided to send ${d.date} twice`);
    const iso = now.toISOString();
    ledger.push({ subscriberId: s.id, editionDate: d.date, state: 'sent', fence: 1, attempts: 1, messageId: `m-${d.date}`, queuedAt: iso, updatedAt: iso, sentAt: iso });
    sends.push({ date: d.date, at: iso });
  }
  return sends;
}

/** The DST and zone cases, as one JSON-able result (compared across process TZs). */
export function dstCases(): Record<string, SimSend[] | string> {
  const out: Record<string, SimSend[] | string> = {};
  // Every instant that matters (edition times, gap ends, sim starts) is on a 5-minute boundary.
  const simulate = (sub: Subscriber, from: string, to: string) => simulateSteps(sub, from, to, { stepMinutes: 5 });
  out.springForwardNewYork = simulate(subscriberAt('America/New_York', '02:30'), '2025-03-08T00:00:00Z', '2025-03-10T12:00:00Z');
  out.fallBackNewYork = simulate(subscriberAt('America/New_York', '01:30'), '2025-11-01T00:00:00Z', '2025-11-03T12:00:00Z');
  out.lordHoweHalfHourGap = simulate(subscriberAt('Australia/Lord_Howe', '02:15'), '2025-10-03T12:00:00Z', '2025-10-05T12:00:00Z');
  out.havanaMidnightGap = simulate(subscriberAt('America/Havana', '00:30'), '2025-03-07T12:00:00Z', '2025-03-10T12:00:00Z');
  out.parisSpring = simulate(subscriberAt('Europe/Paris', '02:30'), '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z');
  out.parisAutumn = simulate(subscriberAt('Europe/Paris', '02:30'), '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z');
  return out;
}

const simulateSteps = simulate;
