// A Stripe stand-in for the load benchmark: answers the two calls the service makes for a customer's card, on
// 127.0.0.1 only, and counts every call so the report can show how many reached "Stripe" while measuring.
//
//   node stripe-stub.mjs PORT
//
// GET /__calls answers {"calls":N} (not counted). Every customer exists; every tenth has no default card, so the
// fallback list call is exercised too. The stub exits by itself once the process that started it is gone, in case
// nobody stops it (a run on a busy host can take longer than any fixed lifetime).
import http from 'node:http';
import { createHash } from 'node:crypto';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node stripe-stub.mjs PORT');
  process.exit(2);
}

let calls = 0;

function card(customerId, n) {
  return {
    id: `pm_bench${n}`,
    object: 'payment_method',
    type: 'card',
    card: {
      brand: 'visa',
      display_brand: 'visa',
      country: 'US',
      exp_month: 1 + (n % 12),
      exp_year: 2030 + (n % 5),
      funding: 'credit',
      last4: String(n % 10000).padStart(4, '0'),
    },
    created: 1700000000,
    customer: customerId,
    livemode: false,
  };
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': `req_bench${calls}`,
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/__calls') {
    send(res, 200, { calls });
    return;
  }

  calls++;
  const match = /^\/v1\/customers\/([A-Za-z0-9_]+)(\/payment_methods)?$/.exec(url.pathname);
  if (req.method !== 'GET' || !match) {
    send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } });
    return;
  }

  const id = match[1];
  const n = createHash('sha256').update(id).digest().readUInt32BE(0);
  const hasDefault = n % 10 !== 0;
  if (match[2]) {
    send(res, 200, { object: 'list', url: `/v1/customers/${id}/payment_methods`, has_more: false, data: [card(id, n)] });
    return;
  }

  const expanded = [...url.searchParams].some(([k, v]) => k.startsWith('expand[') && v === 'invoice_settings.default_payment_method');
  send(res, 200, {
    id,
    object: 'customer',
    created: 1700000000,
    email: `${id}@example.com`,
    livemode: false,
    invoice_settings: {
      custom_fields: null,
      default_payment_method: hasDefault ? (expanded ? card(id, n) : `pm_bench${n}`) : null,
      footer: null,
      rendering_options: null,
    },
  });
});

server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1', () => console.error(`stripe stub on 127.0.0.1:${port}`));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    process.exit(0);
  }
}, 5000).unref();
