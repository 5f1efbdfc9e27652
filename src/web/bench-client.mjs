// Load generator for `kiosque bench http`, run as its own process so the
// server's CPU time can be measured apart from the client's.
// Usage: node bench-client.mjs < options.json  (autocannon options) → prints the result as JSON.
import autocannon from 'autocannon';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const opts = JSON.parse(input || '{}');
const r = await autocannon(opts);
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: r.requests.average,
    total: r.requests.total,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  }),
);
