/**
 * The editors' console (under /editor): sign-in by magic link for accounts
 * made with `kiosque editors add`, ranking and diversity weights with a live
 * preview on real subscribers, versioned settings with audit and restore,
 * curation (pins, blocks, sensitive topics), taxonomy, topic corrections,
 * feeds and their health, and the dashboard. Every page needs an editor
 * session; a subscriber's session gets 403 (WEB-10).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { EditorAccount, Lang, SettingsVersion } from '../../model.js';
import { currentSettings } from '../../edition/build.js';
import { DEFAULT_SETTINGS, validateSettings, SENSITIVE_ONLY_TOPICS, type EditorSettings } from '../../personalize/settings.js';
import { TaggingEngine, correctArticleTopic } from '../../tag/tagger.js';
import { saveTaxonomy } from '../../tag/taxonomy.js';
import { feedHealth, importFeeds, validateNewFeed } from '../../cli/commands/feeds.js';
import { parseOpml, toOpml } from '../../ingest/opml.js';
import { isUserError, oneLine } from '../../util/errors.js';
import { randomId } from '../../util/ids.js';
import type { WebDeps } from '../deps.js';
import { pickLang } from '../i18n.js';
import { sendPage, type PageData } from '../views.js';
import { EMPTY_QUERY, formSchema, seeOther, str, strList } from '../security.js';
import { clearSession, consumeMagicToken, currentEditor, currentSubscriber, emailHash, magicToken, readMagicToken, setSession } from '../session.js';
import { forgetBuilds, forgetTaxonomy, labelFor, taxonomyOf } from '../shared.js';
import { previewSettings, METRIC_KEYS, type PreviewResult } from './preview.js';
import { buildDashboard, mainTopic } from './dashboard.js';
import { toCsv } from './csv.js';

declare module 'fastify' {
  interface FastifyRequest {
    kqEditor?: EditorAccount;
  }
}

export const EDITOR_LOGIN_TTL_MS = 24 * 3600_000;

/** The settings form: field name → where it lives in EditorSettings, bounds and step of its slider. */
/**
 * Numeric settings on the editors' form. min/max are the schema's bounds, so a
 * browser never clamps a saved value; wide ranges are number boxes, not sliders.
 */
