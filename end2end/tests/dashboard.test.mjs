// The dashboard as viewers use it, in headless Chromium against `instalytics demo` (the
// simulator's accounts with 30 days of history collected by the real poller): charts drawn
// and explorable, the posts table sorted and downloaded, a post's curves, hashtags, the best
// time heatmap in the browser's time zone, and a viewer without admin controls.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { artifacts, hydrated, launchBrowser, someOf, startDemo, testId } from './server.mjs';

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

/** A chart's canvas once the app has drawn on it (every drawing stamps `data-draw-ms`). */
const drawnCanvas = (chart) => chart.locator(testId('chart-canvas', '[data-draw-ms]'));
const DRAWN_CANVASES = testId('chart-canvas', '[data-draw-ms]');

/** A figure as a number (— is null). */
const figure = (t) => (t.trim() === '—' ? null : Number(t.replace(/[,\s%]/g, '')));

/** The figures of one metric of the posts table (`reach`, `likes`, …), row by row. */
async function column(page, metric) {
  const cells = await page.getByTestId('posts-table').getByTestId(`post-${metric}`).allTextContents();
  return cells.map(figure);
}

/**
 * The figures of the cells `cell` (a test id) once they read in `order` ('desc' or 'asc').
 * The previous rows stay on the page until the sorted ones arrive (the URL and the heading
 * change first): wait (at most 10 s) for the order, then read the figures for the test's own
 * check, which still fails on rows that never sort.
 */
async function sortedFigures(page, cell, order) {
  await page.waitForFunction(([id, desc]) => {
    const values = [...document.querySelectorAll(`[data-testid="${id}"]`)]
      .map((td) => td.textContent.trim())
      .filter((t) => t !== '—')
      .map((t) => Number(t.replace(/[,\s%]/g, '')));
    return values.length > 1 && values.every((v, i) => i === 0 || (desc ? values[i - 1] >= v : values[i - 1] <= v));
  }, [cell, order === 'desc'], { timeout: 10_000 }).catch(() => {});
  return (await page.locator(testId(cell)).allTextContents()).map(figure).filter((v) => v !== null);
}

/**
 * Every picture on the page loaded: a broken one has no natural width. Lazy ones are
 * scrolled to first, so they load; a picture that neither loads nor fails in 10 s counts
 * as broken.
 */
