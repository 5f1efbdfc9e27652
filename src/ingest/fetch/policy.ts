/**
 * The polling policy: given a feed and what its last fetch returned, the
 * feed's next fetch state. Pure — the clock comes in as `now`.
 *
 * Ordering contract for the caller (ING-20): compute and write this patch
 * only **after** the fetched items are durable —
 *
 *   const outcome = await fetchFeed(...);
 *   ... parse, then await store.upsertArticles(articles);   // items first
 *   await store.updateFeed(feed.id, nextFeedState(feed, outcome, clock.now()));
 *
 * The patch carries the new ETag/Last-Modified; writing it before the items
 * would let a crash in between turn the next poll into a 304 and lose them.
 * If the body turns out not to be a feed, pass an `error` outcome instead of
 * the `ok` one, so the validators are not stored and the failure is counted.
 *
 * Patch convention: a key present with the value `undefined` means "clear
 * this field" (e.g. a 200 without validators clears the stored ETag, so the
 * next request is unconditional). A key that is absent means "leave as is".
 */
import type { FeedRecord } from '../../model.js';
import type { FeedPatch } from '../../store/store.js';
import type { FetchOutcome } from './fetcher.js';

export interface PollPolicy {
  /** Normal interval between two polls of a healthy feed. */
  baseIntervalSeconds: number;
  /** Upper bound for intervals asked by the server (max-age, Expires, Retry-After, <ttl>). */
  maxIntervalSeconds: number;
  /** Upper bound for error backoff (base × 2^(errors−1)). */
  maxBackoffSeconds: number;
  /**
   * Consecutive failures (errors of any kind, 429/503 included) after which
   * the feed is disabled; re-enabling is an editor's action. With the defaults
   * (1 h base, doubling, 24 h cap) 30 failures take about four weeks, so a
   * weekend outage never disables a feed but a dead one stops being polled.
   */
  disableAfterErrors: number;
  /**
   * Polls that must see the same 301/308 target before the feed's URL is
   * changed. More than one resists a briefly hijacked or misconfigured
   * server (NewsBlur waits for 10); 1 would move immediately.
   */
  redirectConfirmations: number;
}

export const DEFAULT_POLL_POLICY: Readonly<PollPolicy> = {
  baseIntervalSeconds: 60 * 60,
  maxIntervalSeconds: 24 * 60 * 60,
  maxBackoffSeconds: 24 * 60 * 60,
  disableAfterErrors: 30,
  redirectConfirmations: 3,
};

/** What the parser learned from the body, when the caller has it. */
export interface ParsedFeedHints {
  /** RSS <ttl> (or sy:updatePeriod) in seconds: the publisher's own polling hint. */
  ttlSeconds?: number;
  itemCount?: number;
}

/** Delay before the next try after `errorCount` consecutive failures (≥ 1). */
export function backoffSeconds(errorCount: number, policy: PollPolicy = DEFAULT_POLL_POLICY): number {
  const exponent = Math.min(Math.max(errorCount, 1) - 1, 30); // bounded so 2^n stays finite
  return Math.min(policy.maxBackoffSeconds, policy.baseIntervalSeconds * 2 ** exponent);
}

export function nextFeedState(
  feed: FeedRecord,
  outcome: FetchOutcome,
  now: Date,
  policy: PollPolicy = DEFAULT_POLL_POLICY,
  parsed: ParsedFeedHints = {},
): FeedPatch {
  const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  const nowIso = now.toISOString();

  switch (outcome.kind) {
    case 'ok':
    case 'not-modified': {
      // The next poll waits at least as long as the publisher asked, but never beyond the cap.
      const wanted = Math.max(
        policy.baseIntervalSeconds,
        outcome.maxAgeSeconds ?? 0,
        outcome.expiresInSeconds ?? 0,
        parsed.ttlSeconds ?? 0,
      );
      const patch: FeedPatch = {
        lastFetchedAt: nowIso,
        lastSuccessAt: nowIso,
        lastStatus: outcome.status,
        lastError: undefined,
        errorCount: 0,
        nextFetchAt: at(Math.min(wanted, policy.maxIntervalSeconds)),
      };
      if (outcome.kind === 'ok') {
        // Replace both: missing (or forbidden) validators must not linger.
        patch.etag = outcome.etag;
        patch.lastModified = outcome.lastModified;
        if (parsed.itemCount !== undefined) patch.lastItemCount = parsed.itemCount;
      } else {
        // A 304 usually omits them; a 200 with the same ETag may bring a new Last-Modified (RFC 9111 §4.3.4).
        if (outcome.etag !== undefined) patch.etag = outcome.etag;
        if (outcome.lastModified !== undefined) patch.lastModified = outcome.lastModified;
      }
      Object.assign(patch, redirectPatch(feed, outcome.permanentRedirectTo, policy));
      return patch;
    }

    case 'gone':
      // The publisher says the feed is gone for good: stop polling, editors see the status.
      return {
        lastFetchedAt: nowIso,
        lastStatus: 410,
        lastError: 'HTTP 410 Gone: the publisher removed this feed; polling stopped',
        errorCount: feed.errorCount + 1,
        status: 'gone',
        pendingRedirect: undefined,
      };

    case 'rate-limited': {
      const errorCount = feed.errorCount + 1;
      const wait = Math.min(
        policy.maxIntervalSeconds,
        Math.max(policy.baseIntervalSeconds, outcome.retryAfterSeconds ?? 0, backoffSeconds(errorCount, policy)),
      );
      return {
        lastFetchedAt: nowIso,
        lastStatus: outcome.status,
        lastError: `rate limited (HTTP ${outcome.status})`,
        errorCount,
        nextFetchAt: at(wait),
        ...disableIfExhausted(errorCount, policy),
      };
    }

    case 'error': {
      // 404 included: backed off like any error, disabled only after the long run.
      const errorCount = feed.errorCount + 1;
      const disable = disableIfExhausted(errorCount, policy);
      return {
        lastFetchedAt: nowIso,
        lastStatus: outcome.status,
        lastError: disable.status ? `${outcome.message} (disabled after ${errorCount} consecutive failures)` : outcome.message,
        errorCount,
        nextFetchAt: at(backoffSeconds(errorCount, policy)),
        ...disable,
      };
    }
  }
}

function disableIfExhausted(errorCount: number, policy: PollPolicy): FeedPatch {
  return errorCount >= policy.disableAfterErrors ? { status: 'disabled' } : {};
}

/**
 * A 301/308 target becomes the feed's URL after `redirectConfirmations`
 * successful polls in a row that all saw the same target; a poll without it
 * (or with another one) starts over. Failed polls leave the count alone.
 * The caller must expect `store.updateFeed` to refuse a URL another feed
 * already has (two subscriptions that converged) and flag it.
 */
function redirectPatch(feed: FeedRecord, target: string | undefined, policy: PollPolicy): FeedPatch {
  if (!target || target === feed.url) return feed.pendingRedirect ? { pendingRedirect: undefined } : {};
  const count = feed.pendingRedirect?.url === target ? feed.pendingRedirect.count + 1 : 1;
  if (count >= policy.redirectConfirmations) return { url: target, pendingRedirect: undefined };
  return { pendingRedirect: { url: target, count } };
}
