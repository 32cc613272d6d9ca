// Connected accounts as an admin uses them, in headless Chromium against the release build
// polling the in-repo Graph API simulator: a refused token, a pasted token, "Connect with
// Instagram" (OAuth), Sync now, the Sync log filters, inline settings, deletion with its
// confirmation, and the public Privacy page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { artifacts, hydrated, launchBrowser, setUpAdmin, someOf, startServer, startSim, testId } from './server.mjs';

const APP_SECRET = 'e2e-instagram-app-secret';
let sim;
let server;
let browser;

before(async () => {
  sim = await startSim();
  // BigQuery and Google's token endpoint point at a closed local port: nothing leaves the machine.
  const bigquery = ['--bigquery-url', 'http://127.0.0.1:9', '--bigquery-token-url', 'http://127.0.0.1:9/token'];
  server = await startServer([...sim.flags, ...bigquery], { INSTALYTICS_INSTAGRAM_APP_SECRET: APP_SECRET });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

// An account's status badge once its sync went well: the words the user reads.
const statusOk = /^ok$/;
// The overview page links to Accounts too: click the navigation's link.
const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

test('an admin connects, syncs, inspects, configures and deletes accounts', async () => {
  const [igAccount, fbAccount] = [
    sim.accounts.find((a) => a.flavour === 'InstagramLogin'),
    sim.accounts.find((a) => a.flavour === 'FacebookLogin'),
  ];
  const page = await browser.newPage();
  await setUpAdmin(page, server, 'olivia', 'olivia-password-1');

  await nav(page, 'Accounts').click();
  await page.waitForURL(`${server.base}/accounts`);
  await page.getByText('No accounts yet. Connect one above.').waitFor();
  const form = page.getByTestId('connect-form');

  // A Facebook Login token offered as an Instagram Login one: refused, with the reason.
  await hydrated(page);
  await form.getByLabel('Login type').selectOption('instagram_login');
  await form.getByLabel('Access token').fill(fbAccount.token);
  await form.getByRole('button', { name: 'Find accounts' }).click();
  await page.getByTestId('connect-token-error').filter({ hasText: 'Meta rejected this token' }).waitFor();
  await shot(page, '10-accounts-token-refused');

  // The right login type lists every account of the user's Pages, all ticked; unticking one
  // leaves it out, and finding again shows which are connected.
  const fbUser = sim.accounts.filter((a) => a.token === fbAccount.token);
  assert.equal(fbUser.length, 2, 'one Facebook user with two accounts');
  const find = async () => {
    await form.getByLabel('Login type').selectOption('facebook_login');
    await form.getByLabel('Access token').fill(fbAccount.token);
    await form.getByRole('button', { name: 'Find accounts' }).click();
    const linked = page.getByTestId('linked-account');
    await linked.first().waitFor();
    return linked;
  };
  let linked = await find();
  assert.deepEqual(await linked.evaluateAll((ls) => ls.map((l) => l.dataset.account)), fbUser.map((a) => a.username));
  assert.equal(await form.getByLabel('Access token').inputValue(), '', 'the token left the field');
  await shot(page, '10b-accounts-linked');
  await linked.filter({ hasText: `@${fbUser[1].username}` }).getByRole('checkbox').uncheck();
  await page.getByRole('button', { name: 'Connect 1 account' }).click();
  await page.getByText(`Connected @${fbAccount.username}. Its first sync starts now.`).waitFor();
  const fbCard = page.locator(testId('account-card', `[data-account="${fbAccount.username}"]`));
  await fbCard.getByTestId('account-status').filter({ hasText: statusOk }).waitFor({ timeout: 30_000 });
  assert.notEqual(await fbCard.getByTestId('last-sync').textContent(), 'never');
  assert.equal(await page.locator(testId('account-card', `[data-account="${fbUser[1].username}"]`)).count(), 0);

  // Connect with Facebook: the simulator's dialog, back to pick among the same user's
  // accounts (the one connected marked so), and both connected at once.
  await page.getByRole('link', { name: 'Connect with Facebook' }).click();
  await page.waitForURL(/\/accounts\?pick=facebook(#.*)?$/);
  await hydrated(page);
  linked = page.getByTestId('linked-account');
  await linked.first().waitFor();
  assert.deepEqual(await linked.evaluateAll((ls) => ls.map((l) => l.dataset.account)), fbUser.map((a) => a.username));
  assert.equal(await linked.filter({ hasText: 'connected: gets this token' }).count(), 1);
  await page.getByRole('button', { name: 'Connect 2 accounts' }).click();
  await page.getByText(/^Connected 2 accounts: /).waitFor();
  await page.locator(testId('account-card', `[data-account="${fbUser[1].username}"]`)).waitFor();
  await linked.first().waitFor({ state: 'detached' });

  // Connect with Instagram: through the simulator's OAuth pages and back.
  await page.getByRole('link', { name: 'Connect with Instagram' }).click();
  await page.waitForURL(/\/accounts\?connected=/);
  await page.getByTestId('oauth-notice').filter({ hasText: `Connected @${igAccount.username}.` }).waitFor();
  const igCard = page.locator(testId('account-card', `[data-account="${igAccount.username}"]`));
  await igCard.getByTestId('account-status').filter({ hasText: statusOk }).waitFor({ timeout: 30_000 });
  await shot(page, '11-accounts-connected');

  // Sync now: a second run shows in the Sync log.
  await hydrated(page);
  await igCard.getByRole('button', { name: 'Sync now' }).click();
  await nav(page, 'Sync log').click();
  await page.waitForURL(`${server.base}/sync-log`);
  await page.waitForFunction(
    ([rows, name]) => [...document.querySelectorAll(rows)].filter((r) => r.textContent.includes(`@${name}`)).length >= 2,
    [testId('sync-run-row'), igAccount.username],
    { timeout: 30_000 },
  );
  await page.getByLabel('Outcome').selectOption('needs_reauth');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/outcome=needs_reauth/);
  await page.getByText('No sync runs match.').waitFor();
  await page.goto(`${server.base}/sync-log?outcome=bogus`);
  await page.getByText('Unknown outcome filter').waitFor();
  await page.goto(`${server.base}/sync-log?outcome=ok`);
  await someOf(page, testId('sync-run-row', '[data-outcome="ok"]'));
  await shot(page, '12-sync-log');

  // The Overview shows the synced posts; the period picker puts its state in the URL.
  await nav(page, 'Overview').click();
  await page.waitForURL(`${server.base}/`);
  const posts = page.getByTestId('kpi-posts').getByTestId('kpi-value');
  assert.notEqual(await posts.textContent(), '—');
  assert.ok(Number((await posts.textContent()).replace(/,/g, '')) > 0, 'posts published in 30 days');
  assert.ok(await page.getByTestId('top-posts-table').getByTestId('post-row').count() > 0);
  await hydrated(page);
  await page.getByLabel('Period').selectOption('7');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/range=7/);
  await page.getByText(/\(7 days, UTC\)/).waitFor();
  await shot(page, '16-overview');

  // Settings are edited in place; bad values are refused next to the field.
  await nav(page, 'Settings').click();
  await page.waitForURL(`${server.base}/settings`);
  await hydrated(page);
  const poll = page.getByTestId('setting-poll-interval-minutes-form');
  await poll.getByLabel('Poll interval (minutes)').fill('3');
  await poll.getByRole('button', { name: 'Save' }).click();
  await poll.getByText('Poll interval must be a whole number of minutes from 5 to 1440.').waitFor();
  await poll.getByLabel('Poll interval (minutes)').fill('30');
  await poll.getByRole('button', { name: 'Save' }).click();
  await poll.getByText('Saved.').waitFor();
  const contact = page.getByTestId('setting-privacy-contact-form');
  await contact.getByLabel('Privacy contact address').fill('privacy@example.org');
  await contact.getByRole('button', { name: 'Save' }).click();
  await contact.getByText('Saved.').waitFor();
  await page.reload();
  assert.equal(await page.getByLabel('Poll interval (minutes)').inputValue(), '30');
  await shot(page, '13-settings');

  // BigQuery export: a bad project id and a credential that is not a service-account key are
  // refused next to their fields; a real key is accepted and never shown; "Test connection"
  // says what is wrong.
  await hydrated(page);
  const destination = page.getByTestId('export-destination-form');
  await destination.getByLabel('Project id').fill('Not_A_Project');
  await destination.getByLabel('Dataset').fill('instagram');
  await destination.getByLabel('Location').fill('EU');
  await destination.getByRole('button', { name: 'Save destination' }).click();
  await destination.getByTestId('export-project-error').filter({ hasText: 'The Google Cloud project id' }).waitFor();
  await destination.getByLabel('Project id').fill('acme-analytics');
  await destination.getByRole('button', { name: 'Save destination' }).click();
  await page.getByTestId('export-test').click();
  await page.getByRole('alert').filter({ hasText: 'Not ready: no service-account key.' }).waitFor();
  const keyForm = page.getByTestId('export-key-form');
  await keyForm.getByLabel('Service-account key (JSON)').fill('{"type": "authorized_user"}');
  await keyForm.getByRole('button', { name: 'Save key' }).click();
  await keyForm.getByTestId('export-key-error').filter({ hasText: 'not a service-account key' }).waitFor();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const email = 'exporter@acme-analytics.iam.gserviceaccount.com';
  const key = JSON.stringify({ type: 'service_account', project_id: 'acme-analytics', private_key: privateKey, client_email: email });
  // The key file chosen rather than pasted: the browser reads it into the field.
  await keyForm.getByTestId('export-key-file').setInputFiles({ name: 'acme-key.json', mimeType: 'application/json', buffer: Buffer.from(key) });
  const keyField = keyForm.getByLabel('Service-account key (JSON)');
  await page.waitForFunction((field) => field.value.length > 0, await keyField.elementHandle());
  assert.equal(await keyField.inputValue(), key);
  await keyForm.getByRole('button', { name: 'Save key' }).click();
  await page.getByTestId('export-key-state').filter({ hasText: `Key in place for ${email}.` }).waitFor();
  await page.getByTestId('export-test').click();
  await page.getByRole('alert').filter({ hasText: 'The token endpoint http://127.0.0.1:9/token cannot be reached' }).waitFor();
  await page.reload();
  assert.equal(await page.getByTestId('export-destination-form').getByLabel('Project id').inputValue(), 'acme-analytics');
  assert.equal(await page.getByLabel('Service-account key (JSON)').inputValue(), '');
  assert.ok(!(await page.content()).includes('PRIVATE KEY'), 'the key never comes back');
  await page.getByText('Per table').waitFor();
  await shot(page, '17-settings-bigquery');

  // Delete names what goes before it goes.
  await nav(page, 'Accounts').click();
  await page.waitForURL(`${server.base}/accounts`);
  await hydrated(page);
  await fbCard.getByRole('button', { name: 'Delete' }).click();
  const confirm = fbCard.getByRole('alertdialog');
  await confirm.getByText(/posts, .* snapshots, .* days of account insights, .* sync runs/).waitFor();
  await shot(page, '14-delete-confirmation');
  await confirm.getByRole('button', { name: `Delete @${fbAccount.username}` }).click();
  await fbCard.waitFor({ state: 'detached' });
  assert.equal(await igCard.count(), 1);

  // The Privacy page is public and names the contact.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${server.base}/login`);
  await page.goto(`${server.base}/privacy`);
  await page.getByRole('link', { name: 'privacy@example.org' }).waitFor();
  await shot(page, '15-privacy');

  // Tokens and the app secret never reach the log.
  for (const secret of [igAccount.token, fbAccount.token, APP_SECRET]) {
    assert.ok(!server.log().includes(secret), 'the server log contains a secret');
  }
  await page.close();
});
