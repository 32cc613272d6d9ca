// The dashboard as viewers use it, in headless Chromium against `instalytics demo` (the
// simulator's accounts with 30 days of history collected by the real poller): charts drawn
// and explorable, the posts table sorted and downloaded, a post's curves, hashtags, the best
// time heatmap in the browser's time zone, and a viewer without admin controls.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { artifacts, hydrated, launchBrowser, startDemo } from './server.mjs';

let demo;
let browser;

before(async () => {
  demo = await startDemo(30);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const nav = (page, name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

/** Painted pixels of a chart's canvas: 0 means a blank box. */
const painted = (canvas) =>
  canvas.evaluate((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });

/** The figures of one column of the posts table, as numbers (— is null). */
async function column(page, index) {
  const cells = await page.locator(`[data-table="posts"] tbody tr td:nth-child(${index})`).allTextContents();
  return cells.map((t) => (t.trim() === '—' ? null : Number(t.replace(/[,\s%]/g, ''))));
}

async function signIn(page, username, password) {
  await page.goto(`${demo.base}/login`);
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${demo.base}/`);
  await hydrated(page);
}

test('viewers explore charts, posts, a post, hashtags and the best time; admin controls stay hidden', async () => {
  const context = await browser.newContext({ timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'admin', demo.password);

  // Overview: both charts drawn, hover shows the values, legend toggles, drag zooms.
  const charts = page.locator('.chart canvas[data-draw-ms]');
  await charts.nth(1).waitFor();
  assert.equal(await charts.count(), 2);
  assert.ok((await painted(charts.first())) > 500, 'followers chart painted');
  const area = page.locator('.chart-area').nth(1);
  const box = await area.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const tooltip = area.locator('.chart-tooltip');
  await tooltip.waitFor();
  assert.match(await tooltip.textContent(), /Reach: [\d,]+.*Views: [\d,—]+/);
  await page.locator('.chart').nth(1).getByRole('button', { name: 'Views' }).click();
  assert.equal(await page.locator('.chart').nth(1).getByRole('button', { name: 'Views' }).getAttribute('aria-pressed'), 'false');
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  assert.doesNotMatch(await tooltip.textContent(), /Views/);
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const reset = page.locator('.chart').nth(1).getByRole('button', { name: 'Reset zoom' });
  await reset.waitFor();
  await shot(page, '20-overview-charts');
  await reset.click();
  await reset.waitFor({ state: 'detached' });

  // Posts: sorting by reach orders the rows, both ways, through the URL.
  await nav(page, 'Posts').click();
  await page.waitForURL(`${demo.base}/posts`);
  await page.locator('[data-table="posts"] tbody tr').first().waitFor();
  const reachColumn = 7; // Post, Published, Likes, Comments, Saves, Shares, Reach
  await page.locator('th[data-sort="reach"] a').click();
  await page.waitForURL(/sort=reach&order=desc/);
  await page.locator('th[data-sort="reach"][aria-sort="descending"]').waitFor();
  const down = (await column(page, reachColumn)).filter((v) => v !== null);
  assert.ok(down.length > 1);
  assert.deepEqual(down, [...down].sort((a, b) => b - a));
  await page.locator('th[data-sort="reach"] a').click();
  await page.waitForURL(/sort=reach&order=asc/);
  await page.locator('th[data-sort="reach"][aria-sort="ascending"]').waitFor();
  const up = (await column(page, reachColumn)).filter((v) => v !== null);
  assert.deepEqual(up, [...up].sort((a, b) => a - b));
  assert.notDeepEqual(up, down);
  await shot(page, '21-posts');

  // The CSV download has the table's header and one line per row shown.
  const rows = await page.locator('[data-table="posts"] tbody tr').count();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[data-csv="posts"]').click()]);
  assert.equal(download.suggestedFilename(), 'posts.csv');
  const csv = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
  assert.equal(
    csv[0],
    'Account,Type,Caption,Hashtags,Published (UTC),Likes,Comments,Saves,Shares,Reach,Views,Engagement (by reach),Engagement (by followers),Impact',
  );
  assert.equal(csv.length - 1, rows);

  // A post's page draws its curves from the snapshots and says where it ranks.
  await page.locator('[data-table="posts"] tbody tr .caption').first().click();
  await page.waitForURL(/\/posts\/\d+$/);
  await page.locator('[data-rank]').waitFor();
  assert.match(await page.locator('[data-rank]').textContent(), /^#\d+ of \d+$/);
  const curve = page.locator('.chart canvas[data-draw-ms]').first();
  await curve.waitFor();
  assert.ok((await painted(curve)) > 500, 'post curve painted');
  await shot(page, '22-post');

  // Hashtags and the best time, the latter in the browser's zone.
  await nav(page, 'Hashtags').click();
  await page.locator('[data-table="hashtags"] tbody tr').first().waitFor();
  await shot(page, '23-hashtags');
  await nav(page, 'Best time').click();
  await page.waitForURL(/tz=Europe%2FParis/);
  await page.getByText(/in Europe\/Paris/).waitFor();
  assert.ok((await page.locator('td.heat[data-posts]').count()) > 0);
  await shot(page, '24-best-time');

  // A viewer sees every page but no admin control.
  await nav(page, 'Users').click();
  await hydrated(page);
  await page.getByLabel('Username').first().fill('vera');
  await page.getByLabel('Password').first().fill('vera-password-1');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.locator('tr[data-username="vera"]').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
  await signIn(page, 'vera', 'vera-password-1');
  await page.locator('.chart canvas[data-draw-ms]').first().waitFor();
  assert.equal(await nav(page, 'Users').count(), 0);
  assert.equal(await nav(page, 'Settings').count(), 0);
  await nav(page, 'Accounts').click();
  await page.locator('li.account').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sync now' }).count(), 0);
  assert.equal(await page.getByText('Connect an account').count(), 0);
  await shot(page, '25-viewer-accounts');
  const denied = await page.goto(`${demo.base}/settings`);
  assert.equal(denied.status(), 403);

  assert.deepEqual(errors, [], 'no script errors (hydration included)');
  assert.doesNotMatch(demo.log(), /\bERROR\b/, 'the server logged no error');
  await context.close();
});

test('the Overview loads only the main WASM module; another page fetches its own chunk when first shown', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'admin', demo.password);

  // A new tab starts with an empty memory cache; every .wasm it fetches is recorded.
  const tab = await context.newPage();
  tab.on('pageerror', (e) => errors.push(String(e)));
  const fetched = [];
  tab.on('response', (r) => {
    const file = new URL(r.url()).pathname.split('/').pop();
    if (file.endsWith('.wasm')) fetched.push(file);
  });
  await tab.goto(`${demo.base}/`);
  await hydrated(tab);
  await tab.locator('.chart canvas[data-draw-ms]').nth(1).waitFor();
  assert.deepEqual(fetched, ['instalytics.wasm'], 'the Overview and its charts need nothing else');

  await nav(tab, 'Hashtags').click();
  await tab.locator('[data-table="hashtags"] tbody tr').first().waitFor();
  assert.ok(fetched.some((f) => f.startsWith('split___hashtags_view')), `hashtags chunk fetched: ${fetched}`);
  assert.deepEqual(errors, []);
  await context.close();
});
