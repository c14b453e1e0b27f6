// A real browser, a reporting cycle end to end: the M&E officer creates an
// action plan and imports its table (checked first, every refused row
// named), opens a cycle; the ministry's focal point, on a 360 px phone,
// fills and submits its report; the officer returns it with a comment; the
// focal point sees the comment, reworks and resubmits; the officer approves,
// and the plan's progress counts it; the year's annual report is written
// and downloads as PDF and DOCX.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, chooseLanguage } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function signIn(username, width) {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
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

const noSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

const SHEET = [
  'Policy area;Objective no;Objective;Action no;Action;Responsible;Cooperating;Start;End;Budget;Indicator code;Indicator;Unit;Targets;Breakdown',
  'Education;7.1;Literacy;7.1.1;Adult literacy courses;MIN-MEB;MIN-ASHB;2026;2027;250000;IND-7-1-1;Adults completing a literacy course;person;"2026: 300; 2027: 500";sex',
  'Health;7.2;Screening;7.2.1;Screening days;MIN-SB;;2026;2026;;;;;;',
  'Sport;7.3;;7.3.1;Football;NOPE;;2027;2026;;;;;;',
].join('\n');

test('a plan imported, a cycle opened, a report returned, resubmitted and approved', async () => {
  const me = await signIn('analyst', 1280);
  await me.goto(server.url + '/strategy');
  await me.click('#new-plan > summary');
  await me.fill('#new-plan input[name=code]', 'AP-BROWSER');
  await me.fill('#new-plan input[name=title_en]', 'Browser test plan');
  await me.fill('#new-plan input[name=starts_year]', '2026');
  await me.fill('#new-plan input[name=ends_year]', '2030');
  await me.click('#new-plan form button');
  await me.waitForURL(/\/action-plans\/[0-9a-f-]{36}$/);
  const planUrl = me.url();

  // Checked first: two actions would be added, the third row is refused with its reasons.
  await me.setInputFiles('input[type=file]', { name: 'plan.csv', mimeType: 'text/csv', buffer: Buffer.from(SHEET) });
  await me.click('#sheet ~ form button');
  await me.waitForSelector('#import-report');
  assert.equal(await me.textContent('#added'), '2');
  assert.match(await me.textContent('#rejected'), /Policy area/);
  assert.equal(await me.locator('#action-list tbody tr, #action-list tr:has(td)').count(), 0, 'a check writes nothing');
  // For real.
  await me.setInputFiles('input[type=file]', { name: 'plan.csv', mimeType: 'text/csv', buffer: Buffer.from(SHEET) });
  await me.uncheck('input[name=dry_run]');
  await me.click('#sheet ~ form button');
  await me.waitForSelector('#import-report');
  assert.match(await me.textContent('#action-list'), /Adult literacy courses/);

  // A cycle, due today.
  const today = new Date().toISOString().slice(0, 10);
  await me.goto(planUrl);
  await me.click('#cycles ~ details > summary');
  await me.fill('#cycles ~ details input[name=title]', '2026-Q4');
  await me.fill('#cycles ~ details input[name=opens_on]', today);
  await me.fill('#cycles ~ details input[name=due_on]', today);
  await me.click('#cycles ~ details form button');
  await me.waitForURL(/#cycles$/);
  assert.match(await me.textContent('main'), /2026-Q4/);

  // The ministry's focal point on a phone: its report, a mistake named, then submitted.
  const fp = await signIn('ministry', 360);
  await fp.goto(server.url + '/progress-reports');
  await fp.click('#due ~ div a:has-text("Adult literacy courses")');
  await fp.waitForURL(/\/progress-reports\//);
  const reportUrl = fp.url();
  await fp.fill('input[name="v.IND-7-1-1.female."]', 'many');
  await fp.click('button[name=submit][value="1"]');
  assert.ok(await fp.locator('.err').count() >= 2, 'missing status, what was done and a bad value are named');
  assert.equal(await fp.inputValue('input[name="v.IND-7-1-1.female."]'), 'many', 'what was typed stays');
  await fp.selectOption('select[name=action_status]', 'on_track');
  await fp.fill('textarea[name=done_text]', 'Courses in Ankara and İzmir.');
  await fp.fill('input[name="v.IND-7-1-1.female."]', '40');
  await fp.fill('input[name="v.IND-7-1-1.male."]', '25');
  await fp.click('button[name=submit][value="1"]');
  await fp.waitForSelector('text=submitted');
  assert.ok(await noSideways(fp), 'no sideways scrolling at 360 px');

  // Returned with a comment on what was done.
  await me.goto(reportUrl);
  await me.click('#review details > summary');
  await me.fill('input[name="c.done_text"]', 'How many people completed?');
  await me.click('#review details form button');
  await me.waitForSelector('text=returned');

  // The focal point sees the comment beside the field, reworks, resubmits.
  await fp.goto(reportUrl);
  assert.match(await fp.textContent('#comments'), /How many people completed\?/);
  await fp.fill('textarea[name=done_text]', 'Courses in Ankara and İzmir; 65 adults completed.');
  await fp.click('button[name=submit][value="1"]');
  await fp.waitForSelector('text=submitted');

  // Approved; the plan's progress counts it.
  await me.goto(reportUrl);
  await me.click('#review form button:has-text("Approve")');
  await me.waitForSelector('text=approved');
  await me.goto(planUrl);
  assert.match(await me.textContent('#indicators ~ div'), /65/);

  // The year's annual report: a narrative written, then downloaded as PDF and as DOCX.
  const year = today.slice(0, 4);
  await me.click(`#annual-reports a:has-text("${year}")`);
  await me.waitForURL(new RegExp(`/annual-reports/${year}`));
  await me.fill('textarea[name="s.summary"]', 'Literacy courses reached 65 adults.');
  await me.click('#narrative ~ form button');
  await me.waitForURL(/#narrative$/);
  assert.equal(await me.inputValue('textarea[name="s.summary"]'), 'Literacy courses reached 65 adults.');
  for (const [id, magic] of [['#download-pdf', '%PDF-'], ['#download-docx', 'PK']]) {
    const [download] = await Promise.all([me.waitForEvent('download'), me.click(id)]);
    const chunks = [];
    for await (const c of await download.createReadStream()) chunks.push(c);
    const bytes = Buffer.concat(chunks);
    assert.ok(bytes.length > 1000, `${id}: a whole file`);
    assert.equal(bytes.subarray(0, magic.length).toString('latin1'), magic, `${id}: the right kind of file`);
    assert.match(download.suggestedFilename(), new RegExp(`AP-BROWSER-${year}-en\\.(pdf|docx)$`));
  }
  assert.deepEqual(me.errors, []);
  assert.deepEqual(fp.errors, []);
  await me.close();
  await fp.close();
});
