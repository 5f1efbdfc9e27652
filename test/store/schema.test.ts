import { describe, expect, it } from 'vitest';
import { checkSafeKeys } from '../../src/store/schema.js';

const nest = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v };
  return v;
};

describe('checkSafeKeys', () => {
  it('accepts plain JSON values, keys with non-ASCII letters and dollar signs past the first character', () => {
    expect(() => checkSafeKeys({ a: [1, 'x', null, true, { 'é-b': { c$: 2 } }], n: 1.5 }, 'v')).not.toThrow();
    expect(() => checkSafeKeys('text', 'v')).not.toThrow();
    expect(() => checkSafeKeys([], 'v')).not.toThrow();
  });

  it('rejects operator, path and prototype keys at any depth, arrays included', () => {
    expect(() => checkSafeKeys({ $where: 1 }, 'v')).toThrow(/^v has a forbidden key "\$where"$/);
    expect(() => checkSafeKeys({ items: [{ ok: 1 }, { 'a.b': 1 }] }, 'v')).toThrow(/forbidden key "a.b"/);
    expect(() => checkSafeKeys([[{ x: JSON.parse('{"__proto__": {"polluted": 1}}') }]], 'v')).toThrow(/forbidden key "__proto__"/);
  });

  it('rejects what JSON cannot hold, wherever it sits', () => {
    expect(() => checkSafeKeys({ a: [1, 2n] }, 'v')).toThrow(/holds a bigint/);
    expect(() => checkSafeKeys({ f: () => 1 }, 'v')).toThrow(/holds a function/);
    expect(() => checkSafeKeys([Symbol('s')], 'v')).toThrow(/holds a symbol/);
    expect(() => checkSafeKeys(1n, 'v')).toThrow(/holds a bigint/);
  });

  it('bounds the depth (so a cycle cannot loop): 65 nested objects and arrays pass, 66 do not', () => {
    expect(() => checkSafeKeys(nest(65), 'v')).not.toThrow();
    expect(() => checkSafeKeys(nest(66), 'v')).toThrow(/nested too deeply/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => checkSafeKeys(cyclic, 'v')).toThrow(/nested too deeply/);
  });

  it('ignores inherited keys (only own properties are stored)', () => {
    const o = Object.create({ $inherited: 1 }) as Record<string, unknown>;
    o.own = 1;
    expect(() => checkSafeKeys(o, 'v')).not.toThrow();
  });
});
