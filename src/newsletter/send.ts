/**
 * Sending the due editions, exactly once per (subscriber, edition date).
 *
 * For each due subscriber:
 *   claim the ledger row (queued, fenced with this run's lease token)
 *   → re-read the subscriber and the suppression list (EML-04)
 *   → mark it `sending` → hand it to the mailer (transient failures retried)
 *   → mark it `sent` with the server's reply.
 *
 * Crash policy (EML-10): a row still `queued` after a crash was never handed
 * to the mail server, so the next run sends it. A row left `sending` is in the
 * undecidable window (the server may have accepted it): the outbox decides
 * from its file; over SMTP it is not re-sent automatically (at most once) but
 * reported as uncertain, and `kiosque send --resend-uncertain` re-sends those
 * with the same Message-ID after the operator has checked.
 */
import { loadSubscribers } from '../subscribers/list.js';
import type { Edition, Lang, Subscriber } from '../model.js';
import type { Store } from '../store/store.js';
import type { SendRecord } from '../store/sends.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { localDate, localTime } from '../util/time.js';
import { oneLine, UserError } from '../util/errors.js';
import { MailSendError, sendWithRetry, withRetry, type Mailer, type RetryOptions, type SentMail } from '../mail/mailer.js';
import { createRenderPool, type RenderPool } from './render-pool.js';
import { buildConfirmationMessage, buildEditionMessage, clearStoryCache, editionMessageId, mailDomainOf, suppressionHash } from './message.js';
import { DEFAULT_POLICY, decideSend, isInactive, isMailable, minusDays, type CadencePolicy } from './schedule.js';
import { failpoint as defaultFailpoint } from './failpoint.js';

export interface SendDeps {
  store: Store;
  mailer: Mailer;
  log: Logger;
  clock: Clock;
  baseUrl: string;
  secret: string;
  siteTitle?: string;
  /** Permanent failures after which an address is marked bouncing. */
  maxBounces: number;
  /** This run's lease token: every ledger write is fenced with it (OPS-03). */
  fence: number;
  /** Messages in flight at once (default 16). */
  concurrency?: number;
  /**
   * Worker threads that render and compose messages for big runs (default 0:
   * all in this thread). Needs `mailFrom` and a mailer with sendRaw.
   */
  renderThreads?: number;
  /** The From of composed messages (the mailer's configured one). */
  mailFrom?: string;
  retry?: RetryOptions;
  policy?: Partial<CadencePolicy>;
  /** Builds missing editions of a date (the build stage); without it a missing edition waits for the build job. */
  buildMissing?(date: string, subscriberIds: string[]): Promise<void>;
  /** Send the double opt-in message to pending subscribers who asked for the newsletter (default true). */
  confirmPending?: boolean;
  topicLabel?(id: string, lang: Lang): string;
  signal?: AbortSignal;
  failpoint?(name: string): void;
}

export interface SendOptions {
  /** Edition date to send (default: each subscriber's local today). */
  date?: string;
  /** Ignore edition times (send what is not sent yet now). */
  now?: boolean;
  subscriberIds?: string[];
  /** Re-send rows left `sending` by a crashed run (SMTP: only after checking they did not arrive). */
  resendUncertain?: boolean;
}

export interface SendReport {
  subscribers: number;
  due: number;
  sent: number;
  /** Permanent failures (5xx, refused address). */
  failed: number;
  /** Transient failures left queued for a later run. */
  retryLater: number;
  /** Rows a crashed run left `sending` (maybe delivered); not re-sent. */
  uncertain: number;
  /** Rows a crashed run left `sending` that were settled (outbox file found, or re-sent on request). */
  recovered: number;
  confirmations: number;
  missingEditions: number;
  skipped: Record<string, number>;
  seconds: number;
  perSecond: number;
}

/** The lease that makes one send run at a time across instances; its token fences the ledger. */
export const SEND_LEASE = 'newsletter:send';

/**
 * Takes the send lease (renewed while `fn` runs), gives its token to `fn`,
 * releases it after. Null when another instance is sending.
 */
export async function withSendLease<T>(store: Store, owner: string, fn: (fence: number, signal: AbortSignal) => Promise<T>, ttlMs = 5 * 60_000): Promise<T | null> {
  const lease = await store.acquireLease(SEND_LEASE, owner, ttlMs);
  if (!lease) return null;
  const abort = new AbortController();
  const renew = setInterval(async () => {
    if (!(await store.renewLease(lease, ttlMs).catch(() => false))) abort.abort(new Error('send lease lost'));
  }, Math.max(1000, Math.floor(ttlMs / 3)));
  renew.unref();
  try {
    return await fn(lease.token, abort.signal);
  } finally {
    clearInterval(renew);
    await store.releaseLease(lease).catch(() => undefined);
  }
}

