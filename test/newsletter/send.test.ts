import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { createMailer, type Mailer } from '../../src/mail/mailer.js';
import { sendDueEditions, withSendLease, type SendDeps } from '../../src/newsletter/send.js';
import { confirmSubscription } from '../../src/newsletter/web.js';
import { suppressionHash } from '../../src/newsletter/message.js';
import { fixedClock, type Clock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { smtpError, startSmtpSink, type SinkOptions, type SmtpSink } from '../mail/smtp-sink.js';
import { editionFor, subscriberFor } from './fixtures.js';

const DATE = '2026-11-22';
const secret = 'z'.repeat(40);
let store: Store;
let sink: SmtpSink;
let mailer: Mailer;
const clock = fixedClock('2026-11-22T07:30:00.000Z'); // 08:30 in Paris: 07:00 editions are due

async function setUp(n: number, sinkOpts: SinkOptions = {}, storeClock: Clock = clock): Promise<void> {
  store = openSqliteStore(':memory:', { clock: storeClock });
  for (let i = 1; i <= n; i++) {
    const s = await store.createSubscriber(subscriberFor(`s${i}`, { name: `Lecteur ${i}` }));
    await store.saveEdition(editionFor(s, DATE));
  }
  sink = await startSmtpSink(sinkOpts);
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: 'Kiosque <edition@news.example>', editionsDir: '', smtpRatePerSecond: 1000 });
}

function deps(over: Partial<SendDeps> = {}): SendDeps {
  return { store, mailer, log: silentLogger, clock, baseUrl: 'https://news.example', secret, maxBounces: 2, fence: 1, concurrency: 4, retry: { attempts: 3, sleep: async () => undefined }, ...over };
}

afterEach(async () => {
  await mailer?.close();
  await sink?.close();
  await store?.close();
});

const recipients = () => sink.messages.map((m) => m.to.join(',')).sort();

