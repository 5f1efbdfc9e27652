import { Command, CommanderError } from 'commander';
import { isUserError, oneLine } from '../util/errors.js';
import { registerFeedCommands } from './commands/feeds.js';
import { registerIngestCommands } from './commands/ingest.js';
import { registerServerCommands } from './commands/server.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvalCommands } from './commands/eval.js';
import { registerBenchCommands } from './commands/bench.js';
import { registerEditionCommands } from './commands/editions.js';
import { registerEditorCommands } from './commands/editors.js';

/**
 * The `kiosque` command. Each command is a thin shell over one stage; the
 * work lives in src/<stage>/. User errors print one line and exit 2.
 */
export function buildProgram(): Command {
  const program = new Command('kiosque')
    .description('Personalized, transparent and diverse daily news editions from RSS/Atom feeds')
    .version('0.1.0')
    .showHelpAfterError('(run kiosque --help for the list of commands)')
    .exitOverride();
  registerServerCommands(program);
  registerIngestCommands(program);
  registerEditionCommands(program);
  registerFeedCommands(program);
  registerDemoCommand(program);
  registerEvalCommands(program);
  registerBenchCommands(program);
  registerEditorCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed help/version/usage errors.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(e)) {
      process.stderr.write(`kiosque: ${oneLine(e)}\n`);
      return e.exitCode;
    }
    process.stderr.write(`kiosque: unexpected error: ${oneLine(e)}\n`);
    if (process.env.KIOSQUE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    else process.stderr.write('(set KIOSQUE_DEBUG=1 to see the stack trace)\n');
    return 1;
  }
}
