/**
 * EML-10: a send run SIGKILLed at each point, then restarted: every due
 * message reaches the SMTP sink (or the outbox) once, none twice.
 * Policy for the undecidable window (after DATA, before the ledger write):
 * over SMTP the row stays `sending` and is reported uncertain, never re-sent
 * automatically; the outbox settles it from its file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { SendReport } from '../../src/newsletter/send.js';
import { startSmtpSink, type SmtpSink } from '../mail/smtp-sink.js';
import { editionFor, subscriberFor } from './fixtures.js';

const WORKER = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));
const DATE = '2026-11-22';
const N = 5;

let dir: string;
let db: string;
let sink: SmtpSink | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosque-crash-'));
  db = join(dir, 'kiosque.db');
  const store = openSqliteStore(db);
  for (let i = 1; i <= N; i++) {
    const s = await store.createSubscriber(subscriberFor(`s${i}`));
    await store.saveEdition(editionFor(s, DATE));
  }
  await store.close();
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

interface RunResult {
  signal: NodeJS.Signals | null;
  code: number | null;
  report?: SendReport;
  stderr: string;
}

let current: ChildProcess | undefined;
function runWorker(env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { ...process.env, KIOSQUE_DB: db, SEND_DATE: DATE, KIOSQUE_INSTANCE_ID: 'crash-test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    current = proc;
    let out = '';
    let err = '';
    proc.stdout!.on('data', (c) => (out += c));
    proc.stderr!.on('data', (c) => (err += c));
    proc.on('exit', (code, signal) => resolve({ code, signal, stderr: err, ...(out ? { report: JSON.parse(out) as SendReport } : {}) }));
  });
}

async function ledger() {
  const store = openSqliteStore(db);
  const rows = await store.listSends({ editionDate: DATE });
  await store.close();
  return Object.fromEntries(rows.map((r) => [r.subscriberId, r.state]));
}

const received = () => sink!.messages.map((m) => m.to[0]).sort();
const everyoneOnce = Array.from({ length: N }, (_, i) => `s${i + 1}@exemple.fr`);

describe('EML-10: SIGKILL at each failpoint, then restart', () => {
  it('before connect (mid-batch, after 2 of 5 sent): resumed, each message once', async () => {
    sink = await startSmtpSink();
    const first = await runWorker({ SMTP_URL: sink.url, KIOSQUE_FAILPOINT: 'before-connect:3' });
    expect(first.signal).toBe('SIGKILL');
    expect(received()).toEqual(everyoneOnce.slice(0, 2));
    expect((await ledger()).s3).toBe('queued');
    const second = await runWorker({ SMTP_URL: sink.url });
    expect(second.code, second.stderr).toBe(0);
    expect(second.report).toMatchObject({ sent: 3, uncertain: 0 });
    expect(received()).toEqual(everyoneOnce);
    expect(Object.values(await ledger())).toEqual(Array(N).fill('sent'));
  }, 60_000);

  it('after the server accepted it, before the ledger write: not sent twice (reported uncertain)', async () => {
    sink = await startSmtpSink();
    const first = await runWorker({ SMTP_URL: sink.url, KIOSQUE_FAILPOINT: 'before-ledger-write:3' });
    expect(first.signal).toBe('SIGKILL');
    expect(received()).toEqual(everyoneOnce.slice(0, 3));
    const second = await runWorker({ SMTP_URL: sink.url });
    expect(second.report).toMatchObject({ sent: 2, uncertain: 1 });
    expect(received()).toEqual(everyoneOnce);
    expect(await ledger()).toEqual({ s1: 'sent', s2: 'sent', s3: 'sending', s4: 'sent', s5: 'sent' });
    // The policy holds on later runs too: an uncertain message is never re-sent on its own.
    const third = await runWorker({ SMTP_URL: sink.url });
    expect(third.report).toMatchObject({ sent: 0, uncertain: 1 });
    expect(received()).toEqual(everyoneOnce);
  }, 90_000);

  it('after DATA, before the 250 reply is read (killed by the sink): not sent twice', async () => {
    sink = await startSmtpSink({
      onMessage: async (_m, i) => {
        if (i === 2) {
          current?.kill('SIGKILL');
          await new Promise((r) => current!.once('exit', r));
        }
        return null;
      },
    });
    const first = await runWorker({ SMTP_URL: sink.url });
    expect(first.signal).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 200)); // the sink files the message once its hook returns
    expect(received()).toEqual(everyoneOnce.slice(0, 3));
    expect((await ledger()).s3).toBe('sending');
    const second = await runWorker({ SMTP_URL: sink.url });
    expect(second.report).toMatchObject({ sent: 2, uncertain: 1 });
    expect(received()).toEqual(everyoneOnce);
  }, 60_000);

  it('outbox: killed before the ledger write or before connect, the restart settles from the files: one .eml each', async () => {
    const outbox = join(dir, 'editions');
    const first = await runWorker({ OUTBOX_DIR: outbox, KIOSQUE_FAILPOINT: 'before-ledger-write:2' });
    expect(first.signal).toBe('SIGKILL');
    const second = await runWorker({ OUTBOX_DIR: outbox, KIOSQUE_FAILPOINT: 'before-connect:2' });
    expect(second.signal).toBe('SIGKILL');
    const third = await runWorker({ OUTBOX_DIR: outbox });
    expect(third.code, third.stderr).toBe(0);
    expect(third.report).toMatchObject({ uncertain: 0 });
    const files = readdirSync(join(outbox, 'outbox', DATE));
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(N);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(Object.values(await ledger())).toEqual(Array(N).fill('sent'));
    expect(existsSync(db)).toBe(true);
  }, 90_000);
});
