// The paper's loop on an example project, in headless Chromium (puppeteer-core), for
// tests/cli/t0915: node loop.js URL PLAN.json RESULTS.json
// PLAN: {"hover": [px, py], "zoom": N (wheel steps out), "far": [px, py],
//        "label": NAME, "traverse": [[px, py], [px, py]], "layer": NAME, "method": M,
//        "click": [px, py]}
// Loads the page and waits for the map; hovers a data point; zooms out and clicks far
// outside the data; labels and saves that point; trains the probe; drags a traversal;
// chooses another layer, then another method, clicking the map in each view. RESULTS
// holds what the page received and showed. This script decides nothing about numbers.
'use strict';
const { script, withBrowser, openPage, origin, clickMap, traverse, save, trainProbe, viewWhen } =
  require('./common');

const s = script('loop.js', 400000);
const { url, plan, at } = s;
const T = 300000;

withBrowser(s, 'loop.js', { width: 1400, height: 1000 }, async (browser) => {
  const out = {};
  at('open the page');
  const page = await openPage(browser, url, 'window.li && window.li.ready', T);
  out.first = await viewWhen(page, () => window.li.ready, null, T);
  out.first.rows = await page.evaluate(() => window.li.meta.rows);
  out.first.view = await page.evaluate(() => window.li.view);
  out.first.quality = await page.$eval('#quality', (e) => e.textContent);
  out.first.nonwhite = await page.evaluate(() => {
    const c = document.getElementById('map'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) n++;
    return n;
  });

  at('hover a data point');
  let o = await origin(page, 'map');
  await page.mouse.move(o.x + plan.hover[0], o.y + plan.hover[1]);
  await page.waitForFunction(() => !document.getElementById('tip').hidden &&
    document.getElementById('tiptext').textContent !== '', { timeout: 20000, polling: 50 });
  await page.waitForFunction(() => document.getElementById('tipimg').width > 0, { timeout: 20000, polling: 50 });
  out.hover = await page.evaluate(() => {
    const c = document.getElementById('tipimg'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255)) inked++;
    return { text: document.getElementById('tiptext').textContent, inked };
  });

  at('zoom out, click far outside the data');
  await page.mouse.move(o.x + 360, o.y + 280);
  for (let i = 0; i < plan.zoom; i++) await page.mouse.wheel({ deltaY: 400 });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
  out.zoomed = await page.evaluate(() => window.li.view);
  out.far = await clickMap(page, plan.far, T);
  out.far.drawn = await page.evaluate(() => window.li.drawn);
  out.far.probeShown = await page.$$eval('#probe li', (l) => l.map((e) => e.textContent));
  out.far.neighborsShown = await page.$$eval('#neighbors figcaption', (l) => l.map((e) => e.textContent));
  out.far.outsideShown = await page.evaluate(() => !document.getElementById('outside').hidden);

  at('label and save');
  out.save = await save(page, plan.label, T);

  at('train the probe');
  out.train = await trainProbe(page, T);

  at('the traversal strip');
  out.traversal = await traverse(page, plan.traverse[0], plan.traverse[1], T);

  at('choose the layer');
  const v0 = out.first.meta.view;
  await page.click('#layers li[data-name="' + plan.layer + '"]');
  out.layer = await viewWhen(page, (a) => window.li.ready && !window.li.preparing && window.li.meta.view > a[0] &&
    window.li.meta.cut === a[1], [v0, plan.layer], T);
  out.layerClick = await clickMap(page, plan.click, T);
  out.layerView = await page.evaluate(() => window.li.view);

  at('choose the method');
  await page.select('#method', plan.method);
  out.method = await viewWhen(page, (a) => window.li.ready && !window.li.preparing && window.li.meta.view > a[0] &&
    window.li.meta.method === a[1], [out.layer.meta.view, plan.method], T);
  out.methodClick = await clickMap(page, plan.click, T);
  out.methodView = await page.evaluate(() => window.li.view);
  out.methodSave = await save(page, plan.label, T);
  out.errors = page.errors;
  s.write(out);
});
