// Drives li-inspect --serve's page in headless Chromium (puppeteer-core) for
// tests/cli/t0911: node inspect.js URL PLAN.json RESULTS.json
// PLAN: {"clicks": [[px, py], ...] (map-canvas pixels), "hover": [px, py], "hover2": [px, py],
//        "burst": [[px, py], ...], "label": NAME}
// RESULTS: what the page received and drew, for the test to check against li-invert |
// li-propagate and the labeled data set. This script decides nothing about numbers.
'use strict';
const { script, withBrowser, openPage: open, origin: canvasOrigin, pixels, frames, settle, traverse,
  save, trainProbe } = require('./common');

const s = script('inspect.js', 150000);
const { url, plan } = s;
const at = s.at;
const openPage = (browser) => open(browser, url, 'window.li && window.li.ready');

async function countColor(page, rgb) {
  return page.evaluate((rgb) => {
    const c = document.getElementById('map'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2]) n++;
    return n;
  }, rgb);
}

withBrowser(s, 'inspect.js', { width: 1280, height: 900 }, async (browser) => {
  const out = {};
  if (plan.edit) {
    // a second run: relabel the second saved sample, remove the first
    const page = await openPage(browser);
    at('relabel and remove');
    await page.waitForFunction(() => document.querySelectorAll('#savedlist li').length >= 2, { timeout: 20000, polling: 50 });
    await page.evaluate(() => { document.getElementById('label').value = 'bar'; });
    // the buttons' own click (a pixel click can miss while the list above re-lays out)
    await page.$eval('#savedlist li:nth-child(2) .relabel', (b) => b.click());
    await page.waitForFunction(() => window.li.lastEdit && !window.li.editing, { timeout: 30000, polling: 50 });
    const g1 = await page.evaluate(() => window.li.lastEdit.generation);
    await page.$eval('#savedlist li:nth-child(1) .remove', (b) => b.click());
    await page.waitForFunction((g) => window.li.lastEdit.generation > g && !window.li.editing, { timeout: 30000, polling: 50 }, g1);
    out.edits = await page.evaluate(() => ({ list: Array.from(document.querySelectorAll('#savedlist li')).map((e) => e.firstChild.textContent.trim()),
      saved: window.li.saved.length }));
    out.errors = page.errors;
    s.write(out);
    return;
  }
  at('open the page');
  const page = await openPage(browser);
  out.meta = await page.evaluate(() => window.li.meta);
  out.view = await page.evaluate(() => window.li.view);
  out.canvas = await page.evaluate(() => [document.getElementById('map').width, document.getElementById('map').height]);
  out.title = await page.$eval('#quality', (e) => e.textContent);
  out.nonwhite = await page.evaluate(() => {
    const c = document.getElementById('map'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) n++;
    return n;
  });
  out.probe_pixels = plan.color_probes ? await pixels(page, 'map', plan.color_probes) : [];
  let o = await canvasOrigin(page, 'map');

  at('clicks one at a time');
  // clicks one at a time: numbers received, output canvas pixels, the mark
  out.clicks = [];
  for (const [px, py] of plan.clicks) {
    const before = await page.evaluate(() => window.li.answers.length);
    await page.mouse.click(o.x + px, o.y + py);
    await settle(page, before + 1);
    const a = await page.evaluate(() => window.li.shown);
    const drawn = await page.evaluate(() => window.li.drawn);
    const cells = [];
    if (drawn.kind === 'image') {
      for (let r = 0; r < drawn.h; r++) {
        for (let q = 0; q < drawn.w; q++) cells.push([q * drawn.scale + (drawn.scale >> 1), r * drawn.scale + (drawn.scale >> 1)]);
      }
    }
    const outPx = await pixels(page, 'output', cells);
    const mark = await pixels(page, 'map', [[px, py]]);
    const head = await page.$eval('#pointhead', (e) => e.textContent);
    const probe = await page.$$eval('#probe li', (l) => l.map((e) => e.textContent));
    const nb = await page.$$eval('#neighbors figcaption', (l) => l.map((e) => e.textContent));
    out.clicks.push({ px, py, answer: a, drawn, cells: outPx, mark: mark[0], head, probe, neighbors: nb });
  }

  at('a burst of clicks');
  // a burst of clicks without waiting: every one answered, the newest on screen
  const before = await page.evaluate(() => window.li.answers.length);
  for (const [px, py] of plan.burst) await page.mouse.click(o.x + px, o.y + py);
  await settle(page, before + plan.burst.length);
  out.burst = await page.evaluate((k) => ({
    answers: window.li.answers.slice(-k).map((a) => ({ seq: a.seq, px: a.px, py: a.py, n: a.n })),
    shown: { seq: window.li.shown.seq, px: window.li.shown.px, py: window.li.shown.py },
    marks: window.li.marks.length,
  }), plan.burst.length);

  at('hover a data point');
  // hover a data point: its label and sample
  await page.mouse.move(o.x + plan.hover[0], o.y + plan.hover[1]);
  await page.waitForFunction(() => !document.getElementById('tip').hidden &&
    document.getElementById('tiptext').textContent !== '', { timeout: 20000, polling: 50 });
  out.hover = await page.$eval('#tiptext', (e) => e.textContent);

  at('hover another point while its sample is on the way');
  // the samples now arrive late: until the new one does, the tip must not show the old one
  await page.evaluate(() => {
    const f = window.liFetch = window.fetch;
    window.fetch = (u, o) => (String(u).includes('sample')
      ? new Promise((r) => setTimeout(r, 1500)).then(() => f(u, o)) : f(u, o));
  });
  await page.mouse.move(o.x + plan.hover2[0], o.y + plan.hover2[1]);
  out.hover_pending = await page.$eval('#tiptext', (e) => e.textContent);
  await page.waitForFunction(() => document.getElementById('tiptext').textContent !== '',
    { timeout: 20000, polling: 50 });
  out.hover2 = await page.$eval('#tiptext', (e) => e.textContent);
  await page.evaluate(() => { window.fetch = window.liFetch; });

  at('label and save');
  // label and save the point on screen (the newest of the burst)
  const sv = await save(page, plan.label);
  out.save = { r: sv.r, shown: { x: sv.x, y: sv.y }, saved: sv.saved, text: sv.text };
  await frames(page);
  const sp = await page.evaluate(() => { const s = window.li.saved[window.li.saved.length - 1]; return window.li.toPixel(s.x, s.y); });
  out.saved_square = await pixels(page, 'map', [[Math.round(sp.px - 5), Math.round(sp.py)]]);

  at('undo removes');
  // undo removes the last mark
  const m0 = await page.evaluate(() => window.li.marks.length);
  await page.click('#undo');
  out.undo = [m0, await page.evaluate(() => window.li.marks.length)];

  at('two pages saving');
  // two pages saving at once
  const page2 = await openPage(browser);
  const o2 = await canvasOrigin(page2, 'map');
  const k1 = await page.evaluate(() => window.li.answers.length);
  await page.mouse.click(o.x + plan.clicks[0][0], o.y + plan.clicks[0][1]);
  await page2.mouse.click(o2.x + plan.clicks[1][0], o2.y + plan.clicks[1][1]);
  await settle(page, k1 + 1);
  await page2.waitForFunction(() => window.li.answers.length === 1 && window.li.inflight === 0, { timeout: 60000, polling: 50 });
  await page.evaluate(() => { document.getElementById('label').value = 'two pages'; });
  await page2.evaluate(() => { document.getElementById('label').value = 'two pages'; });
  await Promise.all([page.evaluate(() => document.getElementById('save').click()),
    page2.evaluate(() => document.getElementById('save').click())]);
  await page.waitForFunction(() => !window.li.saving, { timeout: 30000, polling: 50 });
  await page2.waitForFunction(() => window.li.lastSave && !window.li.saving, { timeout: 30000, polling: 50 });
  out.two = await Promise.all([page, page2].map((p) => p.evaluate(() => ({ r: window.li.lastSave, x: window.li.shown.x, y: window.li.shown.y }))));

  await page.bringToFront();
  await frames(page);
  at('train probe');
  out.train = await trainProbe(page);
  at('the legend hides');
  // the legend hides and shows a class
  const c0 = plan.class0_rgb;
  const n0 = await countColor(page, c0);
  await page.click('#legend li:first-child');
  await frames(page);
  const n1 = await countColor(page, c0);
  await page.click('#legend li:first-child');
  await frames(page);
  out.legend = [n0, n1, await countColor(page, c0)];

  at('traversal');
  out.traversal = await traverse(page, plan.traverse[0], plan.traverse[1]);
  at('wheel zoom');
  // wheel zoom out around the centre and drag pan: far outside the data
  o = await canvasOrigin(page, 'map');
  const v0 = await page.evaluate(() => window.li.view);
  await page.mouse.move(o.x + 360, o.y + 280);
  for (let i = 0; i < 5; i++) await page.mouse.wheel({ deltaY: 400 });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  const v1 = await page.evaluate(() => window.li.view);
  await page.mouse.move(o.x + 100, o.y + 100);
  await page.mouse.down();
  await page.mouse.move(o.x + 300, o.y + 150, { steps: 5 });
  await page.mouse.up();
  const v2 = await page.evaluate(() => window.li.view);
  const nA = await page.evaluate(() => window.li.answers.length);
  await page.mouse.click(o.x + 5, o.y + 5);
  await settle(page, nA + 1);
  out.zoom = { v0, v1, v2, far: await page.evaluate(() => ({ x: window.li.shown.x, y: window.li.shown.y, px: window.li.shown.px, py: window.li.shown.py })) };
  out.errors = page.errors.concat(page2.errors);
  s.write(out);
});