describe('sending due editions over SMTP', () => {
  it('sends each due edition once; a second run sends nothing (EML-10)', async () => {
    await setUp(5);
    const r1 = await sendDueEditions(deps());
    expect(r1).toMatchObject({ subscribers: 5, due: 5, sent: 5, failed: 0, retryLater: 0 });
    const r2 = await sendDueEditions(deps({ fence: 2 }));
    expect(r2.sent).toBe(0);
    expect(r2.skipped['already-sent']).toBe(5);
    expect(recipients()).toEqual(['s1@exemple.fr', 's2@exemple.fr', 's3@exemple.fr', 's4@exemple.fr', 's5@exemple.fr']);
    const rows = await store.listSends({ editionDate: DATE });
    expect(rows.map((r) => r.state)).toEqual(Array(5).fill('sent'));
    expect(rows[0]).toMatchObject({ attempts: 1, providerMessageId: expect.stringMatching(/^250/), editionId: `ed-s1-${DATE}` });
    const parsed = await simpleParser(sink.messages[0]!.raw);
    expect(parsed.messageId).toBe(`<${rows.find((r) => `${r.subscriberId}@exemple.fr` === sink.messages[0]!.to[0])!.messageId}>`);
  });

  it('waits for the edition time; --now sends before it; --date sends a past date', async () => {
    await setUp(2);
    const early = fixedClock('2026-11-22T05:00:00.000Z'); // 06:00 in Paris
    expect((await sendDueEditions(deps({ clock: early }))).skipped['not-yet']).toBe(2);
    expect((await sendDueEditions(deps({ clock: early }), { now: true })).sent).toBe(2);
    await store.saveEdition(editionFor({ id: 's1', lang: 'fr' }, '2026-11-20'));
    const past = await sendDueEditions(deps({ fence: 2 }), { date: '2026-11-20', subscriberIds: ['s1'] });
    // An edition dated before one already sent is never sent (OPS-08).
    expect(past.skipped['later-edition-sent']).toBe(1);
  });

  it('builds missing editions through the build stage, or waits for them', async () => {
    await setUp(1);
    await store.createSubscriber(subscriberFor('late'));
    const built: string[] = [];
    const r = await sendDueEditions(
      deps({
        buildMissing: async (date, ids) => {
          built.push(...ids.map((id) => `${id}/${date}`));
          for (const id of ids) await store.saveEdition(editionFor({ id, lang: 'fr' }, date));
        },
      }),
    );
    expect(built).toEqual([`late/${DATE}`]);
    expect(r.sent).toBe(2);
  });

  it('EML-04: an unsubscribe or an erasure during the run wins over the batch selected before it', async () => {
    await setUp(6, {
      onMessage: async (_m, i) => {
        if (i === 0) {
          const s3 = (await store.getSubscriber('s3'))!;
          await store.updateSubscriber('s3', { status: 'unsubscribed', consents: { ...s3.consents, newsletter: { granted: false, at: clock.now().toISOString(), source: 'one-click' } } });
          await store.eraseSubscriber('s5');
          await store.addSuppression({ hash: suppressionHash(secret, 's6@exemple.fr'), reason: 'complaint', at: clock.now().toISOString() });
        }
        return null;
      },
    });
    const r = await sendDueEditions(deps({ concurrency: 1 }));
    expect(r.due).toBe(6);
    expect(r.sent).toBe(3);
    // s3 unsubscribed and s6 suppressed are re-checked out; s5's erasure took its edition with it.
    expect(r.skipped).toMatchObject({ withdrawn: 2, 'no-edition': 1 });
    expect(recipients()).toEqual(['s1@exemple.fr', 's2@exemple.fr', 's4@exemple.fr']);
    // Nothing left about the erased subscriber in the ledger (STO-10).
    expect(await store.listSends({ subscriberId: 's5' })).toEqual([]);
  });

  it('EML-11: 4xx retried, 5xx marks only that address (bouncing after the configured count); counts reconcile', async () => {
    let throttled = 2;
    await setUp(5, {
      onRecipient: (a) => (a === 's2@exemple.fr' ? smtpError(550, 'No such user') : null),
      onMessage: (m) => (m.to[0] === 's4@exemple.fr' ? smtpError(421, 'Try again later') : throttled-- > 0 ? smtpError(454, 'Throttling failure') : null),
    });
    const r = await sendDueEditions(deps({ concurrency: 1 }));
    expect(r).toMatchObject({ due: 5, sent: 3, failed: 1, retryLater: 1 });
    expect(r.sent + r.failed + r.retryLater).toBe(r.due);
    expect(await store.getSend('s2', DATE)).toMatchObject({ state: 'failed', error: expect.stringMatching(/550/) });
    const s4 = (await store.getSend('s4', DATE))!;
    expect(s4).toMatchObject({ state: 'queued', attempts: 3 });
    expect(Date.parse(s4.nextAttemptAt!)).toBeGreaterThan(clock.now().getTime());
    expect((await store.getSubscriber('s2'))!).toMatchObject({ bounceCount: 1, status: 'active' });

    // Not before the backoff; after it, the queued one is retried (and now accepted) and nothing else is re-sent.
    expect((await sendDueEditions(deps({ fence: 2 }))).retryLater + (await store.listSends({ state: 'sent' })).length).toBe(3);
    clock.advance(3 * 3600_000);
    await mailer.close();
    await sink.close();
    sink = await startSmtpSink({ onRecipient: (a) => (a === 's2@exemple.fr' ? smtpError(550, 'No such user') : null) });
    mailer = createMailer({ smtpUrl: sink.url, mailFrom: 'k@news.example', editionsDir: '', smtpRatePerSecond: 1000 });
    const r2 = await sendDueEditions(deps({ fence: 3 }));
    expect(r2.sent).toBe(1);
    expect(recipients()).toEqual(['s4@exemple.fr']);
    expect(await store.getSend('s4', DATE)).toMatchObject({ state: 'sent', attempts: 4 });

    // A second hard bounce (next day) reaches maxBounces: bouncing and suppressed.
    clock.set('2026-11-23T07:30:00.000Z');
    await store.saveEdition(editionFor({ id: 's2', lang: 'fr' }, '2026-11-23'));
    await sendDueEditions(deps({ fence: 4 }), { subscriberIds: ['s2'] });
    expect((await store.getSubscriber('s2'))!).toMatchObject({ bounceCount: 2, status: 'bouncing' });
    expect(await store.isSuppressed(suppressionHash(secret, 's2@exemple.fr'))).toBe(true);
    clock.set('2026-11-22T07:30:00.000Z');
  });

  it('double opt-in: a pending subscriber gets only the confirmation, once; after confirming, the edition', async () => {
    await setUp(0);
    const p = await store.createSubscriber(subscriberFor('p1', { status: 'pending', confirmedAt: undefined }));
    await store.saveEdition(editionFor(p, DATE));
    await store.createSubscriber(subscriberFor('p2', { status: 'pending', consents: { ...p.consents, newsletter: { granted: false, at: p.createdAt, source: 'x' } } }));
    const r1 = await sendDueEditions(deps());
    expect(r1).toMatchObject({ confirmations: 1, sent: 0 });
    expect(sink.messages).toHaveLength(1);
    const parsed = await simpleParser(sink.messages[0]!.raw);
    expect(parsed.subject).toBe('Confirmez votre abonnement à Kiosque');
    expect(parsed.to).toMatchObject({ text: 'p1@exemple.fr' });
    expect((await sendDueEditions(deps())).confirmations).toBe(0);
    expect(sink.messages).toHaveLength(1);
    await confirmSubscription(store, secret, (await store.getSubscriber('p1'))!, clock.now());
    expect((await sendDueEditions(deps())).sent).toBe(1);
    expect(sink.messages).toHaveLength(2);
  });

  it('EML-12: the same address in another case is one subscriber, so one edition', async () => {
    await setUp(0);
    await store.createSubscriber(subscriberFor('a', { email: 'Lea@Exemple.fr' }));
    await expect(store.createSubscriber(subscriberFor('b', { email: 'lea@exemple.FR' }))).rejects.toThrow(/already exists/);
    await store.saveEdition(editionFor({ id: 'a', lang: 'fr' }, DATE));
    expect((await sendDueEditions(deps())).sent).toBe(1);
    expect(sink.messages).toHaveLength(1);
  });

  it('OPS-03: one send run at a time; a stale run cannot write over a newer one', async () => {
    await setUp(2);
    const ran = await withSendLease(store, 'inst-a', async (fence) => {
      expect(await withSendLease(store, 'inst-b', async () => 'second')).toBeNull();
      return fence;
    });
    expect(ran).toBeGreaterThan(0);
    // A run with an old fence claims, a newer run takes the queued row over, the old run's writes are refused.
    await store.claimSend({ subscriberId: 's1', editionDate: DATE, messageId: 'm' }, 5);
    await store.claimSend({ subscriberId: 's1', editionDate: DATE, messageId: 'm' }, 6);
    expect(await store.updateSend('s1', DATE, 5, { state: 'sending' })).toBe(false);
    const r = await sendDueEditions(deps({ fence: 4 }));
    expect(r.skipped['claimed-elsewhere']).toBe(1);
    expect(recipients()).toEqual(['s2@exemple.fr']);
  });
});

