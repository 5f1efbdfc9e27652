/**
 * Subscriber pages: sign-up with consents, sign-in by magic link, today's and
 * past editions with their controls, "My profile" (what Kiosque believes,
 * editable), personalization switch, export and erasure.
 */
import { eraseAndSuppress } from '../../newsletter/web.js';
import { suppressionHash } from '../../newsletter/message.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsentRecord, Edition, Lang, Subscriber } from '../../model.js';
import type { SubscriberPatch } from '../../store/store.js';
import { newSubscriber, isValidTimeZone, storyLanguages } from '../../subscribers/subscriber.js';
import { isUserError, oneLine } from '../../util/errors.js';
import { localDate } from '../../util/time.js';
import { addMissingArticles, exposureArticleIds, pastEditionOptions } from '../../edition/history.js';
import { buildEditions } from '../../edition/build.js';
import { profileFor } from '../../personalize/plan.js';
import { describeProfile } from '../../personalize/profile.js';
import { TAXONOMY_TOPICS } from '../../personalize/settings.js';
import type { WebDeps } from '../deps.js';
import { LABELS, pickLang } from '../i18n.js';
import { renderPage, sendPage, type PageData } from '../views.js';
import { EMPTY_QUERY, formSchema, seeOther, str, strList } from '../security.js';
import {
  clearSession,
  consumeMagicToken,
  currentSubscriber,
  emailHash,
  FRESH_AUTH_MS,
  magicToken,
  readMagicToken,
  safeNext,
  setSession,
} from '../session.js';
import { currentPrepared, isCalendarDate, labelFor, localDateCached, resolveHomePlace, taxonomyOf, CSRF_PLACEHOLDER, DATE_RE, PageCache, withToken } from '../shared.js';
import { editionView } from './edition-view.js';

declare module 'fastify' {
  interface FastifyRequest {
    kqSubscriber?: { subscriber: Subscriber; authAt: number };
  }
}

const CONFIRM_TTL_MS = 24 * 3600_000;
const LOGIN_TTL_MS = 30 * 60_000;
const HHMM = '^([01]\\d|2[0-3]):[0-5]\\d$';
const on = { type: 'string', enum: ['on'] };
const langField = { type: 'string', enum: ['fr', 'en'] };
const NOTICES = ['noted', 'saved', 'reauth', 'personalization'] as const;

