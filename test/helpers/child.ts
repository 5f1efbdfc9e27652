/**
 * A child process running a TypeScript script (through tsx) whose stdout is
 * read line by line: multi-process tests wait for a line, kill the child at
 * that point, then look at what it printed and how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface ScriptChild<T> {
  proc: ChildProcess;
  /** Every stdout line so far, parsed. */
  items: T[];
  /** Resolves once a printed line satisfies `pred`; rejects if the child exits first (`what` names the wait in the error). */
  waitFor(pred: (item: T) => boolean, what?: string): Promise<void>;
  exit: Promise<ChildExit>;
}

export function spawnScript<T>(script: string, args: readonly string[], parse: (line: string) => T): ScriptChild<T> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const items: T[] = [];
  const waiters: { pred: (item: T) => boolean; resolve: () => void }[] = [];
  let buf = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const item = parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      items.push(item);
      for (const w of waiters) if (w.pred(item)) w.resolve();
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<ChildExit>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return {
    proc,
    items,
    exit,
    waitFor: (pred, what = 'the awaited line') =>
      items.some(pred)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pred, resolve });
            void exit.then((x) => reject(new Error(`child exited (${x.code ?? x.signal}) before printing ${what}: ${x.stderr.slice(0, 800)}`)));
          }),
  };
}