describe('clock steps (OPS-09)', () => {
  it('an hour forward mid-run, then an hour back: every edition still goes out once', async () => {
    // This machine's clock, stepped by NTP: SQLite leases follow it (every user of the file shares it).
    let step = 0;
    const machine: Clock = { now: () => new Date(Date.parse('2026-11-22T07:30:00.000Z') + step) };
    await setUp(3, {}, machine);
    await withSendLease(store, 'inst-a', async (fenceA) => {
      // Forward past the lease's 5 minutes: instance B finds the lease lapsed and takes it with a newer token.
      step = 3600_000;
      const b = await withSendLease(store, 'inst-b', async (fenceB) => {
        expect(fenceB).toBeGreaterThan(fenceA);
        return sendDueEditions(deps({ clock: machine, fence: fenceB }));
      });
      expect(b).toMatchObject({ sent: 3, failed: 0 });
      // A's run goes on with its older token: the ledger rows are B's, so it sends nothing.
      const a = await sendDueEditions(deps({ clock: machine, fence: fenceA }));
      expect(a.sent).toBe(0);
      expect(a.skipped['already-sent']).toBe(3);
    });
    // Back an hour before the first send (07:30 in Paris, still past the edition time): nothing is due again.
    step = -3600_000;
    const later = await withSendLease(store, 'inst-a', (fence) => sendDueEditions(deps({ clock: machine, fence })));
    expect(later).toMatchObject({ sent: 0 });
    expect(recipients()).toEqual(['s1@exemple.fr', 's2@exemple.fr', 's3@exemple.fr']);
    expect((await store.listSends({ editionDate: DATE })).map((r) => r.state)).toEqual(['sent', 'sent', 'sent']);
  });
});

