/**
 * Atomic writes of an edition's files with as few system calls as possible:
 * each file is written to a temp file next to it and renamed over the final
 * name (a reader sees the old file or the new one, never half of one), and
 * the date directory is made once per process rather than once per file.
 *
 * The calls are synchronous: for a few small files, a promise and a trip
 * through libuv's thread pool per call cost more CPU than the calls
 * themselves, and the build writes them from worker threads (a single
 * edition rebuilt from the web server blocks its thread for a few writes).
 */
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { join } from 'node:path';

/** Directories this thread has made or found, so each is made once. */
const madeDirs = new Set<string>();

/** Temp names unique per process, thread and write: two writers never share a temp file. */
const TMP_PREFIX = `${process.pid}.${threadId}.${randomBytes(4).toString('hex')}`;
let tmpCounter = 0;

/** Writes `dir`/`name` atomically for each [name, content], making `dir` if needed. */
export function writeFilesAtomic(dir: string, files: readonly (readonly [name: string, content: string])[]): void {
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    if (madeDirs.size >= 1000) madeDirs.clear();
    madeDirs.add(dir);
  }
  for (const [name, content] of files) {
    const file = join(dir, name);
    const tmp = `${file}.${TMP_PREFIX}.${tmpCounter++}.tmp`;
    try {
      try {
        writeFileSync(tmp, content);
      } catch (e) {
        // The directory went away since it was made (a cleanup, a test): make it again, once.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        mkdirSync(dir, { recursive: true });
        writeFileSync(tmp, content);
      }
      renameSync(tmp, file);
    } catch (e) {
      removeQuietly(tmp);
      throw e;
    }
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Never written, or already gone.
  }
}
