import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseDateOption(v: string): string {
  if (!ISO_DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new UserError(`--date must be YYYY-MM-DD, not ${JSON.stringify(v)}`);
  return v;
}

export function registerEditionCommands(program: Command): void {
  program
    .command('build')
    .description("build every due subscriber's edition for a date (JSON, Markdown, HTML under editions/)")
    .option('--date <YYYY-MM-DD>', 'edition date (default: today in each subscriber\'s time zone)', parseDateOption)
    .option('--json', 'print the result as JSON')
    .action(async () => {
      throw new UserError('edition building is not part of this version yet (issue #4)');
    });

  program
    .command('send')
    .description('send the editions that are due by e-mail (or to editions/outbox without SMTP_URL)')
    .option('--date <YYYY-MM-DD>', 'edition date', parseDateOption)
    .option('--now', 'send now whatever the subscribers\' edition times')
    .action(async () => {
      throw new UserError('newsletter delivery is not part of this version yet (issue #6)');
    });
}
