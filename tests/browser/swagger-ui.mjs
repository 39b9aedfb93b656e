// Swagger UI as a person uses it, in Debian's Chromium: authorize with an API key, then "Try it out" on both
// account operations. Env: BASE_URL, API_KEY, ACCOUNT_ID, APP_NAME, SCREENSHOT (a PNG path), CHROMIUM (optional).
// Prints one JSON line per operation; exits non-zero on any failure.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const { BASE_URL, API_KEY, ACCOUNT_ID, APP_NAME, SCREENSHOT } = process.env;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  // The machine's network is closed: keep Chromium from calling home.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(`${BASE_URL}/swagger/index.html`);

  await page.locator('.auth-wrapper button.authorize').click();
  const apiKeyScheme = page.locator('.modal-ux .auth-container').filter({ hasText: 'apiKey' });
  await apiKeyScheme.locator('input').fill(API_KEY);
  await apiKeyScheme.locator('button.authorize').click();
  await apiKeyScheme.locator('button.btn-done').click();

  const cases = [
    { operation: 'Runloop-GetMyAccount', expected: `"id": "${ACCOUNT_ID}"` },
    { operation: 'OrbitKit-GetAccount', expected: `"appName": "${APP_NAME}"` },
  ];
  for (const { operation, expected } of cases) {
    const block = page.locator(`#operations-${operation}`);
    await block.locator('.opblock-summary').click();
    await block.locator('button.try-out__btn').click();
    await block.locator('button.execute').click();
    const live = block.locator('.live-responses-table .response');
    await live.first().waitFor();
    const status = (await live.first().locator('.response-col_status').innerText()).trim();
    const body = await live.first().locator('.response-col_description pre').first().innerText();
    console.log(JSON.stringify({ operation, status, body }));
    assert.equal(status, '200');
    assert.ok(body.includes(expected), `${operation}: ${expected} not in ${body}`);
  }

  // The Runloop operation's live response: what a person checks after pressing Execute.
  await page.locator('#operations-Runloop-GetMyAccount .responses-inner').first().screenshot({ path: SCREENSHOT });
} finally {
  await browser.close();
}
