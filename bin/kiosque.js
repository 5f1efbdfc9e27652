#!/usr/bin/env node
// Entry point of the `kiosque` command: TypeScript sources run through tsx's loader.
process.env.DOTENV_CONFIG_QUIET ??= 'true';
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// Long-running commands (start, serve, demo) keep the event loop alive themselves.
if (code !== 0) process.exit(code);
