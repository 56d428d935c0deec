// Choices made on li-inspect --serve's page while a view is being prepared, in headless
// Chromium (puppeteer-core), for tests/cli/t0916: node queue.js URL PLAN.json RESULTS.json
// PLAN: {"hold": FILE, "data": FILE, "first": LAYER, "then": LAYER, "method": M,
//        "fail": M, "click": [px, py]}
// The project's preparations wait while FILE hold exists (make_held_project). With the
// hold made, it chooses the layer first (it starts preparing), then the layer then, whose
// answer the page gets late, and meanwhile the method; it clicks the map (that answer also
// late), removes the hold and lets the late answer in once the new view is shown. Then it
// clicks the new view, and chooses the method fail while the project's data file is away
// (that preparation fails). With the data back, it draws a traversal and saves the point
// shown, both answers held, chooses the method last (a new view), and lets each answer in
// once that view is shown. RESULTS holds what the page showed at each step and every
// view it loaded. This script decides nothing; a wait that runs out is recorded, not fatal.
'use strict';
const fs = require('fs');
const { script, withBrowser, openPage, clickMap, origin, frames } = require('./common');

const s = script('queue.js', 280000);
const { url, plan, at } = s;
const T = 200000;

// Waits (polling, at most ms) until fn(arg) holds in the page; false when it never did.
async function until(page, fn, arg, ms) {
  try {
    await page.waitForFunction(fn, { timeout: ms, polling: 50 }, arg);
    return true;
  } catch (e) {
    if (e.name !== 'TimeoutError') throw e;
    return false;
  }
}

// What the page shows of the view and of the preparation.
function shows(page) {
  return page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    return {
      meta: window.li.meta && { view: window.li.meta.view, cut: window.li.meta.cut, method: window.li.meta.method },
      title: $('title').textContent,
      current: Array.from(document.querySelectorAll('#layers li.current')).map((e) => e.dataset.name),
      method: $('method').value,
      progress: $('progress').hidden ? null : $('progresstext').textContent,
      status: $('status').textContent,
      pointhead: $('pointhead').textContent,
      shown: window.li.shown && { x: window.li.shown.x, y: window.li.shown.y },
      marks: window.li.marks.length,
      answers: window.li.answers.length,
    };
  });
}

