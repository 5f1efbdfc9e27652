/** The loader `kiosque` and its worker threads run the TypeScript sources with (src/runtime). */
import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
// @ts-expect-error: a plain JavaScript module (loader hooks), no type declarations
import { load, resolve } from '../../src/runtime/typescript-hooks.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const url = (p: string) => pathToFileURL(join(ROOT, p)).href;
const next = (what: string) => async (x: string) => ({ next: what, x });

describe('TypeScript loader hooks', () => {
  it('resolves a ./x.js import of the sources to x.ts beside it', async () => {
    const r = await resolve('./vectors.js', { parentURL: url('src/personalize/plan.ts') }, next('resolve'));
    expect(r).toEqual({ url: url('src/personalize/vectors.ts'), format: 'module', shortCircuit: true });
  });

  it('leaves packages, existing .js files and node_modules to Node', async () => {
    expect(await resolve('vitest', { parentURL: url('src/personalize/plan.ts') }, next('resolve'))).toMatchObject({ next: 'resolve' });
    expect(await resolve('./worker-entry.mjs', { parentURL: url('src/edition/parallel/pool.ts') }, next('resolve'))).toMatchObject({ next: 'resolve' });
    expect(await resolve('./x.js', { parentURL: url('node_modules/tsx/dist/x.mjs') }, next('resolve'))).toMatchObject({ next: 'resolve' });
  });

  it('strips types without renaming functions (no per-closure name wrapper)', async () => {
    const r = await load(url('src/personalize/vectors.ts'), { format: 'module' }, next('load'));
    expect(r.format).toBe('module');
    expect(r.source).toContain('class SparseAccumulator');
    expect(r.source).not.toMatch(/__name|: PackedVector/);
    // Source maps inline, so stack traces name TypeScript lines.
    expect(r.source).toContain('sourceMappingURL=data:application/json');
  });

  it('passes anything that is not a project .ts file on', async () => {
    expect(await load(url('bin/kiosque.js'), {}, next('load'))).toMatchObject({ next: 'load' });
  });
});
