// Worker-thread entry: a worker does not inherit the main thread's module hooks, so it registers the TypeScript loader first.
const { registerTypeScript } = await import('../../runtime/typescript.mjs');
registerTypeScript();
await import('./worker.ts');