interface Due {
  sub: Subscriber;
  date: string;
  reducedCadence: boolean;
}

export async function sendDueEditions(deps: SendDeps, opts: SendOptions = {}): Promise<SendReport> {
  const t0 = performance.now();
  const { store, log, clock } = deps;
  const fp = deps.failpoint ?? defaultFailpoint;
  const policy: CadencePolicy = { ...DEFAULT_POLICY, ...(deps.policy ?? {}) };
  const now = clock.now();
  const domain = mailDomainOf(deps.baseUrl);
  const report: SendReport = {
    subscribers: 0,
    due: 0,
    sent: 0,
    failed: 0,
    retryLater: 0,
    uncertain: 0,
    recovered: 0,
    confirmations: 0,
    missingEditions: 0,
    skipped: {},
    seconds: 0,
    perSecond: 0,
  };
  const skip = (reason: string) => {
    report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
  };

  const subscribers = await loadSubscribers(store, opts.subscriberIds);
  report.subscribers = subscribers.length;
  // Subscribers are taken zone by zone: each zone's local date and time are computed once per run.
  const localByZone = new Map<string, { date: string; time: string }>();
  const localIn = (tz: string) => {
    let l = localByZone.get(tz);
    if (!l) localByZone.set(tz, (l = { date: localDate(now, tz), time: localTime(now, tz) }));
    return l;
  };
  const todayIn = (tz: string) => localIn(tz).date;
  const earliest = opts.date ?? subscribers.reduce((min, s) => (todayIn(s.timezone) < min ? todayIn(s.timezone) : min), '9999-12-31');
  const since = minusDays(earliest < '9999' ? earliest : localDate(now, 'UTC'), 8);

  // Rows a crashed run left in the undecidable window.
  await settleUncertain(deps, since, !!opts.resendUncertain, report);

  const history = new Map<string, SendRecord[]>();
  for (const r of await store.listSends({ since })) {
    const list = history.get(r.subscriberId);
    if (list) list.push(r);
    else history.set(r.subscriberId, [r]);
  }

  const due: Due[] = [];
  const pending: Subscriber[] = [];
  for (const sub of subscribers) {
    if (sub.status === 'pending') {
      if (sub.consents.newsletter.granted && deps.confirmPending !== false) pending.push(sub);
      else skip('not-subscribed');
      continue;
    }
    let lastClickAt: string | undefined;
    if (isMailable(sub) && isInactive(sub, now, policy)) lastClickAt = (await store.listClicks({ subscriberId: sub.id, limit: 1 }))[0]?.at;
    const d = decideSend(sub, now, history.get(sub.id) ?? [], {
      ...(opts.date ? { date: opts.date } : {}),
      ...(opts.now ? { now: true } : {}),
      policy,
      local: localIn(sub.timezone),
      ...(lastClickAt ? { lastClickAt } : {}),
    });
    if (!d.due) skip(d.reason!);
    else due.push({ sub, date: d.date, reducedCadence: d.reducedCadence });
  }
  report.due = due.length;

  for (const sub of pending) {
    if (deps.signal?.aborted) break;
    if (await sendConfirmation(deps, sub)) report.confirmations++;
  }

  // Threads pay off only for a big run (starting one costs a few hundred ms).
  const renderPool = deps.renderThreads && deps.mailFrom && deps.mailer.sendRaw && due.length >= 64 ? createRenderPool(deps.renderThreads) : undefined;
  const missing: Due[] = [];
  const sendOne = async (d: Due): Promise<void> => {
    const edition = await store.getEdition(d.sub.id, d.date);
    if (!edition) {
      missing.push(d);
      return;
    }
    const outcome = await deliver(deps, d, edition, domain, fp, renderPool);
    if (outcome === 'sent') report.sent++;
    else if (outcome === 'failed') report.failed++;
    else if (outcome === 'retry') report.retryLater++;
    else skip(outcome);
  };
  try {
    await pool(due, deps.concurrency ?? 16, sendOne, deps.signal);
    if (missing.length && deps.buildMissing && !deps.signal?.aborted) {
      const byDate = new Map<string, Due[]>();
      for (const d of missing) byDate.set(d.date, [...(byDate.get(d.date) ?? []), d]);
      for (const [date, list] of byDate) await deps.buildMissing(date, list.map((d) => d.sub.id));
      const again = missing.splice(0);
      await pool(again, deps.concurrency ?? 16, sendOne, deps.signal);
    }
  } finally {
    await renderPool?.close();
    clearStoryCache();
  }
  report.missingEditions = missing.length;
  if (missing.length) skip('no-edition');
  report.seconds = Math.round(performance.now() - t0) / 1000;
  report.perSecond = report.seconds > 0 ? Math.round((report.sent / report.seconds) * 10) / 10 : 0;
  if (report.sent || report.failed || report.retryLater || report.uncertain) {
    log.info({ ...report }, `newsletter: ${report.sent} sent, ${report.failed} failed, ${report.retryLater} to retry, ${report.uncertain} uncertain`);
  }
  return report;
}

