// A real browser, a job placement followed up: a mediator records a
// placement on a 360 px phone; the server is started again on the same
// database with the clock three months ahead; the 3-month retention check is
// in the mediator's work, answered there, and shows on the person's page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, chooseLanguage } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function signIn(url, username, width) {
  const page = await browser.newPage({ viewport: { width, height: 740 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(url + '/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'kopru-demo-2026');
  await page.click('form.stack button');
  await page.waitForURL(url + '/');
  await chooseLanguage(page, 'en');
  return page;
}

const noSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

test('record a placement, move the clock three months, answer the retention check from my work', async () => {
  let m = await signIn(server.url, 'mediator', 360);
  // A person of the unit who has no job yet: the first of the list.
  await m.goto(server.url + '/persons?q=Yılmaz');
  const href = await m.getAttribute('table a[href^="/persons/"]', 'href');
  assert.ok(href, 'a person to place');
  await m.goto(server.url + href + '/employment');
  const name = (await m.textContent('main p a')).replace('←', '').trim();
  const before = await m.locator('section.card[id^="p-"]').count();

  // The placement form: a mistake first (no occupation), named; then saved.
  await m.click('#placement > summary');
  const employer = await m.locator('#placement select[name=employer_id] option[value]:not([value=""])').first().getAttribute('value');
  await m.selectOption('#placement select[name=employer_id]', employer);
  await m.selectOption('#placement select[name=contract_type]', 'permanent');
  await m.selectOption('#placement select[name=social_security]', 'registered');
  await m.click('#placement form button');
  assert.equal(await m.locator('#placement .err').count() >= 1, true, 'the missing occupation is named');
  assert.equal(await m.inputValue('#placement select[name=employer_id]'), employer, 'what was chosen stays');
  await m.fill('#placement input[name=occupation]', 'Sewing machine operator');
  await m.click('#placement form button');
  await m.waitForSelector('section.card[id^="p-"]');
  assert.equal(await m.locator('section.card[id^="p-"]').count(), before + 1);
  const card = m.locator('section.card[id^="p-"]', { hasText: 'Sewing machine operator' }).first();
  assert.match(await card.textContent(), /Check at 3 months/);
  assert.match(await card.textContent(), /Check at 12 months/);
  assert.ok(await noSideways(m), 'no sideways scrolling at 360 px');
  assert.deepEqual(m.errors, []);
  await m.close();

  // Three months (and a day) later, on the same database.
  const dataDir = server.dataDir;
  await server.stop({ keep: true });
  server = await startServer({ KOPRU_CLOCK_OFFSET_DAYS: '93' }, dataDir);
  m = await signIn(server.url, 'mediator', 360);
  await m.goto(server.url + '/my-work');
  const item = m.locator('#outcome-checks + ul li', { hasText: name }).filter({ hasText: 'Check at 3 months' }).first();
  await item.waitFor();
  await item.locator('a').click();
  await m.waitForURL(/\/outcome-checks\//);
  assert.match(await m.textContent('h1'), /Check at 3 months/);
  await m.selectOption('#answer select[name=still_working]', 'same_employer');
  await m.check('#answer input[name=insured][value=yes]');
  await m.click('#answer form button');
  await m.waitForURL(/\/employment$/);
  const answered = m.locator('section.card[id^="p-"]', { hasText: 'Sewing machine operator' }).first();
  assert.match(await answered.textContent(), /Working, same employer/);
  assert.match(await answered.textContent(), /insured/);
  // Answered: gone from my work.
  await m.goto(server.url + '/my-work');
  assert.equal(await m.locator('#outcome-checks + ul li', { hasText: name }).filter({ hasText: 'Check at 3 months' }).count(), 0);
  assert.ok(await noSideways(m));
  assert.deepEqual(m.errors, []);
});

test("a school's enrolment list on a phone: checked, every row reported, recorded once", async () => {
  const m = await signIn(server.url, 'mediator', 360);
  // A child of the unit with a full birth date, read through the API with the session.
  const child = await m.evaluate(async () => {
    const r = await fetch('/api/v1/persons?limit=200');
    const items = (await r.json()).items;
    return items.find((p) => p.birth_date && p.birth_date.length === 10 && p.birth_date > '2010');
  });
  assert.ok(child, 'a school-age child in the demo');
  const csv = `Adı;Soyadı;Doğum Tarihi;Sınıfı\n${child.given_names};${child.family_name};${child.birth_date};2\nHiç;Kimse;2016-01-01;1\n`;
  await m.goto(server.url + '/enrolment-lists');
  await m.setInputFiles('input[type=file]', { name: 'liste.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await m.selectOption('select[name=level]', 'primary');
  await m.click('main form button');
  await m.waitForSelector('#rows');
  const found = ['#enrolled', '#updated', '#unchanged'];
  let sum = 0;
  for (const id of found) sum += Number(await m.textContent(id));
  assert.equal(sum, 1, 'the child is found');
  assert.equal(await m.textContent('#not-found'), '1');
  assert.match(await m.textContent('#rows'), /not in the registry/);
  assert.ok(await noSideways(m), 'no sideways scrolling at 360 px');
  if (await m.locator('main form button').count()) {
    await m.click('main form button');
    await m.waitForSelector('#done');
  }
  // Again: nothing to add.
  await m.goto(server.url + '/enrolment-lists');
  await m.setInputFiles('input[type=file]', { name: 'liste.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await m.selectOption('select[name=level]', 'primary');
  await m.click('main form button');
  await m.waitForSelector('#rows');
  assert.equal(await m.textContent('#unchanged'), '1');
  assert.equal(await m.textContent('#enrolled'), '0');
  const years = await m.evaluate(async (id) => (await fetch(`/api/v1/persons/${id}/enrolments`)).json(), child.id);
  assert.ok(years.some((y) => y.grade === 2 && y.level === 'primary' && y.school_id), JSON.stringify(years));
  assert.deepEqual(m.errors, []);
  await m.close();
});
