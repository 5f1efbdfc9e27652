/**
 * A few worker threads that render and compose edition messages, so the
 * main thread only talks to the store and the mail server (and a send uses
 * more than one core). Same rendering code as the single-thread path.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Edition, Subscriber } from '../model.js';
import { MailSendError, type ComposedMail, type FailureKind } from '../mail/mailer.js';
import type { MessageContext } from './message.js';

/** What a worker needs (plain data: functions do not cross threads, so topic labels are the built-in ones). */
export type WorkerMessageContext = Omit<MessageContext, 'topicLabel'>;

export interface RenderJob {
  id: number;
  edition: Edition;
  subscriber: Subscriber;
  ctx: WorkerMessageContext;
  from: string;
}

export type RenderResult = { id: number; ok: true; composed: ComposedMail } | { id: number; ok: false; error: string; kind: FailureKind };

export interface RenderPool {
  render(edition: Edition, subscriber: Subscriber, ctx: WorkerMessageContext, from: string): Promise<ComposedMail>;
  close(): Promise<void>;
}

/** Threads worth starting here: one less than the cores (the main thread has its own work), at least 1, at most 4. */
export function defaultRenderThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export function createRenderPool(size = defaultRenderThreads()): RenderPool {
  const entry = new URL('./render-worker-entry.mjs', import.meta.url);
  const workers = Array.from({ length: Math.max(1, size) }, () => {
    const w = new Worker(entry);
    w.unref();
    const pending = new Map<number, { resolve: (c: ComposedMail) => void; reject: (e: Error) => void }>();
    w.on('message', (r: RenderResult) => {
      const p = pending.get(r.id);
      if (!p) return;
      pending.delete(r.id);
      if (r.ok) p.resolve(r.composed);
      else p.reject(new MailSendError(r.error, r.kind));
    });
    w.on('error', (e) => {
      for (const p of pending.values()) p.reject(e instanceof Error ? e : new Error(String(e)));
      pending.clear();
    });
    return { w, pending };
  });
  let nextId = 1;
  return {
    render(edition, subscriber, ctx, from) {
      // The least busy worker takes the job.
      const slot = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      return new Promise<ComposedMail>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.w.postMessage({ id, edition, subscriber, ctx, from } satisfies RenderJob);
      });
    },
    async close() {
      await Promise.all(workers.map((s) => s.w.terminate()));
    },
  };
}
