/**
 * The newsletter stage with the project's settings: used by `kiosque send`,
 * the scheduler's per-minute job and the demo.
 */
import type { AppContext } from '../cli/context.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { sendDueEditions, withSendLease, type SendOptions, type SendReport } from './send.js';
import { newsletterRoutes, type NewsletterWebOptions } from './web.js';
import { defaultRenderThreads } from './render-pool.js';

export interface RunSendOptions extends SendOptions {
  /**
   * Also send the double opt-in message to pending subscribers who asked for
   * the newsletter (default false: the web sign-up already sends a
   * confirmation link, and nothing but that may reach an unconfirmed address).
   */
  confirmPending?: boolean;
  /** A mailer to use (default: SMTP_URL, or the .eml outbox). */
  mailer?: Mailer;
  /** Stops taking new messages (shutdown); messages in flight finish and are recorded. */
  signal?: AbortSignal;
}

export type RunSendResult = SendReport | { skipped: 'another instance is sending' };

/** Sends what is due under the send lease (one run at a time across instances). */
export async function runSend(ctx: AppContext, opts: RunSendOptions = {}): Promise<RunSendResult> {
  const mailer = opts.mailer ?? createMailer(ctx.config, () => ctx.clock.now());
  try {
    const report = await withSendLease(ctx.store, ctx.config.instanceId, (fence, signal) =>
      sendDueEditions(
        {
          store: ctx.store,
          mailer,
          log: ctx.log,
          clock: ctx.clock,
          baseUrl: ctx.config.baseUrl,
          secret: ctx.config.secret,
          maxBounces: ctx.config.smtpMaxBounces,
          fence,
          signal: opts.signal ? AbortSignal.any([opts.signal, signal]) : signal,
          confirmPending: opts.confirmPending === true,
          renderThreads: defaultRenderThreads(),
          mailFrom: ctx.config.mailFrom,
          // The build stage with the project's settings (the same entry as `kiosque build`).
          buildMissing: async (date, subscriberIds) => {
            const { runBuild } = await import('../cli/commands/editions.js');
            await runBuild(ctx, { date, subscriberIds });
          },
        },
        opts,
      ),
    );
    return report ?? { skipped: 'another instance is sending' };
  } finally {
    if (!opts.mailer) await mailer.close();
  }
}

/** The web server's plugin entry for the newsletter routes (/u/, /newsletter/confirm/). */
export function newsletterPlugin(ctx: AppContext): { plugin: typeof newsletterRoutes; options: Record<string, unknown> } {
  const options: NewsletterWebOptions = { store: ctx.store, secret: ctx.config.secret, clock: ctx.clock };
  return { plugin: newsletterRoutes, options: { ...options } };
}
