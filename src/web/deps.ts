import type { AppContext } from '../cli/context.js';
import type { Mailer } from '../mail/mailer.js';
import type { SessionOptions } from './session.js';

/** Extra sections of a subscriber's data export, by name (e.g. the newsletter's send ledger). */
export type ExportSection = (subscriberId: string) => Promise<unknown>;

export interface WebLimits {
  /** Sign-up and sign-in form posts per client address per 10 minutes. */
  signupPer10Min: number;
  /** One confirmation / sign-in mail per address per this many ms, whatever the client (WEB-12). */
  mailCooldownMs: number;
  /** /c/ requests per client address per minute. */
  clickPerMinute: number;
  /** Exports per client address per hour. */
  exportPerHour: number;
}

export const DEFAULT_LIMITS: WebLimits = { signupPer10Min: 10, mailCooldownMs: 10 * 60_000, clickPerMinute: 600, exportPerHour: 10 };

/** What the web plugins share. */
export interface WebDeps {
  ctx: AppContext;
  mailer: Mailer;
  session: SessionOptions;
  limits: WebLimits;
  exportSections: Record<string, ExportSection>;
}
