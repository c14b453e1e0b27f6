// A real browser, the whole loop: a mediator registers a child, opens a case,
// fills the education needs assessment, records the family's consent to share
// with schools and refers the child to the school; the school's focal point
// accepts and records the enrolment; the mediator sees the answer on the case
// and on "my work".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, chooseLanguage } from './harness.mjs';

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
  // English, so the test reads the same whatever the browser's language.
  await chooseLanguage(page, 'en');
  return page;
}

const noSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('register, open a case, assess, refer; the school answers; the mediator sees it', async () => {
  const m = await signIn('mediator');
  // Register the child.
  await m.goto(server.url + '/persons/new');
  await m.fill('input[name=given_names]', 'Derya');
  await m.fill('input[name=family_name]', 'Karakaş');
  await m.selectOption('select[name=sex]', 'female');
  await m.fill('input[name=birth_date]', '2017-09-01');
  await m.fill('input[name=area_code]', 'TR-06-ALTINDAG');
  await m.click('form.stack button');
  await m.waitForURL(/\/persons\/[0-9a-f-]+$/);
  const person = m.url();

  // Open a case for education.
  await m.click('a[href^="/cases/new?person="]');
  await m.check('input[name=domains][value=education]');
  await m.click('form.stack button');
  await m.waitForURL(/\/cases\/[0-9a-f-]+$/);
  const caseUrl = m.url();
  assert.ok(await noSideways(m), 'the case page fits a 360 px screen');

  // The education needs assessment: a missing answer is refused, the rest kept.
  await m.click('a[href$="/forms/needs_education"]');
  // Questions that do not apply hide as the answers come, without losing what was typed.
  const display = (name) => m.evaluate((n) => getComputedStyle(document.querySelector(`[data-f="${n}"]`)).display, name);
  const waitDisplay = (name, hidden) => m.waitForFunction(([n, h]) =>
    (getComputedStyle(document.querySelector(`[data-f="${n}"]`)).display === 'none') === h, [name, hidden]);
  await waitDisplay('school_name', true);
  await m.check('input[name=enrolled][value=yes]');
  await waitDisplay('school_name', false);
  await m.fill('input[name=school_name]', 'Atatürk');
  await m.check('input[name=enrolled][value=no]');
  await waitDisplay('school_name', true);
  assert.equal(await display('barriers'), 'block');
  // Each box sits on the line of its own label, before its text (it once sat centred above it).
  for (const sel of ['input[name=enrolled][value=yes]', 'input[name=barriers][value=documents]']) {
    const [box, label] = await m.evaluate((s) => {
      const input = document.querySelector(s);
      const r = (e) => { const b = e.getBoundingClientRect(); return { left: b.left, right: b.right, top: b.top, bottom: b.bottom }; };
      const text = document.createRange();
      text.selectNodeContents(input.parentElement);
      text.setStartAfter(input);
      return [r(input), r(text)];
    }, sel);
    assert.ok(box.right <= label.left + 1, `${sel}: the box is left of its text`);
    assert.ok(box.top < label.bottom && label.top < box.bottom, `${sel}: the box is on its text's line`);
  }
  await m.check('input[name=barriers][value=documents]');
  await m.click('form.stack button');
  assert.ok((await m.textContent('.alert')).length > 0, 'the missing answer is named');
  assert.ok(await m.isChecked('input[name=barriers][value=documents]'), 'answers are kept');
  await m.check('input[name=needs][value=enrolment]');
  await m.click('form.stack button');
  await m.waitForURL(caseUrl + '#assessments');
  assert.ok((await m.textContent('#assessments + ul')).includes('Education'));

  // Without a consent the referral is refused and says why.
  const refer = async () => {
    await m.goto(caseUrl);
    await m.click('#referrals + div + details summary');
    await m.selectOption('select[name=target]', 'SCH-ANK-ALTINDAG|school_enrolment');
    await m.fill('textarea[name=reason]', 'Not enrolled at nine');
    await m.check('input[name=shared][value=assessment]');
    await m.check('input[name=shared][value=birth_date]');
    await m.click('form[action$="/referrals"] button');
  };
  await refer();
  assert.ok((await m.textContent('main')).includes('has not agreed to share'));
  // Record the consent to share with schools, then refer again.
  await m.goto(person);
  await m.selectOption('select[name=purpose]', 'referral_sharing');
  await m.click('#consent ~ form details summary');
  await m.check('input[name=institution_kinds][value=school]');
  await m.click('form[action$="/consents"] button');
  await m.waitForURL(/#consent$/);
  await refer();
  await m.waitForURL(/\/referrals\/[0-9a-f-]+$/);
  const referral = m.url();

  // The school: its inbox, only what was shared, then accept and record the service.
  const s = await signIn('school');
  await s.goto(server.url + '/referrals');
  await s.click('a:has-text("Derya Karakaş")');
  await s.waitForURL(referral);
  const shared = await s.textContent('main');
  assert.ok(shared.includes('Missing documents'), 'the assessment is shared in words');
  assert.ok(shared.includes('2017-09-01') || shared.includes('01.09.2017') || shared.includes('9/1/2017') || shared.includes('1 Sep 2017') || shared.includes('2017'));
  assert.equal(await s.locator('a[href^="/cases/"]').count(), 0, 'no way into the case');
  await s.selectOption('select[name=status]', 'accepted');
  await s.click('form[action$="/moves"] button');
  await s.waitForURL(referral);
  await s.selectOption('select[name=status]', 'delivered');
  await s.fill('textarea[name=note]', 'Enrolled in grade 2-B');
  await s.click('form[action$="/moves"] button');
  await s.waitForURL(referral);
  assert.ok((await s.textContent('main')).includes('Enrolled in grade 2-B'));

  // The mediator: the answer on "my work", then on the case.
  await m.goto(server.url + '/my-work');
  const work = await m.textContent('main');
  assert.ok(work.includes('new answer') && work.includes('Service delivered'), work);
  await m.goto(caseUrl);
  assert.ok((await m.textContent('#referrals + div')).includes('Service delivered'));
  // The letter prints.
  await m.goto(referral + '/letter');
  assert.ok((await m.textContent('body')).includes('Altındağ Atatürk İlkokulu'));
  for (const p of [m, s]) assert.deepEqual(p.errors, []);
});
