// Worker-thread entry: TypeScript sources run through tsx here too (a worker does not inherit the main thread's loader).
const { register } = await import('tsx/esm/api');
register();
await import('./render-worker.ts');
