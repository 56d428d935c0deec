// Drives li-inspect --serve's page over a folder of projects in headless Chromium
// (puppeteer-core) for tests/cli/t0914: node views.js URL PLAN.json RESULTS.json
// PLAN: {"first": NAME, "bad": NAME, "render": NAME, "click": [px, py], "layer": NAME,
//        "method": M, "label": NAME}
// It chooses projects, a method and a layer on the page as a person would, clicks the
// map, saves a point and waits for the render command's picture; RESULTS holds what the
// page received and showed. This script decides nothing about numbers.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const [url, planPath, outPath] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planPath, 'utf8'));
let step = 'start';
const deadline = setTimeout(() => { console.error('views.js: timed out at: ' + step); process.exit(3); }, 280000);
const at = (s) => { step = s; if (process.env.LI_DEBUG) console.error('views.js: ' + s); };
const WAIT = { timeout: 200000, polling: 100 };

// Clicks the map at a pixel and returns the answer shown.
async function clickMap(page, [px, py]) {
  const o = await page.evaluate(() => {
    const r = document.getElementById('map').getBoundingClientRect();
    return { x: r.left, y: r.top };
  });
  const before = await page.evaluate(() => window.li.answers.length);
  await page.mouse.click(o.x + px, o.y + py);
  await page.waitForFunction((n) => window.li.answers.length > n && window.li.inflight === 0, WAIT, before);
  return page.evaluate(() => window.li.shown);
}

async function chosen(page, fn, arg) {
  await page.waitForFunction(fn, WAIT, arg);
  return page.evaluate(() => ({ meta: window.li.meta, progress: window.li.progressSeen.slice(),
    layers: Array.from(document.querySelectorAll('#layers li')).map((e) => ({
      name: e.dataset.name, split: e.classList.contains('split'), current: e.classList.contains('current') })),
    title: document.getElementById('title').textContent }));
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'li-chromium-'));
  const args = ['--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--user-data-dir=' + profile];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: process.env.LI_CHROMIUM || '/usr/bin/chromium', headless: true, args,
    defaultViewport: { width: 1400, height: 1000 }, timeout: 60000,
  });
  const out = {};
  try {
    at('open the page');
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: 'load', timeout: 60000 });
    await page.waitForFunction('window.li && window.li.started', WAIT);
    out.list = await page.$$eval('#projects li', (l) => l.map((e) => ({ name: e.dataset.name, bad: e.classList.contains('bad'),
      text: e.textContent })));
    out.before = await page.evaluate(() => ({ meta: window.li.meta, ready: window.li.ready,
      status: document.getElementById('status').textContent }));

    at('choose the first project');
    await page.click('#projects li[data-name="' + plan.first + '"]');
    out.first = await chosen(page, (n) => window.li.ready && window.li.meta && window.li.meta.project === n, plan.first);
    out.firstClick = await clickMap(page, plan.click);

    at('choose the method');
    await page.select('#method', plan.method);
    out.method = await chosen(page, (m) => window.li.ready && !window.li.preparing && window.li.meta.method === m, plan.method);

    at('choose the layer');
    await page.click('#layers li[data-name="' + plan.layer + '"]');
    out.layer = await chosen(page, (c) => window.li.ready && !window.li.preparing && window.li.meta.cut === c, plan.layer);
    out.layerClick = await clickMap(page, plan.click);
    out.layerView = await page.evaluate(() => window.li.view);

    at('save at the new layer');
    await page.type('#label', plan.label);
    await page.click('#save');
    await page.waitForFunction(() => window.li.lastSave && !window.li.saving, WAIT);
    out.save = await page.evaluate(() => ({ r: window.li.lastSave, x: window.li.shown.x, y: window.li.shown.y,
      text: document.getElementById('saved').textContent }));

    at('the bad project cannot be chosen');
    await page.click('#projects li[data-name="' + plan.bad + '"]');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    out.afterBad = await page.evaluate(() => ({ project: window.li.meta.project, preparing: !!window.li.preparing }));

    at('the render command project');
    await page.click('#projects li[data-name="' + plan.render + '"]');
    out.render = await chosen(page, (n) => window.li.ready && !window.li.preparing && window.li.meta.project === n, plan.render);
    out.renderClick = await clickMap(page, plan.click);
    await page.waitForFunction(() => window.li.picture && !window.li.pictureBusy, WAIT);
    out.picture = await page.evaluate(() => {
      const img = document.getElementById('picture');
      const c = document.createElement('canvas');
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const gray = [];
      for (let i = 0; i < d.length; i += 4) gray.push(d[i]);
      return { w: c.width, h: c.height, gray, visible: !img.hidden, shown: window.li.picture };
    });
    out.errors = errors;
    fs.writeFileSync(outPath, JSON.stringify(out));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
    clearTimeout(deadline);
  }
})().catch((e) => { console.error('views.js: ' + (e && e.stack || e)); process.exit(1); });
