// The Content Security Policy against the real app in headless Chromium: every page loads,
// hydrates and draws its charts (WASM, canvas, inline style attributes) without a single
// violation, and a script injected without the page's nonce is refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hydrated, launchBrowser, someOf, startDemo, testId } from './server.mjs';

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

/** A page that records every CSP violation, both as the browser reports it and as logged. */
async function watchedPage() {
  const context = await browser.newContext({ timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
  // Scripts added through the DevTools protocol run whatever the page's policy says.
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const page = await context.newPage();
  const logged = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) logged.push(m.text());
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const violations = async () => [...logged, ...(await page.evaluate(() => window.__violations))];
  return { context, page, errors, violations };
}

test('every page hydrates and draws under the Content Security Policy', async () => {
  const { context, page, errors, violations } = await watchedPage();
  const login = await page.goto(`${demo.base}/login`);
  assert.match(login.headers()['content-security-policy'], /script-src 'self' 'nonce-[\w-]+' 'wasm-unsafe-eval'/);
  await hydrated(page);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${demo.base}/`);
  await hydrated(page);

  // The Overview's charts: drawn, and the crosshair (a style attribute) follows the mouse.
  const chart = page.getByTestId('reach-views-chart');
  await chart.locator(testId('chart-canvas', '[data-draw-ms]')).waitFor();
  const box = await chart.getByTestId('chart-area').boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await chart.getByTestId('chart-tooltip').waitFor();

  // Each page loaded from scratch, so each runs under its own response's policy.
  for (const [path, ready] of [
    ['/posts', testId('post-row')],
    ['/hashtags', testId('hashtags-row')],
    ['/best-time', testId('heat-cell')],
    ['/accounts', testId('account-card')],
    ['/sync-log', 'main'],
    ['/settings', 'main'],
    ['/users', 'main'],
  ]) {
    await page.goto(`${demo.base}${path}`);
    await hydrated(page);
    await someOf(page, ready);
  }
  // The heat map's cells are tinted through their style attribute.
  const heat = await page.goto(`${demo.base}/best-time`).then(async () => {
    await hydrated(page);
    return page.locator(testId('heat-cell')).first().evaluate((td) => getComputedStyle(td).getPropertyValue('--heat'));
  });
  assert.notEqual(heat.trim(), '', 'the --heat style attribute applies');

  // A post's curves.
  await page.goto(`${demo.base}/posts`);
  await hydrated(page);
  await page.locator(testId('post-link')).first().click();
  await page.waitForURL(/\/posts\/\d+$/);
  await page.getByTestId('post-reach-views-chart').locator(testId('chart-canvas', '[data-draw-ms]')).waitFor();

  assert.deepEqual(await violations(), [], 'no Content Security Policy violation');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an inline script without the nonce is refused', async () => {
  const { context, page, violations } = await watchedPage();
  await page.goto(`${demo.base}/login`);
  await hydrated(page);
  // As an injection would: a new inline script, without this response's nonce.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.append(s);
  });
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.ok((await violations()).some((v) => /script-src/.test(v)), 'the browser reported it');
  await context.close();
});