describe('rendering in worker threads', () => {
  it('a big run renders and composes in worker threads: the same messages, each once', async () => {
    await setUp(70);
    const r = await sendDueEditions(deps({ renderThreads: 1, mailFrom: 'Kiosque <edition@news.example>', concurrency: 8 }));
    expect(r.sent).toBe(70);
    expect(new Set(recipients()).size).toBe(70);
    const parsed = await simpleParser(sink.messages[0]!.raw);
    expect(parsed.subject).toMatch(/^Kiosque · Dimanche 22 novembre — /);
    expect(parsed.html).toMatch(/<h3 class="k-h3"/);
    const rows = await store.listSends({ editionDate: DATE });
    expect(rows.every((row) => row.state === 'sent')).toBe(true);
    expect(parsed.messageId).toBe(`<${rows.find((row) => `${row.subscriberId}@exemple.fr` === sink.messages[0]!.to[0])!.messageId}>`);
  }, 60_000);
});

describe('suppression list and fresh opt-ins (STO-10)', () => {
  it('an unsubscribe is lifted by a newer consent; an erasure only by a newer consent and a confirmed address', async () => {
    const { isSuppressedFor } = await import('../../src/newsletter/send.js');
    await setUp(0);
    const at = '2026-11-10T00:00:00.000Z';
    const before = '2026-11-01T00:00:00.000Z';
    const after = '2026-11-15T00:00:00.000Z';
    const sub = (consentAt: string, confirmedAt?: string) =>
      subscriberFor('x', { consents: { ...subscriberFor('x').consents, newsletter: { granted: true, at: consentAt, source: 't' } }, ...(confirmedAt ? { confirmedAt } : { confirmedAt: undefined }) });
    expect(await isSuppressedFor(store, secret, sub(before, before))).toBe(false);
    await store.addSuppression({ hash: suppressionHash(secret, 'x@exemple.fr'), reason: 'unsubscribe', at });
    expect(await isSuppressedFor(store, secret, sub(before, before))).toBe(true);
    expect(await isSuppressedFor(store, secret, sub(after, before))).toBe(false);
    await store.removeSuppression(suppressionHash(secret, 'x@exemple.fr'));
    await store.addSuppression({ hash: suppressionHash(secret, 'X@Exemple.fr'), reason: 'erasure', at });
    expect(await isSuppressedFor(store, secret, sub(after))).toBe(true); // re-imported or signed up, not confirmed
    expect(await isSuppressedFor(store, secret, sub(after, before))).toBe(true);
    expect(await isSuppressedFor(store, secret, sub(after, after))).toBe(false);
  });
});
