// Turns bench/run's measurements into the report table and the results JSON.
//
//   node report.mjs META_JSON RUNS_JSONL OUT_JSON
//
// META_JSON describes the run (time, commit, machine, caller sets, seeding, warm-up); RUNS_JSONL has one line per wrk
// run: {"round":1,"callers":"2k","target":"ceiling","wrk":{…the wrk script's WRKJSON…},"rss_kb":N,"peak_rss_kb":N,
// "stripe_calls":N,"redis_commands":N|null,"cpu_ms":{"app":N,"postgres":N},"gc_pause_ms":N|null,"allocated_bytes":N|null,"caller_misses":N|null,"db":{"statements":N,"rows_updated":N},
// "loadavg":"…"}.
// Per caller set and target the table shows the median of the rounds (requests/s, p50, p99), the ratio to the
// ceiling on the same caller set, the highest RSS after a run and peak RSS during one, and statements and Redis
// commands per request; the targets are checked below it. Exits 0 whether or not targets are met.
import { readFileSync, writeFileSync } from 'node:fs';

const [metaFile, runsFile, outFile] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
const runs = readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));

const labels = {
  ceiling: 'ceiling: raw Npgsql, API key',
  'me-key': '/v1/accounts/me, API key',
  'me-jwt': '/v1/accounts/me, JWT',
  'account-warm': '/api/account, warm, API key',
  'me-key-miss': '/v1/accounts/me, API key, every request a miss',
  'me-key-nometrics': '/v1/accounts/me, API key, /metrics off (2k only)',
  'me-key-metrics': '/v1/accounts/me, API key, /metrics on (2k only)',
  'me-key-redis': '/v1/accounts/me, API key, Redis',
  'account-warm-redis': '/api/account, warm, API key, Redis',
};
const sets = meta.caller_sets;
const setOrder = [sets.small, sets.medium, sets.zipf, sets.all];
const targetOrder = Object.keys(labels);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (value, digits) => Number(value.toFixed(digits));

// One row per caller set and target, in the order of the sets (small to large) and of the targets above.
const rowsOf = new Map();
for (const run of runs) {
  const id = `${run.callers}/${run.target}`;
  if (!rowsOf.has(id)) {
    rowsOf.set(id, []);
  }
  rowsOf.get(id).push(run);
}
const ids = [...rowsOf.keys()].sort((a, b) => {
  const [sa, ta] = a.split('/');
  const [sb, tb] = b.split('/');
  return setOrder.indexOf(sa) - setOrder.indexOf(sb) || targetOrder.indexOf(ta) - targetOrder.indexOf(tb);
});

