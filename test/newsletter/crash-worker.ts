/**
 * One send run in its own process, for the crash tests: KIOSQUE_FAILPOINT
 * makes it SIGKILL itself at a chosen point. Prints the report as JSON.
 * Env: KIOSQUE_DB, SMTP_URL (or OUTBOX_DIR), SEND_DATE, KIOSQUE_INSTANCE_ID.
 */
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createMailer } from '../../src/mail/mailer.js';
import { sendDueEditions, withSendLease } from '../../src/newsletter/send.js';
import { systemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';

const env = process.env;
const store = openSqliteStore(env.KIOSQUE_DB!);
const mailer = createMailer({ smtpUrl: env.SMTP_URL || undefined, mailFrom: 'Kiosque <edition@news.example>', editionsDir: env.OUTBOX_DIR ?? '', smtpRatePerSecond: 1000, smtpConnections: 1 });
const report = await withSendLease(store, env.KIOSQUE_INSTANCE_ID ?? 'crash-test', (fence) =>
  sendDueEditions(
    { store, mailer, log: silentLogger, clock: systemClock, baseUrl: 'https://news.example', secret: 'c'.repeat(40), maxBounces: 3, fence, concurrency: 1, retry: { attempts: 1 } },
    { date: env.SEND_DATE!, now: true },
  ),
);
await mailer.close();
await store.close();
process.stdout.write(JSON.stringify(report));
