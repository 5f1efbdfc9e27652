/**
 * Runs the TypeScript sources directly: the `kiosque` command and every
 * worker thread call registerTypeScript() first (a worker does not inherit
 * its parent's module hooks).
 */
import { register } from 'node:module';

let registered = false;

export function registerTypeScript() {
  if (registered) return;
  registered = true;
  // Stack traces name TypeScript lines (esbuild writes inline source maps).
  process.setSourceMapsEnabled(true);
  register('./typescript-hooks.mjs', import.meta.url);
}
