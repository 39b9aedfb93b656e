// Measures how long a revocation takes to reach the service: for each of the last COUNT keys, checks that it works,
// revokes it with the operator CLI (`keys revoke --json`), and from the moment the CLI reports the commit asks the
// service again and again until it answers 401. With several URLs (comma-separated, one per replica) a try lasts
// until every replica refuses the key. Used by bench/run and bench/scale.
//
//   ConnectionStrings__Accounts=… node revocation-lag.mjs URL[,URL…] KEYS_FILE COUNT SERVICE_DLL
//
// Prints {"tries":N,"p50":ms,"max":ms,"first":ms,"lags":[…]}; exits 1 when a key does not work first or is still accepted after
// 5 s. Only 127.0.0.1 is asked; every loop is bounded.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [targets, keysFile, countArg, serviceDll] = process.argv.slice(2);
const urls = (targets ?? '').split(',').map((t) => new URL(t));
if (urls.some((url) => url.protocol !== 'http:' || url.hostname !== '127.0.0.1') || !keysFile || !serviceDll) {
  console.error('usage: node revocation-lag.mjs http://127.0.0.1:PORT/PATH KEYS_FILE COUNT SERVICE_DLL');
  process.exit(2);
}

const count = Math.min(Math.max(Number(countArg) || 20, 1), 100);
// One more key than measured: the first try runs each replica's revocation path for the first time (JIT), as any
// warm-up would; its lag is reported apart as `first`.
const keys = readFileSync(keysFile, 'utf8').split('\n').filter(Boolean).slice(-(count + 1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function status(url, key) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${key}` }, timeout: 2000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

// Starts the CLI; `reported` resolves with the time it printed its result (after its commit), `exited` once it has
// exited 0. Polling starts at `reported`: the process's own teardown is not part of the lag.
function revoke(keyId) {
  const cli = spawn('dotnet', [serviceDll, 'keys', 'revoke', '--key-id', keyId, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve, reject) => {
    cli.on('error', reject);
    cli.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`keys revoke exited ${code}`))));
  });
  const reported = new Promise((resolve, reject) => {
    cli.stdout.once('data', () => resolve(performance.now()));
    exited.then(() => reject(new Error('keys revoke printed nothing')), reject);
  });
  return { reported, exited };
}

const lags = [];
for (const key of keys) {
  for (const url of urls) {
    const before = await status(url, key);
    if (before !== 200) {
      console.error(`key ${key.slice(0, 11)}… answered ${before} on ${url.host} before its revocation`);
      process.exit(1);
    }
  }

  const revocation = revoke(key.slice(3, 11));
  const revokedAt = await revocation.reported;
  let lag = 0;
  for (const url of urls) {
    for (;;) {
      const answer = await status(url, key);
      const elapsed = performance.now() - revokedAt;
      if (answer === 401) {
        lag = Math.max(lag, elapsed);
        break;
      }
      if (elapsed > 5000) {
        console.error(`key ${key.slice(0, 11)}… still answered ${answer} on ${url.host} 5 s after its revocation`);
        process.exit(1);
      }
    }
  }

  await revocation.exited;
  lags.push(Math.round(lag * 10) / 10);
}

const first = lags.shift();
const sorted = [...lags].sort((a, b) => a - b);
console.log(JSON.stringify({ tries: lags.length, p50: sorted[Math.floor((sorted.length - 1) / 2)], max: sorted.at(-1), first, lags }));