async function picturesLoaded(page, where) {
  const images = page.locator('img');
  const n = await images.count();
  assert.ok(n > 0, `${where}: pictures shown`);
  for (let i = 0; i < n; i++) {
    const img = images.nth(i);
    await img.scrollIntoViewIfNeeded();
    const { src, width } = await img.evaluate(async (el) => {
      if (!el.complete) {
        await new Promise((done) => {
          el.addEventListener('load', done, { once: true });
          el.addEventListener('error', done, { once: true });
          setTimeout(done, 10_000);
        });
      }
      return { src: el.currentSrc || el.src, width: el.naturalWidth };
    });
    assert.ok(width > 0, `${where}: ${src} did not load`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

/**
 * No table is cut off: each sits in a frame (labelled and focusable, so a keyboard scrolls it
 * too) inside the page, scrolling sideways when the table is wider; the page itself never
 * does; captions take two lines at most. With `fit`, those frames need no scrolling at all.
 */
async function tablesFit(page, where, { fit = [] } = {}) {
  const problems = await page.evaluate((fit) => {
    const out = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) out.push(`page ${root.scrollWidth} px wide in ${root.clientWidth}`);
    const main = document.querySelector('main').getBoundingClientRect();
    for (const table of document.querySelectorAll('main table')) {
      if (table.getClientRects().length === 0) continue; // in a closed <details>
      const name = table.dataset.table;
      const frame = table.closest('.table-scroll');
      if (!frame) {
        out.push(`${name}: no frame`);
        continue;
      }
      const box = frame.getBoundingClientRect();
      if (box.left < main.left - 1 || box.right > main.right + 1) out.push(`${name}: frame outside the page`);
      const overflows = frame.scrollWidth > frame.clientWidth + 1;
      if (overflows && !['auto', 'scroll'].includes(getComputedStyle(frame).overflowX)) out.push(`${name}: cut off`);
      if (overflows && fit.includes(name)) out.push(`${name}: ${frame.scrollWidth} px in ${frame.clientWidth}`);
      if (frame.tabIndex < 0 || !frame.getAttribute('aria-label')) out.push(`${name}: frame not focusable and named`);
    }
    for (const caption of document.querySelectorAll('main .post-cell .caption')) {
      const lines = caption.getBoundingClientRect().height / parseFloat(getComputedStyle(caption).lineHeight);
      if (lines > 2.2) out.push(`caption "${caption.textContent}" on ${lines.toFixed(1)} lines`);
    }
    return out;
  }, fit);
  assert.deepEqual(problems, [], `${where}: tables fit their frames`);
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
  // A common laptop screen, where the posts table used to lose its engagement columns.
  const context = await browser.newContext({ timezoneId: 'Europe/Paris', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'admin', demo.password);

  // Overview: both charts drawn, hover shows the values, legend toggles, drag zooms.
  const followersChart = page.getByTestId('followers-chart');
  const reachChart = page.getByTestId('reach-views-chart');
  await drawnCanvas(reachChart).waitFor();
  assert.equal(await page.locator(DRAWN_CANVASES).count(), 2);
  assert.ok((await painted(drawnCanvas(followersChart))) > 500, 'followers chart painted');
  const area = reachChart.getByTestId('chart-area');
  const box = await area.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const tooltip = area.getByTestId('chart-tooltip');
  await tooltip.waitFor();
  assert.match(await tooltip.textContent(), /Reach: [\d,]+.*Views: [\d,—]+/);
  await reachChart.getByRole('button', { name: 'Views' }).click();
  assert.equal(await reachChart.getByRole('button', { name: 'Views' }).getAttribute('aria-pressed'), 'false');
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
  assert.doesNotMatch(await tooltip.textContent(), /Views/);
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const reset = reachChart.getByRole('button', { name: 'Reset zoom' });
  await reset.waitFor();
  await shot(page, '20-overview-charts');
  await reset.click();
  await reset.waitFor({ state: 'detached' });
  // The simulator's own pictures (thumbnails of the top posts), not broken images.
  await picturesLoaded(page, 'Overview');
  await tablesFit(page, 'Overview at 1366 px', { fit: ['top-posts'] });
  // Where views and reach came from: the daily breakdowns the poller captured, as cards below
  // the charts whose shares (in their titles) of each whole add up to 100 %.
  const sources = page.getByRole('list', { name: 'Where views and reach came from' });
  const shares = async (pattern) => (await sources.locator('[data-kpi]').evaluateAll(
    (cards) => cards.map((c) => [c.dataset.kpi, c.querySelector('h2').textContent]),
  ))
    .filter(([key]) => pattern.test(key))
    .map(([, title]) => parseFloat(title.match(/\(([\d.]+) %\)$/)[1]));
  assert.match(await page.getByTestId('kpi-views-reel').getByTestId('kpi-value').textContent(), /^[\d,]+$/);
  for (const pattern of [/^views_(post|carousel_container|reel|story|ad)$/, /^reach_(follower|non_follower|unknown)$/]) {
    const parts = await shares(pattern);
    const sum = parts.reduce((a, b) => a + b, 0);
    assert.ok(parts.length >= 2 && Math.abs(sum - 100) < 0.5, `${pattern}: ${parts}`);
  }

  // Posts: sorting by reach orders the rows, both ways, through the URL.
  await nav(page, 'Posts').click();
  await page.waitForURL(`${demo.base}/posts`);
  const postsTable = page.getByTestId('posts-table');
  await someOf(page, `${testId('posts-table')} ${testId('post-row')}`);
  await page.getByTestId('sort-reach').getByRole('link').click();
  await page.waitForURL(/sort=reach&order=desc/);
  await page.locator(testId('sort-reach', '[aria-sort="descending"]')).waitFor();
  const down = await sortedFigures(page, 'post-reach', 'desc');
  assert.ok(down.length > 1);
  assert.deepEqual(down, [...down].sort((a, b) => b - a));
  await page.getByTestId('sort-reach').getByRole('link').click();
  await page.waitForURL(/sort=reach&order=asc/);
  await page.locator(testId('sort-reach', '[aria-sort="ascending"]')).waitFor();
  const up = await sortedFigures(page, 'post-reach', 'asc');
  assert.deepEqual(up, [...up].sort((a, b) => a - b));
  assert.notDeepEqual(up, down);
  await shot(page, '21-posts');
  await picturesLoaded(page, 'Posts');
  await tablesFit(page, 'Posts at 1366 px');

  // The CSV download has the table's header and one line per row shown.
  const rows = await postsTable.getByTestId('post-row').count();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('posts-csv').click()]);
  assert.equal(download.suggestedFilename(), 'posts.csv');
  const csv = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
  assert.equal(
    csv[0],
    'Account,Type,Caption,Hashtags,Published (UTC),Likes,Comments,Saves,Shares,Reach,Views,Engagement (by reach),Engagement (by followers),Impact,Avg watch,Watch time,Skip rate',
  );
  assert.equal(csv.length - 1, rows);

  // A post's page draws its curves from the snapshots and says where it ranks: the post the
  // fewest accounts saw, the one the ascending sort puts on top.
  const listed = await postsTable.getByTestId('post-row').evaluateAll((trs, [link, reach]) =>
    trs.map((tr) => ({ href: tr.querySelector(link).getAttribute('href'), reach: tr.querySelector(reach).textContent })),
  [testId('post-link'), testId('post-reach')]);
  const least = listed
    .map((p) => ({ ...p, reach: figure(p.reach) }))
    .filter((p) => p.reach !== null)
    .reduce((a, b) => (b.reach < a.reach ? b : a));
  await postsTable.locator(testId('post-link', `[href="${least.href}"]`)).click();
  await page.waitForURL(/\/posts\/\d+$/);
  await page.getByTestId('post-rank').waitFor();
  assert.match(await page.getByTestId('post-rank').textContent(), /^#\d+ of \d+$/);
  const curve = drawnCanvas(page.getByTestId('post-reach-views-chart'));
  await curve.waitFor();
  assert.ok((await painted(curve)) > 500, 'post curve painted');
  await tablesFit(page, 'A post at 1366 px');
  await shot(page, '22-post');

  // Hashtags and the best time, the latter in the browser's zone.
  await nav(page, 'Hashtags').click();
  await someOf(page, testId('hashtags-row'));
  await shot(page, '23-hashtags');
  await nav(page, 'Best time').click();
  await page.waitForURL(/tz=Europe%2FParis/);
  await page.getByText(/in Europe\/Paris/).waitFor();
  assert.ok((await page.getByTestId('heat-cell').count()) > 0);
  await shot(page, '24-best-time');
  // The same grid for when followers are online (Meta's hours, placed in Paris time).
  await page.getByRole('link', { name: 'When your followers are online' }).click();
  await page.waitForURL(/show=online/);
  await page.getByText(/Followers online .* in Europe\/Paris/).waitFor();
  const online = await page.getByTestId('heat-cell').evaluateAll((cells) => cells.map((c) => c.getAttribute('aria-label')));
  assert.ok(online.length >= 24, `${online.length} hours with followers online`);
  assert.ok(online.every((label) => / followers online on average \(\d+ days?\)$/.test(label)), online[0]);
  await shot(page, '24-best-time-online');

  // A viewer sees every page but no admin control.
  await nav(page, 'Users').click();
  await hydrated(page);
  const addUser = page.getByTestId('add-user-form');
  await addUser.getByLabel('Username').fill('vera');
  await addUser.getByLabel('Password').fill('vera-password-1');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.locator(testId('user-row', '[data-username="vera"]')).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/login/);
  await signIn(page, 'vera', 'vera-password-1');
  await someOf(page, DRAWN_CANVASES);
  assert.equal(await nav(page, 'Users').count(), 0);
  assert.equal(await nav(page, 'Settings').count(), 0);
  await nav(page, 'Accounts').click();
  await someOf(page, testId('account-card'));
  assert.equal(await page.getByRole('button', { name: 'Sync now' }).count(), 0);
  assert.equal(await page.getByText('Connect an account').count(), 0);
  await shot(page, '25-viewer-accounts');
  const denied = await page.goto(`${demo.base}/settings`);
  assert.equal(denied.status(), 403);

  assert.deepEqual(errors, [], 'no script errors (hydration included)');
  assert.doesNotMatch(demo.log(), /\bERROR\b/, 'the server logged no error');
  await context.close();
});