export function subscriberPlugin(deps: WebDeps): FastifyPluginAsync {
  const { store, clock, config, log } = deps.ctx;

  const needSubscriber = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = await currentSubscriber(req, deps.session, store);
    if (!s) {
      if (req.method === 'GET') return seeOther(reply, '/login');
      return reply.code(401).type('text/plain; charset=utf-8').send('sign in first');
    }
    req.kqSubscriber = s;
  };

  const base = (req: FastifyRequest, reply: FastifyReply, lang: Lang, title: string, area: PageData['area'] = 'public'): PageData => ({
    lang,
    title,
    area,
    csrf: reply.generateCsrf(),
  });

  /** Sends a sign-in (or confirmation) link, at most once per address per cooldown (WEB-12). */
  async function mailLink(sub: Subscriber, kind: 'confirm' | 'login', next?: string): Promise<void> {
    if (!(await store.claimCooldown(`mail:${emailHash(sub.email)}`, deps.limits.mailCooldownMs))) return;
    const L = LABELS[sub.lang];
    const token = magicToken(deps.session, 'subscriber', sub, kind === 'confirm' ? CONFIRM_TTL_MS : LOGIN_TTL_MS, next);
    const link = `${config.baseUrl}/login/${token}`;
    try {
      await deps.mailer.send({
        to: sub.email,
        subject: kind === 'confirm' ? L.mailConfirmSubject : L.mailLoginSubject,
        text: kind === 'confirm' ? L.mailConfirmText(link) : L.mailLoginText(link),
      });
    } catch (e) {
      log.warn(`sign-in mail to subscriber ${sub.id} failed: ${oneLine(e)}`);
    }
  }

  return async (app: FastifyInstance) => {
    const signupLimit = { rateLimit: { max: deps.limits.signupPer10Min, timeWindow: 10 * 60_000 } };
    app.decorateRequest('kqSubscriber', undefined);

    app.get('/', { schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      if (await currentSubscriber(req, deps.session, store)) return seeOther(reply, '/edition');
      const lang = pickLang(undefined, req.headers['accept-language']);
      return sendPage(reply, 'signup', { ...base(req, reply, lang, LABELS[lang].signupTitle), topics: topicChoices(lang, await taxonomyOf(store)), form: {} });
    });

    app.get<{ Querystring: { lang?: Lang } }>(
      '/signup',
      { schema: { querystring: { type: 'object', additionalProperties: false, properties: { lang: langField } } } },
      async (req, reply) => {
        const lang = pickLang(req.query.lang, req.headers['accept-language']);
        return sendPage(reply, 'signup', { ...base(req, reply, lang, LABELS[lang].signupTitle), topics: topicChoices(lang, await taxonomyOf(store)), form: { lang } });
      },
    );

    type SignupBody = {
      email: string;
      lang: Lang;
      home?: string;
      homeGeoId?: string;
      timezone?: string;
      editionTime?: string;
      topics?: string[];
      storyLangs?: string[];
      personalization?: 'on';
      tracking?: 'on';
      newsletter?: 'on';
    };
    app.post<{ Body: SignupBody }>(
      '/signup',
      {
        config: signupLimit,
        schema: {
          body: formSchema(
            {
              email: str(254),
              lang: langField,
              home: str(200),
              homeGeoId: str(64),
              timezone: str(64),
              editionTime: str(5, { pattern: HHMM }),
              topics: strList(64, 30),
              storyLangs: strList(2, 4),
              personalization: on,
              tracking: on,
              newsletter: on,
            },
            ['email', 'lang'],
          ),
        },
      },
      async (req, reply) => {
        const b = req.body;
        const lang = b.lang;
        const L = LABELS[lang];
        const taxonomy = await taxonomyOf(store);
        const again = (message: string) =>
          sendPage(reply, 'signup', { ...base(req, reply, lang, L.signupTitle), topics: topicChoices(lang, taxonomy), form: b, error: message }, 400);
        const home = await resolveHomePlace(b.home, b.homeGeoId, lang);
        if (home === null) return again(lang === 'fr' ? `Lieu inconnu : ${b.home}` : `Unknown place: ${b.home}`);
        const known = new Set(taxonomy.ids);
        const topics = (b.topics ?? []).filter((t) => known.has(t));
        let sub: Subscriber;
        try {
          sub = newSubscriber(
            {
              email: b.email,
              lang,
              ...(home ? { home } : {}),
              ...(b.timezone ? { timezone: b.timezone } : {}),
              ...(b.editionTime ? { editionTime: b.editionTime } : {}),
              followTopics: topics,
              ...(b.storyLangs ? { languages: b.storyLangs } : {}),
              consents: { personalization: b.personalization === 'on', tracking: b.tracking === 'on', newsletter: b.newsletter === 'on' },
              source: 'web-signup-form',
            },
            clock.now(),
          );
        } catch (e) {
          if (isUserError(e)) return again(e.message);
          throw e;
        }
        // The answer is the same whether or not the address was known (no account discovery).
        let existing = await store.getSubscriberByEmail(sub.email);
        if (!existing) {
          try {
            await store.createSubscriber(sub);
          } catch (e) {
            if (!isUserError(e)) throw e;
            existing = await store.getSubscriberByEmail(sub.email); // created concurrently
          }
        }
        const target = existing ?? sub;
        await mailLink(target, target.status === 'pending' ? 'confirm' : 'login');
        return sendPage(reply, 'message', { ...base(req, reply, lang, L.signupTitle), message: L.checkInbox });
      },
    );

    app.get<{ Querystring: { q: string; lang?: Lang } }>(
      '/places',
      {
        config: { rateLimit: { max: 300, timeWindow: 60_000 } },
        schema: { querystring: { type: 'object', additionalProperties: false, required: ['q'], properties: { q: str(100), lang: langField } } },
      },
      async (req, reply) => {
        const geo = await import('../../tag/geo/index.js');
        const list = req.query.q.trim().length < 2 ? [] : geo.suggestPlaces(req.query.q, { lang: req.query.lang ?? 'fr', limit: 8 });
        return reply.header('cache-control', 'public, max-age=3600').send(list.map((p) => ({ label: p.label, geoId: p.geoId })));
      },
    );

    app.get<{ Querystring: { lang?: Lang } }>(
      '/login',
      { schema: { querystring: { type: 'object', additionalProperties: false, properties: { lang: langField } } } },
      async (req, reply) => {
        const lang = pickLang(req.query.lang, req.headers['accept-language']);
        return sendPage(reply, 'login', { ...base(req, reply, lang, LABELS[lang].loginTitle), action: '/login' });
      },
    );

    app.post<{ Body: { email: string } }>(
      '/login',
      { config: signupLimit, schema: { body: formSchema({ email: str(254) }, ['email']) } },
      async (req, reply) => {
        // The page speaks the browser's language, never the account's: it must not tell whether the address is known.
        const lang = pickLang(undefined, req.headers['accept-language']);
        const sub = await store.getSubscriberByEmail(req.body.email.trim().toLowerCase().slice(0, 254));
        if (sub) await mailLink(sub, sub.status === 'pending' ? 'confirm' : 'login');
        return sendPage(reply, 'message', { ...base(req, reply, lang, LABELS[lang].loginTitle), message: LABELS[lang].checkInbox });
      },
    );

    // The link from the mail opens a page with a button: mail scanners that
    // follow links (GET) neither confirm the address nor use up the link.
    app.get<{ Params: { token: string } }>(
      '/login/:token',
      { schema: { params: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: str(2048) } } } },
      async (req, reply) => {
        const p = readMagicToken(deps.session, 'subscriber', req.params.token);
        const sub = p ? await store.getSubscriber(p.i) : null;
        const lang = sub?.lang ?? pickLang(undefined, req.headers['accept-language']);
        const L = LABELS[lang];
        if (!p || !sub || emailHash(sub.email) !== p.h) return sendPage(reply, 'message', { ...base(req, reply, lang, L.loginTitle), message: L.badLink }, 404);
        return sendPage(reply.header('referrer-policy', 'no-referrer'), 'magic', { ...base(req, reply, lang, L.loginTitle), token: req.params.token, action: '/login/confirm' });
      },
    );

    app.post<{ Body: { token: string } }>(
      '/login/confirm',
      { config: signupLimit, schema: { body: formSchema({ token: str(2048) }, ['token']) } },
      async (req, reply) => {
        const p = readMagicToken(deps.session, 'subscriber', req.body.token);
        let sub = p ? await store.getSubscriber(p.i) : null;
        const lang = sub?.lang ?? pickLang(undefined, req.headers['accept-language']);
        if (!p || !sub || emailHash(sub.email) !== p.h || !(await consumeMagicToken(store, deps.session, p))) {
          return sendPage(reply, 'message', { ...base(req, reply, lang, LABELS[lang].loginTitle), message: LABELS[lang].badLink }, 404);
        }
        if (sub.status === 'pending') {
          sub = await store.updateSubscriber(sub.id, { status: 'active', confirmedAt: clock.now().toISOString() });
          // A confirmed new sign-up is fresh consent: an earlier erasure's suppression no longer applies.
          await store.removeSuppression(suppressionHash(config.secret, sub.email));
        }
        setSession(reply, deps.session, 'subscriber', sub);
        return seeOther(reply, safeNext(p.next, '/edition'));
      },
    );

    app.post('/logout', { schema: { body: formSchema({}) } }, async (_req, reply) => {
      clearSession(reply, deps.session, 'subscriber');
      return seeOther(reply, '/');
    });

    // ───── editions ─────

    const noticeQuery = { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: NOTICES } } } as const;

    const editionPages = new PageCache();
    async function editionOf(sub: Subscriber, date: string | 'latest'): Promise<Edition | null> {
      return date === 'latest' ? ((await store.listEditions({ subscriberId: sub.id, limit: 1 }))[0] ?? null) : store.getEdition(sub.id, date);
    }
    async function showEdition(req: FastifyRequest, reply: FastifyReply, sub: Subscriber, edition: Edition | null, notice?: string) {
      const L = LABELS[sub.lang];
      const now = clock.now();
      const reader = sub.name ?? sub.email.split('@')[0];
      // Same edition, same reader, same words: the page is the same for a minute, except for its CSRF token.
      const key = JSON.stringify([sub.id, edition?.id, edition?.createdAt, sub.lang, reader, sub.home?.name, notice ?? ''] as const);
      let parts = editionPages.get(key, now.getTime());
      if (parts === undefined) {
        const taxonomy = await taxonomyOf(store);
        const view = edition ? editionView(edition, { secret: config.secret, lang: sub.lang, now, topicLabel: labelFor(taxonomy, sub.lang) }) : null;
        const html = renderPage('edition', {
          lang: sub.lang,
          title: view ? `${L.siteTitle} — ${view.dateLabel}` : L.siteTitle,
          area: 'subscriber',
          csrf: CSRF_PLACEHOLDER,
          edition: view,
          reader,
          place: sub.home?.name,
          ...(notice ? { notice: noticeText(L, notice) } : {}),
        });
        parts = editionPages.set(key, html, now.getTime());
      }
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(withToken(parts, reply.generateCsrf()));
    }

    app.get<{ Querystring: { notice?: string } }>('/edition', { preHandler: needSubscriber, schema: { querystring: noticeQuery } }, async (req, reply) => {
      const sub = req.kqSubscriber!.subscriber;
      const today = localDateCached(clock.now(), sub.timezone, localDate);
      const edition = (await editionOf(sub, today)) ?? (await editionOf(sub, 'latest'));
      return showEdition(req, reply, sub, edition, req.query.notice);
    });

    app.get<{ Params: { date: string }; Querystring: { notice?: string } }>(
      '/edition/:date',
      {
        preHandler: needSubscriber,
        schema: { params: { type: 'object', additionalProperties: false, required: ['date'], properties: { date: str(10, { pattern: DATE_RE.source }) } }, querystring: noticeQuery },
      },
      async (req, reply) => {
        if (!isCalendarDate(req.params.date)) return reply.callNotFound();
        const sub = req.kqSubscriber!.subscriber;
        const edition = await editionOf(sub, req.params.date);
        if (!edition) return reply.callNotFound();
        return showEdition(req, reply, sub, edition, req.query.notice);
      },
    );

    app.get('/editions', { preHandler: needSubscriber, schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      const sub = req.kqSubscriber!.subscriber;
      const L = LABELS[sub.lang];
      const { formatEditionDate } = await import('../../edition/labels.js');
      const list = (await store.listEditions({ subscriberId: sub.id, limit: 90 })).map((e) => ({
        date: e.date,
        label: formatEditionDate(e.date, sub.lang),
        items: e.items.length,
        lead: e.items[0]?.title ?? '',
        personalized: e.personalized,
      }));
      return sendPage(reply, 'editions', { ...base(req, reply, sub.lang, L.pastEditions, 'subscriber'), editions: list });
    });

    type FeedbackBody = { articleId: string; action: 'more' | 'less' | 'mute-source' | 'mute-topic'; feedId?: string; topic?: string; date?: string; anchor?: string };
    app.post<{ Body: FeedbackBody }>(
      '/feedback',
      {
        preHandler: needSubscriber,
        schema: {
          body: formSchema(
            {
              articleId: str(64),
              action: { type: 'string', enum: ['more', 'less', 'mute-source', 'mute-topic'] },
              feedId: str(64),
              topic: str(64),
              date: str(10, { pattern: DATE_RE.source }),
              anchor: str(16, { pattern: '^a-\\d{1,3}$' }),
            },
            ['articleId', 'action'],
          ),
        },
      },
      async (req, reply) => {
        const sub = req.kqSubscriber!.subscriber;
        const b = req.body;
        const prefs = structuredClone(sub.prefs);
        const at = clock.now().toISOString();
        if (b.action === 'more' || b.action === 'less') {
          if (!(await store.getArticle(b.articleId))) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'unknown article' });
          prefs.feedback = [...prefs.feedback.filter((f) => f.articleId !== b.articleId), { articleId: b.articleId, signal: b.action === 'more' ? (1 as const) : (-1 as const), at }].slice(-200);
        } else if (b.action === 'mute-source') {
          if (!b.feedId || !(await store.getFeed(b.feedId))) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'unknown source' });
          if (!prefs.muteSources.includes(b.feedId)) prefs.muteSources.push(b.feedId);
          prefs.followSources = prefs.followSources.filter((f) => f !== b.feedId);
        } else {
          const taxonomy = await taxonomyOf(store);
          if (!b.topic || !taxonomy.get(b.topic)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'unknown topic' });
          if (!prefs.muteTopics.includes(b.topic)) prefs.muteTopics.push(b.topic);
          prefs.followTopics = prefs.followTopics.filter((t) => t !== b.topic);
        }
        await store.updateSubscriber(sub.id, { prefs, lastEngagedAt: at });
        const back = b.date && isCalendarDate(b.date) ? `/edition/${b.date}` : '/edition';
        return seeOther(reply, `${back}?notice=noted${b.anchor ? `#${b.anchor}` : ''}`);
      },
    );

    // ───── My profile ─────

    app.get<{ Querystring: { notice?: string } }>('/me', { preHandler: needSubscriber, schema: { querystring: noticeQuery } }, async (req, reply) => {
      const sub = req.kqSubscriber!.subscriber;
      const L = LABELS[sub.lang];
      const now = clock.now();
      const taxonomy = await taxonomyOf(store);
      const label = labelFor(taxonomy, sub.lang);
      const { prepared } = await currentPrepared(store, now, log);
      const clicks = await store.listClicks({ subscriberId: sub.id, since: new Date(now.getTime() - 60 * 86400_000).toISOString(), limit: 1000 });
      // The profile the next build will use: the whole click history and what past editions showed (exposure).
      const past = (await pastEditionOptions(store, [{ id: sub.id, date: localDate(now, sub.timezone) }], prepared.settings)).get(sub.id);
      await addMissingArticles(store, prepared, [...clicks.map((c) => c.articleId), ...exposureArticleIds(past ? [past] : [])]);
      const granted = sub.consents.personalization.granted;
      const profile = profileFor(prepared, sub, granted ? clicks : [], granted ? past?.exposure : undefined);
      const view = describeProfile(profile, { lang: sub.lang, sourceName: (id) => prepared.sourceName(id), top: 8 });
      for (const t of view.topics) t.label = label(t.id);
      const feeds = new Map((await store.listFeeds()).map((f) => [f.id, f.title]));
      const clicked = await store.getArticles([...new Set(clicks.slice(0, 20).map((c) => c.articleId))]);
      const titles = new Map(clicked.map((a) => [a.id, a.title]));
      return sendPage(reply, 'profile', {
        ...base(req, reply, sub.lang, L.myProfile, 'subscriber'),
        sub,
        profile: view,
        clickCount: clicks.length,
        recentClicks: clicks.slice(0, 10).map((c) => ({ title: titles.get(c.articleId) ?? c.articleId, at: c.at.slice(0, 16).replace('T', ' ') })),
        topics: topicChoices(sub.lang, taxonomy).map((t) => ({ ...t, followed: sub.prefs.followTopics.includes(t.id), muted: sub.prefs.muteTopics.includes(t.id) })),
        mutedSources: sub.prefs.muteSources.map((id) => ({ id, title: feeds.get(id) ?? id })),
        places: await placeChoices(sub, view.places),
        fresh: now.getTime() - req.kqSubscriber!.authAt < FRESH_AUTH_MS,
        ...(req.query.notice ? { notice: noticeText(L, req.query.notice) } : {}),
      });
    });

    type ProfileBody = {
      lang: Lang;
      home?: string;
      homeGeoId?: string;
      timezone: string;
      editionTime: string;
      diversity?: string;
      followTopics?: string[];
      muteTopics?: string[];
      keepMutedSources?: string[];
      mutePlaces?: string[];
      storyLangs?: string[];
      tracking?: 'on';
      newsletter?: 'on';
    };
    app.post<{ Body: ProfileBody }>(
      '/me',
      {
        preHandler: needSubscriber,
        schema: {
          body: formSchema(
            {
              lang: langField,
              home: str(200),
              homeGeoId: str(64),
              timezone: str(64),
              editionTime: str(5, { pattern: HHMM }),
              diversity: str(8, { pattern: '^(0(\\.\\d{1,3})?|1(\\.0{1,3})?)$' }),
              followTopics: strList(64, 50),
              muteTopics: strList(64, 50),
              keepMutedSources: strList(64, 1000),
              mutePlaces: strList(64, 200),
              storyLangs: strList(2, 4),
              tracking: on,
              newsletter: on,
            },
            ['lang', 'timezone', 'editionTime'],
          ),
        },
      },
      async (req, reply) => {
        const sub = req.kqSubscriber!.subscriber;
        const b = req.body;
        if (!isValidTimeZone(b.timezone)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `unknown time zone ${JSON.stringify(b.timezone)}` });
        const home = await resolveHomePlace(b.home, b.homeGeoId, b.lang);
        if (home === null) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `unknown place ${JSON.stringify(b.home)}` });
        const taxonomy = await taxonomyOf(store);
        const known = (list: string[] | undefined) => [...new Set((list ?? []).filter((t) => taxonomy.get(t)))];
        const follow = known(b.followTopics);
        const mute = known(b.muteTopics).filter((t) => !follow.includes(t));
        const at = clock.now().toISOString();
        const { languages: _languages, ...prefsBefore } = sub.prefs;
        const languages = storyLanguages(b.lang, b.storyLangs);
        // Only explicit fields are written; a consent changes only when its box changed, with time and source.
        const patch: SubscriberPatch = {
          lang: b.lang,
          timezone: b.timezone,
          editionTime: b.editionTime,
          ...(b.diversity !== undefined ? { diversity: Number(b.diversity) } : {}),
          prefs: {
            ...prefsBefore,
            ...(languages ? { languages } : {}),
            followTopics: follow,
            muteTopics: mute,
            muteSources: sub.prefs.muteSources.filter((f) => (b.keepMutedSources ?? []).includes(f)),
            // Places offered on the page: the profile's and those muted before; ids only, checked against the gazetteer.
            mutePlaces: await knownPlaces(b.mutePlaces ?? []),
            followPlaces: sub.prefs.followPlaces.filter((p) => !(b.mutePlaces ?? []).includes(p)),
          },
          consents: {
            ...sub.consents,
            tracking: consentChange(sub.consents.tracking, b.tracking === 'on', at),
            newsletter: consentChange(sub.consents.newsletter, b.newsletter === 'on', at),
          },
          // Opting in again after an unsubscribe makes the newsletter active again.
          ...(b.newsletter === 'on' && sub.status === 'unsubscribed' ? { status: 'active' as const } : {}),
        };
        if (home) patch.home = home;
        else if (b.home !== undefined && !b.home.trim()) patch.home = undefined;
        await store.updateSubscriber(sub.id, patch);
        return seeOther(reply, '/me?notice=saved');
      },
    );

    app.post<{ Body: { enabled: 'on' | 'off' } }>(
      '/me/personalization',
      { preHandler: needSubscriber, schema: { body: formSchema({ enabled: { type: 'string', enum: ['on', 'off'] } }, ['enabled']) } },
      async (req, reply) => {
        const sub = req.kqSubscriber!.subscriber;
        const at = clock.now().toISOString();
        await store.updateSubscriber(sub.id, { consents: { ...sub.consents, personalization: consentChange(sub.consents.personalization, req.body.enabled === 'on', at) } });
        // Today's edition is rebuilt at once, so the change shows on the next page.
        await buildEditions(
          { store, log, clock, editionsDir: config.editionsDir, baseUrl: config.baseUrl, secret: config.secret },
          { subscriberIds: [sub.id], date: localDate(clock.now(), sub.timezone) },
        );
        return seeOther(reply, '/edition?notice=personalization');
      },
    );

    const fresh = async (req: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
      const s = req.kqSubscriber!;
      if (clock.now().getTime() - s.authAt < FRESH_AUTH_MS) return true;
      await mailLink(s.subscriber, 'login', '/me');
      seeOther(reply, '/me?notice=reauth');
      return false;
    };

    app.post(
      '/me/export',
      { preHandler: needSubscriber, config: { rateLimit: { max: deps.limits.exportPerHour, timeWindow: 3600_000 } }, schema: { body: formSchema({}) } },
      async (req, reply) => {
        if (!(await fresh(req, reply))) return reply;
        const data = await exportSubscriberData(deps, req.kqSubscriber!.subscriber.id);
        return reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="kiosque-data-${clock.now().toISOString().slice(0, 10)}.json"`)
          .header('cache-control', 'no-store')
          .send(JSON.stringify(data, null, 2));
      },
    );

    app.post<{ Body: { confirmEmail: string } }>(
      '/me/erase',
      { preHandler: needSubscriber, config: { rateLimit: { max: deps.limits.exportPerHour, timeWindow: 3600_000 } }, schema: { body: formSchema({ confirmEmail: str(254) }, ['confirmEmail']) } },
      async (req, reply) => {
        const sub = req.kqSubscriber!.subscriber;
        if (req.body.confirmEmail.trim().toLowerCase() !== sub.email) {
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'the address typed does not match your account' });
        }
        if (!(await fresh(req, reply))) return reply;
        // Erased, and the address kept only as a salted hash so nothing is ever sent to it again (STO-10).
        await eraseAndSuppress(store, config.secret, sub.id, clock.now());
        await store.addAudit({ id: `erase-${clock.now().getTime()}-${Math.random().toString(36).slice(2, 8)}`, at: clock.now().toISOString(), actor: 'subscriber', action: 'subscriber.erase', detail: { by: 'self-service' } });
        clearSession(reply, deps.session, 'subscriber');
        const L = LABELS[sub.lang];
        return sendPage(reply, 'message', { ...base(req, reply, sub.lang, L.erase), message: L.erased });
      },
    );
  };
}

/** Places the profile page offers to mute: the profile's top places and those already muted. */
async function placeChoices(sub: Subscriber, profilePlaces: { id: string; label: string }[]) {
  const geo = await import('../../tag/geo/index.js');
  const out = new Map<string, { id: string; label: string; muted: boolean }>();
  for (const p of profilePlaces) out.set(p.id, { id: p.id, label: p.label, muted: sub.prefs.mutePlaces.includes(p.id) });
  for (const id of sub.prefs.mutePlaces) {
    if (out.has(id)) continue;
    const rec = geo.lookupPlace(id);
    out.set(id, { id, label: rec ? (sub.lang === 'fr' && rec.nameFr ? rec.nameFr : rec.name) : id, muted: true });
  }
  return [...out.values()];
}

async function knownPlaces(ids: string[]): Promise<string[]> {
  const geo = await import('../../tag/geo/index.js');
  return [...new Set(ids)].filter((id) => geo.lookupPlace(id) !== null);
}

function consentChange(prev: ConsentRecord, granted: boolean, at: string): ConsentRecord {
  return prev.granted === granted ? prev : { granted, at, source: 'web-profile' };
}

function noticeText(L: (typeof LABELS)['fr'], notice: string): string {
  return notice === 'noted' ? L.noted : notice === 'saved' ? L.saved : notice === 'reauth' ? L.reauth : notice === 'personalization' ? L.saved : '';
}

function topicChoices(lang: Lang, taxonomy: { ids: readonly string[]; get(id: string): { labels: Record<Lang, string>; kind: string } | undefined }) {
  const ids = taxonomy.ids.length ? taxonomy.ids : TAXONOMY_TOPICS;
  return ids
    .map((id) => ({ id, label: taxonomy.get(id)?.labels[lang] ?? id, kind: taxonomy.get(id)?.kind }))
    .filter((t) => t.kind !== 'scope' || t.id === 'local');
}

/**
 * Everything Kiosque holds about one subscriber (STO-09): the record
 * (profile, consents with time and source, preferences), every click, every
 * edition, plus the extra sections other stages register (the newsletter's
 * send ledger: `exportSections.sends`).
 */
export async function exportSubscriberData(deps: Pick<WebDeps, 'ctx' | 'exportSections'>, subscriberId: string) {
  const { store, clock } = deps.ctx;
  const subscriber = await store.getSubscriber(subscriberId);
  if (!subscriber) return null;
  const clicks = await store.listClicks({ subscriberId, limit: 1_000_000 });
  const editions = await store.listEditions({ subscriberId, limit: 100_000 });
  const extra: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(deps.exportSections)) extra[name] = await fn(subscriberId);
  return {
    exportedAt: clock.now().toISOString(),
    format: 'kiosque-subscriber-export/1',
    subscriber,
    clicks,
    editions: editions.map((e) => ({ id: e.id, date: e.date, lang: e.lang, personalized: e.personalized, settingsVersion: e.settingsVersion, createdAt: e.createdAt, items: e.items.map((i) => ({ articleId: i.articleId, title: i.title, url: i.url, source: i.source, section: i.section, position: i.position, reasons: i.reasons })), metrics: e.metrics })),
    ...extra,
    notes: 'Kiosque keeps no IP address or browser logs per subscriber. Anonymous (untracked) clicks cannot be linked to you and are not included.',
  };
}
