import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { UserError } from '../../src/util/errors.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'kiosque-config-'));

describe('loadConfig', () => {
  it('applies defaults and creates a secret in the data dir', () => {
    const cwd = tmp();
    const c = loadConfig({ env: {}, cwd });
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe(join(cwd, 'data'));
    expect(c.baseUrl).toBe('http://localhost:3000');
    expect(c.mongodbUri).toBeUndefined();
    expect(c.secret.length).toBeGreaterThanOrEqual(32);
    const file = join(cwd, 'data', 'secret.key');
    expect(readFileSync(file, 'utf8').trim()).toBe(c.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Same secret on the next start.
    expect(loadConfig({ env: {}, cwd }).secret).toBe(c.secret);
  });

  it('reads environment variables over the config file', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'kiosque.config.json'), JSON.stringify({ port: 4000, ingestCron: '*/5 * * * *' }));
    const c = loadConfig({ env: { KIOSQUE_PORT: '5000', MONGODB_URI: 'mongodb://db:27017', KIOSQUE_FETCH_ALLOW_PRIVATE: 'true' }, cwd });
    expect(c.port).toBe(5000);
    expect(c.ingestCron).toBe('*/5 * * * *');
    expect(c.mongodbUri).toBe('mongodb://db:27017');
    expect(c.fetchAllowPrivate).toBe(true);
  });

  it('names the bad setting in a one-line error', () => {
    const cwd = tmp();
    expect(() => loadConfig({ env: { KIOSQUE_PORT: 'eighty' }, cwd })).toThrow(UserError);
    expect(() => loadConfig({ env: { KIOSQUE_PORT: 'eighty' }, cwd })).toThrow(/KIOSQUE_PORT/);
    expect(() => loadConfig({ env: { MONGODB_URI: 'postgres://x' }, cwd })).toThrow(/MONGODB_URI.*mongodb:\/\//);
    expect(() => loadConfig({ env: { KIOSQUE_SECRET: 'short' }, cwd })).toThrow(/KIOSQUE_SECRET.*32/);
  });

  it('rejects unknown keys and broken JSON in the config file', () => {
    const cwd = tmp();
    writeFileSync(join(cwd, 'kiosque.config.json'), JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/unknown setting "prot"/);
    writeFileSync(join(cwd, 'kiosque.config.json'), '{ nope');
    expect(() => loadConfig({ env: {}, cwd })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ env: { KIOSQUE_CONFIG: 'missing.json' }, cwd })).toThrow(/config file not found/);
  });
});

describe('KIOSQUE_TRUST_PROXY', () => {
  it('is off by default and accepts only addresses and CIDR ranges', async () => {
    const { trustedProxies } = await import('../../src/web/server.js');
    const cwd = tmp();
    expect(trustedProxies(loadConfig({ env: {}, cwd }).trustProxy)).toBe(false);
    expect(trustedProxies(loadConfig({ env: { KIOSQUE_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }, cwd }).trustProxy)).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(() => loadConfig({ env: { KIOSQUE_TRUST_PROXY: 'true' }, cwd })).toThrow(/KIOSQUE_TRUST_PROXY.*IP addresses or CIDR/);
  });
});
