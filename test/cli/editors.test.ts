import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../bin/kiosque.js');

async function kiosque(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, KIOSQUE_LOG_LEVEL: 'warn', MONGODB_URI: '' }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('kiosque editors', () => {
  it('adds (with a sign-in link), lists and removes editor accounts; refuses a bad address in one line', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kiosque-editors-'));
    const add = await kiosque(cwd, ['editors', 'add', 'Redac@Exemple.fr', '--json']);
    expect(add.code).toBe(0);
    const out = JSON.parse(add.stdout);
    expect(out).toMatchObject({ email: 'redac@exemple.fr', role: 'editor', created: true });
    expect(out.loginUrl).toMatch(/^http:\/\/localhost:3000\/editor\/login\/[\w-]+\.[\w-]+$/);
    const again = await kiosque(cwd, ['editors', 'add', 'redac@exemple.fr']);
    expect(again.stdout).toContain('already exists');
    expect((await kiosque(cwd, ['editors', 'list'])).stdout).toContain('redac@exemple.fr\teditor');
    const bad = await kiosque(cwd, ['editors', 'add', 'not-an-address']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect((await kiosque(cwd, ['editors', 'remove', 'redac@exemple.fr'])).stdout).toContain('removed');
    expect((await kiosque(cwd, ['editors', 'list'])).stdout).toBe('');
    expect((await kiosque(cwd, ['editors', 'remove', 'redac@exemple.fr'])).code).toBe(2);
  }, 120_000);
});