export const SETTING_FIELDS = [
  { name: 'w_content', path: ['weights', 'content'], min: 0, max: 10, step: 0.1, label: 'Relevance: content (what they read)' },
  { name: 'w_covisit', path: ['weights', 'covisit'], min: 0, max: 10, step: 0.1, label: 'Relevance: co-visitation' },
  { name: 'w_recency', path: ['weights', 'recency'], min: 0, max: 10, step: 0.1, label: 'Relevance: recency' },
  { name: 'w_popularity', path: ['weights', 'popularity'], min: 0, max: 10, step: 0.1, label: 'Relevance: popularity' },
  { name: 'w_local', path: ['weights', 'local'], min: 0, max: 10, step: 0.1, label: 'Relevance: near home' },
  { name: 'w_editorial', path: ['weights', 'editorial'], min: 0, max: 10, step: 0.1, label: 'Relevance: editorial priority' },
  { name: 'mmrLambda', path: ['mmrLambda'], min: 0, max: 1, step: 0.05, label: 'Diversity: MMR λ (1 = relevance only)' },
  { name: 'calibrationStrength', path: ['calibration', 'strength'], min: 0, max: 1, step: 0.05, label: 'Diversity: topic calibration strength' },
  { name: 'calibrationHistoryShare', path: ['calibration', 'historyShare'], min: 0, max: 1, step: 0.05, label: 'Diversity: share of the topic target from the reader\'s history (rest: editorial baseline)' },
  { name: 'calibrationSeatLambda', path: ['calibration', 'seatLambda'], min: 0, max: 1, step: 0.05, label: 'Diversity: MMR λ when a calibration seat is filled' },
  { name: 'explorationShare', path: ['explorationShare'], min: 0, max: 0.5, step: 0.05, label: 'Diversity: exploration share' },
  { name: 'bubbleFloorBits', path: ['bubbleGuard', 'floorBits'], min: 0, max: 6, step: 0.1, label: 'Bubble guard: topic entropy floor in bits (0 = off)' },
  { name: 'bubbleEditions', path: ['bubbleGuard', 'editions'], min: 1, max: 60, step: 1, input: 'number', label: 'Bubble guard: latest editions averaged' },
  { name: 'bubbleExplorationBoost', path: ['bubbleGuard', 'explorationBoost'], min: 0, max: 0.5, step: 0.05, label: 'Bubble guard: extra exploration share at full shortfall' },
  { name: 'bubbleBaselineBoost', path: ['bubbleGuard', 'baselineBoost'], min: 0, max: 1, step: 0.05, label: 'Bubble guard: lean toward the editorial baseline at full shortfall' },
  { name: 'holdBits', path: ['bubbleGuard', 'holdBits'], min: 0, max: 6, step: 0.1, label: 'Edition floor: topic entropy each edition keeps, in bits' },
  { name: 'holdSlots', path: ['bubbleGuard', 'holdSlots'], min: 0, max: 50, step: 1, input: 'number', label: 'Edition floor: most items swapped to reach it (0 = off)' },
  { name: 'holdRampClicks', path: ['bubbleGuard', 'holdRampClicks'], min: 0, max: 1000, step: 1, input: 'number', label: 'Edition floor: half strength at this many recent clicks' },
  { name: 'holdLambda', path: ['bubbleGuard', 'holdLambda'], min: 0, max: 1, step: 0.05, label: 'Edition floor: relevance vs unlikeness of swapped-in stories' },
  { name: 'holdInterestPower', path: ['bubbleGuard', 'holdInterestPower'], min: 0, max: 4, step: 0.1, label: 'Edition floor: weight of topic interest in a swap (exponent)' },
  { name: 'maxPerSource', path: ['maxPerSource'], min: 1, max: 100, step: 1, input: 'number', label: 'Diversity: most items per source' },
  { name: 'geoLocal', path: ['geoMix', 'local'], min: 0, max: 1, step: 0.05, label: 'Geography: local target' },
  { name: 'geoNational', path: ['geoMix', 'national'], min: 0, max: 1, step: 0.05, label: 'Geography: national target' },
  { name: 'geoWorld', path: ['geoMix', 'world'], min: 0, max: 1, step: 0.05, label: 'Geography: world target' },
  { name: 'geoStrength', path: ['geoMix', 'strength'], min: 0, max: 1, step: 0.05, label: 'Geography: strength' },
  { name: 'editionSize', path: ['editionSize'], min: 3, max: 100, step: 1, input: 'number', label: 'Items per edition' },
  { name: 'profileHalfLifeDays', path: ['profileHalfLifeDays'], min: 0.5, max: 3650, step: 0.5, input: 'number', label: 'Profile: days after which a click counts half' },
  { name: 'recencyHalfLifeHours', path: ['recencyHalfLifeHours'], min: 0.5, max: 720, step: 0.5, input: 'number', label: 'Recency: hours after which an article counts half' },
  { name: 'candidateWindowHours', path: ['candidateWindowHours'], min: 1, max: 336, step: 1, input: 'number', label: 'Candidates: articles of the last N hours' },
] as const;

const NUMBER = '^-?(\\d{1,6}(\\.\\d{1,6})?|\\.\\d{1,6})(e-?\\d{1,3})?$';
const settingsBody = formSchema(
  { ...Object.fromEntries(SETTING_FIELDS.map((f) => [f.name, str(24, { pattern: NUMBER })])), note: str(300) },
  SETTING_FIELDS.map((f) => f.name),
);
type SettingsBody = Record<string, string> & { note?: string };

