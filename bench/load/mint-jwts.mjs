// Mints one HS256 JWT per account id for the load benchmark, valid for two hours.
//
//   BENCH_JWT_KEY=<base64> BENCH_JWT_ISSUER=… BENCH_JWT_AUDIENCE=… node mint-jwts.mjs IDS_FILE OUT_FILE
//
// IDS_FILE holds one account id per line; OUT_FILE gets one token per line, in the same order.
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [idsFile, outFile] = process.argv.slice(2);
const { BENCH_JWT_KEY: key, BENCH_JWT_ISSUER: iss, BENCH_JWT_AUDIENCE: aud } = process.env;
if (!idsFile || !outFile || !key || !iss || !aud) {
  console.error('usage: BENCH_JWT_KEY=… BENCH_JWT_ISSUER=… BENCH_JWT_AUDIENCE=… node mint-jwts.mjs IDS_FILE OUT_FILE');
  process.exit(2);
}

const secret = Buffer.from(key, 'base64');
const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const header = b64url({ alg: 'HS256', typ: 'JWT' });
const now = Math.floor(Date.now() / 1000);

const tokens = readFileSync(idsFile, 'utf8').split('\n').filter(Boolean).map((sub) => {
  const unsigned = `${header}.${b64url({ iss, aud, sub, iat: now, nbf: now, exp: now + 7200 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
});

writeFileSync(outFile, tokens.join('\n') + '\n', { mode: 0o600 });
console.error(`minted ${tokens.length} JWTs`);