type Outcome = 'sent' | 'failed' | 'retry' | 'claimed-elsewhere' | 'withdrawn' | 'lost-claim';

/** One edition to one subscriber, through the ledger. */
async function deliver(deps: SendDeps, d: Due, edition: Edition, domain: string, fp: (name: string) => void, pool: RenderPool | undefined): Promise<Outcome> {
  const { store, clock } = deps;
  const messageId = editionMessageId(d.sub.id, d.date, domain);
  // Eligibility again, just before the send: an unsubscribe or erasure since the selection wins (EML-04).
  // Checked before the claim, so a withdrawn or erased subscriber leaves no ledger row behind.
  const fresh = await store.getSubscriber(d.sub.id);
  if (!fresh || !isMailable(fresh) || (await isSuppressedFor(store, deps.secret, fresh))) return 'withdrawn';
  const row = await store.claimSend({ subscriberId: d.sub.id, editionDate: d.date, messageId, editionId: edition.id }, deps.fence);
  if (!row) return 'claimed-elsewhere';
  const key = [d.sub.id, d.date, deps.fence] as const;
  const ctx = { baseUrl: deps.baseUrl, secret: deps.secret, mailDomain: domain, reducedCadence: d.reducedCadence, ...(deps.siteTitle ? { siteTitle: deps.siteTitle } : {}) };
  let attemptOnce: () => Promise<SentMail>;
  try {
    if (pool && deps.mailer.sendRaw) {
      // Rendered and composed in a worker thread; this thread only sends the bytes.
      const composed = await pool.render(edition, fresh, ctx, deps.mailFrom!);
      attemptOnce = () => deps.mailer.sendRaw!(composed);
    } else {
      const message = buildEditionMessage(edition, fresh, { ...ctx, ...(deps.topicLabel ? { topicLabel: deps.topicLabel } : {}) });
      attemptOnce = () => deps.mailer.send(message);
    }
  } catch (e) {
    await store.updateSend(...key, { state: 'failed', error: `not composed: ${oneLine(e)}` });
    return 'failed';
  }

  fp('before-connect');
  if (!(await store.updateSend(...key, { state: 'sending', attempts: row.attempts + 1 }))) return 'lost-claim';
  try {
    const sent = await withRetry(attemptOnce, deps.retry ?? {});
    fp('before-ledger-write');
    await store.updateSend(...key, {
      state: 'sent',
      attempts: row.attempts + sent.attempts,
      providerMessageId: (sent.response ?? sent.messageId).slice(0, 300),
      sentAt: clock.now().toISOString(),
      error: null,
      nextAttemptAt: null,
    });
    return 'sent';
  } catch (e) {
    const err = e instanceof MailSendError ? e : new MailSendError(oneLine(e), 'transient');
    const attempts = row.attempts + Math.max(1, deps.retry?.attempts ?? 3);
    if (err.kind === 'transient') {
      // Back to queued: the next run (after the backoff) claims and sends it.
      const wait = Math.min(6 * 3600_000, 60_000 * 2 ** Math.min(8, attempts));
      await store.updateSend(...key, { state: 'queued', attempts, error: err.message, nextAttemptAt: new Date(clock.now().getTime() + wait).toISOString() });
      deps.log.warn({ subscriberId: d.sub.id, date: d.date }, `newsletter: transient failure, retry later: ${err.message}`);
      return 'retry';
    }
    await store.updateSend(...key, { state: 'failed', attempts, error: err.message });
    await recordBounce(deps, fresh);
    deps.log.warn({ subscriberId: d.sub.id, date: d.date }, `newsletter: permanent failure: ${err.message}`);
    return 'failed';
  }
}

