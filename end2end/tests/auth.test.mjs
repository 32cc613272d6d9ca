// First-run setup, sign-in, wrong password, adding a viewer, the viewer's limits, sign-out:
// as a person does it, in headless Chromium against the release build.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { artifacts, hydrated, launchBrowser, startServer, testId } from './server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page, username, password) {
  await page.goto(`${server.base}/login`);
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${server.base}/login`);
}

const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

test('admin sets up, signs in, adds a viewer; the viewer cannot manage users', async () => {
  const page = await browser.newPage();

  // First run: the logged link creates the first admin and signs them in.
  await page.goto(server.setupUrl);
  await hydrated(page);
  await shot(page, '01-setup');
  await page.getByLabel('Username').fill('alice');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create admin' }).click();
  await page.getByText('Password must be at least 10 characters long.').waitFor();
  await page.getByLabel('Password').fill('alice-password-1');
  await page.getByRole('button', { name: 'Create admin' }).click();
  await page.waitForURL(`${server.base}/`);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await shot(page, '02-overview-admin');

  // The setup link is dead now.
  const again = await browser.newPage();
  await again.goto(server.setupUrl);
  await again.getByText('This setup link is not valid any more').waitFor();
  await again.close();

  await signOut(page);

  // A wrong password gets the generic message next to the form.
  await signIn(page, 'alice', 'wrong-password');
  await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
  await shot(page, '03-login-wrong-password');

  await page.getByLabel('Password').fill('alice-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.base}/`);

  // Admin adds a viewer on the Users page.
  await page.getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(`${server.base}/users`);
  await page.getByRole('heading', { name: 'Add a user' }).waitFor();
  const form = page.getByTestId('add-user-form');
  await form.getByLabel('Username').fill('victor');
  await form.getByLabel('Password').fill('victor-password-1');
  await form.getByLabel('Role').selectOption('viewer');
  await form.getByRole('button', { name: 'Add user' }).click();
  const row = page.locator(testId('user-row', '[data-username="victor"]'));
  await row.waitFor();
  assert.equal(await row.getByRole('combobox').inputValue(), 'viewer');
  assert.equal(await form.getByLabel('Password').inputValue(), '', 'the form is emptied after adding');
  await shot(page, '04-users');
  await signOut(page);

  // The viewer sees no admin navigation and is refused the Users page by the server.
  await signIn(page, 'victor', 'victor-password-1');
  await page.waitForURL(`${server.base}/`);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.getByRole('link', { name: 'Users' }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: 'Settings' }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: 'Posts' }).count(), 1);
  await shot(page, '05-overview-viewer');

  const response = await page.goto(`${server.base}/users`);
  assert.equal(response.status(), 403);
  await page.getByText('This needs the admin role.').waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Add a user' }).count(), 0);
  await shot(page, '06-users-refused');

  await hydrated(page);
  await signOut(page);
  await page.getByRole('heading', { name: 'Sign in to Instalytics' }).waitFor();
  const back = await page.goto(`${server.base}/`);
  assert.equal(new URL(back.url()).pathname, '/login', 'signed-out visitors land on /login');

  // Nothing secret in the server's log.
  for (const secret of ['alice-password-1', 'victor-password-1', 'wrong-password']) {
    assert.ok(!server.log().includes(secret), `log contains ${secret}`);
  }
  await page.close();
});
