// Starts `kopru serve --demo` on a free port with a fresh data directory and
// launches Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');

// `reuse` is the data directory of a stopped server to start again (with, for
// example, a moved clock: KOPRU_CLOCK_OFFSET_DAYS).
export async function startServer(extraEnv = {}, reuse = null) {
  const bin = process.env.KOPRU_BIN || join(root, 'target/debug/kopru');
  const dataDir = reuse || mkdtempSync(join(tmpdir(), 'kopru-browser-'));
  const args = ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  // The browser test runs on SQLite; the integration tests cover both engines.
  const env = { ...process.env, KOPRU_DATABASE_URL: '', ...extraEnv };
  const proc = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('server did not start:\n' + log)), 60000);
    const onData = (d) => {
      log += d.toString();
      // The demo's people load after the server answers: wait for them too.
      const m = log.match(/serving on (http:\/\/[0-9.:]+)/);
      if (m && /demo: ready in/.test(log)) { clearTimeout(timer); ok(m[1]); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${log}`)));
  });
  return {
    url,
    dataDir,
    // `keep`: leave the data directory for a restart.
    async stop({ keep = false } = {}) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      if (!keep) { rmSync(dataDir, { recursive: true, force: true }); }
    },
  };
}

// Every page of every test is watched for content-security-policy refusals
// (an inline script or handler the policy blocks would silently break a page);
// closing the browser fails the file if there was any.
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const refused = [];
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|Refused to (execute|load|apply|evaluate)/i.test(text)) {
        refused.push(`${page.url()}: ${text}`);
      }
    });
    return page;
  };
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close();
    if (refused.length) {
      throw new Error('content security policy refusals:\n' + refused.join('\n'));
    }
  };
  return browser;
}

// Switches the page's language: signed in, the buttons sit in the menu.
export async function chooseLanguage(page, tag) {
  const menu = page.locator('details.menu');
  if (await menu.count()) {
    const open = await menu.evaluate((d) => d.open);
    if (!open) { await page.click('details.menu > summary'); }
  }
  await page.click(`form.lang button[value="${tag}"]`);
  await page.waitForFunction((t) => document.documentElement.lang === t, tag);
}
