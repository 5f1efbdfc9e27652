#!/usr/bin/env node
// Entry point of the `kiosque` command: TypeScript sources run through the project's loader (src/runtime).
process.env.DOTENV_CONFIG_QUIET ??= 'true';
const { registerTypeScript } = await import('../src/runtime/typescript.mjs');
registerTypeScript();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// Long-running commands (start, serve, demo) keep the event loop alive themselves.
if (code !== 0) process.exit(code);
