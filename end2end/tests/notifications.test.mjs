// Notifications in headless Chromium against the release build: an admin opens Settings →
// Notifications, is told what is wrong with a bad webhook address, adds a webhook, copies
// its signing secret, presses "Send test", and a receiver here gets the message with a
// signature that checks out; the Notifications log shows it sent; a rule's threshold is
// refused out of range and saved in range. Then reports: the Overview's "Download PDF
// report" downloads a PDF; a report is scheduled (a bad time zone refused by its field), and
// "Send now" mails it through a real SMTP server (aiosmtpd) as HTML with the PDF attached.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { artifacts, hydrated, launchBrowser, setUpAdmin, startServer, startSim, testId } from './server.mjs';

let sim;
let server;
let browser;
let receiver;
const received = [];
let smtp;
const mailDir = mkdtempSync(join(tmpdir(), 'instalytics-mail-'));

/// scripts/smtp_sink.py in the test virtualenv (scripts/test exports its Python); resolves
/// to its port.
function startSmtpSink() {
  const python = process.env.INSTALYTICS_TEST_PYTHON
    ?? join(process.env.HOME, '.cache/instalytics/bqemu/bin/python');
  smtp = spawn(python, [join(import.meta.dirname, '../../scripts/smtp_sink.py'), '--dir', mailDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    smtp.once('error', reject);
    createInterface({ input: smtp.stdout }).once('line', (line) => resolve(Number(line)));
  });
}

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
  smtp?.kill();
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

test('the Overview downloads its PDF report, and a scheduled report is sent now with it', async () => {
  const smtpPort = await startSmtpSink();
  const page = await browser.newPage();
  await page.goto(`${server.base}/login`);
  await hydrated(page);
  await page.getByLabel('Username').fill('nora');
  await page.getByLabel('Password').fill('nora-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.base}/`);
  await hydrated(page);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download PDF report' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^instalytics-report-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.pdf$/);
  const pdf = readFileSync(await download.path());
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');

  await page.goto(`${server.base}/settings/notifications`);
  await hydrated(page);
  const smtpForm = page.getByTestId('smtp-form');
  await smtpForm.getByLabel('Server').fill('127.0.0.1');
  await smtpForm.getByLabel('Port').fill(String(smtpPort));
  await smtpForm.getByLabel('Security').selectOption('none');
  await smtpForm.getByLabel('From address').fill('reports@instalytics.test');
  await smtpForm.getByRole('button', { name: 'Save' }).click();
  await smtpForm.getByText('Saved.').waitFor();

  await page.getByTestId('no-reports').waitFor();
  const form = page.getByTestId('report-form');
  await form.getByLabel('Every').selectOption('weekly');
  await form.getByLabel('Time zone').fill('Mars/Olympus');
  await form.getByLabel('To').fill('boss@example.com');
  await form.getByRole('button', { name: 'Schedule report' }).click();
  await form.getByText('Unknown time zone "Mars/Olympus": use an IANA name such as Europe/Paris.').waitFor();
  await form.getByLabel('Time zone').fill('Europe/Paris');
  await form.getByRole('button', { name: 'Schedule report' }).click();
  const row = page.getByTestId('report-row');
  await row.waitFor();
  assert.match(await row.textContent(), /All accounts.*Weekly.*boss@example\.com.*09:00 \(Europe\/Paris\)/);
  await row.getByRole('button', { name: 'Send now' }).click();
  await row.getByTestId('test-outcome').filter({ hasText: 'Sent.' }).waitFor();
  await shot(page, '52-scheduled-report');

  const mails = readdirSync(mailDir).filter((f) => f.endsWith('.eml'));
  assert.equal(mails.length, 1);
  const mail = readFileSync(join(mailDir, mails[0]), 'utf8');
  assert.match(mail, /^X-Envelope-To: boss@example\.com/);
  assert.match(mail, /Subject: Instalytics report: /);
  assert.match(mail, /Content-Type: application\/pdf/);
  // No account is connected in this run: the charts say so (the Rust tests check them drawn).
  assert.match(mail, /Content-Type: text\/html/);
});
