import { createHash, randomBytes } from 'node:crypto';

/** Short stable id from any string: 16 hex digits of SHA-256. */
export function stableId(input: string): string {
  return createHash('sha256').update(input).digest('hex').slice(0, 16);
}

/** Random id, url-safe, 16 characters. */
export function randomId(): string {
  return randomBytes(12).toString('base64url');
}
