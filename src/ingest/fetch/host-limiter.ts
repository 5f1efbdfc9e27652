/**
 * Concurrency for polling: at most `globalMax` tasks at once, and at most
 * `perHostMax` (default 1) per host, so one publisher never sees parallel
 * requests from us (ING-23). Tasks for a busy host wait without blocking
 * tasks for other hosts behind them; otherwise the order is first come,
 * first served.
 */
export interface HostLimiter {
  run<T>(url: string, task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly queued: number;
}

/** The politeness key: "host:port" of the URL, or the raw string when it does not parse. */
export function hostKey(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return url;
  }
}

export function createHostLimiter(globalMax: number, perHostMax = 1): HostLimiter {
  if (!Number.isInteger(globalMax) || globalMax < 1) throw new RangeError(`globalMax must be a positive integer, got ${globalMax}`);
  if (!Number.isInteger(perHostMax) || perHostMax < 1) throw new RangeError(`perHostMax must be a positive integer, got ${perHostMax}`);

  interface Waiting {
    key: string;
    start: () => void;
  }
  const waiting: Waiting[] = [];
  const perHost = new Map<string, number>();
  let active = 0;

  const pump = () => {
    for (let i = 0; i < waiting.length && active < globalMax; ) {
      const w = waiting[i]!;
      if ((perHost.get(w.key) ?? 0) >= perHostMax) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      active++;
      perHost.set(w.key, (perHost.get(w.key) ?? 0) + 1);
      w.start();
    }
  };

  const release = (key: string) => {
    active--;
    const n = (perHost.get(key) ?? 1) - 1;
    if (n <= 0) perHost.delete(key);
    else perHost.set(key, n);
    pump();
  };

  return {
    run<T>(url: string, task: () => Promise<T>): Promise<T> {
      const key = hostKey(url);
      return new Promise<T>((resolve, reject) => {
        waiting.push({
          key,
          start: () => {
            // A task that throws synchronously still releases its slot.
            Promise.resolve()
              .then(task)
              .then(resolve, reject)
              .finally(() => release(key));
          },
        });
        pump();
      });
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
  };
}
