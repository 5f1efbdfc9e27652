import cron, { type ScheduledTask } from 'node-cron';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { oneLine, UserError } from '../util/errors.js';

export interface JobDefinition {
  name: string;
  /** node-cron expression (5 or 6 fields), evaluated in UTC. */
  cron: string;
  run(signal: AbortSignal): Promise<unknown>;
  /** Lease length; renewed every third of it while the job runs. */
  leaseTtlMs?: number;
  /** Run once at start when the last run is older than one interval (default true). */
  catchUp?: boolean;
  /**
   * Watchdog: a run still going after this long is abandoned (its signal is
   * aborted and it counts as failed), so a hung promise never blocks the
   * following ticks. Default: twice the lease length.
   */
  maxRuntimeMs?: number;
}

export type RunOutcome =
  | { status: 'ran'; result: unknown; ms: number }
  | { status: 'failed'; error: string; ms: number }
  | { status: 'skipped'; reason: 'still-running' | 'not-elected' | 'stopping' };

export interface SchedulerDeps {
  store: Store;
  log: Logger;
  clock: Clock;
  /** This instance's name in leases. */
  owner: string;
}

const DEFAULT_LEASE_MS = 5 * 60_000;

/**
 * Runs jobs on cron schedules, with three guards:
 * - a run still going makes the next tick skip (in process);
 * - a lease in the store makes sure two instances never run a job at once;
 * - runs missed while the process was down are caught up once at start.
 * The jobs themselves are idempotent, so a repeated run does no harm.
 */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<RunOutcome>>();
  private readonly abort = new AbortController();
  private stopping = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly jobs: JobDefinition[],
  ) {
    for (const job of jobs) {
      const v = cron.validateDetailed(job.cron);
      if (!v.valid) throw new UserError(`invalid cron expression for job ${job.name}: "${job.cron}" (${v.errors.map((e) => e.message).join('; ')})`);
    }
  }

  async start(): Promise<void> {
    for (const job of this.jobs) {
      const task = cron.schedule(job.cron, () => void this.runNow(job.name), {
        name: job.name,
        timezone: 'UTC',
        noOverlap: true,
        suppressMissedWarning: true,
      });
      this.tasks.push(task);
    }
    for (const job of this.jobs) {
      if (job.catchUp === false) continue;
      if (await this.isOverdue(job)) {
        this.deps.log.info({ job: job.name }, `catching up missed run of ${job.name}`);
        void this.runNow(job.name);
      }
    }
  }

  /** Runs a job now (if no other run of it is going on here or elsewhere). */
  runNow(name: string): Promise<RunOutcome> {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) return Promise.reject(new UserError(`no job named ${name}`));
    if (this.stopping) return Promise.resolve({ status: 'skipped', reason: 'stopping' });
    const current = this.running.get(name);
    if (current) {
      this.deps.log.info({ job: name }, `${name}: previous run still going, tick skipped`);
      return Promise.resolve({ status: 'skipped', reason: 'still-running' });
    }
    const p = this.runLeased(job).finally(() => this.running.delete(name));
    this.running.set(name, p);
    return p;
  }

  private async runLeased(job: JobDefinition): Promise<RunOutcome> {
    const { store, log, clock, owner } = this.deps;
    const ttl = job.leaseTtlMs ?? DEFAULT_LEASE_MS;
    const lease = await store.acquireLease(`job:${job.name}`, owner, ttl);
    if (!lease) {
      log.info({ job: job.name }, `${job.name}: another instance holds the lease, skipped`);
      return { status: 'skipped', reason: 'not-elected' };
    }
    const jobAbort = new AbortController();
    const onStop = () => jobAbort.abort(new Error('shutting down'));
    this.abort.signal.addEventListener('abort', onStop);
    const renew = setInterval(async () => {
      const ok = await store.renewLease(lease, ttl).catch(() => false);
      if (!ok) {
        log.warn({ job: job.name }, `${job.name}: lease lost, stopping this run`);
        jobAbort.abort(new Error('lease lost'));
      }
    }, Math.max(1000, Math.floor(ttl / 3)));
    renew.unref();
    const t0 = clock.now().getTime();
    const maxRuntime = job.maxRuntimeMs ?? ttl * 2;
    let watchdog: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => {
        jobAbort.abort(new Error('maximum run time reached'));
        reject(new Error(`${job.name} still running after ${maxRuntime} ms: abandoned by the watchdog`));
      }, maxRuntime);
      watchdog.unref();
    });
    try {
      const result = await Promise.race([job.run(jobAbort.signal), timedOut]);
      await store.setKv(`job:${job.name}:lastRun`, clock.now().toISOString());
      const ms = clock.now().getTime() - t0;
      log.info({ job: job.name, ms }, `${job.name}: done in ${ms} ms`);
      return { status: 'ran', result, ms };
    } catch (e) {
      const ms = clock.now().getTime() - t0;
      log.error({ job: job.name, ms }, `${job.name} failed: ${oneLine(e)}`);
      return { status: 'failed', error: oneLine(e), ms };
    } finally {
      clearTimeout(watchdog);
      clearInterval(renew);
      this.abort.signal.removeEventListener('abort', onStop);
      await store.releaseLease(lease).catch(() => undefined);
    }
  }

  private async isOverdue(job: JobDefinition): Promise<boolean> {
    const last = await this.deps.store.getKv<string>(`job:${job.name}:lastRun`);
    if (!last) return true;
    const probe = cron.createTask(job.cron, () => undefined, { timezone: 'UTC' });
    const runs = probe.getNextRuns(2);
    await probe.destroy();
    const interval = runs.length === 2 ? runs[1]!.getTime() - runs[0]!.getTime() : 24 * 3600_000;
    return this.deps.clock.now().getTime() - Date.parse(last) > interval;
  }

  /** Stops scheduling, asks running jobs to stop, and waits for them up to `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const t of this.tasks) await t.destroy();
    const inFlight = [...this.running.values()];
    if (!inFlight.length) return;
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    const first = await Promise.race([Promise.allSettled(inFlight).then(() => 'done' as const), timeout]);
    if (first === 'timeout') {
      this.abort.abort();
      await Promise.race([Promise.allSettled(inFlight), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
  }
}
