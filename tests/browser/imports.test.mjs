// A real browser: a long import shows its progress, then its report, without a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser } from './harness.mjs';

let server, browser;
// Commits never wait: every import goes through its progress page.
before(async () => { server = await startServer({ KOPRU_IMPORT_WAIT_MS: '0' }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

// `n` distinct people in the coordinator's unit.
function sheet(n) {
  const rows = ['given_names,family_name,birth_date,unit_code,area_code'];
  for (let i = 0; i < n; i++) {
    let word = '';
    for (let k = i; ; k = Math.floor(k / 26)) {
      word += String.fromCharCode(97 + (k % 26));
      if (k < 26) break;
    }
    rows.push(`Ayşe ${word},Yılmaz,${1950 + (i % 60)},SHKB-ANK-01,TR-06-ALTINDAG`);
  }
  return Buffer.from(rows.join('\n') + '\n');
}

test('a long import shows its progress and then its report', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/login');
  await page.fill('input[name=username]', 'coordinator');
  await page.fill('input[name=password]', 'kopru-demo-2026');
  await page.click('form.stack button');
  await page.waitForURL(server.url + '/');

  const rows = 15000;
  await page.goto(server.url + '/imports');
  await page.setInputFiles('input[name=file]', { name: 'liste.csv', mimeType: 'text/csv', buffer: sheet(rows) });
  await page.click('form.stack button');
  await page.waitForSelector('#imported', { timeout: 120000 });
  const digits = (s) => s.replace(/\D/g, '');
  assert.equal(digits(await page.textContent('#imported')), String(rows));

  await page.click('form.stack button:not(.secondary)');
  // The job's page: a progress bar the page refreshes by itself…
  await page.waitForSelector('#import-progress progress', { timeout: 60000 });
  assert.match(page.url(), /\/imports\/jobs\/[0-9a-f-]+$/);
  // …until the job ends and the report takes its place.
  await page.waitForSelector('#imported', { timeout: 180000 });
  assert.equal(digits(await page.textContent('#imported')), String(rows));
  assert.equal(await page.locator('#import-progress').count(), 0);
  assert.deepEqual(errors, []);
});
