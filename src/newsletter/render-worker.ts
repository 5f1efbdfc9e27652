/** Worker thread: renders and composes edition messages (the CPU-heavy part of a send). */
import { parentPort } from 'node:worker_threads';
import { composeMail, MailSendError } from '../mail/mailer.js';
import { buildEditionMessage } from './message.js';
import type { RenderJob, RenderResult } from './render-pool.js';

parentPort!.on('message', async (job: RenderJob) => {
  let out: RenderResult;
  try {
    const message = buildEditionMessage(job.edition, job.subscriber, job.ctx);
    out = { id: job.id, ok: true, composed: await composeMail(message, job.from) };
  } catch (e) {
    out = { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e), kind: e instanceof MailSendError ? e.kind : 'permanent' };
  }
  parentPort!.postMessage(out);
});
