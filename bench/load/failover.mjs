// Measures a PostgreSQL failover under load: known keys are asked of every replica by a few loops, then FAILOVER_CMD
// (scripts/cluster failover: immediate stop of the primary, promotion of its synchronous standby) runs; from its end
// a never-seen key is asked of every replica until each answers 200, and a key is created (POST /api/api-keys with a
// JWT) until it is. The load goes on until both are done, and at least 5 s after the promotion. Used by bench/scale.
//
//   node failover.mjs URL[,URL…] KNOWN_KEYS_FILE NEVER_SEEN_KEY JWT FAILOVER_CMD…
//
// Prints {"requests":N,"statuses":{…},"transport_errors":N,"failover":"…","never_seen_ms":[…],"write_ms":N}: the
// load's answers by status, times from the end of the promotion. Only 127.0.0.1 is asked; every loop is bounded (the
// whole run by 60 s, each request by 5 s).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [targets, keysFile, neverSeen, jwt, ...failover] = process.argv.slice(2);
const urls = (targets ?? '').split(',').map((t) => new URL(t));
if (urls.some((url) => url.protocol !== 'http:' || url.hostname !== '127.0.0.1') || !keysFile || !neverSeen || !jwt || failover.length === 0) {
  console.error('usage: node failover.mjs http://127.0.0.1:PORT[,…] KNOWN_KEYS_FILE NEVER_SEEN_KEY JWT FAILOVER_CMD…');
  process.exit(2);
}

const keys = readFileSync(keysFile, 'utf8').split('\n').filter(Boolean).slice(0, 50);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const deadline = Date.now() + 60_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function send(url, method, path, credential, body) {
  return new Promise((resolve) => {
    const request = http.request(
      new URL(path, url),
      {
        method,
        agent,
        timeout: 5000,
        headers: { authorization: `Bearer ${credential}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (response) => {
        const chunks = [];
        response.on('data', (c) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString() }));
        response.on('error', () => resolve({ status: 0 }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve({ status: 0 }));
    request.end(body);
  });
}

// Every known key on every replica once, so each replica holds them.
for (const url of urls) {
  for (const key of keys) {
    const { status } = await send(url, 'GET', '/v1/accounts/me', key);
    if (status !== 200) {
      console.error(`warm-up: ${url} answered ${status} for a known key`);
      process.exit(1);
    }
  }
}

const statuses = {};
let requests = 0;
let stopLoad = false;
async function loop(n) {
  for (let i = n; !stopLoad && Date.now() < deadline; i += 8) {
    const { status } = await send(urls[i % urls.length], 'GET', '/v1/accounts/me', keys[i % keys.length]);
    statuses[status] = (statuses[status] ?? 0) + 1;
    requests++;
  }
}
const load = Array.from({ length: 8 }, (_, n) => loop(n));
await sleep(3000);

const failoverOutput = await new Promise((resolve, reject) => {
  const child = spawn(failover[0], failover.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.on('error', reject);
  child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`failover command exited ${code}`))));
}).catch((error) => {
  console.error(error.message);
  process.exit(1);
});
const promoted = Date.now();

async function firstOk(what, attempt, okStatus) {
  while (Date.now() < deadline) {
    const { status } = await attempt();
    if (status === okStatus) return Date.now() - promoted;
    await sleep(50);
  }
  console.error(`${what}: no ${okStatus} within the run's 60 s`);
  return null;
}
const [neverSeenMs, writeMs] = await Promise.all([
  Promise.all(urls.map((url) => firstOk(`never-seen key on ${url}`, () => send(url, 'GET', '/v1/accounts/me', neverSeen), 200))),
  firstOk('key creation', () => send(urls[0], 'POST', '/api/api-keys', jwt, JSON.stringify({ name: 'after failover' })), 201),
]);
while (Date.now() - promoted < 5000 && Date.now() < deadline) await sleep(100);
stopLoad = true;
await Promise.all(load);
agent.destroy();

const transportErrors = statuses[0] ?? 0;
delete statuses[0];
console.log(JSON.stringify({ requests, statuses, transport_errors: transportErrors, failover: failoverOutput, never_seen_ms: neverSeenMs, write_ms: writeMs }));
process.exit(neverSeenMs.includes(null) || writeMs === null ? 1 : 0);
