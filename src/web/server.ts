import { mkdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../cli/context.js';

/**
 * The web server: health, feeds' health, and the rendered editions under
 * /editions/. Subscriber and editor pages plug in here as Fastify plugins.
 */
export async function createWebServer(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 256 * 1024 });
  mkdirSync(ctx.config.editionsDir, { recursive: true });

  app.get('/healthz', async () => {
    await ctx.store.getKv('health:probe');
    return { ok: true, store: ctx.store.kind, instance: ctx.config.instanceId };
  });

  await app.register(fastifyStatic, {
    root: ctx.config.editionsDir,
    prefix: '/editions/',
    index: false,
    dotfiles: 'deny',
  });
  return app;
}
