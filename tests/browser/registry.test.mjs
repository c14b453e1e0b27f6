// A real browser: register a household with two people in Serbian Cyrillic, then find one in Latin script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, chooseLanguage } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('register a household with two people in Cyrillic and find one in Latin script', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/login');
  await page.fill('input[name=username]', 'healthmediator');
  await page.fill('input[name=password]', 'kopru-demo-2026');
  await page.click('form.stack button');
  await page.waitForURL(server.url + '/');
  await chooseLanguage(page, 'sr-Cyrl');

  await page.goto(server.url + '/households/new');
  await page.fill('input[name=area_code]', 'RS-20-NIS');
  await page.fill('input[name=address]', 'Улица Стевана Синђелића 33');
  await page.fill('input[name=settlement]', 'Београд мала');
  await page.selectOption('select[name=tenure]', 'informal');
  await page.click('form.stack button');
  await page.waitForURL(/\/households\/[0-9a-f-]+$/);
  const household = page.url();

  const register = async (given, family, relationship, sex, birth) => {
    await page.goto(household);
    await page.click('a[href^="/persons/new?household="]');
    await page.fill('input[name=given_names]', given);
    await page.fill('input[name=family_name]', family);
    await page.selectOption('select[name=sex]', sex);
    await page.fill('input[name=birth_date]', birth);
    await page.selectOption('select[name=relationship]', relationship);
    await page.click('form.stack button');
    if (await page.locator('#duplicates').count()) {
      // A demo person sounds alike: this is someone else.
      await page.check('input[name=confirm_new]');
      await page.click('form.stack button');
    }
    await page.waitForURL(/\/persons\/[0-9a-f-]+$/);
    return page.url();
  };
  const father = await register('Џевдет', 'Шаћири', 'head', 'male', '1979');
  await register('Љубица', 'Шаћири', 'spouse', 'female', '1982-04');
  await page.goto(household);
  assert.equal(await page.locator('table >> text=Шаћири').count() >= 2, true);

  // Search in Latin script, without diacritics.
  await page.goto(server.url + '/persons');
  await page.fill('main input[name=q]', 'dzevdet saciri');
  await page.waitForFunction(() => document.querySelector('#rows')?.textContent.includes('Џевдет'));
  const hit = page.locator('#rows a', { hasText: 'Џевдет' });
  assert.equal(await hit.count(), 1);
  assert.equal(server.url + await hit.getAttribute('href'), father);
  await page.goto(server.url + '/persons?q=' + encodeURIComponent('Ljubica Šaćiri'));
  assert.ok((await page.textContent('#rows')).includes('Љубица'));

  // The family moves to Vranje: a transfer request from the person page, which
  // fits a 360 px screen; the person stays here until Vranje's unit accepts.
  await page.goto(father);
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  assert.ok(await fits(), 'the person page fits a 360 px screen');
  await page.fill('input[name=to_unit]', 'MT-VRANJE');
  await page.fill('input[name=to_area]', 'RS-24-VRANJE');
  await page.fill('form[action$="/transfers"] input[name=reason]', 'Породица се преселила');
  await page.click('form[action$="/transfers"] button');
  await page.waitForURL(/\/persons\/[0-9a-f-]+#transfer$/);
  assert.ok((await page.textContent('#transfer ~ p')).includes('MT-VRANJE'));
  assert.ok(await fits(), 'with a request listed too');
  assert.deepEqual(errors, []);
});
