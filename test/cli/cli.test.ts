import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/kiosque.js');

async function kiosque(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'kiosque-cli-'));
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, KIOSQUE_LOG_LEVEL: 'warn', ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('kiosque command', () => {
  it('--help lists every command with a description', async () => {
    const r = await kiosque(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['start', 'serve', 'ingest', 'build', 'send', 'retag', 'parse', 'feeds', 'demo', 'eval', 'bench']) {
      expect(r.stdout).toMatch(new RegExp(`\\n\\s+${cmd}\\b[^\\n]*\\S`));
    }
  });

  it('parse prints one JSON line per file and exits 0 whatever the files hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosque-parse-'));
    const good = join(dir, 'good.xml');
    writeFileSync(
      good,
      `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link><item><title>Hello &amp; bye</title><link>https://t.example/1</link><description>&lt;p&gt;Body&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item></channel></rss>`,
    );
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<html><body>not a feed</body></html>');
    const r = await kiosque(['parse', good, bad, join(dir, 'missing.xml'), '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ file: good, ok: true });
    expect(lines[0].items[0]).toMatchObject({ title: 'Hello & bye', url: 'https://t.example/1' });
    expect(lines[0].items[0].contentHtml).not.toMatch(/script/);
    expect(lines[1]).toMatchObject({ file: bad, ok: false });
    expect(lines[1].error).not.toMatch(/\n/);
    expect(lines[2].ok).toBe(false);
  });

  it('reports user errors on one line with exit status 2, without a stack trace', async () => {
    for (const [args, env, pattern] of [
      [['feeds', 'add', 'javascript:alert(1)', '--section', 'X'], {}, /feed URL "javascript:alert\(1\)" refused: only http and https/],
      [['feeds', 'list'], { KIOSQUE_PORT: 'abc' }, /invalid setting KIOSQUE_PORT/],
      [['feeds', 'import', 'nope.opml'], {}, /cannot read OPML file nope\.opml/],
      [['build', '--date', '2026-13-45'], {}, /--date must be YYYY-MM-DD/],
    ] as const) {
      const r = await kiosque([...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\s+at\s/);
    }
  });

  it('feeds add, list and export work against a fresh data dir', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kiosque-feeds-'));
    const env = { KIOSQUE_DATA_DIR: join(cwd, 'data') };
    expect((await kiosque(['feeds', 'add', 'https://news.example/rss.xml', '--section', 'Sport', '--lang', 'fr'], env)).stdout).toMatch(/added/);
    expect((await kiosque(['feeds', 'add', 'https://news.example/rss.xml', '--section', 'Sport'], env)).stdout).toMatch(/already known/);
    const list = JSON.parse((await kiosque(['feeds', 'list', '--json'], env)).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ url: 'https://news.example/rss.xml', section: 'Sport', health: 'new' });
    const opml = (await kiosque(['feeds', 'export'], env)).stdout;
    expect(opml).toContain('xmlUrl="https://news.example/rss.xml"');
    expect(opml).toContain('<outline text="Sport"');
  });
});
