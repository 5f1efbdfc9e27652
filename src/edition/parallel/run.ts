/**
 * A day's build shared by every instance pointed at the same store.
 *
 * The first instance to arrive writes the run's plan in the store (kv
 * `build:<day>:run`): the build instant, the settings version, and P
 * partitions as ranges of subscriber ids (about `partitionSize` subscribers
 * each, cut while listing subscribers in id order). Every instance then loops:
 * take the lease `build:<run>:<p>` of a partition not yet marked done, build it
 * in one of its worker threads, mark it done (kv), release the lease. Leases
 * are renewed while a partition is being built, so the partitions of an
 * instance that dies come free when their lease expires and another instance
 * takes them over (the lease's fencing token then shows the change of hands).
 * Rebuilding a partition is harmless: an edition replaces the one of the same
 * subscriber and date. Adding instances adds threads that take partitions.
 */
import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/log.js';
import type { Lease } from '../../model.js';
import { UserError } from '../../util/errors.js';
import { fnv1a } from '../../ingest/dedupe.js';
import { randomId } from '../../util/ids.js';
import { validateSettings, type EditorSettings } from '../../personalize/settings.js';
import { currentTaxonomy } from '../../tag/taxonomy.js';
import { currentSettings, type BuildDeps } from '../build.js';
import { storeLocationOf, type StoreLocation } from './location.js';
import { buildPartition, preparePartitionContext, type BuildSpec, type IdRange, type PartitionContext, type PartitionResult } from './partition.js';
import { createWorkerPool, resolveWorkers, type PartitionRunner } from './pool.js';
import { SqliteStore } from '../../store/sqlite.js';

/** What the single-thread build needs too (src/edition/build.ts BuildDeps), less its options. */
export type PartitionedBuildDeps = Pick<BuildDeps, 'store' | 'log' | 'clock' | 'editionsDir' | 'baseUrl' | 'secret'>;

export interface PartitionedBuildOptions {
  /** Edition date for everyone; by default each subscriber's local today. */
  date?: string;
  /** This instance's name in leases and done marks (config instanceId). */
  owner?: string;
  /** Worker threads; 0 or absent = config/env KIOSQUE_WORKERS, 0 there = one per core. */
  workers?: number;
  /** Build in this thread (no workers); forced when the store cannot be reopened by a thread (in-memory SQLite). */
  inProcess?: boolean;
  /** Subscribers per partition (default DEFAULT_PARTITION_SIZE). */
  partitionSize?: number;
  /** Partition lease time to live (default 60 s); renewed every third of it. */
  leaseMs?: number;
  /** Wait between looks for free partitions while others hold the rest (default leaseMs / 4). */
  pollMs?: number;
  /** Write editions/DATE/… files (default true). */
  render?: boolean;
  location?: StoreLocation;
  /** Progress and coordination events (tests, logs). */
  onEvent?: (e: BuildEvent) => void;
  /** Checked between partitions: stop taking new ones. */
  signal?: AbortSignal;
}

export type BuildEvent =
  | { type: 'run'; runId: string; partitions: number; created: boolean }
  /** Threads started and each holding the prepared build (candidates, co-visitation, popularity). */
  | { type: 'ready'; threads: number; ms: number }
  | { type: 'took'; partition: number; token: number }
  | { type: 'done'; partition: number; editions: number }
  | { type: 'lost'; partition: number };

export interface PartitionedBuildReport {
  runId: string;
  partitions: number;
  /** Partitions this instance built (and marked done). */
  built: number[];
  /** Among them, those another instance had taken before (its lease lapsed). */
  takenOver: number[];
  /** Editions this instance stored. */
  editions: number;
  /** Subscribers in the run's plan (all instances). */
  subscribers: number;
  dates: string[];
  settingsVersion: number;
  threads: number;
  seconds: number;
  /** Summed over threads: time reading pages, planning, storing and rendering. */
  readMs: number;
  planMs: number;
  storeMs: number;
  renderMs: number;
}

/** The run's plan, stored in kv: every instance builds the same thing. */
export interface RunPlan {
  id: string;
  day: string;
  nowMs: number;
  date?: string;
  settingsVersion: number;
  /** Last id of each partition but the last (open-ended). */
  bounds: string[];
  subscribers: number;
  createdAt: string;
  createdBy: string;
}

interface DoneMark {
  by: string;
  token: number;
  editions: number;
  at: string;
}

/** How long a run's coordination state (plan, done marks, leases) is kept after it was planned. */
export const RUN_STATE_DAYS = 7;