withBrowser(s, 'queue.js', { width: 1400, height: 1000 }, async (browser) => {
  const out = {};
  at('open the page');
  const page = await openPage(browser, url, 'window.li && window.li.started && window.li.ready', T);
  // Every view the page loads (its /api/meta answers) and every title it shows; answers
  // to the paths in window.liHold.paths are kept from the page until liRelease().
  await page.evaluate(() => {
    const f = window.fetch;
    const rec = window.liRec = { metas: [], titles: [document.getElementById('title').textContent] };
    const hold = window.liHold = { paths: [], held: [] };
    window.liRelease = () => { const h = hold.held; hold.held = []; hold.paths = []; h.forEach((r) => r()); };
    // lets in the answers held for one path only
    window.liReleaseOne = (path) => {
      hold.held = hold.held.filter((r) => { if (r.path !== path) return true; r(); return false; });
    };
    window.fetch = async (u, o) => {
      const r = await f(u, o);
      const path = String(u).split('?')[0];
      if (path === '/api/meta') r.clone().json().then((j) => rec.metas.push({ view: j.view, cut: j.cut, method: j.method }));
      if (hold.paths.includes(path)) await new Promise((go) => { go.path = path; hold.held.push(go); });
      return r;
    };
    new MutationObserver(() => rec.titles.push(document.getElementById('title').textContent))
      .observe(document.getElementById('title'), { childList: true, characterData: true, subtree: true });
  });
  out.before = await shows(page);

  at('hold the preparations; choose the first layer');
  fs.writeFileSync(plan.hold, '');
  await page.click('#layers li[data-name="' + plan.first + '"]');
  out.preparing = await until(page, (c) => window.li.preparing &&
    document.getElementById('progresstext').textContent.includes(' at ' + c + ' with '), plan.first, 60000);

  at('choose the next layer (its answer late), then the method');
  await page.evaluate(() => { window.liHold.paths = ['/api/prepare']; });
  await page.click('#layers li[data-name="' + plan.then + '"]');
  out.lateAnswer = await until(page, () => window.liHold.held.length === 1, null, 60000);
  await page.select('#method', plan.method);
  await page.evaluate(() => window.liRelease());
  out.queuedSeen = await until(page, (c) => document.getElementById('progresstext').textContent
    .includes('; then ' + c), plan.queued, 60000);
  out.during = await shows(page);

  at('click the map while it prepares (the answer late)');
  await page.evaluate(() => { window.liHold.paths = ['/api/click']; });
  const o = await origin(page, 'map');
  await page.mouse.click(o.x + plan.click[0], o.y + plan.click[1]);
  out.clickHeld = await until(page, () => window.liHold.held.length === 1, null, 60000);

  at('release the preparation');
  fs.unlinkSync(plan.hold);
  const v0 = out.before.meta.view;
  out.changed = await until(page, (v) => window.li.ready && !window.li.preparing && window.li.meta.view !== v,
    v0, T);
  at('the late click answer arrives in the new view');
  await page.evaluate(() => window.liRelease());
  await until(page, () => window.li.inflight === 0, null, 60000);
  await frames(page);
  out.after = await shows(page);
  out.view = await page.evaluate(() => window.li.view);
  // the map's pixels that are not white (the new view's points; no mark drawn)
  out.drawn = await page.evaluate(() => {
    const c = document.getElementById('map'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const px = [];
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) px.push([(i / 4) % c.width, Math.floor(i / 4 / c.width)]);
    }
    return px;
  });

  at('click the new view');
  out.click = await clickMap(page, plan.click, 60000);

  at('a choice whose preparation fails');
  fs.renameSync(plan.data, plan.data + '.away');
  try {
    await page.select('#method', plan.fail);
    out.failSeen = await until(page, () => /failed/.test(document.getElementById('status').textContent) &&
      !window.li.preparing, null, 60000);
    await frames(page);
    out.failed = await shows(page);
  } finally {
    fs.renameSync(plan.data + '.away', plan.data);
  }
  // the views loaded and titles shown until here (the choice below loads one more)
  out.rec = await page.evaluate(() => JSON.parse(JSON.stringify(window.liRec)));

  at('a traversal and a save, their answers late, then another view');
  await page.evaluate(() => { window.liHold.paths = ['/api/traverse', '/api/save']; });
  const v1 = await page.evaluate(() => window.li.meta.view);
  await page.keyboard.down('Shift');
  await page.mouse.move(o.x + plan.line[0][0], o.y + plan.line[0][1]);
  await page.mouse.down();
  await page.mouse.move(o.x + plan.line[1][0], o.y + plan.line[1][1], { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await page.evaluate((l) => { document.getElementById('label').value = l; }, plan.label);
  await page.click('#save');
  out.lateHeld = await until(page, () => window.liHold.held.length === 2, null, 60000);
  await page.select('#method', plan.last);
  out.lastChanged = await until(page, (v) => window.li.ready && !window.li.preparing && window.li.meta.view !== v,
    v1, T);
  out.beforeLate = await shows(page);
  at('the late traversal answer arrives in the new view');
  await page.evaluate(() => window.liReleaseOne('/api/traverse'));
  await until(page, () => window.li.traversing === 0, null, 60000);
  await frames(page);
  out.lateTraverse = await shows(page);
  out.lateTraverse.strip = await page.evaluate(() => document.querySelectorAll('#strip figure').length);
  out.lateTraverse.traversal = await page.evaluate(() => !!window.li.traversal);
  at('the late save answer arrives in the new view');
  await page.evaluate(() => window.liReleaseOne('/api/save'));
  await until(page, () => window.li.saving === 0, null, 60000);
  await frames(page);
  out.lateSave = await shows(page);
  out.lateSave.lastSave = await page.evaluate(() => window.li.lastSave || null);
  out.lateSave.saved = await page.evaluate(() => document.getElementById('saved').textContent);
  out.errors = page.errors;
  s.write(out);
});
