/**
 * Child process for the multi-instance build test; not a test file.
 *   <file> <owner> <leaseMs> <partitionSize> [holdMs]
 * Joins (or plans) the day's partitioned build on the SQLite file and prints
 * one JSON line per event, then the report.
 */
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { runPartitionedBuild } from '../../../src/edition/parallel/run.js';
import { silentLogger } from '../../../src/util/log.js';
import { fixedClock } from '../../../src/util/clock.js';

const [file, owner, leaseMs, partitionSize, holdMs] = process.argv.slice(2);
const say = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
const hold = Number(holdMs ?? 0);
/** A slow instance: it stalls after taking each partition (so a test can kill it mid-partition). */
const onEvent = (e: { type: string }) => {
  say(e);
  if (e.type === 'took' && hold > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, hold);
};
const store = openSqliteStore(file!);
const report = await runPartitionedBuild(
  { store, log: silentLogger, clock: fixedClock('2026-11-22T06:00:00.000Z'), editionsDir: '/nonexistent', baseUrl: 'http://localhost', secret: 'x'.repeat(32) },
  // One thread per process keeps the test light; threads are tested apart.
  { date: '2026-11-22', owner, leaseMs: Number(leaseMs), partitionSize: Number(partitionSize), render: false, inProcess: true, onEvent },
);
say({ type: 'report', ...report });
await store.close();
