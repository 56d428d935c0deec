// Drives li-inspect --serve's page over a folder of projects in headless Chromium
// (puppeteer-core) for tests/cli/t0914: node views.js URL PLAN.json RESULTS.json
// PLAN: {"first": NAME, "bad": NAME, "render": NAME, "click": [px, py], "layer": NAME,
//        "method": M, "label": NAME}
// It chooses projects, a method and a layer on the page as a person would, clicks the
// map, saves a point and waits for the render command's picture; RESULTS holds what the
// page received and showed. This script decides nothing about numbers.
'use strict';
const { script, withBrowser, openPage, clickMap: click, save, viewWhen } = require('./common');

const s = script('views.js', 280000);
const { url, plan, at } = s;
const WAIT = { timeout: 200000, polling: 100 };
const clickMap = (page, p) => click(page, p, WAIT.timeout);
const chosen = (page, fn, arg) => viewWhen(page, fn, arg, WAIT.timeout);

withBrowser(s, 'views.js', { width: 1400, height: 1000 }, async (browser) => {
  const out = {};
  at('open the page');
  const page = await openPage(browser, url, 'window.li && window.li.started', WAIT.timeout);
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
  out.save = await save(page, plan.label, WAIT.timeout);

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
  out.errors = page.errors;
  s.write(out);
});
