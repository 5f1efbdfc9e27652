/**
 * Editor settings for personalization: every knob of ranking and diversity,
 * with bounds (catalogue STO-13: finite numbers, bounded key counts, at least
 * one non-zero weight) so that no saved configuration can make scoring NaN.
 */
import { z } from 'zod';

/** Topic ids of the taxonomy (feeds/topics.json). */
export const TAXONOMY_TOPICS = [
  'international',
  'politique',
  'economie',
  'sciences',
  'technologie',
  'sante',
  'environnement',
  'culture',
  'sport',
  'societe',
  'faits-divers',
  'local',
] as const;

/**
 * The topic of local and regional news: "local" means near the reader, so in
 * ranking and explanations it counts only for stories near their home.
 */
export const LOCAL_TOPIC = 'local';

/** Ids only used to mark sensitive content; the classifier may never emit them. */
export const SENSITIVE_ONLY_TOPICS = ['religion', 'sexualite'] as const;

export const RELEVANCE_PARTS = ['content', 'covisit', 'recency', 'popularity', 'local', 'editorial'] as const;
export type RelevancePart = (typeof RELEVANCE_PARTS)[number];

const MAX_KEYS = 200;
const MAX_LIST = 1000;

/** Finite number in [min, max]; values below 1e-9 in absolute value snap to 0 (1e-320 is "zero"). */
const num = (min: number, max: number) =>
  z
    .number()
    .refine((v) => Number.isFinite(v), 'must be a finite number')
    .transform((v) => (Math.abs(v) < 1e-9 ? 0 : v))
    .pipe(z.number().min(min).max(max));

const id = z.string().min(1).max(200);
const idList = z.array(id).max(MAX_LIST);
const topicMix = z
  .record(z.string().min(1).max(64), num(0, 1000))
  .refine((r) => Object.keys(r).length <= MAX_KEYS, `at most ${MAX_KEYS} keys`);

const WeightsSchema = z
  .object({
    content: num(0, 10).default(1.0),
    covisit: num(0, 10).default(0.4),
    recency: num(0, 10).default(0.3),
    popularity: num(0, 10).default(1.5),
    local: num(0, 10).default(0.5),
    editorial: num(0, 10).default(0.5),
  })
  .strict()
  .refine((w) => Object.values(w).some((v) => v > 0), 'at least one relevance weight must be greater than 0');

