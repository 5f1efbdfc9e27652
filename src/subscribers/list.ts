import type { Subscriber } from '../model.js';
import type { Store } from '../store/store.js';

const PAGE = 1000;

/** Every subscriber (paged by id, so memory per query stays bounded), or just the given ids that exist. */
export async function loadSubscribers(store: Pick<Store, 'listSubscribers' | 'getSubscriber'>, ids?: readonly string[]): Promise<Subscriber[]> {
  if (ids) return (await Promise.all(ids.map((id) => store.getSubscriber(id)))).filter((s): s is Subscriber => !!s);
  const out: Subscriber[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await store.listSubscribers({ limit: PAGE, ...(afterId ? { afterId } : {}) });
    out.push(...page);
    if (page.length < PAGE) return out;
    afterId = page[page.length - 1]!.id;
  }
}