/**
 * Subscribers per partition. A thread that finishes its last partition while
 * another is still building idles for up to one partition: smaller ones make
 * that tail shorter (a page of PAGE subscribers is read at a time either way).
 */
export const DEFAULT_PARTITION_SIZE = 500;

const runKey = (day: string) => `build:${day}:run`;
const doneKey = (runId: string, p: number) => `build:${runId}:${p}:done`;
const completeKey = (runId: string) => `build:${runId}:complete`;
const leaseName = (runId: string, p: number) => `build:${runId}:${p}`;

export function partitionRange(plan: Pick<RunPlan, 'bounds'>, p: number): IdRange {
  return {
    ...(p > 0 ? { after: plan.bounds[p - 1]! } : {}),
    ...(p < plan.bounds.length ? { through: plan.bounds[p]! } : {}),
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function runPartitionedBuild(deps: PartitionedBuildDeps, opts: PartitionedBuildOptions = {}): Promise<PartitionedBuildReport> {
  const t0 = performance.now();
  const { store, log } = deps;
  const owner = opts.owner ?? `${process.pid}-${randomId()}`;
  const leaseMs = opts.leaseMs ?? 60_000;
  const pollMs = opts.pollMs ?? Math.max(50, Math.floor(leaseMs / 4));
  const partitionSize = opts.partitionSize ?? DEFAULT_PARTITION_SIZE;
  if (!Number.isInteger(partitionSize) || partitionSize < 1) throw new UserError('partition size must be a positive integer');
  const emit = opts.onEvent ?? (() => undefined);

  const { plan, created } = await joinOrCreateRun(store, deps.clock, { owner, leaseMs, pollMs, partitionSize, date: opts.date, log, signal: opts.signal });
  const P = plan.bounds.length + 1;
  emit({ type: 'run', runId: plan.id, partitions: P, created });
  const settings = await settingsOf(store, plan.settingsVersion, log);
  const spec: BuildSpec = {
    settings,
    settingsVersion: plan.settingsVersion,
    nowMs: plan.nowMs,
    ...(plan.date ? { date: plan.date } : {}),
    ...(opts.render !== false ? { render: { editionsDir: deps.editionsDir, baseUrl: deps.baseUrl, secret: deps.secret } } : {}),
  };

  const report: PartitionedBuildReport = {
    runId: plan.id,
    partitions: P,
    built: [],
    takenOver: [],
    editions: 0,
    subscribers: plan.subscribers,
    dates: [],
    settingsVersion: plan.settingsVersion,
    threads: 0,
    seconds: 0,
    readMs: 0,
    planMs: 0,
    storeMs: 0,
    renderMs: 0,
  };
  const dates = new Set<string>();
  if (!(await isComplete(store, plan))) {
    const r0 = performance.now();
    const runner = await createRunner(store, spec, opts, log);
    report.threads = runner.slots;
    emit({ type: 'ready', threads: runner.slots, ms: Math.round(performance.now() - r0) });
    try {
      const active = new Set<number>();
      // Partitions known to be done (marks are never removed within a run): skipped without
      // reading their mark again, so taking the next partition does not re-read every earlier
      // one (P²/2 reads over a run: half a million at a million subscribers).
      const knownDone = new Set<number>();
      // Instances start at different partitions, so they rarely race for the same lease.
      const start = fnv1a(owner) % P;
      /** A partition to build, or whether any partition left is held by another instance (null: none is). */
      const claim = async (): Promise<{ p: number; lease: Lease } | { heldElsewhere: boolean }> => {
        let heldElsewhere = false;
        for (let k = 0; k < P; k++) {
          const p = (start + k) % P;
          if (active.has(p) || knownDone.has(p)) continue;
          // Marked before any await, so two threads of this instance never take the same partition.
          active.add(p);
          if (await store.getKv<DoneMark>(doneKey(plan.id, p))) {
            knownDone.add(p);
            active.delete(p);
            continue;
          }
          const lease = await store.acquireLease(leaseName(plan.id, p), owner, leaseMs);
          // Done between the look and the lease: someone finished it.
          if (lease && !(await store.getKv<DoneMark>(doneKey(plan.id, p)))) return { p, lease };
          if (!lease) heldElsewhere = true;
          active.delete(p);
          if (lease) await store.releaseLease(lease);
        }
        return { heldElsewhere };
      };
      // Wakes idle slots when one of this instance's partitions ends (rather than after a whole poll interval).
      let wake: () => void = () => undefined;
      let changed = new Promise<void>((r) => (wake = r));
      const notify = () => {
        wake();
        changed = new Promise<void>((r) => (wake = r));
      };
      // One thread failing stops this instance taking partitions; the others' leases lapse or are released.
      let failed = false;
      const slotLoop = async (slot: number) => {
        for (;;) {
          if (opts.signal?.aborted || failed) return;
          const got = await claim();
          if (!('lease' in got)) {
            if (await isComplete(store, plan)) return;
            // What is left is being built by this instance's other threads: nothing for this one to wait for.
            if (!got.heldElsewhere) return;
            // Held elsewhere: look again after a poll interval (a dead instance's lease lapses), or as soon as one of ours ends.
            const stop = new AbortController();
            const onAbort = () => stop.abort();
            opts.signal?.addEventListener('abort', onAbort, { once: true });
            // The timer is cleared either way, so a finished build never waits on it to exit.
            await Promise.race([sleep(pollMs, stop.signal), changed.then(onAbort)]);
            onAbort();
            opts.signal?.removeEventListener('abort', onAbort);
            continue;
          }
          const { p, lease } = got;
          emit({ type: 'took', partition: p, token: lease.token });
          let lost = false;
          const renew = setInterval(() => {
            store.renewLease(lease, leaseMs).then(
              (ok) => {
                if (!ok) lost = true;
              },
              (e) => log.warn(`lease ${lease.name}: renewal failed: ${(e as Error).message}`),
            );
          }, Math.max(20, Math.floor(leaseMs / 3)));
          let result: PartitionResult;
          try {
            result = await runner.run(slot, partitionRange(plan, p));
          } catch (e) {
            failed = true;
            // Free at once for another instance, rather than after the lease's time to live.
            await store.releaseLease(lease).catch(() => undefined);
            throw e;
          } finally {
            clearInterval(renew);
            notify();
          }
          // Marked done only while the lease is still ours (fenced by its token).
          if (!lost && (await store.renewLease(lease, leaseMs))) {
            await store.setKv<DoneMark>(doneKey(plan.id, p), { by: owner, token: lease.token, editions: result.editions, at: deps.clock.now().toISOString() });
            knownDone.add(p);
            report.built.push(p);
            if (lease.token > 1) report.takenOver.push(p);
            report.editions += result.editions;
            report.readMs += result.readMs;
            report.planMs += result.planMs;
            report.storeMs += result.storeMs;
            report.renderMs += result.renderMs;
            for (const d of result.dates) dates.add(d);
            emit({ type: 'done', partition: p, editions: result.editions });
            await store.releaseLease(lease);
          } else {
            log.warn(`partition ${p} of build ${plan.id}: lease lost while building; another instance rebuilds it`);
            emit({ type: 'lost', partition: p });
          }
          active.delete(p);
        }
      };
      await Promise.all(Array.from({ length: runner.slots }, (_, s) => slotLoop(s)));
    } finally {
      await runner.close();
    }
    if (await isComplete(store, plan)) await store.setKv(completeKey(plan.id), { at: deps.clock.now().toISOString() });
  }
  report.built.sort((a, b) => a - b);
  report.takenOver.sort((a, b) => a - b);
  report.dates = [...dates].sort();
  report.seconds = Math.round((performance.now() - t0) / 10) / 100;
  report.readMs = Math.round(report.readMs);
  report.planMs = Math.round(report.planMs);
  report.storeMs = Math.round(report.storeMs);
  report.renderMs = Math.round(report.renderMs);
  return report;
}

async function isComplete(store: Store, plan: RunPlan): Promise<boolean> {
  if (await store.getKv(completeKey(plan.id))) return true;
  for (let p = 0; p <= plan.bounds.length; p++) if (!(await store.getKv(doneKey(plan.id, p)))) return false;
  return true;
}

/**
 * Joins the day's run when one is under way, otherwise (none yet, or the last
 * one is complete: a rebuild) plans a new one under a short lease, so two
 * instances arriving together plan once.
 */
async function joinOrCreateRun(
  store: Store,
  clock: Clock,
  o: { owner: string; leaseMs: number; pollMs: number; partitionSize: number; date?: string; log: Logger; signal?: AbortSignal },
): Promise<{ plan: RunPlan; created: boolean }> {
  const day = o.date ?? `local-${clock.now().toISOString().slice(0, 10)}`;
  for (;;) {
    const current = await store.getKv<RunPlan>(runKey(day));
    if (current && !(await isComplete(store, current))) return { plan: current, created: false };
    const lease = await store.acquireLease(`build:${day}:plan`, o.owner, o.leaseMs);
    if (lease) {
      try {
        const again = await store.getKv<RunPlan>(runKey(day));
        if (again && again.id !== current?.id && !(await isComplete(store, again))) return { plan: again, created: false };
        const plan = await planRun(store, clock, day, o);
        await store.setKv(runKey(day), plan);
        // Runs of over a week ago are over: their plans, done marks and leases go (P + 3 rows a run).
        await store.pruneState('build:', new Date(plan.nowMs - RUN_STATE_DAYS * 86_400_000).toISOString());
        return { plan, created: true };
      } finally {
        await store.releaseLease(lease);
      }
    }
    if (o.signal?.aborted) throw new UserError('build stopped');
    await sleep(o.pollMs, o.signal);
  }
}

async function planRun(store: Store, clock: Clock, day: string, o: { owner: string; partitionSize: number; date?: string; log: Logger }): Promise<RunPlan> {
  const now = clock.now();
  const { version } = await currentSettings(store, o.log);
  const bounds: string[] = [];
  let subscribers = 0;
  let after: string | undefined;
  // Ids only (not whole subscribers): at 100,000 subscribers this takes about 0.1 s instead of 1 s, before any thread starts.
  for (;;) {
    const page = await store.listSubscriberIds({ limit: o.partitionSize, ...(after !== undefined ? { afterId: after } : {}) });
    subscribers += page.length;
    // A full last page leaves an empty partition behind its bound: drop that bound.
    if (page.length === 0 && bounds.length) bounds.pop();
    if (page.length < o.partitionSize) break;
    after = page[page.length - 1]!;
    bounds.push(after);
  }
  return {
    id: `${day}-${randomId()}`,
    day,
    nowMs: now.getTime(),
    ...(o.date ? { date: o.date } : {}),
    settingsVersion: version,
    bounds,
    subscribers,
    createdAt: now.toISOString(),
    createdBy: o.owner,
  };
}

async function settingsOf(store: Store, version: number, log: Logger): Promise<EditorSettings> {
  if (version > 0) {
    const v = await store.getSettingsVersion(version);
    const r = v ? validateSettings(v.settings) : null;
    if (r?.ok) return r.settings;
  }
  return (await currentSettings(store, log)).settings;
}

/** How often the coordinating thread copies the write-ahead log of a SQLite store into the file during a build. */
export const CHECKPOINT_MS = 1000;

async function createRunner(store: Store, spec: BuildSpec, opts: PartitionedBuildOptions, log: Logger): Promise<PartitionRunner> {
  const location = opts.location ?? storeLocationOf(store);
  if (!opts.inProcess && location) {
    const threads = resolveWorkers(opts.workers || undefined);
    // Only this store's own file: another file's log is not this thread's to copy.
    if (location.kind !== 'sqlite' || !(store instanceof SqliteStore) || store.db.name !== location.file) return createWorkerPool(threads, { location, spec });
    // The workers leave checkpoints to this thread, otherwise idle: see SqliteStoreOptions.autoCheckpoint.
    return withCheckpoints(store, await createWorkerPool(threads, { location: { ...location, autoCheckpoint: false }, spec }), log);
  }
  let ctx: PartitionContext | undefined;
  return {
    slots: 1,
    async run(_slot, range) {
      ctx ??= await preparePartitionContext(store, spec, spec.render ? await currentTaxonomy(store) : undefined);
      return buildPartition(ctx, range);
    },
    async close() {},
  };
}

/** A runner whose store's write-ahead log is checkpointed every CHECKPOINT_MS while it runs, and once more when it closes. */
function withCheckpoints(store: SqliteStore, runner: PartitionRunner, log: Logger): PartitionRunner {
  let warned = false;
  const checkpoint = () => {
    try {
      store.checkpoint();
    } catch (e) {
      // A failed copy loses nothing (the log keeps the pages); the next one, or SQLite's own, catches up.
      if (!warned) log.warn(`checkpoint during the build failed: ${(e as Error).message}`);
      warned = true;
    }
  };
  const timer = setInterval(checkpoint, CHECKPOINT_MS);
  return {
    slots: runner.slots,
    run: (slot, range) => runner.run(slot, range),
    async close() {
      clearInterval(timer);
      try {
        await runner.close();
      } finally {
        checkpoint();
      }
    },
  };
}
