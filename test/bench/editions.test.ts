/** Smoke test of `kiosque bench editions` on a tiny world: the JSON it prints (figures are measured by the command, not here). */
import { describe, expect, it } from 'vitest';
import { benchEditions } from '../../src/bench/editions.js';

describe('bench editions', () => {
  it('builds and stores one edition per synthetic subscriber and reports the figures', async () => {
    const r = await benchEditions({ subscribers: 60, articles: 80, workers: 1, partitionSize: 25, renderSample: 3 });
    expect(r).toMatchObject({ subscribers: 60, threads: 1, partitions: 3, clicksPerSubscriber: 50, filesIncluded: false });
    for (const k of ['seconds', 'perSecond', 'peakRssMb', 'cpuSeconds', 'renderMsPerEdition', 'renderCpuMsPerEdition', 'storedBytesPerEdition'] as const) expect(r[k]).toBeGreaterThan(0);
  }, 120_000);

  it('writes the files inside the build with files: true', async () => {
    const r = await benchEditions({ subscribers: 30, articles: 60, workers: 1, partitionSize: 25, renderSample: 2, files: true });
    expect(r).toMatchObject({ subscribers: 30, filesIncluded: true });
    expect(r.renderCpuMsPerEdition).toBeGreaterThan(0);
  }, 120_000);
});
