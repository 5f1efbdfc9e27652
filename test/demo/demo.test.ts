import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/kiosque.js');

describe('kiosque demo --once --json (offline, end to end)', () => {
  it('ingests the sample feeds over loopback HTTP and builds explained, different editions', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kiosque-demo-'));
    const { stdout } = await run(process.execPath, [BIN, 'demo', '--once', '--json'], {
      cwd,
      env: { ...process.env, KIOSQUE_LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    const summary = JSON.parse(stdout.trim());
    expect(Object.keys(summary).sort()).toEqual(['afterClick', 'articles', 'editions', 'editionsDir', 'emails', 'outboxDir', 'perSubscriber', 'stories', 'subscribers']);
    expect(summary.articles).toBeGreaterThanOrEqual(100);
    // Several sources telling one story are merged into one story cluster.
    expect(summary.stories).toBeLessThan(summary.articles);
    expect(summary.subscribers).toBeGreaterThanOrEqual(6);
    expect(summary.editions).toBe(summary.subscribers);
    expect(summary.editionsDir).toBe(join(cwd, 'editions'));

    // Each subscriber's edition is dated by their own time zone: near midnight UTC the demo's span two dates.
    const dates = readdirSync(summary.editionsDir).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
    expect(dates.length).toBeGreaterThanOrEqual(1);
    expect(dates.length).toBeLessThanOrEqual(2);
    const files = dates.flatMap((d) => readdirSync(join(summary.editionsDir, d)).map((f) => join(d, f)));
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(summary.editions);
    expect(files.filter((f) => f.endsWith('.md'))).toHaveLength(summary.editions);
    expect(files.filter((f) => f.endsWith('.html'))).toHaveLength(summary.editions);

    const editions = files.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(summary.editionsDir, f), 'utf8')));
    for (const e of editions) {
      expect(e.items.length).toBeGreaterThan(5);
      for (const it of e.items) expect(it.reasons.length).toBeGreaterThan(0);
    }
    // Editions differ between subscribers.
    const orders = new Set(editions.map((e) => e.items.map((i: { articleId: string }) => i.articleId).join(',')));
    expect(orders.size).toBeGreaterThan(editions.length / 2);
    // No markup from the sample feeds' traps reaches a rendered page.
    for (const f of files.filter((f) => f.endsWith('.html'))) {
      const html = readFileSync(join(summary.editionsDir, f), 'utf8');
      expect(html).not.toMatch(/<(script|iframe|img)\b|<[^>]*\son\w+=|href="javascript:/i);
    }
    // The report says, per subscriber, what leads their edition and why.
    expect(summary.perSubscriber).toHaveLength(summary.subscribers);
    for (const p of summary.perSubscriber) {
      expect(p.items).toBeGreaterThan(5);
      expect(p.leads.length).toBeGreaterThan(0);
      for (const l of p.leads) expect(l.why.length).toBeGreaterThan(0);
      expect(files).toContain(p.html.split('/').slice(-2).join('/'));
    }
    // A click changes the reader's rebuilt edition: the story read leaves it, others come in, explained.
    const { afterClick } = summary;
    expect(afterClick.removed).toContain(afterClick.clicked);
    expect(afterClick.added.length).toBeGreaterThan(0);
    expect(afterClick.personalizedAfter).toBe(true);
    expect(afterClick.added.some((a: { why: string }) => /Parce que vous avez lu|Because you read/.test(a.why))).toBe(true);
    // One newsletter .eml per subscriber who consented to it, in the outbox (no SMTP_URL in the demo).
    expect(summary.emails).toBeGreaterThan(0);
    expect(summary.emails).toBeLessThanOrEqual(summary.subscribers);
    const emls = dates.flatMap((d) => (existsSync(join(summary.outboxDir, d)) ? readdirSync(join(summary.outboxDir, d)) : [])).filter((f) => f.endsWith('.eml'));
    expect(emls).toHaveLength(summary.emails);
  });
});
