/**
 * Module hooks that run Kiosque's TypeScript sources (see typescript.mjs):
 * `./x.js` imports resolve to `./x.ts` beside them (the NodeNext convention
 * the sources follow), and `.ts` files are turned into JavaScript by esbuild,
 * types stripped and nothing else changed.
 *
 * Unlike tsx's loader, no `keepNames`: tsx wraps every function in a call that
 * redefines its `name`, which also runs each time an inner closure is created
 * and costs the edition build about 6 % of its CPU (stack traces keep their
 * names through the source maps).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// Required, not imported: importing a CommonJS package from ESM first scans its whole source for
// named exports (Node's cjs-module-lexer), 0.1 MB for esbuild, in every thread that registers these hooks.
const { transform } = createRequire(import.meta.url)('esbuild');

const isProjectFile = (url) => url.startsWith('file:') && !url.includes('/node_modules/');

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent && isProjectFile(parent) && specifier.endsWith('.js') && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const js = new URL(specifier, parent);
    if (!existsSync(js)) {
      const ts = new URL(`${js.href.slice(0, -3)}.ts`);
      if (existsSync(ts)) return { url: ts.href, format: 'module', shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

// As tsc reads tsconfig.json (target ES2022): class fields are defined, not assigned.
const TSCONFIG = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true } };

export async function load(url, context, nextLoad) {
  if (!isProjectFile(url) || !url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const out = await transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: file,
    tsconfigRaw: TSCONFIG,
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
