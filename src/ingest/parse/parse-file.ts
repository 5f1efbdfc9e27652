/**
 * One feed file → one JSON-ready result, for `kiosque parse FILE... --json`.
 * Never throws: any failure (missing file, directory, binary, HTML page, huge
 * file, invalid XML) becomes `{ ok: false, error: "<one line>" }`.
 */
import { open, stat } from 'node:fs/promises';
import { stableId } from '../../util/ids.js';
import { decodeFeedBytes } from './decode.js';
import { parseFeed, type ParsedFeedInfo } from './parse.js';
import type { NormalizedItem } from './normalize.js';

/** An item as the ingest stores it (the fields of NormalizedItem that a reader checks), with the stored id. */
export type ParseFileItem = Pick<NormalizedItem, 'url' | 'title' | 'publishedAt' | 'author' | 'summary' | 'contentHtml' | 'text'> & {
  /**
   * stableId("url:" + canonical URL) — the same id the ingest pipeline gives the
   * stored Article — or stableId("guid:" + guid) when the item has no URL.
   */
  id: string;
};

export type ParseFileResult =
  | { file: string; ok: true; feed: ParsedFeedInfo; items: ParseFileItem[]; errors?: string[] }
  | { file: string; ok: false; error: string };

export interface ParseFileOptions {
  /** Files larger than this are refused without being read (default 20 MiB). */
  maxBytes?: number;
  /** Base URL for relative links (a file has none of its own). */
  baseUrl?: string;
  maxItems?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, ' ').trim().slice(0, 300) || 'unknown error';
}

async function readCapped(path: string, maxBytes: number): Promise<Buffer> {
  const info = await stat(path);
  if (info.isDirectory()) throw new Error('is a directory');
  if (!info.isFile()) throw new Error('not a regular file');
  if (info.size > maxBytes) throw new Error(`file too large: ${info.size} bytes (limit ${maxBytes})`);
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > maxBytes) throw new Error(`file too large: more than ${maxBytes} bytes`);
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}

function looksBinary(b: Buffer): boolean {
  // NUL bytes outside a UTF-16/32 layout: not text. decodeFeedBytes handles the wide layouts.
  const head = b.subarray(0, 1024);
  const nul = head.indexOf(0);
  if (nul === -1) return false;
  const wide = (head[0] === 0 || head[1] === 0 || (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  return !wide;
}

/** Parse one feed file; see the module comment. */
export async function parseFileToJson(path: string, opts: ParseFileOptions = {}): Promise<ParseFileResult> {
  const file = path;
  try {
    let bytes: Buffer;
    try {
      bytes = await readCapped(path, opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (code === 'ENOENT') return { file, ok: false, error: 'file not found' };
      if (code === 'EACCES' || code === 'EPERM') return { file, ok: false, error: 'permission denied' };
      if (code === 'EISDIR') return { file, ok: false, error: 'is a directory' };
      return { file, ok: false, error: oneLine(e) };
    }
    if (bytes.length === 0) return { file, ok: false, error: 'not a feed: the file is empty' };
    if (looksBinary(bytes)) return { file, ok: false, error: 'not a feed: binary content' };
    const { text } = decodeFeedBytes(bytes);
    const parsed = await parseFeed(text, { baseUrl: opts.baseUrl, maxItems: opts.maxItems });
    // Key order as documented; undefined keys are left out by JSON.stringify.
    const items: ParseFileItem[] = parsed.items.map((it) => ({
      id: it.url ? stableId(`url:${it.url}`) : stableId(`guid:${it.guid}`),
      url: it.url,
      title: it.title,
      publishedAt: it.publishedAt,
      author: it.author,
      summary: it.summary,
      contentHtml: it.contentHtml,
      text: it.text,
    }));
    const result: ParseFileResult = { file, ok: true, feed: parsed.feed, items };
    if (parsed.errors.length) result.errors = parsed.errors;
    return result;
  } catch (e) {
    return { file, ok: false, error: oneLine(e) };
  }
}

/** The JSON line the CLI prints for one result (no newline). */
export function parseFileResultLine(result: ParseFileResult): string {
  return JSON.stringify(result);
}
