/**
 * Crash-test failpoints: with KIOSQUE_FAILPOINT=<name> (or <name>:<n> for the
 * n-th time the point is reached), the process kills itself with SIGKILL
 * right there: no cleanup, no flush, exactly like a power cut. Without the
 * variable a failpoint costs one comparison.
 */
const counts = new Map<string, number>();

export function failpoint(name: string, env: NodeJS.ProcessEnv = process.env): void {
  const spec = env.KIOSQUE_FAILPOINT;
  if (!spec) return;
  const [want, nth] = spec.split(':');
  if (want !== name) return;
  const n = (counts.get(name) ?? 0) + 1;
  counts.set(name, n);
  if (n >= Math.max(1, Number(nth) || 1)) process.kill(process.pid, 'SIGKILL');
}
