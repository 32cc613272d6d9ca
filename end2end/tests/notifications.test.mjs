// Notifications in headless Chromium against the release build: an admin opens Settings →
// Notifications, is told what is wrong with a bad webhook address, adds a webhook, copies
// its signing secret, presses "Send test", and a receiver here gets the message with a
// signature that checks out; the Notifications log shows it sent; a rule's threshold is
// refused out of range and saved in range.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { artifacts, hydrated, launchBrowser, setUpAdmin, startServer, startSim, testId } from './server.mjs';

let sim;
let server;
let browser;
let receiver;
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body });
      res.end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  sim = await startSim();
  server = await startServer(sim.flags);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
  receiver?.close();
});

const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

test('an admin adds a webhook, sends a test, and sees it in the log', async () => {
  const page = await browser.newPage();
  await setUpAdmin(page, server, 'nora', 'nora-password-1');
  await nav(page, 'Settings').click();
  await page.waitForURL(`${server.base}/settings`);
  await hydrated(page);
  await page.getByRole('link', { name: 'notification channels and alert rules' }).click();
  await page.waitForURL(`${server.base}/settings/notifications`);
  await hydrated(page);
  await page.getByTestId('no-channels').waitFor();

  const form = page.getByTestId('channel-form');
  await form.getByLabel('Kind').selectOption('webhook');
  await form.getByLabel('Label').fill('Ops hook');
  await form.getByLabel('Sends to').fill('ftp://example.com/hook');
  await form.getByRole('button', { name: 'Add channel' }).click();
  await form.getByText('Give an address starting with https:// (or http://).').waitFor();

  const { port } = receiver.address();
  await form.getByLabel('Sends to').fill(`http://127.0.0.1:${port}/hook`);
  await form.getByRole('button', { name: 'Add channel' }).click();
  const secret = await page.getByTestId('webhook-secret').inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
  const row = page.locator(testId('channel-row', '[data-label="Ops hook"]'));
  await row.waitFor();
  assert.equal(await row.locator('td').nth(2).textContent(), `http://127.0.0.1:${port}`);

  await row.getByRole('button', { name: 'Send test' }).click();
  await row.getByTestId('test-outcome').filter({ hasText: 'Sent.' }).waitFor();
  assert.equal(received.length, 1);
  const [got] = received;
  assert.equal(got.path, '/hook');
  assert.equal(got.headers['x-instalytics-event'], 'test');
  const expected = 'sha256=' + createHmac('sha256', secret).update(got.body).digest('hex');
  assert.equal(got.headers['x-instalytics-signature'], expected);
  assert.equal(JSON.parse(got.body).title, 'Instalytics test message to “Ops hook”');

  // A threshold outside its range is refused next to the rule; one inside is saved.
  const rule = page.getByTestId('rule-syncs_failing');
  await rule.locator('input[name="threshold"]').fill('0');
  await rule.getByRole('button', { name: 'Save' }).click();
  await rule.getByText('Give a whole number of syncs in a row from 1 to 50.').waitFor();
  await rule.locator('input[name="threshold"]').fill('5');
  await rule.getByRole('button', { name: 'Save' }).click();
  await rule.getByText('Saved.').waitFor();
  await shot(page, '50-notifications');

  await nav(page, 'Notifications').click();
  await page.waitForURL(`${server.base}/notifications`);
  await hydrated(page);
  const logged = page.locator(testId('delivery-row', '[data-status="sent"]'));
  await logged.first().waitFor();
  assert.equal(await logged.count(), 1);
  assert.match(await logged.first().textContent(), /Ops hook \(Webhook\).*Instalytics test message to “Ops hook”/);
  await shot(page, '51-notifications-log');

  // After a reload the rule keeps its new threshold.
  await page.goto(`${server.base}/settings/notifications`);
  await hydrated(page);
  assert.equal(await page.getByTestId('rule-syncs_failing').locator('input[name="threshold"]').inputValue(), '5');
});
