// Worker-thread entry: a worker does not inherit the main thread's TypeScript loader, so it registers tsx first.
const { register } = await import('tsx/esm/api');
register();
await import('./worker.ts');
