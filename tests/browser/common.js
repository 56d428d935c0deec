// What the browser scripts of the li-inspect --serve tests share (inspect.js, views.js,
// loop.js): starting headless Chromium through puppeteer-core, opening the page, clicking
// the map and reading canvas pixels. Each script records what the page received and
// drew; the shell tests decide about the numbers.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

// The command line (URL PLAN.json RESULTS.json), the plan read, and a watchdog that ends
// the script after ms with the step it was at (set with at(step); LI_DEBUG prints each).
function script(name, ms) {
  const [url, planPath, outPath] = process.argv.slice(2);
  const s = { url, outPath, plan: JSON.parse(fs.readFileSync(planPath, 'utf8')), step: 'start' };
  s.deadline = setTimeout(() => { console.error(name + ': timed out at: ' + s.step); process.exit(3); }, ms);
  s.at = (step) => { s.step = step; if (process.env.LI_DEBUG) console.error(name + ': ' + step); };
  s.write = (out) => fs.writeFileSync(outPath, JSON.stringify(out));
  return s;
}

// Runs body(browser) in headless Chromium (LI_CHROMIUM, else the distribution's) with a
// fresh profile, closed and removed afterwards; a failure ends the script with status 1.
async function withBrowser(s, name, viewport, body) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'li-chromium-'));
  const args = ['--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--user-data-dir=' + profile];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  try {
    const browser = await puppeteer.launch({
      executablePath: process.env.LI_CHROMIUM || '/usr/bin/chromium', headless: true, args,
      defaultViewport: viewport, timeout: 60000,
    });
    try {
      await body(browser);
    } finally {
      await browser.close();
    }
  } catch (e) {
    console.error(name + ': ' + (e && e.stack || e));
    process.exitCode = 1;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
    clearTimeout(s.deadline);
  }
}

// A new page at url, its script errors collected in page.errors, once ready (a JS
// expression) holds.
async function openPage(browser, url, ready, timeout) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load', timeout: 60000 });
  await page.waitForFunction(ready, { timeout: timeout || 60000, polling: 50 });
  page.errors = errors;
  return page;
}

// The page position of a canvas' top left corner.
async function origin(page, id) {
  return page.evaluate((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return { x: r.left, y: r.top };
  }, id || 'map');
}

// The RGBA of canvas pixels [[x, y], ...].
async function pixels(page, id, pts) {
  return page.evaluate((id, pts) => {
    const c = document.getElementById(id), g = c.getContext('2d');
    return pts.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data));
  }, id, pts);
}

// Lets the page draw (a page in a background tab gets no animation frames: wait instead).
async function frames(page) {
  await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
}

// Waits until the page has n answers and none is in flight.
async function settle(page, n, timeout) {
  await page.waitForFunction((n) => window.li.answers.length >= n && window.li.inflight === 0,
    { timeout: timeout || 60000, polling: 50 }, n);
  await frames(page);
}

// Clicks the map at pixel [px, py] and returns the answer then shown.
async function clickMap(page, [px, py], timeout) {
  const o = await origin(page, 'map');
  const before = await page.evaluate(() => window.li.answers.length);
  await page.mouse.click(o.x + px, o.y + py);
  await settle(page, before + 1, timeout);
  return page.evaluate(() => window.li.shown);
}

// Shift + drag on the map from pixel a to b (a traversal) and returns what the page got.
async function traverse(page, a, b, timeout) {
  const o = await origin(page, 'map');
  await page.keyboard.down('Shift');
  await page.mouse.move(o.x + a[0], o.y + a[1]);
  await page.mouse.down();
  await page.mouse.move(o.x + b[0], o.y + b[1], { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await page.waitForFunction(() => window.li.traversal && !window.li.traversing, { timeout: timeout || 30000, polling: 50 });
  return page.evaluate(() => ({ points: window.li.traversal.points,
    figures: document.querySelectorAll('#strip figure').length, view: window.li.view }));
}

// Types label and presses Save; returns the server's answer and the point saved.
async function save(page, label, timeout) {
  await page.evaluate(() => { document.getElementById('label').value = ''; });
  await page.type('#label', label);
  await page.click('#save');
  await page.waitForFunction(() => window.li.lastSave && !window.li.saving, { timeout: timeout || 30000, polling: 50 });
  return page.evaluate(() => ({ r: window.li.lastSave, x: window.li.shown.x, y: window.li.shown.y,
    saved: window.li.saved.length, text: document.getElementById('saved').textContent }));
}

// Presses Train probe; returns the report and the table shown.
async function trainProbe(page, timeout) {
  await page.click('#train');
  await page.waitForFunction(() => window.li.report && !window.li.training, { timeout: timeout || 60000, polling: 50 });
  return page.evaluate(() => ({ report: window.li.report,
    rows: document.querySelectorAll('#report tr').length, text: document.getElementById('report').textContent }));
}

// What the page shows of its view once fn(arg) holds: meta, the progress lines seen,
// the layer list and the title.
async function viewWhen(page, fn, arg, timeout) {
  await page.waitForFunction(fn, { timeout: timeout || 200000, polling: 100 }, arg);
  return page.evaluate(() => ({ meta: window.li.meta, progress: window.li.progressSeen.slice(),
    layers: Array.from(document.querySelectorAll('#layers li')).map((e) => ({
      name: e.dataset.name, split: e.classList.contains('split'), current: e.classList.contains('current') })),
    title: document.getElementById('title').textContent }));
}

module.exports = { script, withBrowser, openPage, origin, pixels, frames, settle, clickMap, traverse,
  save, trainProbe, viewWhen };