/** A permanent failure counts as a bounce; after `maxBounces` the address is bouncing and suppressed. */
async function recordBounce(deps: SendDeps, sub: Subscriber): Promise<void> {
  const count = (sub.bounceCount ?? 0) + 1;
  const bouncing = count >= deps.maxBounces;
  try {
    await deps.store.updateSubscriber(sub.id, { bounceCount: count, ...(bouncing ? { status: 'bouncing' as const } : {}) });
    if (bouncing) await deps.store.addSuppression({ hash: suppressionHash(deps.secret, sub.email), reason: 'bounce', at: deps.clock.now().toISOString() });
  } catch (e) {
    if (!(e instanceof UserError)) throw e; // erased meanwhile: nothing to count
  }
}

/**
 * Rows left `sending` by a run that died. The outbox knows whether the
 * message was written; SMTP does not, so those stay uncertain unless the
 * operator asks for a re-send.
 */
async function settleUncertain(deps: SendDeps, since: string, resend: boolean, report: SendReport): Promise<void> {
  const stale = (await deps.store.listSends({ state: 'sending', since })).filter((r) => r.fence <= deps.fence);
  for (const r of stale) {
    const delivered = deps.mailer.delivered ? await deps.mailer.delivered(r.messageId, r.editionDate) : undefined;
    if (delivered === true) {
      await deps.store.updateSend(r.subscriberId, r.editionDate, r.fence, { state: 'sent', sentAt: r.updatedAt, error: null });
      report.recovered++;
    } else if (delivered === false || resend) {
      // Never reached the mail server (or the operator checked): queue it again for this run.
      await deps.store.updateSend(r.subscriberId, r.editionDate, r.fence, { state: 'queued', error: 'interrupted run', nextAttemptAt: null });
      report.recovered++;
    } else {
      report.uncertain++;
      deps.log.warn({ subscriberId: r.subscriberId, date: r.editionDate, messageId: r.messageId }, 'newsletter: a crashed run may or may not have delivered this edition; not re-sent');
    }
  }
}

/**
 * Whether the suppression list stops mail to this subscriber. An entry is
 * overridden only by a newer opt-in: a consent given after it, and for an
 * erasure or a bounce also an address confirmed after it (a re-import or an
 * unconfirmed sign-up of a suppressed address gets nothing).
 */
export async function isSuppressedFor(store: Store, secret: string, sub: Subscriber): Promise<boolean> {
  const entry = await store.getSuppression(suppressionHash(secret, sub.email));
  if (!entry) return false;
  const consent = sub.consents.newsletter;
  const newerConsent = consent.granted && consent.at > entry.at;
  const newerConfirmation = !!sub.confirmedAt && sub.confirmedAt > entry.at;
  return entry.reason === 'unsubscribe' || entry.reason === 'complaint' ? !newerConsent : !(newerConsent && newerConfirmation);
}

/** The kv mark that a confirmation went out (nothing else is sent before the address is confirmed). */
export const confirmationKey = (subscriberId: string): string => `newsletter:confirmation:${subscriberId}`;

/** Sends the double opt-in message once per pending subscriber. True when sent now. */
export async function sendConfirmation(deps: Pick<SendDeps, 'store' | 'mailer' | 'clock' | 'baseUrl' | 'secret' | 'siteTitle' | 'log' | 'retry'>, sub: Subscriber): Promise<boolean> {
  if (sub.status !== 'pending') return false;
  if (await deps.store.getKv(confirmationKey(sub.id))) return false;
  if (await deps.store.isSuppressed(suppressionHash(deps.secret, sub.email))) return false;
  const msg = buildConfirmationMessage(sub, { baseUrl: deps.baseUrl, secret: deps.secret, ...(deps.siteTitle ? { siteTitle: deps.siteTitle } : {}) }, deps.clock.now());
  try {
    await sendWithRetry(deps.mailer, msg, deps.retry ?? {});
  } catch (e) {
    deps.log.warn({ subscriberId: sub.id }, `newsletter: confirmation not sent: ${oneLine(e)}`);
    return false;
  }
  await deps.store.setKv(confirmationKey(sub.id), { at: deps.clock.now().toISOString() });
  return true;
}

/** Runs `fn` over `items` with at most `size` in flight; stops taking new items once `signal` aborts. */
async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}