export const EditorSettingsSchema = z
  .object({
    /** Relevance = Σ weight × part / Σ weight; every part is in [0, 1]. */
    weights: WeightsSchema.prefault({}),
    /** Age at which the recency part halves. */
    recencyHalfLifeHours: num(0.5, 24 * 30).default(24),
    /** Age at which a click's weight in the profile halves. */
    profileHalfLifeDays: num(0.5, 3650).default(21),
    /** Half-life of clicks in popularity and co-visitation counts. */
    popularityHalfLifeHours: num(0.5, 24 * 90).default(24),
    /** Two clicks of one reader count as co-visited when at most this far apart. */
    covisitWindowHours: num(1, 24 * 90).default(72),
    /** Candidates are the articles published within this many hours before the build. */
    candidateWindowHours: num(1, 24 * 14).default(36),
    editionSize: num(3, 100).transform(Math.round).default(12),
    /** MMR trade-off: 1 = relevance only, 0 = redundancy only (POPROX: 0.8). */
    mmrLambda: num(0, 1).default(0.9),
    calibration: z
      .object({
        /**
         * 'seats': this share of the slots goes, in turn, to the topic most
         * under-served relative to the target (proportional seats, as PM-2);
         * 'kl': weight of the KL penalty against relevance (Steck 2018; POPROX θ = 0.1).
         */
        method: z.enum(['seats', 'kl']).default('seats'),
        /**
         * 0 by default: the edition floor (bubbleGuard.hold*) keeps editions
         * broad for fewer lost clicks than seats (bubble eval: a seat in ten
         * cost ~1 % of CTR and lowered the last-week entropy ratio), and the
         * 'kl' penalty broadens new subscribers' editions most, where no
         * bubble can have formed yet. Editors who want proportional topics
         * set it (0.1 = one seat in ten).
         */
        strength: num(0, 1).default(0),
        /** Share of the target mix taken from the subscriber's history (rest: editorial baseline). */
        historyShare: num(0, 1).default(0.8),
        /**
         * MMR trade-off when a seat is filled ('seats' method): below mmrLambda,
         * a seat goes to a story unlike those already in the edition rather
         * than to one only tagged with the due topic.
         */
        seatLambda: num(0, 1).default(0.5),
        /** Smoothing α of the list distribution (Steck: 0.01). */
        alpha: num(0.0001, 0.5).default(0.01),
        /** Editorial baseline topic mix (normalized when used). */
        baseline: topicMix.default({
          international: 2,
          politique: 2,
          economie: 1.5,
          sciences: 1,
          technologie: 1,
          sante: 0.8,
          environnement: 1,
          culture: 1,
          sport: 1.2,
          societe: 1.2,
          'faits-divers': 0.5,
          local: 1,
        }),
      })
      .strict()
      .prefault({}),
    /** Share of the edition kept for topics outside the subscriber's usual ones. */
    explorationShare: num(0, 0.5).default(0.05),
    /**
     * Bubble guard: when a subscriber's latest editions average a topic entropy
     * below floorBits, the next one leans toward the editorial baseline and
     * opens more "new for you" slots, in proportion to the shortfall.
     * floorBits 0 turns it off; 1.5 bits ≈ three topics in equal parts.
     */
    bubbleGuard: z
      .object({
        floorBits: num(0, 6).default(1.5),
        editions: num(1, 60).transform(Math.round).default(7),
        explorationBoost: num(0, 0.5).default(0.2),
        baselineBoost: num(0, 1).default(0.5),
        /**
         * Each personalized edition holds a floor of its own: while its topic
         * entropy is below holdBits, up to holdSlots of its weakest items of
         * the topic it has most of give way to the best stories of the
         * subscriber's other topics (shown last, "also for you"). 0: off.
         */
        holdBits: num(0, 6).default(4.5),
        holdSlots: num(0, 50).transform(Math.round).default(4),
        /**
         * The floor grows with the profile: holdBits × w / (w + holdRampClicks),
         * w = the profile's decayed clicks (profileHalfLifeDays). Defaults:
         * ~0.6 bit after a few days of reading, ~1.8 bits at 30 (a month of a
         * daily reader), ~2.4 at 50. A holdBits above what the swaps can reach
         * (12 topics: 3.6 bits at most) only means that a long-standing
         * profile gets every one of its holdSlots swaps. A floor strong from
         * the first clicks would mostly broaden the first editions, where no
         * bubble has formed yet. 0: full at once.
         */
        holdRampClicks: num(0, 1000).default(45),
        /**
         * MMR trade-off of the floor's swaps: 1 takes the subscriber's most
         * relevant story of another topic, lower also asks it to be unlike the edition.
         */
        holdLambda: num(0, 1).default(0.7),
        /** How strongly the floor's swaps keep to the subscriber's next-best topics (exponent of topic interest; 0: entropy gain and relevance only). */
        holdInterestPower: num(0, 4).default(0),
      })
      .strict()
      .prefault({}),
    maxPerSource: num(1, 100).transform(Math.round).default(3),
    /** Local / national / world target mix, enforced softly by a KL term of this strength. */
    geoMix: z
      .object({
        local: num(0, 1).default(0.3),
        national: num(0, 1).default(0.4),
        world: num(0, 1).default(0.3),
        strength: num(0, 1).default(0.1),
        /** An article is local when one of its places is this close to home (or in the home admin region). */
        localRadiusKm: num(1, 2000).default(80),
      })
      .strict()
      .prefault({}),
    /** Country used for national/world when a subscriber has no home place. */
    defaultCountry: z.string().regex(/^[A-Z]{2}$/).default('FR'),
    pinned: z
      .object({ articleIds: idList.default([]), clusterIds: idList.default([]) })
      .strict()
      .prefault({}),
    blocked: z
      .object({ sources: idList.default([]), topics: idList.default([]) })
      .strict()
      .prefault({}),
    /** Clicks on these topics never shape a profile unless the subscriber follows the topic. */
    sensitiveTopics: idList.default(['sante', 'religion', 'sexualite']),
    /** An article belongs to a topic for sensitivity when its score reaches this. */
    sensitiveMinScore: num(0, 1).default(0.35),
    /** Editorial priority of feed sections (front page = 1). */
    sectionPriority: topicMix.default({ 'À la une': 1, Une: 1, 'Top stories': 1, 'Front page': 1 }),
  })
  .strict();

export type EditorSettings = z.output<typeof EditorSettingsSchema>;
export type EditorSettingsInput = z.input<typeof EditorSettingsSchema>;

export const DEFAULT_SETTINGS: EditorSettings = Object.freeze(EditorSettingsSchema.parse({})) as EditorSettings;

export type SettingsResult = { ok: true; settings: EditorSettings } | { ok: false; error: string };

/** Validates editor input; the error is one line naming the offending field. */
export function validateSettings(raw: unknown): SettingsResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, error: 'settings must be a JSON object' };
  }
  const parsed = EditorSettingsSchema.safeParse(raw);
  if (parsed.success) return { ok: true, settings: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(root)';
  return { ok: false, error: `invalid setting ${path}: ${issue.message}` };
}

export interface LastGood {
  settings: EditorSettings;
  /** Version that was used; 0 = built-in defaults. */
  version: number;
  /** Newer versions that were refused, with why. */
  skipped: { version: number; error: string }[];
}

/**
 * The last good configuration: walks the saved versions newest first and
 * keeps the first that validates, so a bad save never stops a build.
 */
export function lastGoodSettings(versions: readonly { version: number; settings: unknown }[]): LastGood {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const skipped: LastGood['skipped'] = [];
  for (const v of sorted) {
    const r = validateSettings(v.settings);
    if (r.ok) return { settings: r.settings, version: v.version, skipped };
    skipped.push({ version: v.version, error: r.error });
  }
  return { settings: DEFAULT_SETTINGS, version: 0, skipped };
}
