// Turns bench/run's measurements into the report table and the results JSON.
//
//   node report.mjs META_JSON RUNS_JSONL OUT_JSON
//
// META_JSON describes the run (time, commit, machine, seeding, warm-up); RUNS_JSONL has one line per wrk run:
// {"round":1,"target":"ceiling","wrk":{…rotate.lua's WRKJSON…},"peak_rss_kb":N,"stripe_calls":N,
//  "cpu_ms":{"app":N,"postgres":N},"db":{"statements":N,"rows_updated":N},"loadavg":"…"}.
// Per target the table shows the median of the rounds (requests/s, p50, p99), the sum of errors and the highest
// peak RSS; the targets are checked below it. Exits 0 whether or not targets are met.
import { readFileSync, writeFileSync } from 'node:fs';

const [metaFile, runsFile, outFile] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
const runs = readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));

const targets = [
  { id: 'ceiling', label: 'ceiling: raw Npgsql, API key' },
  { id: 'me-key', label: '/v1/accounts/me, API key' },
  { id: 'me-jwt', label: '/v1/accounts/me, JWT' },
  { id: 'account-warm', label: '/api/account, warm, API key' },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (value, digits) => Number(value.toFixed(digits));

const summary = {};
for (const target of targets) {
  const own = runs.filter((r) => r.target === target.id);
  if (own.length === 0) {
    continue;
  }

  const rps = own.map((r) => r.wrk.requests / (r.wrk.duration_us / 1e6));
  const socketErrors = own.reduce((n, r) => n + r.wrk.errors.connect + r.wrk.errors.read + r.wrk.errors.write + r.wrk.errors.timeout, 0);
  summary[target.id] = {
    label: target.label,
    rounds: own.length,
    requests: own.reduce((n, r) => n + r.wrk.requests, 0),
    rps: round(median(rps), 0),
    rps_min: round(Math.min(...rps), 0),
    rps_max: round(Math.max(...rps), 0),
    p50_ms: round(median(own.map((r) => r.wrk.latency_us.p50)) / 1000, 2),
    p99_ms: round(median(own.map((r) => r.wrk.latency_us.p99)) / 1000, 2),
    p99_worst_ms: round(Math.max(...own.map((r) => r.wrk.latency_us.p99)) / 1000, 2),
    non_2xx: own.reduce((n, r) => n + r.wrk.errors.status, 0),
    socket_errors: socketErrors,
    peak_rss_mb: round(Math.max(...own.map((r) => r.peak_rss_kb)) / 1024, 0),
    stripe_calls: own.reduce((n, r) => n + r.stripe_calls, 0),
  };
  const requests = summary[target.id].requests;
  const per = (f, scale) => round((own.reduce((n, r) => n + f(r), 0) * scale) / requests, 2);
  Object.assign(summary[target.id], {
    app_cpu_us_per_request: per((r) => r.cpu_ms.app, 1000),
    postgres_cpu_us_per_request: per((r) => r.cpu_ms.postgres, 1000),
    db_statements_per_request: per((r) => r.db.statements, 1),
    db_rows_updated_per_request: per((r) => r.db.rows_updated, 1),
  });
}

const ceiling = summary.ceiling?.rps;
for (const s of Object.values(summary)) {
  s.ratio_to_ceiling = ceiling ? round(s.rps / ceiling, 2) : null;
}

const me = summary['me-key'];
const jwt = summary['me-jwt'];
const account = summary['account-warm'];
const service = [me, jwt, account].filter(Boolean);
const lag = meta.revocation_lag_ms;
const checks = [
  me && { target: '/v1/accounts/me (API key) ≥ 2.0× ceiling req/s', value: me.ratio_to_ceiling, met: me.ratio_to_ceiling >= 2.0 },
  jwt && { target: '/v1/accounts/me (JWT) ≥ 2.0× ceiling req/s', value: jwt.ratio_to_ceiling, met: jwt.ratio_to_ceiling >= 2.0 },
  me && { target: '/v1/accounts/me (API key) p99 ≤ 5 ms', value: me.p99_ms, met: me.p99_ms <= 5 },
  jwt && { target: '/v1/accounts/me (JWT) p99 ≤ 5 ms', value: jwt.p99_ms, met: jwt.p99_ms <= 5 },
  account && me && { target: '/api/account (warm) ≥ 0.9× /v1/accounts/me (API key)', value: round(account.rps / me.rps, 2), met: account.rps / me.rps >= 0.9 },
  ...[me, jwt, account].filter(Boolean).map((s) => ({
    target: `${s.label}: database statements per request at steady state = 0.00`, value: s.db_statements_per_request, met: s.db_statements_per_request < 0.005,
  })),
  lag && { target: 'revocation lag (CLI commit → first 401), max over 20 ≤ 100 ms', value: `p50 ${lag.p50} ms, max ${lag.max} ms (first, unmeasured try: ${lag.first} ms)`, met: lag.max <= 100 },
  account && { target: 'Stripe calls while measuring /api/account = 0', value: account.stripe_calls, met: account.stripe_calls === 0 },
  service.length && { target: 'service peak RSS ≤ 250 MB', value: Math.max(...service.map((s) => s.peak_rss_mb)), met: Math.max(...service.map((s) => s.peak_rss_mb)) <= 250 },
  { target: 'zero non-2xx and socket errors', value: Object.values(summary).reduce((n, s) => n + s.non_2xx + s.socket_errors, 0), met: Object.values(summary).every((s) => s.non_2xx + s.socket_errors === 0) },
].filter(Boolean);

const result = { ...meta, summary, checks, runs };
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');

const header = [
  'target', 'req/s (min–max)', '× ceiling', 'p50 ms', 'p99 ms', 'non-2xx', 'sock err', 'peak RSS MB', 'Stripe calls',
  'app CPU µs/req', 'PG CPU µs/req', 'statements/req', 'updates/req',
];
const rows = Object.values(summary).map((s) => [
  s.label,
  `${s.rps} (${s.rps_min}–${s.rps_max})`,
  s.ratio_to_ceiling?.toFixed(2) ?? '-',
  s.p50_ms.toFixed(2),
  s.p99_ms.toFixed(2),
  String(s.non_2xx),
  String(s.socket_errors),
  String(s.peak_rss_mb),
  String(s.stripe_calls),
  String(Math.round(s.app_cpu_us_per_request)),
  String(Math.round(s.postgres_cpu_us_per_request)),
  s.db_statements_per_request.toFixed(2),
  s.db_rows_updated_per_request.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

console.log('');
console.log(`Load benchmark ${meta.started} (commit ${meta.commit}), ${meta.connections} connections, ${meta.duration_seconds} s × ${meta.rounds} interleaved rounds, ${meta.accounts} accounts`);
console.log(`connection string options: service ${meta.connection_options.service}; ceiling ${meta.connection_options.ceiling}`);
console.log('medians over rounds; RSS is the highest VmHWM of a run; Stripe calls are those made while measuring;');
console.log('CPU per request is the process\'s (app) and the PostgreSQL cluster\'s CPU time over all rounds divided by');
console.log('their requests; statements/req counts the statements PostgreSQL ran (pg_stat_statements), a batched');
console.log('last_used_at write counting as one.');
console.log('');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
rows.forEach((r) => console.log(line(r)));
console.log('');
for (const check of checks) {
  console.log(`${check.met ? 'met   ' : 'MISSED'}  ${check.target}: ${check.value}`);
}
console.log('');
console.log(`seed: ${meta.seed_seconds} s for ${meta.accounts} accounts; Stripe calls during warm-up: ${meta.stripe_calls_warmup}; load average ${meta.loadavg_start} → ${meta.loadavg_end}`);
console.log(`results: ${outFile}`);
