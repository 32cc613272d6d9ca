// Workspaces as an agency uses them, in headless Chromium against the release build polling
// the in-repo Graph API simulator: an admin makes a client's workspace, connects an account
// into it, invites a viewer to it, and switches the dashboard between workspaces; the viewer,
// in a fresh browser context, sees that client's account and nothing else; a share link to
// the client's workspace opens its dashboards without signing in, until it is revoked; an
// API token made for that workspace reads its account only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { artifacts, hydrated, launchBrowser, setUpAdmin, startServer, startSim, testId } from './server.mjs';

let sim;
let server;
let browser;

before(async () => {
  sim = await startSim();
  server = await startServer(sim.flags);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
const card = (page, username) => page.locator(testId('account-card', `[data-account="${username}"]`));

test('an admin puts a client in its own workspace and a viewer sees only that client', async () => {
  const [client, ours] = sim.accounts.filter((a) => a.flavour === 'InstagramLogin');
  const page = await browser.newPage();
  await setUpAdmin(page, server, 'olivia', 'olivia-password-1');

  // A workspace for the client; a name taken (in any case) is refused next to the field.
  await nav(page, 'Workspaces').click();
  await page.waitForURL(`${server.base}/workspaces`);
  await hydrated(page);
  const add = page.getByTestId('add-workspace-form');
  await add.getByLabel('Name').fill('default');
  await add.getByRole('button', { name: 'Add workspace' }).click();
  await add.getByText('A workspace with that name exists already.').waitFor();
  await add.getByLabel('Name').fill('Client B');
  await add.getByRole('button', { name: 'Add workspace' }).click();
  await page.locator(testId('workspace-card', '[data-workspace="Client B"]')).waitFor();

  // The client's account goes straight into its workspace; ours into the Default.
  const connect = async (account, workspace) => {
    await nav(page, 'Accounts').click();
    await page.waitForURL(/\/accounts/);
    await hydrated(page);
    const form = page.getByTestId('connect-form');
    await form.getByLabel('Login type').selectOption('instagram_login');
    await form.getByLabel('Access token').fill(account.token);
    await form.getByRole('button', { name: 'Find accounts' }).click();
    await page.getByTestId('linked-account').first().waitFor();
    await page.getByLabel('Workspace for accounts not connected yet').selectOption({ label: workspace });
    await page.getByRole('button', { name: 'Connect 1 account' }).click();
    await card(page, account.username).waitFor();
  };
  await connect(client, 'Client B');
  await connect(ours, 'Default');
  assert.equal(await card(page, client.username).getByTestId('account-workspace').textContent(), 'Client B');
  assert.equal(await card(page, ours.username).getByTestId('account-workspace').textContent(), 'Default');
  await shot(page, '40-accounts-workspaces');

  // A viewer, member of the client's workspace only.
  await nav(page, 'Users').click();
  await page.waitForURL(`${server.base}/users`);
  await hydrated(page);
  const users = page.getByTestId('add-user-form');
  await users.getByLabel('Username').fill('clara');
  await users.getByLabel('Password').fill('clara-password-1');
  await users.getByLabel('Role').selectOption('viewer');
  // With two workspaces, a viewer needs one chosen.
  await users.getByRole('button', { name: 'Add user' }).click();
  await users.getByTestId('add-workspace-error').filter({ hasText: 'Choose the workspace this viewer sees.' }).waitFor();
  await users.getByLabel('Password').fill('clara-password-1');
  await users.getByLabel('Workspace (viewers)').selectOption({ label: 'Client B' });
  await users.getByRole('button', { name: 'Add user' }).click();
  await page.locator(testId('user-row', '[data-username="clara"]')).waitFor();

  // Members are added and removed on the Workspaces page.
  await nav(page, 'Workspaces').click();
  await page.waitForURL(`${server.base}/workspaces`);
  await hydrated(page);
  const clientCard = page.locator(testId('workspace-card', '[data-workspace="Client B"]'));
  const defaultCard = page.locator(testId('workspace-card', '[data-workspace="Default"]'));
  await clientCard.locator('[data-member="clara"]').waitFor();
  assert.match(await clientCard.getByTestId('workspace-accounts').textContent(), new RegExp(`@${client.username}`));
  await defaultCard.getByLabel('Add a viewer').selectOption({ label: 'clara' });
  await defaultCard.getByRole('button', { name: 'Add member' }).click();
  await defaultCard.locator('[data-member="clara"]').waitFor();
  await defaultCard.getByRole('button', { name: 'Remove clara' }).click();
  await defaultCard.locator('[data-member="clara"]').waitFor({ state: 'detached' });
  await shot(page, '41-workspaces');

  // The switcher keeps its choice in the URL, and the navigation keeps it too.
  await nav(page, 'Overview').click();
  await page.waitForURL(`${server.base}/`);
  await hydrated(page);
  await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Client B' });
  await page.waitForURL(/[?&]ws=\d+/);
  const ws = new URL(page.url()).searchParams.get('ws');
  const accounts = page.getByLabel('Account', { exact: true });
  await page.waitForFunction(
    (sel) => document.querySelectorAll(`${sel} option`).length === 2,
    '#period-account',
  );
  assert.deepEqual(
    await accounts.locator('option').allTextContents(),
    ['All accounts', `@${client.username}`],
  );
  await nav(page, 'Posts').click();
  await page.waitForURL(new RegExp(`/posts\\?ws=${ws}$`));
  // Loaded from scratch, the page hydrates with the switcher showing the choice.
  await page.reload();
  await hydrated(page);
  assert.equal(await page.getByLabel('Workspace', { exact: true }).inputValue(), ws);
  await shot(page, '42-overview-client-workspace');

  // The viewer, in a fresh browser context: the client's account only, and the Default is
  // answered as not found, as if it did not exist.
  const context = await browser.newContext();
  const viewer = await context.newPage();
  await viewer.goto(`${server.base}/login`);
  await hydrated(viewer);
  await viewer.getByLabel('Username').fill('clara');
  await viewer.getByLabel('Password').fill('clara-password-1');
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await viewer.waitForURL(`${server.base}/`);
  await nav(viewer, 'Accounts').click();
  await viewer.waitForURL(`${server.base}/accounts`);
  await card(viewer, client.username).waitFor();
  assert.equal(await viewer.getByTestId('account-card').count(), 1);
  assert.ok(!(await viewer.content()).includes(ours.username), 'the other account is never named');
  const other = await viewer.goto(`${server.base}/?ws=1`);
  assert.equal(other.status(), 404);
  await shot(viewer, '43-viewer-one-workspace');
  await context.close();

  // The admin shares the client's Posts page, its workspace still chosen; a fresh browser
  // context opens the link without signing in and sees that client's dashboards only.
  await page.getByTestId('share-this-page').click();
  await page.waitForURL(/\/share-links\?/);
  await hydrated(page);
  assert.match(await page.getByTestId('share-page').textContent(), /Opens \/posts/);
  const share = page.getByTestId('share-form');
  assert.equal(await share.getByLabel('Shows the workspace').inputValue(), ws);
  await share.getByLabel('Label').fill('Client B board');
  await share.getByLabel('Expires after').selectOption({ label: '7 days' });
  await share.getByRole('button', { name: 'Make link' }).click();
  const url = await page.getByTestId('share-url').inputValue();
  assert.match(url, new RegExp(`^${server.base}/s/\\d+\\.[A-Za-z0-9_-]{43}$`));
  await page.locator(testId('share-link-row', '[data-label="Client B board"]')).waitFor();
  await shot(page, '44-share-links');

  const outside = await browser.newContext();
  const visitor = await outside.newPage();
  const opened = await visitor.goto(url);
  assert.equal(opened.status(), 200);
  await visitor.waitForURL(`${server.base}/posts`);
  await hydrated(visitor);
  assert.match(await visitor.getByTestId('shared-view').textContent(), /Client B board · Client B/);
  const links = await visitor.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
  assert.deepEqual(links, ['Overview', 'Posts', 'Stories', 'Hashtags', 'Best time', 'Audience']);
  await nav(visitor, 'Overview').click();
  await visitor.waitForURL(`${server.base}/`);
  await visitor.waitForFunction(
    (sel) => document.querySelectorAll(`${sel} option`).length === 2,
    '#period-account',
  );
  assert.deepEqual(
    await visitor.getByLabel('Account', { exact: true }).locator('option').allTextContents(),
    ['All accounts', `@${client.username}`],
  );
  assert.equal((await visitor.goto(`${server.base}/accounts`)).status(), 404);
  assert.equal((await visitor.goto(`${server.base}/?ws=1`)).status(), 404);
  await visitor.goto(`${server.base}/`);
  await hydrated(visitor);
  await shot(visitor, '45-shared-overview');

  // Revoked on the Share links page, the link stops at once: the open page says so and the
  // link itself is a plain 404.
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByTestId('no-share-links').waitFor();
  await visitor.reload();
  await visitor.getByText('This shared link has expired or was revoked.').waitFor();
  const gone = await visitor.goto(url);
  assert.equal(gone.status(), 404);
  assert.match(await visitor.content(), /This link does not work/);
  await outside.close();

  // An API token for the client's workspace only, made on its page and used by a script.
  await nav(page, 'API tokens').click();
  await page.waitForURL(`${server.base}/api-tokens`);
  await hydrated(page);
  const tokenForm = page.getByTestId('token-form');
  await tokenForm.getByLabel('Name').fill('Client B sheet');
  await tokenForm.getByLabel('Default').uncheck();
  await tokenForm.getByRole('button', { name: 'Make token' }).click();
  const secret = await page.getByTestId('token-secret').inputValue();
  assert.match(secret, /^ila_\d+\.[A-Za-z0-9_-]{43}$/);
  await page.locator(testId('token-row', '[data-name="Client B sheet"]')).waitFor();
  const api = await fetch(`${server.base}/api/v1/accounts`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(api.status, 200);
  assert.deepEqual((await api.json()).map((a) => a.username), [client.username]);
  await shot(page, '46-api-tokens');
});
