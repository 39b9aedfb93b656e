// A local Stripe stand-in for scripts/dev: answers the two calls the service makes for a customer's card, with
// Stripe-shaped JSON, on 127.0.0.1 only. The demo customer (cus_demo) has a Visa as its default payment method;
// every other customer is unknown (404), as in Stripe.
//
//   node stripe-standin.mjs PORT_FILE PARENT_PID
//
// Listens on a free port and writes it to PORT_FILE; exits when the process PARENT_PID is gone, so the stand-in
// stops with the service that scripts/dev runs in its place.
import http from 'node:http';
import { writeFileSync } from 'node:fs';

const [portFile, parentArg] = process.argv.slice(2);
const parent = Number(parentArg);
if (!portFile || !Number.isInteger(parent) || parent <= 0) {
  console.error('usage: node stripe-standin.mjs PORT_FILE PARENT_PID');
  process.exit(2);
}

const customers = {
  cus_demo: {
    card: { id: 'pm_demo_visa', brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
  },
};

function paymentMethod(customerId, card) {
  return {
    id: card.id,
    object: 'payment_method',
    type: 'card',
    card: {
      brand: card.brand,
      display_brand: card.brand,
      country: 'US',
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      funding: 'credit',
      last4: card.last4,
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
    'request-id': `req_standin${Date.now()}`,
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const match = /^\/v1\/customers\/([A-Za-z0-9_]+)(\/payment_methods)?$/.exec(url.pathname);
  if (req.method !== 'GET' || !match) {
    send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } });
    return;
  }

  const [, id, listCards] = match;
  const customer = customers[id];
  if (!customer) {
    send(res, 404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such customer: '${id}'`, param: 'id' } });
    return;
  }

  if (listCards) {
    send(res, 200, { object: 'list', url: url.pathname, has_more: false, data: [paymentMethod(id, customer.card)] });
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
      default_payment_method: expanded ? paymentMethod(id, customer.card) : customer.card.id,
      footer: null,
      rendering_options: null,
    },
  });
});

server.listen(0, '127.0.0.1', () => {
  writeFileSync(portFile, String(server.address().port));
  console.error(`stripe stand-in on 127.0.0.1:${server.address().port}`);
});

// Signal 0 only checks that the process exists.
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(0);
  }
}, 1000).unref();
