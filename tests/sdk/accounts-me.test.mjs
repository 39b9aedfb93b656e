// The official Runloop SDK against a running AccountService, configured the way its users do: the base URL and
// the key from RUNLOOP_BASE_URL and RUNLOOP_API_KEY, the service's certificate trusted via NODE_EXTRA_CA_CERTS.
// EXPECTED_ACCOUNT is the account's exact AccountView as JSON; BAD_API_KEY is a key the service must reject.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Runloop, { AuthenticationError } from '@runloop/api-client';

const expected = JSON.parse(process.env.EXPECTED_ACCOUNT ?? 'null');

test('accounts.me() with the default client (HTTP/2) returns the exact AccountView', async () => {
  const client = new Runloop();
  const me = await client.accounts.me();
  assert.deepStrictEqual(me, expected);
});

test('accounts.me() over HTTP/1.1 (http2: false) returns the exact AccountView', async () => {
  const client = new Runloop({ http2: false });
  const me = await client.accounts.me();
  assert.deepStrictEqual(me, expected);
});

test('a bad key raises AuthenticationError and is not retried', async () => {
  const client = new Runloop({ bearerToken: process.env.BAD_API_KEY });
  await assert.rejects(client.accounts.me(), (error) => {
    assert.ok(error instanceof AuthenticationError, `expected AuthenticationError, got ${error?.constructor?.name}`);
    assert.equal(error.status, 401);
    assert.equal(error.error?.error?.code, 'UNAUTHORIZED');
    return true;
  });
});
