// The release tarball (`scripts/package`), unpacked into an empty directory and started as
// its systemd unit starts it: its environment lines, no repository, no other file. The first
// admin is created in Chromium through the setup link, so the site's WASM, scripts and styles
// come from the tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchBrowser, setUpAdmin, hydrated } from './server.mjs';

const repo = resolve(import.meta.dirname, '..', '..');

function newestTarball() {
  const dist = join(repo, 'dist');
  const found = readdirSync(dist).filter((f) => f.endsWith('.tar.gz')).sort();
  assert.ok(found.length > 0, 'scripts/package has made a tarball in dist/');
  return join(dist, found.at(-1));
}

const freePort = () =>
  new Promise((ok) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });

/** The unit's `Environment=` lines, with its paths moved to where the test unpacked it. */
function unitEnvironment(unit, opt, varLib) {
  const env = {};
  for (const [, name, value] of unit.matchAll(/^Environment=(\w+)=(.*)$/gm)) {
    env[name] = value.replaceAll('/opt/instalytics', opt).replaceAll('/var/lib/instalytics', varLib);
  }
  return env;
}

test('the release tarball serves the dashboard from an empty directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'instalytics-package-'));
  try {
    execFileSync('tar', ['-xzf', newestTarball(), '-C', dir]);
    const [name] = readdirSync(dir);
    const opt = join(dir, name);
    const varLib = join(dir, 'state');
    mkdirSync(varLib, { mode: 0o700 });
    const unit = readFileSync(join(opt, 'instalytics.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/opt\/instalytics\/bin\/instalytics serve$/m);
    const port = await freePort();
    const child = spawn(join(opt, 'bin', 'instalytics'), ['serve', '--listen', `127.0.0.1:${port}`], {
      cwd: varLib,
      // Nothing from this environment but PATH: what the unit gives is all it has.
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...unitEnvironment(unit, opt, varLib) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const setupUrl = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no setup link:\n${log}`)), 30_000);
      const onData = (chunk) => {
        log += chunk;
        const m = log.match(/create one at (http:\/\/\S+\/setup\?token=[\w-]+)/);
        if (m) {
          clearTimeout(timer);
          ok(m[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => fail(new Error(`exited with ${code}:\n${log}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        const wasm = [];
        page.on('response', (res) => {
          if (res.url().endsWith('.wasm')) wasm.push([res.status(), res.headers()['content-encoding']]);
        });
        await setUpAdmin(page, { setupUrl, base }, 'packaged', 'packaged-password-1');
        await hydrated(page);
        assert.ok(wasm.length > 0, 'WASM was loaded');
        for (const [status, encoding] of wasm) {
          assert.deepEqual([status, encoding], [200, 'br'], 'each WASM file, brotli, from the tarball');
        }
      } finally {
        await browser.close();
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
