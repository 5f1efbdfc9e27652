import { describe, expect, it } from 'vitest';
import { benchSend } from '../../src/newsletter/bench.js';

describe('bench send', () => {
  it('runs end to end (tiny size; the figures come from `kiosque bench send`)', async () => {
    const r = await benchSend({ messages: 20, concurrency: 4, connections: 2 });
    expect(r).toMatchObject({ messages: 20, sent: 20, received: 20 });
    expect(r.perSecond).toBeGreaterThan(0);
    expect(r.avgMessageKb).toBeGreaterThan(5);
  }, 60_000);
});
