import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchTag } from '../../src/bench/tag.js';
import { UserError } from '../../src/util/errors.js';
import { SNIPPETS } from '../tag/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kiosque-benchtag-'));

describe('benchTag', () => {
  it('tags every row and reports docs, seconds, docs/s, CPU time and peak RSS', async () => {
    const file = join(dir, 'rows.jsonl');
    writeFileSync(file, SNIPPETS.map((s, i) => JSON.stringify({ id: String(i), title: s.title, text: s.text, label: s.section, lang: s.lang })).join('\n'));
    const r = await benchTag({ input: file });
    expect(r.docs).toBe(SNIPPETS.length);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.docsPerSecond).toBeGreaterThan(0);
    expect(r.peakRssMb).toBeGreaterThan(10);
    expect(r.cpuSeconds).toBeGreaterThan(0);
    expect(r.docsPerCpuSecond).toBeGreaterThan(0);
    expect(Object.keys(r).sort()).toEqual(['cpuSeconds', 'docs', 'docsPerCpuSecond', 'docsPerSecond', 'peakRssMb', 'seconds']);
  }, 60_000);

  it('rejects a missing or malformed file with a UserError', async () => {
    await expect(benchTag({ input: join(dir, 'none.jsonl') })).rejects.toThrow(UserError);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"title": "ok"}\n[1, 2]\n');
    await expect(benchTag({ input: bad })).rejects.toThrow(/bad\.jsonl:2: expected an object/);
  });
});
