import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, lastGoodSettings, validateSettings } from '../../src/personalize/settings.js';

describe('editor settings (STO-13)', () => {
  it('fills every default from an empty object', () => {
    const r = validateSettings({});
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.settings).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.candidateWindowHours).toBe(36);
    expect(DEFAULT_SETTINGS.sensitiveTopics).toEqual(['sante', 'religion', 'sexualite']);
  });

  it('has explicit diversity defaults: seat redundancy and the bubble guard', () => {
    expect(DEFAULT_SETTINGS.calibration.seatLambda).toBe(0.5);
    expect(DEFAULT_SETTINGS.calibration.strength).toBe(0);
    expect(DEFAULT_SETTINGS.bubbleGuard).toEqual({ floorBits: 1.5, editions: 7, explorationBoost: 0.2, baselineBoost: 0.5, holdBits: 4.5, holdSlots: 4, holdRampClicks: 45, holdLambda: 0.7, holdInterestPower: 0 });
    const hold = validateSettings({ bubbleGuard: { holdSlots: 2.4 } });
    expect(hold.ok && hold.settings.bubbleGuard.holdSlots).toBe(2);
    const off = validateSettings({ bubbleGuard: { floorBits: 0 } });
    expect(off.ok && off.settings.bubbleGuard.editions).toBe(7);
  });

  it.each([
    ['Infinity from 1e309', JSON.parse('{"weights":{"content":1e309}}'), 'weights.content'],
    ['negative weight', { weights: { content: -1 } }, 'weights.content'],
    ['NaN string', { weights: { content: 'NaN' } }, 'weights.content'],
    ['weight above the maximum', { weights: { popularity: 11 } }, 'weights.popularity'],
    ['all zeros', { weights: { content: 0, covisit: 0, recency: 0, popularity: 0, local: 0, editorial: 0 } }, 'weights'],
    ['denormal as only weight', { weights: { content: 0, covisit: 0, recency: 0, popularity: 0, local: 0, editorial: 1e-320 } }, 'weights'],
    ['unknown key', { weights: { politics: 1 } }, 'weights'],
    ['too many baseline topics', { calibration: { baseline: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`t${i}`, 1])) } }, 'calibration.baseline'],
    ['guard floor above 6 bits', { bubbleGuard: { floorBits: 7 } }, 'bubbleGuard.floorBits'],
    ['seat λ above 1', { calibration: { seatLambda: 2 } }, 'calibration.seatLambda'],
    ['edition floor above 6 bits', { bubbleGuard: { holdBits: 6.5 } }, 'bubbleGuard.holdBits'],
    ['negative floor slots', { bubbleGuard: { holdSlots: -1 } }, 'bubbleGuard.holdSlots'],
    ['floor ramp not a number', { bubbleGuard: { holdRampClicks: 'ten' } }, 'bubbleGuard.holdRampClicks'],
    ['not an object', [], '(root)'],
  ])('refuses %s with a one-line error naming the field', (_name, raw, field) => {
    const r = validateSettings(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).not.toContain('\n');
      if (field !== '(root)') expect(r.error).toContain(field);
    }
  });

  it('falls back to the last good version, newest first', () => {
    const good = { weights: { content: 2 } };
    const r = lastGoodSettings([
      { version: 1, settings: {} },
      { version: 2, settings: good },
      { version: 3, settings: { weights: { content: 'x' } } },
    ]);
    expect(r.version).toBe(2);
    expect(r.settings.weights.content).toBe(2);
    expect(r.skipped).toHaveLength(1);
    expect(lastGoodSettings([{ version: 4, settings: null }]).version).toBe(0);
  });
});
