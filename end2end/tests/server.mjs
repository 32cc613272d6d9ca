// Starts the real release binary on a free loopback port with its own data directory, and
// launches Debian's Chromium through playwright-core (no browser download).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const repo = resolve(import.meta.dirname, '..', '..');
export const artifacts = join(repo, 'end2end', 'artifacts');

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

export const bin = () => process.env.INSTALYTICS_BIN ?? join(repo, 'target', 'release', 'instalytics');

/** What cargo-leptos tells the server at build time, for running the binary directly. */
export const appEnv = (extra = {}) => ({
  ...process.env,
  INSTALYTICS_LOG: 'info',
  LEPTOS_OUTPUT_NAME: 'instalytics',
  LEPTOS_SITE_ROOT: join(repo, 'target', 'site'),
  LEPTOS_SITE_PKG_DIR: 'pkg',
  LEPTOS_HASH_FILES: 'true',
  NO_COLOR: '1',
  ...extra,
});

/** Runs the app binary with `args` from the repository root, output piped. */
const spawnApp = (args, extraEnv) =>
  spawn(bin(), args, { cwd: repo, env: appEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });

/** Waits for `pattern` in a child's output; rejects if it exits or 30 s pass. */
function waitForOutput(child, pattern, what) {
  let log = '';
  const seen = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start:\n${log}`)), 30_000);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(pattern);
      if (m) {
        clearTimeout(timer);
        ok(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${what} exited with ${code}:\n${log}`)));
  });
  return { seen, log: () => log };
}

/**
 * Starts `instalytics graph-sim` (the in-repo Graph API simulator, serving its own pictures)
 * and resolves with its address and the accounts it invented (simulator tokens open nothing
 * else).
 */
export async function startSim() {
  const port = await freePort();
  // Five accounts: three with Instagram Login, two behind one Facebook user's Pages.
  const args = ['graph-sim', '--listen', `127.0.0.1:${port}`, '--media', '60', '--local-pictures',
    '--accounts', '5', '--facebook-user-accounts', '2'];
  const child = spawn(bin(), args, {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = waitForOutput(child, /OAuth authorize:[^\n]*\n(?:.*\n)?(?:.*token=\S+\n){5}/, 'simulator');
  await out.seen;
  const accounts = [...out.log().matchAll(/^(\S+)\s+(InstagramLogin|FacebookLogin) ig_user_id=(\d+) token=(\S+)$/gm)]
    .map(([, username, flavour, igUserId, token]) => ({ username, flavour, igUserId, token }));
  const root = `http://127.0.0.1:${port}`;
  return {
    root,
    accounts,
    /** Server flags that point the Graph API client and both logins' OAuth at the simulator. */
    flags: [
      '--instagram-graph-url', `${root}/instagram`,
      '--facebook-graph-url', `${root}/facebook`,
      '--instagram-app-id', '990011',
      '--instagram-oauth-url', `${root}/oauth/authorize`,
      '--instagram-token-url', `${root}/oauth/access_token`,
      // The simulator's own Facebook app (`graph_sim::APP_ID`, `APP_SECRET`): it opens nothing real.
      '--facebook-app-id', '1234',
      '--facebook-app-secret', '0123456789abcdef0123456789abcdef',
      '--facebook-oauth-url', `${root}/dialog/oauth`,
    ],
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
    },
  };
}

/** Starts `instalytics` and resolves once it listens; `setupUrl` is the logged first-run link. */
export async function startServer(extraArgs = [], extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'instalytics-e2e-'));
  const port = await freePort();
  const child = spawnApp(['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs], extraEnv);
  const out = waitForOutput(child, /create one at (http:\/\/\S+\/setup\?token=[\w-]+)/, 'server');
  const [, setupUrl] = await out.seen;
  return {
    base: `http://127.0.0.1:${port}`,
    setupUrl,
    log: out.log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `instalytics demo` (simulator in-process, three accounts, `days` of collected
 * history) and resolves with its address and the admin password it printed.
 */
export async function startDemo(days = 30) {
  const port = await freePort();
  const child = spawnApp(['demo', '--listen', `127.0.0.1:${port}`, '--days', String(days)]);
  const out = waitForOutput(child, /password:\s+(\S+)/, 'demo');
  const [, password] = await out.seen;
  return {
    base: `http://127.0.0.1:${port}`,
    password,
    log: out.log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
    },
  };
}

export async function launchBrowser() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The CSS selector of the elements with this `data-testid`, plus optional attribute filters. */
export const testId = (id, filters = '') => `[data-testid="${id}"]${filters}`;

/** Creates the first admin through the server's logged setup link; the page lands on the Overview. */
export async function setUpAdmin(page, server, username, password) {
  await page.goto(server.setupUrl);
  await hydrated(page);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create admin' }).click();
  await page.waitForURL(`${server.base}/`);
}

/**
 * Waits until at least one element matching `selector` is on the page, however many there
 * are (a locator's `waitFor` needs exactly one).
 */
export async function someOf(page, selector, options = {}) {
  await page.waitForSelector(selector, options);
}

/** Waits until the WASM app has hydrated, so clicks go through the live app. */
export async function hydrated(page) {
  await page.waitForFunction(() => document.body.dataset.hydrated === 'true', null, { timeout: 20_000 });
}
