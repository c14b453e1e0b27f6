// A real browser: sign in, switch to Serbian Cyrillic, create a unit, see it listed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, chooseLanguage } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('sign in, switch to Serbian Cyrillic, create a unit and find it in the list', async () => {
  // A cheap phone's screen.
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(server.url + '/');
  assert.match(page.url(), /\/login$/);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'kopru-demo-2026');
  await page.click('form.stack button');
  await page.waitForURL(server.url + '/');

  await chooseLanguage(page, 'sr-Cyrl');
  assert.ok((await page.textContent('header')).includes('Јединице и тимови'));

  await page.goto(server.url + '/units/new');
  await page.fill('input[name=code]', 'MT-BUJANOVAC');
  await page.fill('input[name=name]', 'Мобилни тим Бујановац');
  await page.selectOption('select[name=kind]', 'mobile_team');
  // The area picker searches as you type, in any script.
  await page.fill('input[name=area_code]', 'Бујановац');
  await page.waitForFunction(() => document.querySelectorAll('#area-list option').length > 0);
  const suggested = await page.getAttribute('#area-list option', 'value');
  assert.equal(suggested, 'RS-24-BUJANOVAC');
  await page.fill('input[name=area_code]', suggested);
  await page.selectOption('select[name=programme_code]', 'ROMACTED');
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/unit-form.png` : '/tmp/kopru-unit-form.png', fullPage: true });
  await page.click('form.stack button');
  await page.waitForURL(/\/units\?q=MT-BUJANOVAC/);
  const row = page.locator('#rows tr', { hasText: 'MT-BUJANOVAC' });
  assert.equal(await row.count(), 1);
  assert.ok((await row.textContent()).includes('Мобилни тим Бујановац'));

  // The list filters as you type (htmx), without a full page load.
  await page.goto(server.url + '/units');
  await page.fill('main input[name=q]', 'бујановац');
  await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 2);
  assert.ok((await page.textContent('#rows')).includes('MT-BUJANOVAC'));
  await page.screenshot({ path: process.env.SCREENSHOT_DIR ? `${process.env.SCREENSHOT_DIR}/units.png` : '/tmp/kopru-units.png', fullPage: true });

  // Nothing is wider than the phone's screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  assert.deepEqual(errors, []);
});