const summary = {};
for (const id of ids) {
  const own = rowsOf.get(id);
  const { callers, target } = own[0];
  const rps = own.map((r) => r.wrk.requests / (r.wrk.duration_us / 1e6));
  const requests = own.reduce((n, r) => n + r.wrk.requests, 0);
  const per = (f, scale) => round((own.reduce((n, r) => n + f(r), 0) * scale) / requests, 2);
  const redis = own.every((r) => r.redis_commands !== null && r.redis_commands !== undefined);
  summary[id] = {
    callers,
    target,
    label: labels[target] ?? target,
    rounds: own.length,
    requests,
    rps: round(median(rps), 0),
    rps_min: round(Math.min(...rps), 0),
    rps_max: round(Math.max(...rps), 0),
    p50_ms: round(median(own.map((r) => r.wrk.latency_us.p50)) / 1000, 2),
    p99_ms: round(median(own.map((r) => r.wrk.latency_us.p99)) / 1000, 2),
    p99_worst_ms: round(Math.max(...own.map((r) => r.wrk.latency_us.p99)) / 1000, 2),
    non_2xx: own.reduce((n, r) => n + r.wrk.errors.status, 0),
    socket_errors: own.reduce((n, r) => n + r.wrk.errors.connect + r.wrk.errors.read + r.wrk.errors.write + r.wrk.errors.timeout, 0),
    rss_after_mb: round(Math.max(...own.map((r) => r.rss_kb)) / 1024, 0),
    rss_after_by_round_mb: own.map((r) => round(r.rss_kb / 1024, 0)),
    peak_rss_mb: round(Math.max(...own.map((r) => r.peak_rss_kb)) / 1024, 0),
    stripe_calls: own.reduce((n, r) => n + r.stripe_calls, 0),
    app_cpu_us_per_request: per((r) => r.cpu_ms.app, 1000),
    postgres_cpu_us_per_request: per((r) => r.cpu_ms.postgres, 1000),
    db_statements_per_request: per((r) => r.db.statements, 1),
    db_rows_updated_per_request: per((r) => r.db.rows_updated, 1),
    redis_commands_per_request: redis ? per((r) => r.redis_commands, 1) : null,
    // Share of the run's wall time the process spent paused for GC (median over rounds); null without /metrics.
    gc_pause_percent: own.every((r) => typeof r.gc_pause_ms === 'number')
      ? round(median(own.map((r) => r.gc_pause_ms / (r.wrk.duration_us / 1000))) * 100, 2)
      : null,
    // Callers read from the database per request (the service's own count of misses); null without /metrics.
    // Bytes the service allocated per request (its runtime's count); null without /metrics.
    allocated_bytes_per_request: own.every((r) => typeof r.allocated_bytes === 'number') ? per((r) => r.allocated_bytes, 1) : null,
    caller_misses_per_request: own.every((r) => typeof r.caller_misses === 'number') ? per((r) => r.caller_misses, 1) : null,
  };
}

for (const s of Object.values(summary)) {
  const ceiling = summary[`${s.callers}/ceiling`]?.rps;
  s.ratio_to_ceiling = ceiling ? round(s.rps / ceiling, 2) : null;
}

const get = (callers, target) => summary[`${callers}/${target}`];
const ratioCheck = (callers, target, min, maxP99) => {
  const s = get(callers, target);
  return s && [
    { target: `${callers} ${s.label} ≥ ${min.toFixed(1)}× ceiling req/s`, value: s.ratio_to_ceiling, met: s.ratio_to_ceiling >= min },
    { target: `${callers} ${s.label} p99 ≤ ${maxP99} ms`, value: s.p99_ms, met: s.p99_ms <= maxP99 },
  ];
};
const relative = (callers, target, base, min) => {
  const s = get(callers, target);
  const b = get(callers, base);
  return s && b && {
    target: `${callers} ${s.label} ≥ ${min}× ${b.label}`, value: round(s.rps / b.rps, 2), met: s.rps / b.rps >= min,
  };
};
const medium = get(sets.medium, 'me-key');
const lag = meta.revocation_lag_ms;
const account = get(sets.small, 'account-warm');
const steady = ['me-key', 'me-jwt', 'account-warm', 'me-key-redis', 'account-warm-redis'].map((t) => get(sets.small, t)).filter(Boolean);
const checks = [
  ...(ratioCheck(sets.small, 'me-key', 2.0, 5) ?? []),
  ...(ratioCheck(sets.small, 'me-jwt', 2.0, 5) ?? []),
  ...(ratioCheck(sets.medium, 'me-key', 2.0, 5) ?? []),
  ...(ratioCheck(sets.zipf, 'me-key', 1.8, 5) ?? []),
  ...(ratioCheck(sets.all, 'me-key', 0.9, 15) ?? []),
  ...(ratioCheck(sets.all, 'me-key-miss', 0.9, 15) ?? []),
  medium && { target: `${sets.medium} ${medium.label}: service RSS after the run ≤ 350 MB (highest over rounds)`, value: medium.rss_after_mb, met: medium.rss_after_mb <= 350 },
  medium && { target: `${sets.medium} ${medium.label}: service peak RSS during the run ≤ 400 MB`, value: medium.peak_rss_mb, met: medium.peak_rss_mb <= 400 },
  relative(sets.small, 'account-warm', 'me-key', 0.9),
  relative(sets.small, 'me-key-metrics', 'me-key-nometrics', 0.97),
  relative(sets.small, 'me-key-redis', 'me-key', 0.9),
  relative(sets.medium, 'me-key-redis', 'me-key', 0.9),
  relative(sets.small, 'account-warm-redis', 'me-key', 0.85),
  ...steady.map((s) => ({
    target: `${sets.small} ${s.label}: database statements per request at steady state = 0.00`, value: s.db_statements_per_request, met: s.db_statements_per_request < 0.005,
  })),
  lag && { target: 'revocation lag (CLI commit → first 401), max over 20 ≤ 100 ms', value: `p50 ${lag.p50} ms, max ${lag.max} ms (first, unmeasured try: ${lag.first} ms)`, met: lag.max <= 100 },
  account && { target: 'Stripe calls while measuring /api/account = 0', value: account.stripe_calls, met: account.stripe_calls === 0 },
  { target: 'zero non-2xx and socket errors', value: Object.values(summary).reduce((n, s) => n + s.non_2xx + s.socket_errors, 0), met: Object.values(summary).every((s) => s.non_2xx + s.socket_errors === 0) },
].filter(Boolean);

