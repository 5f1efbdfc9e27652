// Worker-thread entry: TypeScript sources run through the project's loader here too (a worker does not inherit the main thread's hooks).
const { registerTypeScript } = await import('../runtime/typescript.mjs');
registerTypeScript();
await import('./render-worker.ts');