function getPath(o: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

/** The current settings with the form's values applied, validated (STO-13: bounds, finite, some weight > 0). */
export function settingsFromForm(current: EditorSettings, body: Record<string, string>): { ok: true; settings: EditorSettings } | { ok: false; error: string } {
  const next = structuredClone(current) as unknown as Record<string, unknown>;
  for (const f of SETTING_FIELDS) {
    const v = Number(body[f.name]);
    let target = next;
    for (const k of f.path.slice(0, -1)) target = target[k] as Record<string, unknown>;
    target[f.path[f.path.length - 1]!] = v;
  }
  return validateSettings(next);
}

/** What changed between two settings, as "path: old → new" lines (the audit's detail). */
export function settingsDiff(a: unknown, b: unknown, prefix = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    return keys.flatMap((k) => settingsDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
  }
  return [`${prefix || '(all)'}: ${JSON.stringify(a) ?? '—'} → ${JSON.stringify(b) ?? '—'}`];
}

export function editorPlugin(deps: WebDeps): FastifyPluginAsync {
  const { store, clock, config, log } = deps.ctx;
  let engine: Promise<TaggingEngine> | undefined;

  const needEditor = async (req: FastifyRequest, reply: FastifyReply) => {
    const editor = await currentEditor(req, deps.session, store);
    if (editor) {
      req.kqEditor = editor;
      return;
    }
    // A subscriber is known but not allowed; nobody at all must sign in.
    if (await currentSubscriber(req, deps.session, store)) return reply.code(403).type('text/plain; charset=utf-8').send('editors only');
    if (req.method === 'GET') return seeOther(reply, '/editor/login');
    return reply.code(401).type('text/plain; charset=utf-8').send('sign in first');
  };

  const lang = (req: FastifyRequest): Lang => pickLang(undefined, req.headers['accept-language']);
  const page = (req: FastifyRequest, reply: FastifyReply, title: string, extra: Record<string, unknown> = {}): PageData => ({
    lang: lang(req),
    title,
    area: 'editor',
    csrf: reply.generateCsrf(),
    editor: req.kqEditor,
    ...extra,
  });

  async function audit(editor: EditorAccount, action: string, detail: unknown) {
    await store.addAudit({ id: randomId(), at: clock.now().toISOString(), actor: editor.email, action, detail });
  }

  async function saveVersion(editor: EditorAccount, settings: EditorSettings, note: string, action: string) {
    const before = await currentSettings(store, log);
    const saved = await store.saveSettings(settings, editor.email, note.slice(0, 300));
    await audit(editor, action, { version: saved.version, note, changes: settingsDiff(before.settings, settings) });
    forgetBuilds();
    return saved;
  }

  return async (app: FastifyInstance) => {
    const loginLimit = { rateLimit: { max: deps.limits.signupPer10Min, timeWindow: 10 * 60_000 } };
    app.decorateRequest('kqEditor', undefined);

    // ───── sign-in ─────

    app.get('/login', { schema: { querystring: EMPTY_QUERY } }, async (req, reply) =>
      sendPage(reply, 'login', { lang: lang(req), title: 'Editors — sign in', area: 'editor', csrf: reply.generateCsrf(), action: '/editor/login' }),
    );

    app.post<{ Body: { email: string } }>('/login', { config: loginLimit, schema: { body: formSchema({ email: str(254) }, ['email']) } }, async (req, reply) => {
      const editor = await store.getEditorByEmail(req.body.email.trim().toLowerCase());
      // One mail per account per cooldown, whatever the client; the answer never says whether the account exists.
      if (editor && (await store.claimCooldown(`editor-mail:${emailHash(editor.email)}`, deps.limits.mailCooldownMs))) {
        const link = `${config.baseUrl}/editor/login/${magicToken(deps.session, 'editor', editor, 30 * 60_000)}`;
        try {
          await deps.mailer.send({ to: editor.email, subject: 'Kiosque editors: your sign-in link', text: `Sign in to the Kiosque editors' console (valid 30 minutes, once):\n\n${link}\n` });
        } catch (e) {
          log.warn(`editor sign-in mail failed: ${oneLine(e)}`);
        }
      }
      return sendPage(reply, 'message', { lang: lang(req), title: 'Editors — sign in', area: 'editor', csrf: reply.generateCsrf(), message: 'If this address belongs to an editor, a sign-in link is on its way.' });
    });

    app.get<{ Params: { token: string } }>(
      '/login/:token',
      { schema: { params: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: str(2048) } } } },
      async (req, reply) => {
        const p = readMagicToken(deps.session, 'editor', req.params.token);
        const editor = p ? await store.getEditor(p.i) : null;
        const data = { lang: lang(req), title: 'Editors — sign in', area: 'editor' as const, csrf: reply.generateCsrf() };
        if (!p || !editor || emailHash(editor.email) !== p.h) return sendPage(reply, 'message', { ...data, message: 'This link is no longer valid. Ask for a new one.' }, 404);
        return sendPage(reply.header('referrer-policy', 'no-referrer'), 'magic', { ...data, token: req.params.token, action: '/editor/login/confirm' });
      },
    );

    app.post<{ Body: { token: string } }>('/login/confirm', { config: loginLimit, schema: { body: formSchema({ token: str(2048) }, ['token']) } }, async (req, reply) => {
      const p = readMagicToken(deps.session, 'editor', req.body.token);
      const editor = p ? await store.getEditor(p.i) : null;
      if (!p || !editor || emailHash(editor.email) !== p.h || !(await consumeMagicToken(store, deps.session, p))) {
        return sendPage(reply, 'message', { lang: lang(req), title: 'Editors — sign in', area: 'editor', csrf: reply.generateCsrf(), message: 'This link is no longer valid. Ask for a new one.' }, 404);
      }
      setSession(reply, deps.session, 'editor', editor);
      await audit(editor, 'editor.login', {});
      return seeOther(reply, '/editor');
    });

    app.post('/logout', { schema: { body: formSchema({}) } }, async (_req, reply) => {
      clearSession(reply, deps.session, 'editor');
      return seeOther(reply, '/editor/login');
    });

    // ───── dashboard ─────

    app.get('/', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      const taxonomy = await taxonomyOf(store);
      const dash = await buildDashboard(store, clock.now(), { topicLabel: labelFor(taxonomy, 'en') });
      const { version } = await currentSettings(store, log);
      return sendPage(reply, 'editor-dashboard', page(req, reply, 'Dashboard', { dash, version }));
    });

    // Articles of the last two weeks with their clicks, for a spreadsheet (formulas neutralised: STO-12).
    app.get('/reports/articles.csv', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (_req, reply) => {
      const since = new Date(clock.now().getTime() - 14 * 86400_000).toISOString();
      const articles = await store.listArticles({ since, limit: 50_000 });
      const clicks = await store.clickCounts(since);
      const feeds = new Map((await store.listFeeds()).map((f) => [f.id, f.title]));
      const rows = articles.map((a) => [a.publishedAt, feeds.get(a.feedId) ?? a.feedId, a.title, mainTopic(a), clicks.get(a.id) ?? 0, a.url ?? '']);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="kiosque-articles.csv"')
        .send(toCsv(['published', 'source', 'title', 'topic', 'clicks', 'url'], rows));
    });

    // ───── weights, preview, versions ─────

    const settingsPage = async (req: FastifyRequest, reply: FastifyReply, values: Record<string, number>, extra: Record<string, unknown>, status = 200) => {
      const { version } = await currentSettings(store, log);
      return sendPage(reply, 'editor-settings', page(req, reply, 'Weights', { fields: SETTING_FIELDS.map((f) => ({ ...f, value: values[f.name] })), version, metricKeys: METRIC_KEYS, ...extra }), status);
    };
    const valuesOf = (s: EditorSettings) => Object.fromEntries(SETTING_FIELDS.map((f) => [f.name, getPath(s, f.path) as number]));

    app.get('/settings', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      const { settings } = await currentSettings(store, log);
      return settingsPage(req, reply, valuesOf(settings), {});
    });

    app.post<{ Body: SettingsBody }>('/settings/preview', { preHandler: needEditor, schema: { body: settingsBody } }, async (req, reply) => {
      const { settings } = await currentSettings(store, log);
      const next = settingsFromForm(settings, req.body);
      const values = Object.fromEntries(SETTING_FIELDS.map((f) => [f.name, Number(req.body[f.name])]));
      if (!next.ok) return settingsPage(req, reply, values, { error: next.error, note: req.body.note }, 400);
      const preview: PreviewResult = await previewSettings(store, settings, next.settings, clock.now());
      return settingsPage(req, reply, values, { preview, changes: settingsDiff(settings, next.settings), note: req.body.note });
    });

    app.post<{ Body: SettingsBody }>('/settings', { preHandler: needEditor, schema: { body: settingsBody } }, async (req, reply) => {
      const { settings } = await currentSettings(store, log);
      const next = settingsFromForm(settings, req.body);
      if (!next.ok) {
        const values = Object.fromEntries(SETTING_FIELDS.map((f) => [f.name, Number(req.body[f.name])]));
        return settingsPage(req, reply, values, { error: next.error, note: req.body.note }, 400);
      }
      await saveVersion(req.kqEditor!, next.settings, req.body.note ?? '', 'settings.save');
      return seeOther(reply, '/editor/versions');
    });

    app.get('/versions', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      const versions = (await store.listSettingsVersions()).sort((a, b) => b.version - a.version);
      const { version: inForce } = await currentSettings(store, log);
      const rows = versions.map((v: SettingsVersion, i) => ({
        version: v.version,
        author: v.author,
        createdAt: v.createdAt,
        note: v.note ?? '',
        valid: validateSettings(v.settings).ok,
        changes: settingsDiff(versions[i + 1]?.settings ?? DEFAULT_SETTINGS, v.settings).slice(0, 12),
      }));
      const auditLog = await store.listAudit({ limit: 200 });
      return sendPage(reply, 'editor-versions', page(req, reply, 'Versions and audit', { rows, inForce, audit: auditLog.map((a) => ({ ...a, detail: JSON.stringify(a.detail).slice(0, 400) })) }));
    });

    app.post<{ Params: { version: string } }>(
      '/versions/:version/restore',
      {
        preHandler: needEditor,
        schema: { params: { type: 'object', additionalProperties: false, required: ['version'], properties: { version: str(9, { pattern: '^[1-9]\\d{0,8}$' }) } }, body: formSchema({}) },
      },
      async (req, reply) => {
        const v = await store.getSettingsVersion(Number(req.params.version));
        if (!v) return reply.callNotFound();
        const checked = validateSettings(v.settings);
        if (!checked.ok) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `version ${v.version} is not valid: ${checked.error}` });
        await saveVersion(req.kqEditor!, checked.settings, `restore of version ${v.version}`, 'settings.restore');
        return seeOther(reply, '/editor/versions');
      },
    );

    // ───── curation: pins, blocks, sensitive topics ─────

    app.get('/curation', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      const { settings } = await currentSettings(store, log);
      const taxonomy = await taxonomyOf(store);
      const label = labelFor(taxonomy, 'en');
      const topicIds = [...new Set([...taxonomy.ids, ...SENSITIVE_ONLY_TOPICS])];
      const feeds = await store.listFeeds();
      const pinned = await store.getArticles(settings.pinned.articleIds);
      return sendPage(
        reply,
        'editor-curation',
        page(req, reply, 'Curation', {
          settings,
          topics: topicIds.map((id) => ({ id, label: label(id), blocked: settings.blocked.topics.includes(id), sensitive: settings.sensitiveTopics.includes(id) })),
          feeds: feeds.map((f) => ({ id: f.id, title: f.title, blocked: settings.blocked.sources.includes(f.id) })),
          pinned: settings.pinned.articleIds.map((id) => ({ id, title: pinned.find((a) => a.id === id)?.title ?? '(not in store)' })),
        }),
      );
    });

    type CurationBody = { pinnedArticles?: string; pinnedClusters?: string; blockedSources?: string[]; blockedTopics?: string[]; sensitiveTopics?: string[]; note?: string };
    app.post<{ Body: CurationBody }>(
      '/curation',
      {
        preHandler: needEditor,
        schema: {
          body: formSchema({
            pinnedArticles: str(20_000),
            pinnedClusters: str(20_000),
            blockedSources: strList(64, 1000),
            blockedTopics: strList(64, 200),
            sensitiveTopics: strList(64, 200),
            note: str(300),
          }),
        },
      },
      async (req, reply) => {
        const { settings } = await currentSettings(store, log);
        const lines = (s: string | undefined) => [...new Set((s ?? '').split(/[\s,]+/).map((x) => x.trim()).filter(Boolean))];
        const next = validateSettings({
          ...settings,
          pinned: { articleIds: lines(req.body.pinnedArticles), clusterIds: lines(req.body.pinnedClusters) },
          blocked: { sources: req.body.blockedSources ?? [], topics: req.body.blockedTopics ?? [] },
          sensitiveTopics: req.body.sensitiveTopics ?? [],
        });
        if (!next.ok) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: next.error });
        await saveVersion(req.kqEditor!, next.settings, req.body.note || 'curation', 'settings.curation');
        return seeOther(reply, '/editor/curation');
      },
    );

    // ───── taxonomy ─────

    app.get('/taxonomy', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      const taxonomy = await taxonomyOf(store, 0);
      return sendPage(reply, 'editor-taxonomy', page(req, reply, 'Taxonomy', { json: JSON.stringify(taxonomy.toJSON(), null, 2) }));
    });

    app.post<{ Body: { taxonomy: string } }>('/taxonomy', { preHandler: needEditor, schema: { body: formSchema({ taxonomy: str(500_000) }, ['taxonomy']) } }, async (req, reply) => {
      let value: unknown;
      try {
        value = JSON.parse(req.body.taxonomy);
        const saved = await saveTaxonomy(store, value);
        await audit(req.kqEditor!, 'taxonomy.save', { topics: saved.ids.length });
      } catch (e) {
        const message = e instanceof SyntaxError ? `not valid JSON: ${e.message}` : isUserError(e) ? e.message : oneLine(e);
        return sendPage(reply, 'editor-taxonomy', page(req, reply, 'Taxonomy', { json: req.body.taxonomy, error: message }), 400);
      }
      forgetTaxonomy();
      engine = undefined;
      return seeOther(reply, '/editor/taxonomy');
    });

    // ───── articles: topic corrections, pins ─────

    app.get<{ Querystring: { feedId?: string; page?: number } }>(
      '/articles',
      {
        preHandler: needEditor,
        schema: { querystring: { type: 'object', additionalProperties: false, properties: { feedId: str(64), page: { type: 'integer', minimum: 0, maximum: 1000 } } } },
      },
      async (req, reply) => {
        const taxonomy = await taxonomyOf(store);
        const label = labelFor(taxonomy, 'en');
        const pageNo = req.query.page ?? 0;
        const list = await store.listArticles({ limit: 50, offset: pageNo * 50, ...(req.query.feedId ? { feedId: req.query.feedId } : {}) });
        const feeds = new Map((await store.listFeeds()).map((f) => [f.id, f.title]));
        const { settings } = await currentSettings(store, log);
        return sendPage(
          reply,
          'editor-articles',
          page(req, reply, 'Articles and topics', {
            articles: list.map((a) => ({
              id: a.id,
              title: a.title,
              source: feeds.get(a.feedId) ?? a.feedId,
              publishedAt: a.publishedAt.slice(0, 16).replace('T', ' '),
              topic: mainTopic(a),
              topicLabel: label(mainTopic(a)),
              corrected: !!a.tags?.topicOverride,
              pinned: settings.pinned.articleIds.includes(a.id),
            })),
            subjects: taxonomy.subjectIds.map((id) => ({ id, label: label(id) })),
            pageNo,
          }),
        );
      },
    );

    app.post<{ Params: { id: string }; Body: { topic: string } }>(
      '/articles/:id/topic',
      {
        preHandler: needEditor,
        schema: { params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: str(64) } }, body: formSchema({ topic: str(64) }, ['topic']) },
      },
      async (req, reply) => {
        engine ??= TaggingEngine.load(store, { clock });
        try {
          await correctArticleTopic(store, await engine, req.params.id, req.body.topic);
        } catch (e) {
          if (isUserError(e)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: e.message });
          throw e;
        }
        await audit(req.kqEditor!, 'article.topic', { articleId: req.params.id, topic: req.body.topic });
        forgetBuilds();
        return seeOther(reply, '/editor/articles');
      },
    );

    app.post<{ Params: { id: string }; Body: { pin: 'on' | 'off' } }>(
      '/articles/:id/pin',
      {
        preHandler: needEditor,
        schema: {
          params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: str(64) } },
          body: formSchema({ pin: { type: 'string', enum: ['on', 'off'] } }, ['pin']),
        },
      },
      async (req, reply) => {
        if (!(await store.getArticle(req.params.id))) return reply.callNotFound();
        const { settings } = await currentSettings(store, log);
        const ids = settings.pinned.articleIds.filter((x) => x !== req.params.id);
        if (req.body.pin === 'on') ids.push(req.params.id);
        const next = validateSettings({ ...settings, pinned: { ...settings.pinned, articleIds: ids } });
        if (!next.ok) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: next.error });
        await saveVersion(req.kqEditor!, next.settings, `${req.body.pin === 'on' ? 'pin' : 'unpin'} ${req.params.id}`, 'settings.pin');
        return seeOther(reply, '/editor/articles');
      },
    );

    // ───── feeds ─────

    app.get('/feeds', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (req, reply) => {
      const weekAgo = new Date(clock.now().getTime() - 7 * 86400_000).toISOString();
      const feeds = await store.listFeeds();
      const rows = [];
      for (const f of feeds) rows.push({ ...feedHealth(f), perDay: Math.round(((await store.countArticles({ feedId: f.id, since: weekAgo })) / 7) * 10) / 10 });
      return sendPage(reply, 'editor-feeds', page(req, reply, 'Feeds', { feeds: rows }));
    });

    type AddFeedBody = { url: string; section: string; title?: string; lang?: string; country?: string };
    app.post<{ Body: AddFeedBody }>(
      '/feeds',
      {
        preHandler: needEditor,
        schema: { body: formSchema({ url: str(2000), section: str(120), title: str(300), lang: { type: 'string', enum: ['', 'fr', 'en'] }, country: str(2) }, ['url', 'section']) },
      },
      async (req, reply) => {
        try {
          const b = req.body;
          const feed = validateNewFeed({ url: b.url, section: b.section, title: b.title, lang: b.lang || undefined, country: b.country || undefined }, { allowPrivate: config.fetchAllowPrivate });
          const saved = await store.upsertFeed(feed);
          await audit(req.kqEditor!, 'feed.add', { id: saved.id, url: saved.url });
        } catch (e) {
          if (isUserError(e)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: e.message });
          throw e;
        }
        return seeOther(reply, '/editor/feeds');
      },
    );

    app.post<{ Body: { opml: string; section?: string } }>(
      '/feeds/import',
      { preHandler: needEditor, schema: { body: formSchema({ opml: str(200_000), section: str(120) }, ['opml']) } },
      async (req, reply) => {
        try {
          const parsed = await parseOpml(req.body.opml, { defaultSection: req.body.section || 'Imported' });
          const checked = [];
          for (const f of parsed.feeds) {
            try {
              checked.push(validateNewFeed({ ...f, lang: f.lang, country: f.country, region: f.region }, { allowPrivate: config.fetchAllowPrivate }));
            } catch {
              // a refused URL is skipped, not fatal
            }
          }
          const r = await importFeeds({ store }, checked);
          await audit(req.kqEditor!, 'feed.import', { ...r, refused: parsed.feeds.length - checked.length, skipped: parsed.skipped });
        } catch (e) {
          if (isUserError(e)) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: e.message });
          throw e;
        }
        return seeOther(reply, '/editor/feeds');
      },
    );

    app.get('/feeds.opml', { preHandler: needEditor, schema: { querystring: EMPTY_QUERY } }, async (_req, reply) =>
      reply
        .header('content-type', 'text/x-opml; charset=utf-8')
        .header('content-disposition', 'attachment; filename="kiosque-feeds.opml"')
        .send(toOpml(await store.listFeeds())),
    );

    app.post<{ Params: { id: string }; Body: { status: 'active' | 'disabled' } }>(
      '/feeds/:id/status',
      {
        preHandler: needEditor,
        schema: {
          params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: str(64) } },
          body: formSchema({ status: { type: 'string', enum: ['active', 'disabled'] } }, ['status']),
        },
      },
      async (req, reply) => {
        const f = await store.getFeed(req.params.id);
        if (!f) return reply.callNotFound();
        const s = req.body.status;
        await store.updateFeed(f.id, { status: s, ...(s === 'active' ? { errorCount: 0, nextFetchAt: new Date(0).toISOString() } : {}) });
        await audit(req.kqEditor!, `feed.${s === 'active' ? 'enable' : 'disable'}`, { id: f.id, url: f.url });
        return seeOther(reply, '/editor/feeds');
      },
    );
  };
}
