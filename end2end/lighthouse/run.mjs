// Lighthouse 12 with its default mobile preset (a mid-range phone on a throttled 4G link)
// against the release build and a 90-day demo: the Overview signed in and the sign-in page,
// measured side by side in one run, RUNS times each, medians printed; first with the preset's
// simulated throttling (Lantern: it estimates from an unthrottled load), then with the same
// throttling applied in the browser (devtools: the page really loads that slowly). Then the
// bytes a first and a second visit to the Overview take from the network, as Chromium
// counts them. Figures, not a test: `scripts/lighthouse` runs it; BENCHMARKS.md keeps them.
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { hydrated, launchBrowser, startDemo } from '../tests/server.mjs';

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 5);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const demo = await startDemo(90);
try {
  const overview = `${demo.base}/?range=90`;
  const browser = await launchBrowser();
  const cookie = await signIn(browser);
  await visits(browser, overview, cookie);
  await browser.close();

  const pages = [
    { name: 'Overview (signed in, 90 days)', url: overview, headers: { Cookie: cookie } },
    { name: 'Sign-in', url: `${demo.base}/login`, headers: {} },
  ];
  for (const throttlingMethod of ['simulate', 'devtools']) {
    const results = new Map(pages.map((p) => [p.name, []]));
    for (let run = 0; run < RUNS; run++) {
      for (const page of pages) {
        // A fresh browser each time: no cookie a page set (the session's) follows into the
        // next page, and no cache either.
        const chrome = await chromeLauncher.launch({
          chromePath: CHROMIUM,
          chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'],
        });
        try {
          const { lhr } = await lighthouse(page.url, {
            port: chrome.port,
            output: 'json',
            logLevel: 'error',
            onlyCategories: ['performance', 'accessibility'],
            extraHeaders: page.headers,
            throttlingMethod,
          });
          if (new URL(lhr.finalDisplayedUrl).pathname !== new URL(page.url).pathname) {
            throw new Error(`${page.name} ended on ${lhr.finalDisplayedUrl}`);
          }
          results.get(page.name).push(lhr);
        } finally {
          await chrome.kill();
        }
      }
    }
    const version = results.get(pages[0].name)[0].lighthouseVersion;
    console.log(`\nLighthouse ${version}, mobile preset, throttling ${throttlingMethod}, ${RUNS} runs per page, medians:`);
    for (const [name, lhrs] of results) report(name, lhrs);
  }
} finally {
  await demo.stop();
}

/** Signs in as the demo's admin and returns the session cookie as a `Cookie` header. */
async function signIn(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${demo.base}/login`);
  await hydrated(page);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${demo.base}/`);
  const cookies = await context.cookies();
  await context.close();
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** What a first and then a second visit (a new tab, same browser cache) fetch over the network. */
async function visits(browser, url, cookie) {
  const context = await browser.newContext({ extraHTTPHeaders: { Cookie: cookie } });
  for (const visit of ['first', 'second']) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const fetched = new Map();
    cdp.on('Network.responseReceived', ({ requestId, response }) => {
      if (!response.fromDiskCache && !response.fromMemoryCache && !response.url.startsWith('data:')) {
        fetched.set(requestId, { url: new URL(response.url).pathname, encoding: response.headers['content-encoding'] ?? 'identity', bytes: 0 });
      }
    });
    cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      if (fetched.has(requestId)) fetched.get(requestId).bytes = encodedDataLength;
    });
    await cdp.send('Network.enable');
    await page.goto(url);
    await hydrated(page);
    await page.waitForLoadState('networkidle');
    const rows = [...fetched.values()];
    const total = rows.reduce((sum, r) => sum + r.bytes, 0);
    console.log(`\n${visit} visit to the Overview: ${rows.length} requests, ${total.toLocaleString('en')} bytes on the wire (headers included)`);
    for (const r of rows) console.log(`  ${String(r.bytes).padStart(9)}  ${r.encoding.padEnd(8)}  ${r.url}`);
    await page.close();
  }
  await context.close();
}

function report(name, lhrs) {
  const audit = (id) => median(lhrs.map((l) => l.audits[id].numericValue));
  const score = (id) => median(lhrs.map((l) => Math.round(l.categories[id].score * 100)));
  const ms = (id) => `${(audit(id) / 1000).toFixed(2)} s`;
  console.log(`\n${name}`);
  console.log(`  performance ${score('performance')} (runs: ${lhrs.map((l) => Math.round(l.categories.performance.score * 100)).join(', ')}), accessibility ${score('accessibility')}`);
  console.log(`  FCP ${ms('first-contentful-paint')}, LCP ${ms('largest-contentful-paint')}, speed index ${ms('speed-index')}, TBT ${audit('total-blocking-time').toFixed(0)} ms, CLS ${audit('cumulative-layout-shift').toFixed(3)}, TTI ${ms('interactive')}`);
  console.log(`  bytes transferred: ${audit('total-byte-weight').toLocaleString('en')}`);
  const items = lhrs[0].audits['resource-summary']?.details?.items ?? [];
  console.log(`  by type (first run): ${items.filter((i) => i.transferSize > 0).map((i) => `${i.resourceType} ${i.transferSize.toLocaleString('en')}`).join(', ')}`);
  const lcp = lhrs[0].audits['largest-contentful-paint-element']?.details?.items?.[0]?.items?.[0]?.node;
  if (lcp) console.log(`  LCP element (first run): ${lcp.nodeLabel ?? ''} <${lcp.selector ?? ''}>`);
  const failing = Object.values(lhrs[0].audits).filter((a) => a.score === 0 && lhrs[0].categories.accessibility.auditRefs.some((r) => r.id === a.id));
  if (failing.length) console.log(`  accessibility audits failing: ${failing.map((a) => a.id).join(', ')}`);
}
