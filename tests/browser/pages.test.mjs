// Every main page, as the role that uses it, in the four languages on a
// 360 px phone and in English on a 1280 px screen:
// - no horizontal scrolling, neither of the page nor inside any element;
// - axe-core finds no serious or critical accessibility violation;
// - a screenshot is kept in target/screenshots/<width>/<language>/ as an artefact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { startServer, launchBrowser, chooseLanguage } from './harness.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const shots = resolve(import.meta.dirname, '../../target/screenshots');
const LANGUAGES = ['tr', 'en', 'sr-Cyrl', 'sr-Latn'];

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(width, username) {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(server.url + '/login');
  if (username) {
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', 'kopru-demo-2026');
    await page.click('form.stack button');
    await page.waitForURL(server.url + '/');
  }
  return page;
}

// The first link on `list` whose address matches `pattern`.
async function firstLink(page, list, pattern) {
  await page.goto(server.url + list);
  const hrefs = await page.$$eval('main a[href]', (as) => as.map((a) => a.getAttribute('href')));
  const href = hrefs.find((h) => pattern.test(h));
  assert.ok(href, `no link like ${pattern} on ${list}`);
  return href;
}

// Each role and the pages it works on; `{...}` is filled from a list page.
const ROLES = {
  mediator: async (page) => {
    const person = await firstLink(page, '/persons', /^\/persons\/[0-9a-f-]{36}$/);
    const household = await firstLink(page, person, /^\/households\/[0-9a-f-]{36}$/);
    const kase = await firstLink(page, '/cases', /^\/cases\/[0-9a-f-]{36}$/);
    const referral = await firstLink(page, '/referrals', /^\/referrals\/[0-9a-f-]{36}$/);
    return {
      home: '/', people: '/persons', person, 'person-new': '/persons/new', household,
      documents: `${person}/documents`, education: `${person}/education`, health: `${person}/health`,
      employment: `${person}/employment`,
      'enrolment-list': '/enrolment-lists',
      'household-new': '/households/new', cases: '/cases', case: kase,
      'case-form': `${kase}/forms/needs_education`, 'my-work': '/my-work',
      referrals: '/referrals', referral, letter: `${referral}/letter`, duplicates: '/duplicates',
      account: '/account',
    };
  },
  coordinator: async (page) => {
    const activity = await firstLink(page, '/activities', /^\/activities\/[0-9a-f-]{36}$/);
    const session = await firstLink(page, activity, /^\/activities\/[0-9a-f-]{36}\/sessions\/[0-9a-f-]{36}$/);
    return {
      'unit-work': '/my-work', imports: '/imports', activities: '/activities', activity,
      'activity-new': '/activities/new', session, calendar: '/activities/calendar',
      volunteers: '/volunteers',
    };
  },
  analyst: async (page) => {
    const plan = await firstLink(page, '/strategy', /^\/action-plans\/[0-9a-f-]{36}$/);
    const report = await firstLink(page, '/progress-reports', /^\/progress-reports\/[0-9a-f-]{36}$/);
    const action = await firstLink(page, plan, /^\/actions\/[0-9a-f-]{36}$/);
    const annual = await firstLink(page, plan, /^\/action-plans\/[0-9a-f-]{36}\/annual-reports\/\d{4}$/);
    const visit = await firstLink(page, '/monitoring-visits', /^\/monitoring-visits\/[0-9a-f-]{36}$/);
    const recommendation = await firstLink(page, visit, /^\/recommendations\/[0-9a-f-]{36}$/);
    return {
      dashboard: '/dashboard', 'response-times': '/response-times', 'unit-employment': '/employment?unit=SHKB-ANK-01',
      strategy: '/strategy', 'action-plan': plan, 'plan-action': action, 'progress-reports': '/progress-reports', 'progress-report': report,
      'annual-report': annual, 'monitoring-visits': '/monitoring-visits', 'monitoring-visit': visit,
      recommendations: '/recommendations?state=all', recommendation,
      indicators: '/indicators', 'indicator-cross': '/indicators/HL01?by1=sex&by2=area',
      'indicator-trend': '/indicators/HL08', 'indicator-dashboard': '/dashboards/SIROMA',
      'indicator-map': '/indicators/HL01?by1=area',
    };
  },
  manager: async () => ({
    'indicator-suppressed': '/indicators/HL01?by1=area&by2=sex', 'indicator-map-suppressed': '/indicators/HL01?by1=area',
  }),
  ministry: async (page) => ({
    'reports-due': '/progress-reports',
    'report-to-fill': await firstLink(page, '/progress-reports', /^\/progress-reports\/[0-9a-f-]{36}$/),
  }),
  school: async () => ({ inbox: '/referrals', 'host-volunteers': '/volunteers' }),
  healthmediator: async (page) => ({
    'local-plans': '/local-action-plans',
    'local-plan': await firstLink(page, '/local-action-plans', /^\/local-action-plans\/[0-9a-f-]{36}$/),
    'local-group': await firstLink(page, '/local-action-plans', /^\/local-groups\/[0-9a-f-]{36}$/),
  }),
  admin: async (page) => ({
    users: '/users', user: await firstLink(page, '/users', /^\/users\/(?!new$)[^/]+$/),
    units: '/units', institutions: '/institutions', programmes: '/programmes', areas: '/areas',
    forms: '/forms', 'form-preview': '/forms/needs_education', audit: '/audit', design: '/design',
  }),
  '': async () => ({ login: '/login', 'certificate-check': '/certificates?code=AAAA-BBBB-CCCC' }),
};

