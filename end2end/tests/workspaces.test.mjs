// Workspaces as an agency uses them, in headless Chromium against the release build polling
// the in-repo Graph API simulator: an admin makes a client's workspace, connects an account
// into it, invites a viewer to it, and switches the dashboard between workspaces; the viewer,
// in a fresh browser context, sees that client's account and nothing else.
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
});
