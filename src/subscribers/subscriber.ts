import { z } from 'zod';
import { LANGS, type HomePlace, type Lang, type Subscriber, type SubscriberPrefs } from '../model.js';
import { randomId } from '../util/ids.js';
import { UserError } from '../util/errors.js';

export interface NewSubscriberInput {
  email: string;
  name?: string;
  lang: Lang;
  home?: HomePlace;
  timezone?: string;
  editionTime?: string;
  followTopics?: string[];
  muteTopics?: string[];
  /** Languages of stories wanted besides `lang` (default: `lang` only); unknown values are ignored. */
  languages?: readonly string[];
  consents: { personalization: boolean; tracking: boolean; newsletter: boolean };
  /** Where the consents were given ("signup-form", "demo", "cli"). */
  source: string;
}

const Email = z.email();
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * A new subscriber record with every consent stored with its time and source.
 * Status stays "pending" until the e-mail address is confirmed (double opt-in).
 */
export function newSubscriber(input: NewSubscriberInput, now: Date): Subscriber {
  const email = input.email.trim().toLowerCase();
  if (!Email.safeParse(email).success || email.length > 254) throw new UserError(`not a valid e-mail address: ${JSON.stringify(input.email).slice(0, 100)}`);
  const timezone = input.timezone ?? 'Europe/Paris';
  if (!isValidTimeZone(timezone)) throw new UserError(`unknown time zone ${JSON.stringify(timezone)} (use an IANA name such as Europe/Paris)`);
  const editionTime = input.editionTime ?? '07:00';
  if (!HHMM.test(editionTime)) throw new UserError(`edition time must be HH:MM (24 h), not ${JSON.stringify(editionTime)}`);
  const at = now.toISOString();
  const consent = (granted: boolean) => ({ granted, at, source: input.source });
  const languages = storyLanguages(input.lang, input.languages);
  return {
    id: randomId(),
    email,
    ...(input.name ? { name: input.name.slice(0, 120) } : {}),
    lang: input.lang,
    ...(input.home ? { home: input.home } : {}),
    timezone,
    editionTime,
    frequency: 'daily',
    consents: {
      personalization: consent(input.consents.personalization),
      tracking: consent(input.consents.tracking),
      newsletter: consent(input.consents.newsletter),
    },
    prefs: {
      followTopics: [...new Set(input.followTopics ?? [])],
      muteTopics: [...new Set(input.muteTopics ?? [])],
      followPlaces: [],
      mutePlaces: [],
      followSources: [],
      muteSources: [],
      feedback: [],
      ...(languages ? { languages } : {}),
    },
    diversity: 0.5,
    status: 'pending',
    createdAt: at,
    bounceCount: 0,
  };
}

/**
 * The languages a subscriber reads stories in: those they chose (known ones,
 * in LANGS order), else their own language.
 */
export function readingLanguages(s: { lang: Lang; prefs?: Pick<SubscriberPrefs, 'languages'> }): Lang[] {
  const chosen = new Set(s.prefs?.languages ?? []);
  const known = LANGS.filter((l) => chosen.has(l));
  return known.length ? known : [s.lang];
}

/**
 * What to store as `prefs.languages` for a subscriber of language `lang` who
 * also ticked `ticked` (unknown values ignored): undefined when that is their
 * own language alone, the default.
 */
export function storyLanguages(lang: Lang, ticked: readonly string[] | undefined): Lang[] | undefined {
  const all = readingLanguages({ lang, prefs: { languages: [lang, ...((ticked ?? []) as Lang[])] } });
  return all.length > 1 ? all : undefined;
}

/** No followed or muted topics, places or sources, no feedback: a subscriber who has said nothing yet. */
export function noPreferences(): SubscriberPrefs {
  return { followTopics: [], muteTopics: [], followPlaces: [], mutePlaces: [], followSources: [], muteSources: [], feedback: [] };
}

/** Every consent granted at one time from one source (fixtures, benches, simulations). */
export function allConsentsGranted(at: string, source: string): Subscriber['consents'] {
  const consent = { granted: true, at, source };
  return { personalization: consent, tracking: consent, newsletter: consent };
}

/**
 * A subscriber already in the store: active, daily at 07:00 Paris time, every
 * consent granted at `at`, no preferences yet; `over` sets the rest (fixtures,
 * benches, simulations).
 */
export function activeSubscriber(base: { id: string; email: string; at: string; source: string }, over: Partial<Subscriber> = {}): Subscriber {
  return {
    id: base.id,
    email: base.email,
    lang: 'fr',
    timezone: 'Europe/Paris',
    editionTime: '07:00',
    frequency: 'daily',
    consents: allConsentsGranted(base.at, base.source),
    prefs: noPreferences(),
    diversity: 0.5,
    status: 'active',
    createdAt: base.at,
    bounceCount: 0,
    ...over,
  };
}
