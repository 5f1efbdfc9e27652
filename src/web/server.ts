import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../cli/context.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * The web server. Rendered editions are personal, so they are never served
 * as a public directory: subscriber and editor pages plug in here as Fastify
 * plugins and read them with access checks.
 */
export async function createWebServer(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: false, bodyLimit: 256 * 1024 });

  app.get('/healthz', async () => {
    await ctx.store.getKv('health:probe');
    return { ok: true, store: ctx.store.kind, instance: ctx.config.instanceId };
  });

  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', index: false, dotfiles: 'deny' });
  return app;
}
