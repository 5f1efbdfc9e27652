import { existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared beside the project root: evaluation data and corpora, never committed here. */
export const SHARED_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const HAS_SHARED = existsSync(resolve(SHARED_DIR, 'data'));

export function sharedPath(...parts: string[]): string {
  return resolve(SHARED_DIR, ...parts);
}

/** Reason printed by tests that skip without ../shared. */
export const NO_SHARED = `../shared not found at ${SHARED_DIR}: skipping tests that need the shared evaluation data`;
if (!HAS_SHARED) console.warn(NO_SHARED);
