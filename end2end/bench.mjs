// Browser figures for the dashboard (run: `node end2end/bench.mjs` after
// `cargo leptos build --release --split`): time to interactive of the Overview, chart redraw
// times, including a post whose curve has 10,000 snapshots, and the gzipped WASM a first visit
// to the Overview downloads (main module and any chunks), and all pages' WASM together.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { appEnv, bin as binary, launchBrowser, testId } from './tests/server.mjs';

const repo = resolve(import.meta.dirname, '..');
const bin = binary();
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const PASSWORD = 'bench-password-1';
const env = appEnv();
/** Chart canvases the app has drawn on (every drawing stamps `data-draw-ms`). */
const DRAWN = testId('chart-canvas', '[data-draw-ms]');

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const report = (name, xs) =>
  console.log(`${name.padEnd(52)} p50 ${quantile(xs, 0.5).toFixed(1)} ms  p95 ${quantile(xs, 0.95).toFixed(1)} ms  (n=${xs.length})`);

// A generated history (3 accounts × 300 posts × 90 days), an admin, and one post given
// 10,000 snapshots (every 10 minutes for ~69 days) so its curves have 10k points each.
const dir = mkdtempSync(join(tmpdir(), 'instalytics-bench-'));
execFileSync(bin, ['generate', '--data-dir', dir, '--accounts', '3', '--posts', '300', '--days', '90'], { env, stdio: 'inherit' });
execFileSync(bin, ['user', 'add', 'admin', '--admin', '--data-dir', dir], { env, input: `${PASSWORD}\n` });
execFileSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(mid, published) = db.execute("select id, published_at from media where product_type != 'STORY' order by id limit 1").fetchone()
db.execute("delete from media_snapshots where media_id = ?", (mid,))
rows = [(mid, published + 600 * (i + 1), i // 7, i // 97, i // 131, i // 211, 40 * i + (i % 17) * 90, 70 * i + (i % 23) * 300) for i in range(10000)]
db.executemany("insert into media_snapshots (media_id, captured_at, likes, comments, saves, shares, reach, views) values (?,?,?,?,?,?,?,?)", rows)
db.commit()
print(mid)
`, join(dir, 'instalytics.db')]);
const heavyPost = execFileSync('python3', ['-c', `import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select media_id from media_snapshots group by media_id order by count(*) desc limit 1").fetchone()[0])`, join(dir, 'instalytics.db')]).toString().trim();

const port = 20000 + Math.floor(Math.random() * 20000);
const server = spawn(bin, ['--data-dir', dir, '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
await new Promise((ok, fail) => {
  let log = '';
  const on = (c) => { log += c; if (log.includes('listening on')) ok(); };
  server.stdout.on('data', on);
  server.stderr.on('data', on);
  server.once('exit', (code) => fail(new Error(`server exited ${code}: ${log}`)));
});
const base = `http://127.0.0.1:${port}`;

const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
// Records when the app marks itself hydrated, relative to navigation start.
await context.addInitScript(() => {
  new MutationObserver((_, obs) => {
    if (document.body?.dataset.hydrated === 'true') {
      window.__hydratedAt = performance.now();
      obs.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
});
const page = await context.newPage();
await page.goto(`${base}/login`);
await page.waitForFunction(() => window.__hydratedAt);
await page.getByLabel('Username').fill('admin');
await page.getByLabel('Password').fill(PASSWORD);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL(`${base}/`);

const tti = [];
const firstDraw = [];
for (let i = 0; i < RUNS; i++) {
  await page.goto(`${base}/?range=90`);
  await page.waitForFunction((drawn) => window.__hydratedAt && document.querySelectorAll(drawn).length === 2, DRAWN);
  tti.push(await page.evaluate(() => window.__hydratedAt));
  firstDraw.push(Number(await page.getByTestId('reach-views-chart').locator(DRAWN).getAttribute('data-draw-ms')));
}
report('Overview (90 days, all accounts): time to interactive', tti);
report('Overview reach/views chart: first draw', firstDraw);

/** Toggles a legend entry and reads how long the redraw took. */
async function redraws(chart, legend) {
  const times = [];
  for (let i = 0; i < RUNS * 2; i++) {
    const canvas = chart.getByTestId('chart-canvas');
    const before = Number(await canvas.getAttribute('data-draws'));
    await chart.getByRole('button', { name: legend }).click();
    await page.waitForFunction(([el, n]) => Number(el.dataset.draws) > n, [await canvas.elementHandle(), before]);
    times.push(Number(await canvas.getAttribute('data-draw-ms')));
  }
  return times;
}
report('Overview reach/views chart: redraw (legend toggle)', await redraws(page.getByTestId('reach-views-chart'), 'Views'));

await page.goto(`${base}/posts/${heavyPost}`);
await page.waitForFunction((drawn) => document.querySelectorAll(drawn).length === 2, DRAWN);
console.log(`post ${heavyPost}: ${await page.getByTestId('snapshots-summary').textContent()}`);
report('Post with 10,000 snapshots: redraw of 2 × 10k points', await redraws(page.getByTestId('post-reach-views-chart'), 'Views'));

// A first visit with an empty cache (a new context, signed in with the same cookie): every
// .wasm file the browser fetches until the Overview's charts are drawn.
const pkg = join(repo, 'target', 'site', 'pkg');
const gzipped = (file) => gzipSync(readFileSync(join(pkg, file)), { level: 9 }).length;
const first = await browser.newContext({ storageState: await context.storageState() });
const fetched = new Set();
const firstPage = await first.newPage();
firstPage.on('response', (r) => {
  const file = new URL(r.url()).pathname.split('/').pop();
  if (file.endsWith('.wasm')) fetched.add(file);
});
await firstPage.goto(`${base}/?range=90`);
await firstPage.waitForFunction((drawn) => document.body.dataset.hydrated === 'true' && document.querySelectorAll(drawn).length === 2, DRAWN);
const overviewBytes = [...fetched].reduce((sum, f) => sum + gzipped(f), 0);
console.log(`WASM for a first visit to the Overview: ${overviewBytes} B gzipped (${[...fetched].join(', ')})`);
const all = readdirSync(pkg).filter((f) => f.endsWith('.wasm'));
const allBytes = all.reduce((sum, f) => sum + gzipped(f), 0);
// The main module is instalytics.<content hash>.wasm (cargo-leptos hash-files).
const main = all.find((f) => f.startsWith('instalytics.'));
console.log(`WASM of all pages together: ${allBytes} B gzipped in ${all.length} files (main module ${gzipped(main)} B)`);
await first.close();

await browser.close();
server.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
