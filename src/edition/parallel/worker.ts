/** Worker thread: prepares the build once (own store connection), then builds the partitions it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Store } from '../../store/store.js';
import { currentTaxonomy } from '../../tag/taxonomy.js';
import { openStoreAt } from './location.js';
import { buildPartition, preparePartitionContext, type PartitionContext } from './partition.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './pool.js';

const init = workerData as WorkerInit;
let store: Store | undefined;
let ready: Promise<PartitionContext> | undefined;

function context(): Promise<PartitionContext> {
  ready ??= (async () => {
    store = await openStoreAt(init.location);
    const taxonomy = init.spec.render ? await currentTaxonomy(store) : undefined;
    return preparePartitionContext(store, init.spec, taxonomy);
  })();
  return ready;
}

parentPort!.on('message', async (req: WorkerRequest) => {
  if (req.type === 'close') {
    await store?.close().catch(() => undefined);
    parentPort!.close();
    return;
  }
  let reply: WorkerReply;
  try {
    const ctx = await context();
    if (req.type === 'prepare') reply = { id: req.id, ok: true, result: null };
    else reply = { id: req.id, ok: true, result: await buildPartition(ctx, req.range) };
  } catch (e) {
    reply = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e), userError: e instanceof Error && e.name === 'UserError' };
  }
  parentPort!.postMessage(reply);
});