// What overflows sideways: the page, or any element that scrolls or is cut.
async function sideways(page) {
  return page.evaluate(() => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) { out.push(`page ${doc.scrollWidth}px`); }
    for (const el of document.querySelectorAll('main *')) {
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 1) {
        const style = getComputedStyle(el);
        if (/(auto|scroll|hidden)/.test(style.overflowX) && !el.classList.contains('sr-only')) {
          out.push(`${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth}>${el.clientWidth}`);
        }
      }
    }
    return out;
  });
}

async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  const result = await page.evaluate(() => window.axe.run(document, {
    resultTypes: ['violations'],
  }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

async function visitAll(width, languages) {
  const problems = [];
  for (const [role, pages] of Object.entries(ROLES)) {
    const page = await signIn(width, role || null);
    const paths = await pages(page);
    for (const language of languages) {
      await page.goto(server.url + (role ? '/' : '/login'));
      await chooseLanguage(page, language);
      const dir = join(shots, String(width), language);
      mkdirSync(dir, { recursive: true });
      for (const [name, path] of Object.entries(paths)) {
        const response = await page.goto(server.url + path);
        const where = `${width}px ${language} ${role || 'anonymous'} ${name} (${path})`;
        if (response.status() !== 200) { problems.push(`${where}: HTTP ${response.status()}`); continue; }
        for (const s of await sideways(page)) { problems.push(`${where}: scrolls sideways: ${s}`); }
        for (const v of await axe(page)) { problems.push(`${where}: ${v}`); }
        await page.screenshot({ path: join(dir, `${role || 'anonymous'}-${name}.png`), fullPage: true });
      }
    }
    if (page.errors.length) { problems.push(`${role}: script errors: ${page.errors.join('; ')}`); }
    await page.close();
  }
  return problems;
}

test('every main page at 360 px in four languages: fits, passes axe, screenshot kept', async () => {
  const problems = await visitAll(360, LANGUAGES);
  assert.deepEqual(problems, []);
});

test('every main page at 1280 px: fits, passes axe, screenshot kept', async () => {
  const problems = await visitAll(1280, ['en']);
  assert.deepEqual(problems, []);
});

test('the bar shows each role its own work first', async () => {
  const bar = async (username) => {
    const page = await signIn(1280, username);
    await chooseLanguage(page, 'en');
    const links = await page.$$eval('header nav.primary a', (as) => as.map((a) => a.textContent.trim()));
    const search = await page.locator('header form.search').count();
    await page.close();
    return { links, search };
  };
  assert.deepEqual(await bar('mediator'), { links: ['People', 'Cases', 'My work', 'Referrals'], search: 1 });
  assert.deepEqual(await bar('school'), { links: ['Referrals to us', 'Progress reports', 'Volunteers'], search: 0 });
  assert.equal((await bar('ministry')).links[1], 'Progress reports');
  const analyst = await bar('analyst');
  assert.deepEqual(analyst.links.slice(0, 2), ['Dashboard', 'Strategy monitoring']);
  assert.equal(analyst.search, 0);
  // An administrator's bar is administration; the rest is in one menu.
  assert.deepEqual((await bar('admin')).links, ['Users', 'Units and teams', 'Institutions', 'Audit log']);
  const admin = await signIn(1280, 'admin');
  await chooseLanguage(admin, 'en');
  const menu = await admin.$$eval('details.menu nav a', (as) => as.map((a) => a.textContent.trim()));
  assert.ok(menu.includes('Page parts') && menu.includes('Forms') && menu.includes('Dashboard'), menu.join(', '));
  await admin.close();
});

test('on a phone the content starts on the first screen', async () => {
  const page = await signIn(360, 'mediator');
  await page.goto(server.url + '/persons');
  const top = await page.$eval('main h1', (h) => h.getBoundingClientRect().top);
  const header = await page.$eval('header', (h) => h.getBoundingClientRect().height);
  assert.ok(header <= 100, `the bar is ${header}px high`);
  assert.ok(top < 160, `the page's title starts at ${top}px`);
  await page.close();
});
