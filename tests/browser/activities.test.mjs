// A real browser, an activity from plan to certificate: a coordinator plans a
// vocational course with three sessions and enrols ten people; a mediator
// takes attendance on a 360 px phone, one tap per person, saved as tapped;
// completion shows on the activity; the certificate downloads as a PDF and
// anyone can check its code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, chooseLanguage } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function signIn(username, width) {
  const page = await browser.newPage({ viewport: { width, height: 740 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(server.url + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'kopru-demo-2026');
  await page.click('form.stack button');
  await page.waitForURL(server.url + '/');
  await chooseLanguage(page, 'en');
  return page;
}

// The installation's today, as the server writes it in a date field's default.
function dayFrom(iso, n) {
  const d = new Date(iso + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const noSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('plan a course, enrol ten, take attendance at 360 px, see completion, print the certificate', async () => {
  const c = await signIn('coordinator', 1280);
  await c.goto(server.url + '/activities/new');
  const today = await c.inputValue('input[name=starts_on]');
  await c.selectOption('select[name=programme_code]', 'SIROMA');
  await c.fill('input[name=result_area]', 'Employment via vocational skills');
  await c.selectOption('select[name=kind]', 'vocational_course');
  await c.fill('input[name=title_tr]', 'Berberlik kursu');
  await c.fill('input[name=title_en]', 'Barber course');
  await c.selectOption('select[name=unit_code]', 'SHKB-ANK-01');
  await c.fill('input[name=area_code]', 'TR-06-ALTINDAG');
  await c.fill('input[name=starts_on]', dayFrom(today, -7));
  await c.fill('input[name=ends_on]', dayFrom(today, 7));
  await c.fill('input[name=min_share]', '60');
  await c.click('form.stack > button');
  await c.waitForURL(/\/activities\/[0-9a-f-]{36}$/);
  const activity = new URL(c.url()).pathname;
  assert.match(await c.textContent('h1'), /Barber course/);

  // Three sessions.
  for (const n of [-2, -1, 0]) {
    await c.click('#sessions details > summary');
    await c.fill('#sessions input[name=held_on]', dayFrom(today, n));
    await c.fill('#sessions input[name=starts_at]', '10:00');
    await c.fill('#sessions input[name=ends_at]', '12:00');
    await c.click('#sessions form button');
    await c.waitForURL(new RegExp(activity + '#sessions$'));
  }
  const sessions = await c.$$eval('#sessions tbody a[href*="/sessions/"], #sessions table a[href*="/sessions/"]',
    (as) => [...new Set(as.map((a) => a.getAttribute('href')).filter((h) => !h.endsWith('.pdf')))]);
  assert.equal(sessions.length, 3, sessions.join());

  // Ten people, found by name and ticked.
  let enrolled = 0;
  for (const name of ['Kaya', 'Yılmaz', 'Demir', 'Çelik', 'Şahin']) {
    if (enrolled >= 10) { break; }
    await c.goto(server.url + activity + '?q=' + encodeURIComponent(name) + '#enrol');
    const boxes = c.locator('input[name=person_ids]');
    const count = await boxes.count();
    const take = Math.min(count, 10 - enrolled);
    if (take === 0) { continue; }
    for (let i = 0; i < take; i++) { await boxes.nth(i).check(); }
    await c.click('form[action$="/enrol"] button');
    await c.waitForURL(new RegExp(activity + '#participants$'));
    enrolled += take;
  }
  assert.equal(enrolled, 10);
  assert.match(await c.textContent('#participants h2'), /\(10\)/);

  // The mediator, on a phone: every tap saved as it is made.
  const m = await signIn('mediator', 360);
  for (const [i, session] of sessions.entries()) {
    await m.goto(server.url + session);
    assert.ok(await noSideways(m), 'the sheet fits a 360 px screen');
    const rows = m.locator('ol.sheet > li');
    assert.equal(await rows.count(), 10);
    const started = Date.now();
    for (let r = 0; r < 10; r++) {
      // The first eight come to every session; the last two only to the first.
      const mark = r < 8 || i === 0 ? 'present' : 'absent';
      const row = rows.nth(r);
      await row.locator(`label.mark.${mark}`).click();
      await row.locator('.saved', { hasText: 'Saved' }).waitFor();
    }
    test.diagnostic?.(`10 taps saved in ${Date.now() - started} ms`);
  }
  // Reloaded, the marks are there: nothing was lost between taps.
  await m.goto(server.url + sessions[2]);
  assert.equal(await m.locator('input[type=radio][value=present]:checked').count(), 8);
  assert.equal(await m.locator('input[type=radio][value=absent]:checked').count(), 2);
  assert.deepEqual(m.errors, []);

  // Completion: 60 % of three sessions is two; eight completed, two did not.
  // (A fresh load: the page was last left at #participants, so a goto there would only scroll.)
  await c.goto(server.url + activity);
  assert.equal(await c.locator('#participants .badge.ok').count(), 8);
  assert.equal(await c.locator('#participants td .badge.plain', { hasText: 'Not yet' }).count(), 2);

  // The certificate downloads as a PDF; its code is checked on the public page.
  const href = await c.getAttribute('#participants a[href$="/certificate.pdf"]', 'href');
  const pdf = await c.request.get(server.url + href);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  const body = await pdf.body();
  assert.equal(body.subarray(0, 5).toString(), '%PDF-');
  const code = /certificate-([A-Z0-9-]+)\.pdf/.exec(pdf.headers()['content-disposition'])[1];
  const anonymous = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await anonymous.goto(server.url + '/certificates');
  await anonymous.fill('input[name=code]', code.toLowerCase());
  await anonymous.click('main form button');
  await anonymous.waitForURL(/\/certificates\?code=/);
  assert.match(await anonymous.textContent('main'), /Barber course|Berberlik kursu/);
  await anonymous.close();
  await c.close();
  await m.close();
});
