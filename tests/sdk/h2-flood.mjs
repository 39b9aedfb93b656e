// Opens one HTTP/2 connection and sends STREAMS requests on it at once, without waiting for the server's
// SETTINGS (peerMaxConcurrentStreams), as a flooding client would. Prints one JSON line: how each stream ended.
import http2 from 'node:http2';

const base = process.env.BASE_URL;
const streams = Number(process.env.STREAMS ?? 2000);
const headers = { ':method': 'GET', ':path': process.env.REQUEST_PATH ?? '/v1/accounts/me', authorization: `Bearer ${process.env.API_KEY}` };
const outcomes = {};
const note = (what) => { outcomes[what] = (outcomes[what] ?? 0) + 1; };
const session = http2.connect(base, { peerMaxConcurrentStreams: streams, settings: { initialWindowSize: 1 << 20 } });
session.on('error', (err) => note(`session error ${err.code ?? err.message}`));

const one = () => new Promise((resolve) => {
  const stream = session.request(headers, { endStream: true });
  let status = 0;
  const chunks = [];
  stream.on('response', (h) => { status = h[':status']; });
  stream.on('data', (c) => chunks.push(c));
  stream.on('error', () => {});
  stream.on('close', () => {
    if (status === 0) {
      note(`reset ${stream.rstCode}`);
    } else if (status === 200) {
      note('200');
    } else {
      let code = 'no envelope';
      try { code = JSON.parse(Buffer.concat(chunks).toString()).error.code; } catch {}
      note(`${status} ${code}`);
    }
    resolve();
  });
});

const deadline = setTimeout(() => { note('client deadline'); session.destroy(); }, Number(process.env.DEADLINE_MS ?? 60000));
await Promise.all(Array.from({ length: streams }, one));
clearTimeout(deadline);
session.close();
console.log(JSON.stringify(outcomes));