const result = { ...meta, summary, checks, runs };
writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');

const header = [
  'callers', 'target', 'req/s (min–max)', '× ceiling', 'p50 ms', 'p99 ms', 'RSS after MB', 'peak RSS MB', 'statements/req',
  'misses/req', 'Redis cmds/req', 'non-2xx', 'sock err', 'Stripe calls', 'app CPU µs/req', 'PG CPU µs/req', 'GC pause %', 'KB alloc/req',
];
const rows = Object.values(summary).map((s) => [
  s.callers,
  s.target,
  `${s.rps} (${s.rps_min}–${s.rps_max})`,
  s.ratio_to_ceiling?.toFixed(2) ?? '-',
  s.p50_ms.toFixed(2),
  s.p99_ms.toFixed(2),
  String(s.rss_after_mb),
  String(s.peak_rss_mb),
  s.db_statements_per_request.toFixed(2),
  s.caller_misses_per_request?.toFixed(2) ?? '-',
  s.redis_commands_per_request?.toFixed(2) ?? '-',
  String(s.non_2xx),
  String(s.socket_errors),
  String(s.stripe_calls),
  String(Math.round(s.app_cpu_us_per_request)),
  String(Math.round(s.postgres_cpu_us_per_request)),
  s.gc_pause_percent?.toFixed(2) ?? '-',
  s.allocated_bytes_per_request === null ? '-' : (s.allocated_bytes_per_request / 1024).toFixed(1),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

console.log('');
console.log(`Load benchmark ${meta.started} (commit ${meta.commit}), ${meta.connections} connections, ${meta.duration_seconds} s × ${meta.rounds} interleaved rounds, ${meta.accounts} accounts${meta.redis ? ', Redis on for the *-redis targets' : ''}`);
console.log(`connection string options: service ${meta.connection_options.service}; ceiling ${meta.connection_options.ceiling}`);
console.log('medians over rounds; × ceiling is against the ceiling on the same callers; RSS is the process\'s (the ceiling\'s');
console.log('for its rows): after = highest VmRSS at the end of a run, peak = highest VmHWM during one; statements/req');
console.log('counts the statements PostgreSQL ran (pg_stat_statements), Redis cmds/req the commands Redis processed;');
console.log('CPU per request is the process\'s (app) and the PostgreSQL cluster\'s CPU time divided by the requests.');
console.log('');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
let previous = null;
Object.values(summary).forEach((s, i) => {
  if (previous !== null && previous !== s.callers) {
    console.log('');
  }
  previous = s.callers;
  console.log(line(rows[i]));
});
console.log('');
for (const check of checks) {
  console.log(`${check.met ? 'met   ' : 'MISSED'}  ${check.target}: ${check.value}`);
}
console.log('');
console.log(`seed: ${meta.seed_seconds} s for ${meta.accounts} accounts; Stripe calls during warm-up: ${meta.stripe_calls_warmup}; load average ${meta.loadavg_start} → ${meta.loadavg_end}; ${Math.round(meta.bench_seconds / 60)} minutes in all`);
console.log(`results: ${outFile}`);
