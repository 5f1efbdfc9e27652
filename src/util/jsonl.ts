import { existsSync, readFileSync } from 'node:fs';
import { UserError } from './errors.js';

export interface JsonlRow {
  /** The parsed object. */
  value: Record<string, unknown>;
  /** 1-based line number, for messages. */
  line: number;
  /** "file:line", the prefix of every message about this row. */
  where: string;
}

/**
 * Reads a JSON Lines file of objects (blank lines skipped). A missing file,
 * an unreadable one, or a line that is not a JSON object stops with one
 * UserError line naming the file and line. `what` names the file in messages.
 */
export function readJsonlObjects(file: string, what = 'file'): JsonlRow[] {
  if (!existsSync(file)) throw new UserError(`${what} not found: ${file}`);
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const rows: JsonlRow[] = [];
  const lines = raw.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (!text) continue;
    const where = `${file}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new UserError(`${where}: not valid JSON`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${where}: expected a JSON object`);
    rows.push({ value: v as Record<string, unknown>, line: i + 1, where });
  }
  return rows;
}