test('on a phone the navigation is one short row and every table scrolls inside its frame', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'admin', demo.password);
  await drawnCanvas(page.getByTestId('reach-views-chart')).waitFor();

  const header = await page.locator('header.topbar').boundingBox();
  assert.ok(header.height < 0.15 * 844, `the top bar takes ${header.height} px of 844`);
  assert.ok(await page.getByRole('navigation', { name: 'Main' }).isVisible());
  await tablesFit(page, 'Overview at 390 px');
  await shot(page, '26-overview-phone');

  // Links past the screen's edge are reached by scrolling the row, as a click does.
  await nav(page, 'Posts').click();
  await page.waitForURL(`${demo.base}/posts`);
  await someOf(page, `${testId('posts-table')} ${testId('post-row')}`);
  await tablesFit(page, 'Posts at 390 px');
  await page.getByTestId('post-link').first().click();
  await page.waitForURL(/\/posts\/\d+$/);
  await page.getByTestId('post-rank').waitFor();
  await tablesFit(page, 'A post at 390 px');
  await nav(page, 'Sync log').click();
  await page.waitForURL(`${demo.base}/sync-log`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the charts are in the first paint: SVG in the server\'s HTML, then the canvas takes over', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'admin', demo.password);
  const cookies = await context.cookies();

  // No script at all: what the server sent is all there is, as before the WASM has loaded.
  for (const [width, shown] of [[1366, 'wide'], [390, 'narrow']]) {
    const still = await browser.newContext({ javaScriptEnabled: false, viewport: { width, height: 844 } });
    await still.addCookies(cookies);
    const tab = await still.newPage();
    await tab.goto(`${demo.base}/?range=90`);
    const chart = tab.getByTestId('reach-views-chart');
    const first = chart.locator(`${testId('chart-ssr')} svg:visible`);
    assert.equal(await first.count(), 1, `${width} px: one drawing shown`);
    assert.equal(await first.getAttribute('class'), shown, `${width} px: the ${shown} drawing`);
    const [svg, area] = [await first.boundingBox(), await chart.getByTestId('chart-area').boundingBox()];
    assert.ok(Math.abs(svg.width - area.width) < 2 && svg.height > 200, `${width} px: it fills the chart`);
    // Reach and views, each a line with many points, in the theme's series colours (the axes
    // and grid lines are drawn in the text and grid colours).
    const lines = await first.locator('polyline:not([stroke="#5B6470"]):not([stroke="#E6E9EE"])').evaluateAll((ls) =>
      ls.map((l) => ({ points: l.points.numberOfItems, stroke: getComputedStyle(l).stroke })));
    assert.equal(lines.length, 2, `${width} px: ${JSON.stringify(lines)}`);
    assert.ok(lines.every((l) => l.points > 20), `${width} px: ${JSON.stringify(lines)}`);
    assert.deepEqual(lines.map((l) => l.stroke), ['rgb(106, 61, 232)', 'rgb(232, 89, 12)']);
    const labels = await first.locator('text').allTextContents();
    assert.ok(labels.some((t) => /^[A-Z][a-z]{2} \d{1,2}$/.test(t.trim())), `${width} px: dated axis ${labels}`);
    await still.close();
  }

  // Hydrated: the canvas has drawn and the SVG is gone.
  await page.goto(`${demo.base}/?range=90`);
  await hydrated(page);
  const chart = page.getByTestId('reach-views-chart');
  await drawnCanvas(chart).waitFor();
  assert.equal(await chart.locator(`${testId('chart-ssr')} svg:visible`).count(), 0);
  assert.ok((await painted(drawnCanvas(chart))) > 500, 'the canvas took over');
  assert.deepEqual(errors, [], 'hydration kept the server\'s SVG without complaint');
  await context.close();
});

