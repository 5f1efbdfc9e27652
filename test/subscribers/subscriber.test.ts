import { describe, expect, it } from 'vitest';
import { newSubscriber, readingLanguages, storyLanguages } from '../../src/subscribers/subscriber.js';
import { isUserError } from '../../src/util/errors.js';

const NOW = new Date('2026-11-22T06:00:00.000Z');
const consents = { personalization: true, tracking: false, newsletter: true };

describe('newSubscriber', () => {
  it('normalizes the address, stores every consent with time and source, and starts pending', () => {
    const s = newSubscriber({ email: ' Lea@Exemple.FR ', lang: 'fr', consents, source: 'test' }, NOW);
    expect(s.email).toBe('lea@exemple.fr');
    expect(s.status).toBe('pending');
    expect(s.consents.tracking).toEqual({ granted: false, at: NOW.toISOString(), source: 'test' });
    expect(s.prefs.languages).toBeUndefined();
  });

  it('refuses a bad address, time zone or edition time with a one-line error', () => {
    for (const bad of [{ email: 'not-an-address' }, { timezone: 'Mars/Olympus' }, { editionTime: '25:00' }]) {
      try {
        newSubscriber({ email: 'a@b.fr', lang: 'fr', consents, source: 'test', ...bad }, NOW);
        expect.unreachable();
      } catch (e) {
        expect(isUserError(e)).toBe(true);
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });

  it('keeps the story languages ticked besides their own, and only known ones', () => {
    const s = newSubscriber({ email: 'a@b.fr', lang: 'en', languages: ['fr', 'de', '$ne'], consents, source: 'test' }, NOW);
    expect(s.prefs.languages).toEqual(['fr', 'en']);
  });
});

describe('story languages', () => {
  it('are the chosen ones, else the subscriber\'s own', () => {
    expect(readingLanguages({ lang: 'en', prefs: {} })).toEqual(['en']);
    expect(readingLanguages({ lang: 'en', prefs: { languages: [] } })).toEqual(['en']);
    expect(readingLanguages({ lang: 'fr', prefs: { languages: ['en', 'fr'] } })).toEqual(['fr', 'en']);
  });

  it('store nothing when only their own language is wanted', () => {
    expect(storyLanguages('fr', undefined)).toBeUndefined();
    expect(storyLanguages('fr', ['fr'])).toBeUndefined();
    expect(storyLanguages('fr', ['xx'])).toBeUndefined();
    expect(storyLanguages('fr', ['en'])).toEqual(['fr', 'en']);
  });
});
