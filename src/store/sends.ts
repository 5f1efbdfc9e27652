/**
 * The newsletter's send ledger and suppression list: records, argument checks
 * and the claim rule, shared by both stores.
 *
 * One ledger row per (subscriberId, editionDate), unique in the database
 * (EML-10). States:
 *   queued  – claimed by a run (fence = that run's lease token), not yet handed to SMTP;
 *             also a transient failure waiting for `nextAttemptAt`;
 *   sending – handed to SMTP: from here on a crash leaves the outcome unknown;
 *   sent    – the server accepted it (providerMessageId);
 *   failed  – permanent (5xx, or the subscriber withdrew before the send).
 * Every write after the claim names the fence it was claimed with; a row
 * taken over by a newer run (larger fence) refuses the stale run's writes (OPS-03).
 */
import type { IsoDate, IsoTime } from '../model.js';
import { UserError } from '../util/errors.js';
import { boundLimit, checkOneOf } from './common.js';
import { canonicalTime, checkDate, checkId } from './schema.js';

export const SEND_STATES = ['queued', 'sending', 'sent', 'failed'] as const;
export type SendState = (typeof SEND_STATES)[number];

export interface SendRecord {
  subscriberId: string;
  editionDate: IsoDate;
  state: SendState;
  /** Lease token of the run that holds (or last held) the row. */
  fence: number;
  /** Times the message was handed to the mail server. */
  attempts: number;
  /** The stable Message-ID of this (subscriber, date), without angle brackets. */
  messageId: string;
  editionId?: string;
  providerMessageId?: string;
  error?: string;
  /** A queued row after a transient failure is not claimable before this. */
  nextAttemptAt?: IsoTime;
  queuedAt: IsoTime;
  updatedAt: IsoTime;
  sentAt?: IsoTime;
}

export interface SendClaim {
  subscriberId: string;
  editionDate: IsoDate;
  messageId: string;
  editionId?: string;
}

/** What a fenced write may change on a ledger row. `undefined` leaves a field as it is; `null` clears it. */
export interface SendUpdate {
  state: SendState;
  attempts?: number;
  providerMessageId?: string | null;
  error?: string | null;
  nextAttemptAt?: IsoTime | null;
  sentAt?: IsoTime | null;
}

export interface SendQuery {
  subscriberId?: string;
  editionDate?: IsoDate;
  /** editionDate >= since */
  since?: IsoDate;
  state?: SendState;
  limit?: number;
}

export type SuppressionReason = 'unsubscribe' | 'erasure' | 'bounce' | 'complaint';
export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['unsubscribe', 'erasure', 'bounce', 'complaint'];

export interface Suppression {
  /** Salted hash of the normalised address (never the address itself: STO-10). */
  hash: string;
  reason: SuppressionReason;
  at: IsoTime;
}

export function checkFence(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new UserError('send fence must be an integer ≥ 0');
  return v;
}

export function checkClaim(c: SendClaim): SendClaim {
  if (!c || typeof c !== 'object') throw new UserError('send claim must be an object');
  return {
    subscriberId: checkId(c.subscriberId, 'send claim: subscriberId'),
    editionDate: checkDate(c.editionDate, 'send claim: editionDate'),
    messageId: checkId(c.messageId, 'send claim: messageId', 300),
    ...(c.editionId !== undefined ? { editionId: checkId(c.editionId, 'send claim: editionId') } : {}),
  };
}

export function checkSendUpdate(u: SendUpdate): SendUpdate {
  if (!u || typeof u !== 'object') throw new UserError('send update must be an object');
  const known = new Set(['state', 'attempts', 'providerMessageId', 'error', 'nextAttemptAt', 'sentAt']);
  for (const k of Object.keys(u)) if (!known.has(k)) throw new UserError(`send update: unknown field ${JSON.stringify(k).slice(0, 60)}`);
  const out: SendUpdate = { state: checkOneOf(u.state, SEND_STATES, 'send update: state') };
  if (u.attempts !== undefined) {
    if (typeof u.attempts !== 'number' || !Number.isSafeInteger(u.attempts) || u.attempts < 0) throw new UserError('send update: attempts must be an integer ≥ 0');
    out.attempts = u.attempts;
  }
  const text = (v: unknown, where: string, max: number) => {
    if (v === null || v === undefined) return v;
    if (typeof v !== 'string') throw new UserError(`send update: ${where} must be a string`);
    return v.slice(0, max);
  };
  const time = (v: unknown, where: string) => (v === null || v === undefined ? v : canonicalTime(v, `send update: ${where}`));
  if (u.providerMessageId !== undefined) out.providerMessageId = text(u.providerMessageId, 'providerMessageId', 300) as string | null;
  if (u.error !== undefined) out.error = text(u.error, 'error', 500) as string | null;
  if (u.nextAttemptAt !== undefined) out.nextAttemptAt = time(u.nextAttemptAt, 'nextAttemptAt') as string | null;
  if (u.sentAt !== undefined) out.sentAt = time(u.sentAt, 'sentAt') as string | null;
  return out;
}

export interface CheckedSendQuery {
  subscriberId?: string;
  editionDate?: string;
  since?: string;
  state?: SendState;
  limit: number;
}

export function checkSendQuery(q: SendQuery = {}): CheckedSendQuery {
  return {
    ...(q.subscriberId !== undefined ? { subscriberId: checkId(q.subscriberId, 'sends query: subscriberId') } : {}),
    ...(q.editionDate !== undefined ? { editionDate: checkDate(q.editionDate, 'sends query: editionDate') } : {}),
    ...(q.since !== undefined ? { since: checkDate(q.since, 'sends query: since') } : {}),
    ...(q.state !== undefined ? { state: checkOneOf(q.state, SEND_STATES, 'sends query: state') } : {}),
    limit: boundLimit(q.limit, 'sends query: limit'),
  };
}

export function checkSuppressionHash(v: unknown): string {
  const h = checkId(v, 'suppression hash', 128);
  if (!/^[A-Za-z0-9_-]+$/.test(h)) throw new UserError('suppression hash must be url-safe characters');
  return h;
}

/**
 * Whether a run holding `fence` may claim an existing row at `now`: only a
 * queued row (never one handed to SMTP, sent or failed), once its retry time
 * has come, and never from a run older than the row's holder.
 */
export function claimable(row: Pick<SendRecord, 'state' | 'fence' | 'nextAttemptAt'>, fence: number, now: Date): boolean {
  if (row.state !== 'queued') return false;
  if (row.fence > fence) return false;
  return !row.nextAttemptAt || Date.parse(row.nextAttemptAt) <= now.getTime();
}

/** A new ledger row for a claim. */
export function newSendRecord(c: SendClaim, fence: number, now: Date): SendRecord {
  const at = now.toISOString();
  return { ...c, state: 'queued', fence, attempts: 0, queuedAt: at, updatedAt: at };
}

/** The row after a fenced update (fields set to null are removed). */
export function applySendUpdate(row: SendRecord, u: SendUpdate, now: Date): SendRecord {
  const out: Record<string, unknown> = { ...row, state: u.state, updatedAt: now.toISOString() };
  for (const k of ['attempts', 'providerMessageId', 'error', 'nextAttemptAt', 'sentAt'] as const) {
    const v = u[k];
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as unknown as SendRecord;
}
