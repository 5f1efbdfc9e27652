import { describe, expect, it } from 'vitest';
import { benchHttp } from '../../src/web/bench.js';

// Runs the HTTP benchmark for one second per measure to keep it working; the figures come from `kiosque bench http`.
describe('bench http', () => {
  it('measures the edition page and the click redirect on loopback', async () => {
    const r = await benchHttp({ duration: 1, connections: 2, articles: 60 });
    expect(r.editionItems).toBeGreaterThan(3);
    for (const m of [r.editionPage, r.clickRedirect, r.clickRedirectDistinctLinks]) {
      expect(m.requestsPerSecond).toBeGreaterThan(0);
      expect(m.errors).toBe(0);
      expect(m.serverCpuMsPerRequest).toBeGreaterThan(0);
    }
    expect(r.editionPage.non2xx).toBe(0);
    expect(r.clickRedirectDistinctLinks.clicksRecorded).toBeGreaterThan(0);
  }, 60_000);
});
