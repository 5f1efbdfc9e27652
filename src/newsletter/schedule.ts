/**
 * When a subscriber's edition is due by e-mail: pure rules over the
 * subscriber, the time and their send ledger.
 *
 * - The edition date and the edition time are read in the subscriber's own
 *   zone (Intl), never in the server's (OPS-07).
 * - "Due" means: the local wall clock has reached the edition time on the
 *   local date. A DST gap that swallows the edition time makes it due at the
 *   first instant after the gap (02:30 → 03:00); an overlap makes it due at
 *   the first occurrence, and the ledger's unique (subscriber, date) key stops
 *   the second (OPS-05, OPS-06).
 * - A subscriber who moves to another zone never gets an edition dated on or
 *   before one already sent, nor two within `minIntervalHours` (OPS-08).
 * - Frequency (daily, weekdays, weekly), a cap per 7 days, and fewer editions
 *   for readers inactive for long (they are told so in the message).
 */
import type { Frequency, Subscriber } from '../model.js';
import type { SendRecord } from '../store/sends.js';
import { localDate, localTime } from '../util/time.js';

export interface CadencePolicy {
  /** No two editions to one subscriber closer than this (zone changes). */
  minIntervalHours: number;
  /** At most this many editions per subscriber in 7 consecutive edition dates. */
  maxPerWeek: number;
  /** Without a click or a confirmation for this long, a reader gets the weekly edition. */
  inactiveAfterDays: number;
}

export const DEFAULT_POLICY: CadencePolicy = { minIntervalHours: 12, maxPerWeek: 7, inactiveAfterDays: 45 };

export type SkipReason =
  | 'not-subscribed'
  | 'not-yet'
  | 'already-sent'
  | 'later-edition-sent'
  | 'too-soon'
  | 'weekend'
  | 'weekly-already'
  | 'cap';

export interface SendDecision {
  date: string;
  due: boolean;
  reason?: SkipReason;
  /** The cadence actually used (weekly for long-inactive readers). */
  frequency: Frequency;
  /** True when the reader's cadence was lowered for inactivity (the message says so). */
  reducedCadence: boolean;
}

export interface DecideOptions {
  /** Edition date to send (default: the subscriber's local today). */
  date?: string;
  /** Ignore the edition time (send now). */
  now?: boolean;
  policy?: CadencePolicy;
  /** Latest engagement known beyond the record (e.g. the last click). */
  lastClickAt?: string;
  /** The subscriber zone's local date and time at `now`, when the caller computed them once for the zone's bucket. */
  local?: { date: string; time: string };
}

/** True when the subscriber may receive editions at all (confirmed, consenting, not bouncing). */
export function isMailable(sub: Subscriber): boolean {
  return sub.status === 'active' && sub.consents.newsletter.granted === true;
}

const DAY = 86400_000;
const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY);
/** 0 = Sunday … 6 = Saturday, of a calendar date. */
export const weekday = (date: string): number => new Date(`${date}T12:00:00Z`).getUTCDay();
/** Day number of the Monday that starts the ISO week of a date. */
const weekStart = (date: string): number => dayNumber(date) - ((weekday(date) + 6) % 7);

export function isInactive(sub: Subscriber, now: Date, policy: CadencePolicy, lastClickAt?: string): boolean {
  const seen = [sub.lastEngagedAt, lastClickAt, sub.confirmedAt, sub.createdAt].filter((t): t is string => !!t).map((t) => Date.parse(t));
  const last = seen.length ? Math.max(...seen) : now.getTime();
  return now.getTime() - last > policy.inactiveAfterDays * DAY;
}

/**
 * Whether `sub` gets an edition now, given their ledger rows (any order,
 * recent ones suffice: the last 8 days before the date).
 */
export function decideSend(sub: Subscriber, now: Date, history: readonly SendRecord[], opts: DecideOptions = {}): SendDecision {
  const policy = opts.policy ?? DEFAULT_POLICY;
  const today = opts.local?.date ?? localDate(now, sub.timezone);
  const date = opts.date ?? today;
  const inactive = isInactive(sub, now, policy, opts.lastClickAt);
  const frequency: Frequency = inactive ? 'weekly' : sub.frequency;
  const reducedCadence = inactive && sub.frequency !== 'weekly';
  const out = (reason?: SkipReason): SendDecision => ({ date, due: !reason, ...(reason ? { reason } : {}), frequency, reducedCadence });

  if (!isMailable(sub)) return out('not-subscribed');
  // A past date is late already; today waits for the local edition time; a future date waits (unless forced).
  const timeReached = opts.now === true || date < today || (date === today && (opts.local?.time ?? localTime(now, sub.timezone)) >= sub.editionTime);
  if (!timeReached) return out('not-yet');

  const sent = history.filter((r) => r.state === 'sent' || r.state === 'sending');
  if (history.some((r) => r.editionDate === date && r.state !== 'queued')) return out('already-sent');
  if (sent.some((r) => r.editionDate > date)) return out('later-edition-sent');
  const lastSentAt = Math.max(0, ...sent.map((r) => Date.parse(r.sentAt ?? r.updatedAt)).filter(Number.isFinite));
  if (!opts.now && lastSentAt && now.getTime() - lastSentAt < policy.minIntervalHours * 3600_000) return out('too-soon');

  const day = weekday(date);
  if (frequency === 'weekdays' && (day === 0 || day === 6)) return out('weekend');
  if (frequency === 'weekly' && sent.some((r) => weekStart(r.editionDate) === weekStart(date))) return out('weekly-already');
  const lastWeek = sent.filter((r) => dayNumber(r.editionDate) > dayNumber(date) - 7 && r.editionDate <= date).length;
  if (lastWeek >= policy.maxPerWeek) return out('cap');
  return out();
}

/** The date `days` before a calendar date. */
export function minusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * DAY).toISOString().slice(0, 10);
}
