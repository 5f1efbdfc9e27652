import { describe, expect, it } from 'vitest';
import { benchPlanning, syntheticWorld } from '../../src/personalize/bench.js';
import { planForSubscriber, prepareBuild } from '../../src/personalize/plan.js';
import { seededRng } from '../../src/util/random.js';

describe('synthetic planning bench', () => {
  it('builds full editions for synthetic subscribers and reports timings', () => {
    const r = benchPlanning({ articles: 150, subscribers: 10 });
    expect(r.candidates).toBeGreaterThan(100);
    expect(r.subscribers).toBe(10);
    expect(r.perEditionMs).toBeGreaterThan(0);
    const w = syntheticWorld({ articles: 150, subscribers: 3, clicksPer: 10 });
    const build = prepareBuild({ articles: w.articles, clicks: w.clicks, now: w.now });
    const plan = planForSubscriber(build, w.subscribers[0]!, w.history.get('s0')!, seededRng(1));
    expect(plan.items.length).toBe(12);
    expect(plan.personalized).toBe(true);
  });
});
