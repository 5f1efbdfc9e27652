import type { Command } from 'commander';
import type { AppContext } from '../context.js';
import type { EditorAccount, EditorRole } from '../../model.js';
import { UserError } from '../../util/errors.js';
import { randomId } from '../../util/ids.js';
import { withContext, printJson } from './shared.js';

/** A sign-in link for an editor, valid `ttlMs` and once (the console's /editor/login/<token>). */
export async function editorLoginLink(ctx: Pick<AppContext, 'config' | 'clock'>, editor: EditorAccount, ttlMs = 24 * 3600_000): Promise<string> {
  const { magicToken } = await import('../../web/session.js');
  const token = magicToken({ secret: ctx.config.secret, secure: false, now: () => ctx.clock.now() }, 'editor', editor, ttlMs);
  return `${ctx.config.baseUrl}/editor/login/${token}`;
}

/** Creates an editor account (or returns the existing one with the same address). */
export async function addEditor(ctx: Pick<AppContext, 'store' | 'clock'>, email: string, role: EditorRole = 'editor'): Promise<{ editor: EditorAccount; created: boolean }> {
  const existing = await ctx.store.getEditorByEmail(email.trim().toLowerCase());
  if (existing) return { editor: existing, created: false };
  const editor = await ctx.store.createEditor({ id: randomId(), email: email.trim().toLowerCase(), role, createdAt: ctx.clock.now().toISOString() });
  await ctx.store.addAudit({ id: randomId(), at: ctx.clock.now().toISOString(), actor: 'cli', action: 'editor.add', detail: { email: editor.email, role } });
  return { editor, created: true };
}

export function registerEditorCommands(program: Command): void {
  const editors = program.command('editors').description("accounts of the editors' console (kept apart from subscribers)");

  editors
    .command('add')
    .description('create an editor account and print a sign-in link (valid 24 h, once)')
    .argument('<email>', "the editor's e-mail address")
    .option('--admin', 'administrator role')
    .option('--json', 'print {"id","email","role","created","loginUrl"}')
    .action(async (email: string, o: { admin?: boolean; json?: boolean }) => {
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) throw new UserError(`not a valid e-mail address: ${JSON.stringify(email).slice(0, 100)}`);
      await withContext(async (ctx) => {
        const { editor, created } = await addEditor(ctx, email, o.admin ? 'admin' : 'editor');
        const loginUrl = await editorLoginLink(ctx, editor);
        if (o.json) printJson({ id: editor.id, email: editor.email, role: editor.role, created, loginUrl });
        else {
          console.log(`${created ? 'created' : 'already exists'}: ${editor.email} (${editor.role})`);
          console.log(`sign-in link (24 h, once): ${loginUrl}`);
        }
      });
    });

  editors
    .command('link')
    .description('print a fresh sign-in link for an existing editor (valid 24 h, once)')
    .argument('<email>')
    .action(async (email: string) => {
      await withContext(async (ctx) => {
        const editor = await existingEditor(ctx, email);
        console.log(await editorLoginLink(ctx, editor));
      });
    });

  editors
    .command('list')
    .description('list editor accounts')
    .option('--json', 'print JSON lines')
    .action(async (o: { json?: boolean }) => {
      await withContext(async (ctx) => {
        for (const e of await ctx.store.listEditors()) {
          if (o.json) printJson(e);
          else console.log(`${e.email}\t${e.role}\t${e.createdAt}`);
        }
      });
    });

  editors
    .command('remove')
    .description('remove an editor account (their sessions end at once)')
    .argument('<email>')
    .action(async (email: string) => {
      await withContext(async (ctx) => {
        const editor = await existingEditor(ctx, email);
        await ctx.store.deleteEditor(editor.id);
        await ctx.store.addAudit({ id: randomId(), at: ctx.clock.now().toISOString(), actor: 'cli', action: 'editor.remove', detail: { email: editor.email } });
        console.log(`removed: ${editor.email}`);
      });
    });
}

/** The editor account of this address, or a one-line error naming it. */
async function existingEditor(ctx: Pick<AppContext, 'store'>, email: string): Promise<EditorAccount> {
  const editor = await ctx.store.getEditorByEmail(email.trim().toLowerCase());
  if (!editor) throw new UserError(`no editor with address ${email}`);
  return editor;
}
