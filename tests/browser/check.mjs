// Real-browser checks of the casesearch pages, run by tests/it/browser.rs against a
// server it starts on 127.0.0.1 over the bundled corpus:
//
//   node tests/browser/check.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
//
// Headless Debian chromium (CHROMIUM, default /usr/bin/chromium) with axe-core. Prints
// one line per check and exits non-zero if any failed. Writes a screenshot of each page
// at each width into SCREENSHOT_DIR.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node check.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(2);
}
fs.mkdirSync(shots, { recursive: true });

const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
});

async function open(url, width, height = 900, javascript = true) {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(javascript);
  await page.setViewport({ width, height });
  // Nothing may load from anywhere but this server.
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url().startsWith(base) || request.url().startsWith('data:')) request.continue();
    else { check(false, `${url}: external request ${request.url()}`); request.abort(); }
  });
  const response = await page.goto(base + url, { waitUntil: 'load' });
  return { page, status: response.status() };
}

async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => await axe.run(document, {
    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
  }));
  return result.violations.filter((v) => ['critical', 'serious', 'moderate'].includes(v.impact));
}

// The record page is reached the way a user reaches it: from a result.
const results = '/?q=police&theme=adolescents&region=England';
const { page: finder } = await open(results, 1366);
const recordHref = await finder.$eval('ol.hits h3 a', (a) => a.getAttribute('href'));
await finder.close();

const pages = {
  home: '/',
  results,
  'zero-results': '/?q=police&theme=adolescents&year_from=2100',
  error: '/?q=police&theme=adolescents&year_from=2020&year_to=2015',
  record: recordHref,
  trends: '/trends?q=camhs',
  themes: '/themes',
};

for (const width of [1366, 390]) {
  for (const [name, url] of Object.entries(pages)) {
    const { page, status } = await open(url, width, width === 390 ? 844 : 900);
    const violations = await axe(page);
    check(violations.length === 0, `${width}px ${name} (${status}): no critical, serious or moderate axe violations`
      + (violations.length ? ` — ${violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length}: ${v.nodes[0].target})`).join('; ')}` : ''));
    if (width === 390) {
      const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      check(scrollWidth <= innerWidth, `390px ${name}: no sideways scroll (content ${scrollWidth}px wide)`);
    }
    const file = path.join(shots, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: name !== 'record' });
    await page.close();
  }
}

// On a phone, the first result shows without scrolling, and the filters are folded.
for (const url of ['/', '/?q=neglect', results]) {
  const { page } = await open(url, 390, 844);
  const box = await page.$eval('ol.hits > li h3', (h) => { const r = h.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; });
  check(box.bottom <= 844, `390x844 ${url}: first hit visible without scrolling (its heading ends at ${Math.round(box.bottom)}px)`);
  const folded = await page.$eval('details.filters', (d) => !d.open);
  check(folded, `390x844 ${url}: filters folded behind their summary`);
  await page.close();
}

// On a wide screen the filters show unfolded, and Apply is in view.
{
  const { page } = await open(results, 1366, 900, false);
  const shown = await page.$eval('fieldset.facet input[name=theme]', (input) => input.getBoundingClientRect().height > 0);
  check(shown, '1366px without JavaScript: the filters show without opening anything');
  const apply = await page.$eval('.apply button', (b) => { const r = b.getBoundingClientRect(); return r.bottom <= window.innerHeight && r.height > 0; });
  check(apply, '1366px: an Apply filters button is in view');
  await page.close();
}

// The filters work without JavaScript on a phone: open, tick, apply.
{
  const { page } = await open('/?q=police', 390, 844, false);
  await page.click('details.filters > summary');
  const theme = await page.$eval('fieldset.facet input[name=theme]', (input) => input.value);
  await page.click(`fieldset.facet input[name=theme][value="${theme}"]`);
  await Promise.all([page.waitForNavigation(), page.click('.apply button')]);
  const url = new URL(page.url());
  check(url.searchParams.getAll('theme').includes(theme) && url.searchParams.get('q') === 'police',
    `without JavaScript: ticking ${theme} and applying searches ${url.search}`);
  await page.close();
}

// The first Tab reaches the skip link, and it goes to the results.
{
  const { page } = await open(results, 1366);
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => ({ cls: document.activeElement.className, href: document.activeElement.getAttribute('href') }));
  check(first.cls === 'skip' && first.href === '#results', `first Tab: the skip link (${JSON.stringify(first)})`);
  const visible = await page.$eval('a.skip', (a) => { const r = a.getBoundingClientRect(); return r.left >= 0 && r.top >= 0 && r.width > 0; });
  check(visible, 'the focused skip link is on screen');
  await page.keyboard.press('Enter');
  check(new URL(page.url()).hash === '#results', 'the skip link goes to the results');
  // The focus ring is drawn (3px outline) and is not the browser default.
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; });
  // WCAG 2.2 asks 3:1 between the ring and what is around it (the white page).
  const [r, g, b] = ring[2].match(/\d+/g).map(Number).map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
  const contrast = 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
  check(ring[0] === 'solid' && ring[1] === '3px' && contrast >= 3, `focus ring ${ring.join(' ')}, ${contrast.toFixed(1)}:1 against white`);
  await page.close();
}

// From a result to its record and back: the whole query string comes back.
{
  const search = '/?q=police&theme=adolescents&sort=newest&page=2';
  const { page } = await open(search, 1366);
  await Promise.all([page.waitForNavigation(), page.click('ol.hits h3 a')]);
  await Promise.all([page.waitForNavigation(), page.click('p.back a')]);
  const back = new URL(page.url());
  check(back.pathname + back.search === search, `back to the results keeps the query string (${back.pathname}${back.search})`);
  await page.close();
}

// A snippet's section label lands on the match in the record.
for (const width of [1366, 390]) {
  const { page } = await open('/?q=ligature', width, width === 390 ? 844 : 900);
  const label = await page.$eval('a.where', (a) => a.textContent.trim());
  await Promise.all([page.waitForNavigation(), page.click('a.where')]);
  const landing = await page.evaluate(() => {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) return null;
    const r = target.getBoundingClientRect();
    return { tag: target.tagName, top: r.top, bottom: r.bottom, height: window.innerHeight, scrolled: window.scrollY };
  });
  check(landing && landing.tag === 'MARK' && landing.top >= -1 && landing.bottom <= landing.height && landing.scrolled > 0,
    `${width}px: the snippet label "${label}" lands on the match (${JSON.stringify(landing)})`);
  await page.screenshot({ path: path.join(shots, `record-at-hit-${width}.png`) });
  await page.close();
}

// Printed, a record is its text: no search form, filters, skip link or match steps.
{
  const { page } = await open(recordHref, 1366);
  await page.emulateMediaType('print');
  const hidden = await page.evaluate(() => ['a.skip', 'p.back', '.hit-step', 'nav[aria-labelledby=similar-heading]']
    .filter((selector) => document.querySelector(selector))
    .every((selector) => getComputedStyle(document.querySelector(selector)).display === 'none'));
  const text = await page.$eval('.section-text', (el) => getComputedStyle(el).display !== 'none');
  check(hidden && text, 'printed record: the text without the page furniture');
  await page.pdf({ path: path.join(shots, 'record-print.pdf'), format: 'A4' });
  await page.close();
}

await browser.close();
console.log(`screenshots: ${path.resolve(shots)}`);
if (failures.length) {
  console.log(`${failures.length} browser check(s) failed`);
  process.exit(1);
}
console.log('all browser checks passed');
