import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * OPS-12: the lock file never resolves a package below the version that fixed
 * a known advisory, and the project never depends on `ip` for SSRF decisions.
 */
const lock = JSON.parse(readFileSync(resolve(__dirname, '../../package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};

function versionsOf(name: string): string[] {
  return Object.entries(lock.packages)
    .filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
    .map(([, p]) => p.version ?? '0.0.0');
}

function atLeast(version: string, floor: string): boolean {
  const a = version.split(/[.-]/).map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

const FLOORS: [string, string, string][] = [
  ['xml2js', '0.5.0', 'CVE-2023-0842 prototype pollution'],
  ['@fastify/static', '10.1.3', 'path traversal fixes'],
  ['fastify', '5.3.2', 'CVE-2025-32442 content-type validation bypass'],
  ['nodemailer', '8.0.11', 'header injection and address parsing fixes'],
  ['sanitize-html', '2.7.1', 'comment-removal ReDoS'],
  ['mongoose', '9.9.2', 'GHSA-pcrw-h46h-c93h sanitizeFilter bypass'],
];

describe('dependency floors (OPS-12)', () => {
  for (const [name, floor, why] of FLOORS) {
    it(`${name} >= ${floor} (${why})`, () => {
      const versions = versionsOf(name);
      if (name !== 'mongoose') expect(versions.length).toBeGreaterThan(0);
      for (const v of versions) expect(atLeast(v, floor), `${name}@${v}`).toBe(true);
    });
  }

  it('does not use the `ip` package (CVE-2024-29415 is unpatched)', () => {
    expect(versionsOf('ip')).toEqual([]);
  });

  it('pins every direct dependency to an exact version', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8'));
    for (const [name, spec] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(spec, name).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});
