// A real browser: the same woman registered by two units that cannot see each
// other's people (in Ankara in Latin script, in Niš in Cyrillic); the batch run
// finds her, an administrator reviews the two records side by side, merges
// them and undoes the merge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function signIn(username) {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(server.url + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'kopru-demo-2026');
  await page.click('form.stack button');
  await page.waitForURL(server.url + '/');
  return page;
}

/// Registers a woman born 1990-05-12 in a new household; whether a duplicate was proposed.
async function register(page, area, given, family) {
  await page.goto(server.url + '/households/new');
  await page.fill('input[name=area_code]', area);
  await page.fill('input[name=address]', 'Cara Dušana 12');
  await page.click('form.stack button');
  await page.waitForURL(/\/households\/[0-9a-f-]+$/);
  await page.click('a[href^="/persons/new?household="]');
  await page.fill('input[name=given_names]', given);
  await page.fill('input[name=family_name]', family);
  await page.selectOption('select[name=sex]', 'female');
  await page.fill('input[name=birth_date]', '1990-05-12');
  await page.selectOption('select[name=relationship]', 'head');
  await page.click('form.stack button');
  const proposed = (await page.locator('#duplicates').count()) > 0;
  if (!proposed) await page.waitForURL(/\/persons\/[0-9a-f-]+$/);
  return proposed;
}

test('a person registered by two units is found, merged and the merge undone', async () => {
  const ankara = await signIn('mediator');
  assert.equal(await register(ankara, 'TR-06-ALTINDAG', 'Semsa', 'Cazimovic'), false);
  const nis = await signIn('healthmediator');
  // The Niš team cannot see Ankara's people: nothing to propose on entry.
  assert.equal(await register(nis, 'RS-20-NIS', 'Шемса', 'Ћазимовић'), false);

  // The batch run over the whole installation queues the pair.
  const admin = await signIn('admin');
  await admin.goto(server.url + '/duplicates');
  await admin.click('main details summary');
  await admin.click('form[action="/duplicates/run"] button');
  await admin.waitForSelector('p.notice');
  const review = admin.locator('tr', { hasText: 'Cazimovic' }).locator('a.button');
  assert.equal(await review.count(), 1);
  await review.click();
  await admin.waitForURL(/\/duplicates\/[0-9a-f-]+$/);
  const pair = admin.url();
  const text = await admin.textContent('main');
  assert.ok(text.includes('Ћазимовић') && text.includes('Cazimovic'), 'both spellings side by side');

  // Merge, then undo.
  const count = async () => {
    await admin.goto(server.url + '/persons?q=' + encodeURIComponent('Šemsa Ćazimović'));
    return admin.locator('#rows a', { hasText: /Cazimovic|Ћазимовић/ }).count();
  };
  assert.equal(await count(), 2);
  await admin.goto(pair);
  await admin.click('#merge button');
  await admin.waitForURL(/\/merges\/[0-9a-f-]+$/);
  const merge = admin.url();
  assert.equal(await count(), 1, 'one record left after the merge');
  await admin.goto(merge);
  await admin.click('form[action$="/unmerge"] button');
  await admin.waitForURL(merge);
  assert.equal(await count(), 2, 'both records back after the undo');
  for (const p of [ankara, nis, admin]) assert.deepEqual(p.errors, []);
});