test('the Audience page shows both audiences by age and gender, country and city', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'admin', demo.password);
  await nav(page, 'Audience').click();
  await page.waitForURL(`${demo.base}/audience`);
  await page.getByTestId('audience-day').waitFor();
  for (const side of ['audience-followers', 'audience-engaged']) {
    const section = page.getByTestId(side);
    // Age and gender, countries and cities: three sets of bars, each with figures.
    const bars = section.getByTestId('audience-bars');
    assert.equal(await bars.count(), 3, `${side}: three breakdowns`);
    for (const list of await bars.all()) {
      const values = (await list.locator('.bar-value').allTextContents()).map(figure);
      assert.ok(values.length > 0 && values.every((v) => v > 0), `${side}: ${values}`);
      const widths = await list.locator('.bar').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().width));
      assert.ok(Math.max(...widths) > 50, `${side}: the largest bar is drawn`);
    }
  }
  // Countries: the full list in its table, largest first, shares adding up to 100 %.
  const followers = page.getByTestId('audience-followers');
  await followers.locator('summary', { hasText: 'countries' }).click();
  const rows = followers.getByTestId('countries-table').getByTestId('countries-row');
  const people = (await rows.locator('td:nth-child(2)').allTextContents()).map(figure);
  assert.deepEqual(people, [...people].sort((a, b) => b - a));
  const shares = (await rows.locator('td:nth-child(3)').allTextContents()).map(figure);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 100) < 0.5 * shares.length, `${shares}`);
  await tablesFit(page, 'Audience at 1366 px');
  await shot(page, '27-audience');

  // What changed since a day 20 days back (the demo captured one each day): the followers
  // grew, so the countries' counts did too.
  const since = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Compare with').fill(since);
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/since=/);
  await page.getByTestId('audience-day').filter({ hasText: 'compared with' }).waitFor();
  const changes = await followers.getByTestId('countries-table').getByTestId('countries-row').locator('td:nth-child(4)').allTextContents();
  assert.ok(changes.length > 0 && changes.every((c) => /^(\+[\d,]+|0|new)$/.test(c.trim())), `${changes}`);
  assert.ok(changes.some((c) => c.startsWith('+')), `${changes}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the Stories page keeps each story\'s final figures; a story\'s page draws its 24 hours; reels show watch time', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'admin', demo.password);
  await nav(page, 'Stories').click();
  await page.waitForURL(`${demo.base}/stories`);
  await someOf(page, testId('story-row'));
  const table = page.getByTestId('stories-table');
  const cells = async (name) => (await table.getByTestId(`story-${name}`).allTextContents()).map(figure);
  const reach = await cells('reach');
  assert.ok(reach.length > 5 && reach.some((r) => r > 0), `stories collected by the poller: ${reach}`);
  // The completion rate is explained on its heading and lies between 0 and 100 %.
  const heading = table.locator('th', { hasText: 'Completion rate' });
  assert.match(await heading.getAttribute('title'), /\(views − exits\) \/ views/);
  const completion = (await cells('completion-rate')).filter((c) => c !== null);
  assert.ok(completion.length > 0 && completion.every((c) => c >= 0 && c <= 100), `${completion}`);
  assert.ok((await cells('taps-forward')).some((t) => t > 0));

  // Sorted by completion, highest first, kept in the URL.
  await page.getByLabel('Sort by').selectOption('completion');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/sort=completion/);
  const sorted = await sortedFigures(page, 'story-completion-rate', 'desc');
  assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a));
  await tablesFit(page, 'Stories at 1366 px');
  await shot(page, '28-stories');

  // A story's own page: ranked by reach, its curves over its 24 hours drawn.
  await table.getByTestId('post-link').first().click();
  await page.waitForURL(/\/posts\/\d+$/);
  await page.getByTestId('post-rank').waitFor();
  assert.match(await page.locator('p.period').first().textContent(), /stories by reach/);
  const curve = page.getByTestId('post-reach-views-chart');
  assert.match(await curve.textContent(), /over its 24 hours/);
  assert.ok((await painted(drawnCanvas(curve))) > 200, 'the 24-hour curve is drawn');
  await page.getByTestId('post-depth').getByTestId('depth-exits').waitFor();

  // Reels: average and total watch time and skip rate in the Posts table.
  await page.goto(`${demo.base}/posts?kind=reel`);
  await someOf(page, testId('post-row'));
  const watch = await page.getByTestId('posts-table').getByTestId('post-avg-watch').allTextContents();
  // A reel Meta has no figures for yet (its first minutes) shows "—".
  const shown = (cells, pattern) => cells.every((c) => pattern.test(c.trim()) || c.trim() === '—') && cells.some((c) => pattern.test(c.trim()));
  assert.ok(shown(watch, /^\d+\.\d s$/), `${watch}`);
  const skips = await page.getByTestId('posts-table').getByTestId('post-skip-rate').allTextContents();
  assert.ok(shown(skips, /^\d+\.\d %$/), `${skips}`);
  assert.deepEqual(errors, []);
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
  const wasmHeaders = [];
  tab.on('response', (r) => {
    const file = new URL(r.url()).pathname.split('/').pop();
    if (file.endsWith('.wasm')) {
      fetched.push(file);
      wasmHeaders.push(r.allHeaders());
    }
  });
  await tab.goto(`${demo.base}/`);
  await hydrated(tab);
  await drawnCanvas(tab.getByTestId('reach-views-chart')).waitFor();
  assert.equal(fetched.length, 1, `the Overview and its charts need nothing else: ${fetched}`);
  // Named by its content hash (cargo-leptos hash-files), sent as the brotli file made at build
  // time (Chromium offers "gzip, deflate, br, zstd") and kept for a year.
  assert.match(fetched[0], /^instalytics\.[\w-]{22}\.wasm$/);
  const headers = await wasmHeaders[0];
  assert.equal(headers['content-encoding'], 'br', JSON.stringify(headers));
  assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable');

  await nav(tab, 'Hashtags').click();
  await someOf(tab, testId('hashtags-row'));
  assert.ok(fetched.some((f) => f.startsWith('split___hashtags_view')), `hashtags chunk fetched: ${fetched}`);
  assert.deepEqual(errors, []);
  await context.close();
});
