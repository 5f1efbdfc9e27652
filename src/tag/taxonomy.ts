/**
 * The topic taxonomy editors read and change (feeds/topics.json, or a copy
 * kept in the store): ids, FR/EN labels, and the feed sections and RSS
 * categories that map to each topic (the classifier's training signal).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Lang } from '../model.js';
import type { Store } from '../store/store.js';
import { UserError } from '../util/errors.js';

export const DEFAULT_TAXONOMY_FILE = fileURLToPath(new URL('../../feeds/topics.json', import.meta.url));

/** Store key of an editor's taxonomy that replaces the file. */
export const TAXONOMY_KV_KEY = 'tag:taxonomy';

const phrase = z.string().trim().min(1, 'must not be empty').max(100, 'is longer than 100 characters');

const TopicSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and hyphens (e.g. "faits-divers")'),
  kind: z.enum(['subject', 'scope']).default('subject'),
  labels: z.strictObject({ fr: phrase, en: phrase }),
  sections: z.array(phrase).default([]),
  categories: z.array(phrase).default([]),
  keywords: z.strictObject({ fr: z.array(phrase).default([]), en: z.array(phrase).default([]) }).default({ fr: [], en: [] }),
});

const TaxonomySchema = z.strictObject({
  version: z.literal(1),
  about: z.string().optional(),
  topics: z.array(TopicSchema).min(1, 'must list at least one topic'),
});

export type TopicDef = z.output<typeof TopicSchema>;
export type TaxonomyData = z.output<typeof TaxonomySchema>;

/** Lower-case, accents removed, punctuation as spaces: "Faits-Divers " → "faits divers". */
export function normalizePhrase(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export class Taxonomy {
  readonly topics: readonly TopicDef[];
  private readonly byId = new Map<string, TopicDef>();
  private readonly sectionPhrases: Map<string, string>;
  private readonly categoryPhrases: Map<string, string>;
  private readonly maxWords: number;

  constructor(data: TaxonomyData) {
    this.topics = data.topics;
    for (const t of data.topics) this.byId.set(t.id, t);
    this.sectionPhrases = phraseIndex(data.topics, 'sections');
    this.categoryPhrases = phraseIndex(data.topics, 'categories');
    let max = 1;
    for (const p of [...this.sectionPhrases.keys(), ...this.categoryPhrases.keys()]) max = Math.max(max, p.split(' ').length);
    this.maxWords = max;
  }

  get ids(): string[] {
    return this.topics.map((t) => t.id);
  }

  /** Topics the classifier learns (not scope topics such as local). */
  get subjectIds(): string[] {
    return this.topics.filter((t) => t.kind === 'subject').map((t) => t.id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): TopicDef | undefined {
    return this.byId.get(id);
  }

  label(id: string, lang: Lang): string {
    return this.byId.get(id)?.labels[lang] ?? id;
  }

  /** Topic a feed section maps to ("Sport", "Économie – Entreprises"), if any. */
  topicForSection(section: string | undefined): string | undefined {
    return section ? this.findPhrase(section, this.sectionPhrases) : undefined;
  }

  /** Topic the RSS categories map to: the first category that maps wins. */
  topicForCategories(categories: readonly string[] | undefined): string | undefined {
    if (!categories) return undefined;
    for (const c of categories) {
      const t = this.findPhrase(c, this.categoryPhrases);
      if (t) return t;
    }
    return undefined;
  }

  /** The earliest mapped phrase inside the text wins; at one position the longest phrase. */
  private findPhrase(text: string, index: Map<string, string>): string | undefined {
    const words = normalizePhrase(text).split(' ').filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      for (let len = Math.min(this.maxWords, words.length - i); len >= 1; len--) {
        const hit = index.get(words.slice(i, i + len).join(' '));
        if (hit) return hit;
      }
    }
    return undefined;
  }

  toJSON(): TaxonomyData {
    return { version: 1, topics: this.topics.map((t) => ({ ...t })) };
  }
}

function phraseIndex(topics: readonly TopicDef[], field: 'sections' | 'categories'): Map<string, string> {
  const index = new Map<string, string>();
  for (const t of topics) {
    for (const p of t[field]) {
      const key = normalizePhrase(p);
      if (!key) continue;
      const other = index.get(key);
      if (other && other !== t.id) {
        throw new UserError(`taxonomy: ${field.slice(0, -1)} "${p}" maps to both "${other}" and "${t.id}"`);
      }
      index.set(key, t.id);
    }
  }
  return index;
}

/** Validates a taxonomy value; any problem is one line naming where it is. */
export function parseTaxonomy(value: unknown, source = 'taxonomy'): Taxonomy {
  const parsed = TaxonomySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
    throw new UserError(`${source}: ${where}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const t of parsed.data.topics) {
    if (seen.has(t.id)) throw new UserError(`${source}: topic id "${t.id}" appears twice`);
    seen.add(t.id);
  }
  try {
    return new Taxonomy(parsed.data);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message.replace(/^taxonomy/, source));
    throw e;
  }
}

/** Reads and validates a taxonomy file (default feeds/topics.json). */
export function loadTaxonomy(file: string = DEFAULT_TAXONOMY_FILE): Taxonomy {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read taxonomy ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw new UserError(`taxonomy ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseTaxonomy(value, file);
}

/**
 * Editors' taxonomy: validated, then kept in the store, where the tagging
 * engine finds it before feeds/topics.json. Nothing is written when invalid.
 */
export async function saveTaxonomy(store: Pick<Store, 'setKv'>, value: unknown): Promise<Taxonomy> {
  const taxonomy = parseTaxonomy(value, 'taxonomy');
  await store.setKv(TAXONOMY_KV_KEY, taxonomy.toJSON());
  return taxonomy;
}

/** The taxonomy in force: the editors' copy in the store if any, else the file. */
export async function currentTaxonomy(store: Pick<Store, 'getKv'>, file: string = DEFAULT_TAXONOMY_FILE): Promise<Taxonomy> {
  const stored = await store.getKv<unknown>(TAXONOMY_KV_KEY);
  return stored ? parseTaxonomy(stored, `stored taxonomy (${TAXONOMY_KV_KEY})`) : loadTaxonomy(file);
}
