// Sends exactly one GET per bearer token to a loopback URL, a few at a time, and counts the answers by status.
// Used by bench/run to fill the service's card cache, to warm up each target and to check that every credential
// works before anything is measured.
//
//   node warm.mjs URL TOKENS_FILE [CONCURRENCY] [DEADLINE_SECONDS]
//
// Prints {"requests":N,"statuses":{"200":N,…},"seconds":S}; exits 1 on any non-2xx answer, error or the deadline.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [target, tokensFile, concurrencyArg = '16', deadlineArg = '120'] = process.argv.slice(2);
const url = new URL(target ?? '');
if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || !tokensFile) {
  console.error('usage: node warm.mjs http://127.0.0.1:PORT/PATH TOKENS_FILE [CONCURRENCY] [DEADLINE_SECONDS]');
  process.exit(2);
}

const tokens = readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean);
const concurrency = Number(concurrencyArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const deadline = AbortSignal.timeout(Number(deadlineArg) * 1000);
setMaxListeners(concurrency + 1, deadline); // every request in flight listens to the one deadline
const statuses = {};
const started = performance.now();
let next = 0;
let failures = 0;

function get(token) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent, signal: deadline, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (error) => resolve(error.name === 'AbortError' ? 'deadline' : `error:${error.code ?? error.message}`));
  });
}

async function worker() {
  while (next < tokens.length && !deadline.aborted) {
    const status = await get(tokens[next++]);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (!/^2\d\d$/.test(status)) {
      failures++;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ requests, statuses, seconds: +((performance.now() - started) / 1000).toFixed(2) }));
process.exit(failures > 0 || requests < tokens.length ? 1 : 0);
