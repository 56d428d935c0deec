// li-inspect's page: the map of a project's data (every point, colored by class), a click
// anywhere asks the server what the model makes of that point (/api/click), and the answer
// is drawn: the output (image, curves or numbers), the probe's classes, the nearest data
// rows. A label box saves the point into the project's labeled data set (/api/save).
//
// Map coordinates and pixels: the view spans [x0, x1] x [y0, y1]; pixel column px of the
// W-pixel-wide canvas is x = x0 + px * (x1 - x0) / W, and row py is y = y1 - py * (y1 - y0)
// / H (y grows upwards). The first view is the data's extent plus 5% on each side.
'use strict';

(function () {
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#17becf', '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5',
    '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5'];
  const $ = (id) => document.getElementById(id);
  const canvas = $('map');
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;

  const li = {
    ready: false, meta: null, view: null, answers: [], shown: null, drawn: null,
    marks: [], saved: [], hidden: new Set(), redraws: 0,
  };
  window.li = li;

  let token = new URLSearchParams(location.search).get('token') || '';
  if (token) history.replaceState(null, '', '/');
  let xy = null, labels = null, n = 0;
  const colors32 = PALETTE.map((c) => {
    const r = parseInt(c.slice(1, 3), 16), g = parseInt(c.slice(3, 5), 16), b = parseInt(c.slice(5, 7), 16);
    return (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
  });

  function status(msg) { $('status').textContent = msg || ''; }

  // Every request about the view names the view the page shows; an answer of 409 means
  // the server shows another now (a layer, method or project chosen elsewhere): reload.
  function viewed(path) {
    if (!li.meta) return path;
    return path + (path.includes('?') ? '&' : '?') + 'view=' + li.meta.view;
  }
  async function answer(r) {
    const j = await r.json();
    if (!r.ok) {
      if (r.status === 409 && /view changed/.test(j.error || '') && !li.preparing) setTimeout(loadView, 0);
      throw new Error(j.error || ('status ' + r.status));
    }
    return j;
  }

  async function getJSON(path, bare) {
    const r = await fetch('/api/' + (bare ? path : viewed(path)), { credentials: 'same-origin' });
    return answer(r);
  }

  function postRaw(path, body) {
    if (li.meta && path !== 'prepare') body = Object.assign({ view: li.meta.view }, body);
    return fetch('/api/' + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-LI-Token': token },
      body: JSON.stringify(body),
    });
  }

  async function post(path, body) {
    return answer(await postRaw(path, body));
  }

  // An answer about the view shown when it was asked for: one that comes after the view
  // changed (it came late) is not the new view's, so it is dropped, saying so. Returns null
  // (and says so) while a view loads: what the user points at then belongs to neither.
  // Otherwise a function that tells, when the answer comes, whether to use it; what names
  // the answer in the status line.
  function askedFromView(what) {
    if (!li.ready) { status('the view is loading'); return null; }
    const view = li.meta.view;
    return () => {
      if (li.meta.view === view) return true;
      status(what + ' came after the view changed: dropped');
      return false;
    };
  }

  // ----- the view -----

  function wholeView() {
    const e = li.meta.extent; // xmin, ymin, xmax, ymax
    let dx = (e[2] - e[0]) * 0.05, dy = (e[3] - e[1]) * 0.05;
    if (!(dx > 0)) dx = 1;
    if (!(dy > 0)) dy = 1;
    return { x0: e[0] - dx, x1: e[2] + dx, y0: e[1] - dy, y1: e[3] + dy };
  }
  li.toMap = function (px, py) {
    const v = li.view;
    return { x: v.x0 + px * (v.x1 - v.x0) / W, y: v.y1 - py * (v.y1 - v.y0) / H };
  };
  li.toPixel = function (x, y) {
    const v = li.view;
    return { px: (x - v.x0) * W / (v.x1 - v.x0), py: (v.y1 - y) * H / (v.y1 - v.y0) };
  };

  // ----- drawing the map -----

  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; drawMap(); });
  }

  function drawMap() {
    const t0 = performance.now();
    const img = ctx.createImageData(W, H);
    const buf = new Uint32Array(img.data.buffer);
    buf.fill(0xffffffff);
    const v = li.view, sx = W / (v.x1 - v.x0), sy = H / (v.y1 - v.y0);
    const size = n < 10000 ? 3 : 2, half = size >> 1;
    const hidden = li.hidden;
    for (let i = 0; i < n; i++) {
      const k = labels ? labels[i] : 0;
      if (hidden.size && hidden.has(k)) continue;
      const px = Math.floor((xy[2 * i] - v.x0) * sx) - half;
      const py = Math.floor((v.y1 - xy[2 * i + 1]) * sy) - half;
      if (px < -size || py < -size || px >= W || py >= H) continue;
      const c = colors32[k % colors32.length];
      for (let a = 0; a < size; a++) {
        const yy = py + a;
        if (yy < 0 || yy >= H) continue;
        const row = yy * W;
        for (let b = 0; b < size; b++) {
          const xx = px + b;
          if (xx >= 0 && xx < W) buf[row + xx] = c;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    // saved points: hollow squares; probed points: numbered crosses
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = '#000';
    for (const s of li.saved) {
      const p = li.toPixel(s.x, s.y);
      ctx.strokeRect(p.px - 5, p.py - 5, 10, 10);
    }
    ctx.font = '12px sans-serif';
    ctx.fillStyle = '#000';
    ctx.lineWidth = 2.5;
    for (const m of li.marks) {
      const p = li.toPixel(m.x, m.y);
      ctx.beginPath();
      ctx.moveTo(p.px - 6, p.py - 6); ctx.lineTo(p.px + 6, p.py + 6);
      ctx.moveTo(p.px - 6, p.py + 6); ctx.lineTo(p.px + 6, p.py - 6);
      ctx.stroke();
      ctx.fillText(String(m.n), p.px + 8, p.py - 8);
    }
    const l = line || li.line;
    if (l && l.b) {
      const a = li.toPixel(l.a.x, l.a.y), b = li.toPixel(l.b.x, l.b.y);
      ctx.strokeStyle = '#d62728';
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(a.px, a.py); ctx.lineTo(b.px, b.py); ctx.stroke();
    }
    li.redraws++;
    li.lastRedrawMs = performance.now() - t0;
  }
  li.drawMap = drawMap;  // for scripts/bench/inspect.sh: one full redraw

  function drawLegend() {
    const ul = $('legend');
    ul.textContent = '';
    const names = li.meta.classes;
    if (!labels) return;
    const present = new Set(labels);
    names.forEach((name, k) => {
      if (!present.has(k)) return;
      const li_ = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'sw';
      sw.style.background = PALETTE[k % PALETTE.length];
      li_.append(sw, document.createTextNode(name));
      li_.dataset.cls = k;
      li_.addEventListener('click', () => {
        if (li.hidden.has(k)) { li.hidden.delete(k); li_.classList.remove('off'); }
        else { li.hidden.add(k); li_.classList.add('off'); }
        redraw();
      });
      ul.append(li_);
    });
  }

  // ----- drawing outputs and samples -----

  // The image shape [h, w, c] of values (n numbers of the given shape), or null.
  function imageShape(shape, count, kind) {
    const r = li.meta.render;
    if (kind === 'numbers' || kind === 'curves') return null;
    if (r.kind === 'image' && r.shape && r.shape.length >= 2) {
      const h = r.shape[0], w = r.shape[1], c = r.shape[2] || 1;
      if (h * w * c === count) return [h, w, c];
    }
    const s = shape.slice();
    if (s.length === 3 && (s[2] === 1 || s[2] === 3)) return s;
    if (s.length === 2 && s[0] > 1 && s[1] > 1 && (kind === 'output' || r.kind !== 'curves')) return [s[0], s[1], 1];
    return null;
  }

  // Draws values into cv at about size pixels; returns what was drawn.
  function drawValues(cv, values, shape, size, kind) {
    const g = cv.getContext('2d');
    const img = imageShape(shape, values.length, kind);
    let lo = Infinity, hi = -Infinity;
    for (const v of values) if (v !== null && isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!(lo <= hi)) { lo = 0; hi = 1; }
    if (img) {
      const [h, w, c] = img;
      const s = Math.max(1, Math.floor(size / Math.max(h, w)));
      cv.width = w * s; cv.height = h * s;
      const id = g.createImageData(w * s, h * s);
      for (let r = 0; r < h; r++) {
        for (let q = 0; q < w; q++) {
          let rgb;
          if (c === 3) {
            const k = hi <= 1 ? 255 : 1;
            rgb = [0, 1, 2].map((j) => Math.max(0, Math.min(255, Math.round((values[(r * w + q) * 3 + j] || 0) * k))));
          } else {
            const v = values[r * w + q];
            const gray = hi > lo && v !== null ? Math.round(255 * (v - lo) / (hi - lo)) : 0;
            rgb = [gray, gray, gray];
          }
          for (let a = 0; a < s; a++) {
            for (let b = 0; b < s; b++) {
              const o = (((r * s + a) * w * s) + q * s + b) * 4;
              id.data[o] = rgb[0]; id.data[o + 1] = rgb[1]; id.data[o + 2] = rgb[2]; id.data[o + 3] = 255;
            }
          }
        }
      }
      g.putImageData(id, 0, 0);
      return { kind: 'image', h, w, c, scale: s, lo, hi };
    }
    cv.width = size; cv.height = Math.round(size * 0.6);
    g.fillStyle = '#fff'; g.fillRect(0, 0, cv.width, cv.height);
    const span = hi > lo ? hi - lo : 1;
    const yOf = (v) => cv.height - 4 - (v - lo) / span * (cv.height - 8);
    if (shape.length === 2 && (kind === 'curves' || (kind === 'sample' && li.meta.render.kind === 'curves'))) {
      const t = shape[0], ch = shape[1];
      for (let k = 0; k < ch; k++) {
        g.strokeStyle = PALETTE[k % PALETTE.length];
        g.lineWidth = 1.5;
        g.beginPath();
        for (let i = 0; i < t; i++) {
          const x = 4 + i * (cv.width - 8) / Math.max(1, t - 1), y = yOf(values[i * ch + k]);
          if (i) g.lineTo(x, y); else g.moveTo(x, y);
        }
        g.stroke();
      }
      return { kind: 'curves', t, ch, lo, hi };
    }
    const m = values.length, bw = (cv.width - 8) / Math.max(1, m);
    const base = yOf(lo <= 0 && hi >= 0 ? 0 : lo);
    g.fillStyle = '#1f77b4';
    values.forEach((v, i) => {
      const y = yOf(v);
      g.fillRect(4 + i * bw, Math.min(y, base), Math.max(1, bw - 1), Math.max(1, Math.abs(base - y)));
    });
    return { kind: 'numbers', m, lo, hi };
  }

  function className(k) {
    return k >= 0 && k < li.meta.classes.length ? li.meta.classes[k] : (k >= 0 ? String(k) : '');
  }

  function showPoint(a) {
    li.shown = a;
    $('pointhead').textContent = 'point ' + a.n + ': ' + a.x.toPrecision(6) + ', ' + a.y.toPrecision(6) +
      (a.label ? ' — ' + a.label : '');
    $('outside').hidden = !a.outside;
    const rk = li.meta.render.kind;
    li.drawn = drawValues($('output'), a.output.values, a.output.shape, 240,
      rk === 'image' ? 'output' : rk === 'curves' ? 'curves' : 'numbers');
    const nums = a.output.values.slice(0, 64).map((v) => (v === null ? 'nan' : v.toPrecision(4)));
    $('numbers').textContent = nums.join(' ') + (a.output.values.length > 64 ? ' …' : '');
    const ol = $('probe');
    ol.textContent = '';
    for (const p of a.probe) {
      const item = document.createElement('li');
      item.textContent = p.name + '  ' + (p.p * 100).toFixed(1) + '%';
      ol.append(item);
    }
    if (a.label && !$('label').value) $('label').placeholder = a.label;
    const nb = $('neighbors');
    nb.textContent = '';
    for (const e of a.neighbors) {
      const fig = document.createElement('figure');
      const cv = document.createElement('canvas');
      if (e.values) drawValues(cv, e.values, e.shape, 56, 'sample');
      const cap = document.createElement('figcaption');
      cap.textContent = '#' + e.index + ' ' + className(e.label);
      fig.append(cv, cap);
      nb.append(fig);
    }
  }

  // ----- clicks: every click is sent; the newest answer is the one on screen -----

  let sent = 0, newestShown = 0;
  li.inflight = 0;
  function probeAt(px, py) {
    const current = askedFromView('the answer to a click in the view before');
    if (!current) return;
    const p = li.toMap(px, py);
    const my = ++sent;
    li.inflight++;
    status('');
    post('click', { x: p.x, y: p.y }).then((a) => {
      if (!current()) return;
      a.px = px; a.py = py; a.seq = my;
      li.answers.push(a);
      li.marks.push({ n: a.n, x: a.x, y: a.y });
      if (my > newestShown) {
        newestShown = my;
        showPoint(a);
        if (li.meta.render.kind === 'command') showPicture(a);
      }
      redraw();
    }).catch((e) => status(e.message)).finally(() => { li.inflight--; });
  }

  // A project's render command draws the output itself: its picture is the one thing
  // that travels as an image.
  function showPicture(a) {
    const img = $('picture');
    li.pictureBusy = (li.pictureBusy || 0) + 1;
    postRaw('render', { x: a.x, y: a.y }).then(async (r) => {
      if (!r.ok) await answer(r);
      return r.blob();
    }).then((b) => new Promise((resolve, reject) => {
      if (li.shown !== a) { resolve(); return; }
      if (img.src) URL.revokeObjectURL(img.src);
      img.onload = () => { li.picture = { n: a.n, x: a.x, y: a.y, bytes: b.size }; resolve(); };
      img.onerror = () => reject(new Error('the picture cannot be shown'));
      img.src = URL.createObjectURL(b);
      img.hidden = false;
    })).catch((e) => { img.hidden = true; li.pictureError = e.message; status(e.message); })
      .finally(() => { li.pictureBusy--; });
  }

  async function refreshSaved() {
    const d = await getJSON('labeled');
    li.labeled = d;
    li.saved = d.samples.filter((s) => s.x !== null && s.y !== null);
    $('saved').textContent = d.count + ' saved in ' + li.meta.labeled;
    const ol = $('savedlist');
    ol.textContent = '';
    for (const s of d.samples) {
      const item = document.createElement('li');
      item.append(document.createTextNode(d.classes[s.label] + ' '));
      const rl = document.createElement('button');
      rl.type = 'button'; rl.textContent = 'relabel'; rl.className = 'relabel';
      rl.title = 'give it the label in the box';
      rl.addEventListener('click', () => edit('relabel', { index: s.index, label: ($('label').value || '').trim() }));
      const rm = document.createElement('button');
      rm.type = 'button'; rm.textContent = 'remove'; rm.className = 'remove';
      rm.addEventListener('click', () => edit('remove', { index: s.index }));
      item.append(rl, rm);
      ol.append(item);
    }
    redraw();
  }

  $('labelform').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const a = li.shown;
    const label = ($('label').value || '').trim() || (a && a.label) || '';
    if (!a) { status('click the map first'); return; }
    if (!label) { status('type a label'); return; }
    const current = askedFromView('the answer to a save in the view before (the point was saved)');
    if (!current) return;
    li.saving = (li.saving || 0) + 1;
    post('save', { x: a.x, y: a.y, label }).then((r) => {
      if (!current()) return;
      status('');
      li.lastSave = r;
      return refreshSaved();
    }).catch((e) => status(e.message)).finally(() => { li.saving--; });
  });
  function edit(what, body) {
    if (what === 'relabel' && !body.label) { status('type the new label in the box'); return; }
    li.editing = (li.editing || 0) + 1;
    post(what, body).then((r) => { li.lastEdit = r; return refreshSaved(); })
      .catch((e) => status(e.message)).finally(() => { li.editing--; });
  }
  $('train').addEventListener('click', () => {
    li.training = true;
    $('report').textContent = 'training…';
    post('train', {}).then((r) => {
      li.report = r;
      const box = $('report');
      box.textContent = r.rows + ' rows (' + r.labeled + ' from the labeled data set), training accuracy ' +
        (r.accuracy * 100).toFixed(1) + '%' + (r.converged ? '' : ' (not converged)');
      const t = document.createElement('table');
      const head = t.insertRow();
      for (const h of ['class', 'rows', 'precision', 'recall']) {
        const th = document.createElement('th'); th.textContent = h; head.append(th);
      }
      for (const c of r.classes) {
        const row = t.insertRow();
        for (const v of [c.name, c.count, c.precision.toFixed(3), c.recall.toFixed(3)]) row.insertCell().textContent = v;
      }
      box.append(t);
      li.meta.classes = r.classes.map((c) => c.name);
    }).catch((e) => { $('report').textContent = ''; status(e.message); }).finally(() => { li.training = false; });
  });
  $('undo').addEventListener('click', () => { li.marks.pop(); redraw(); });

  // ----- pan, zoom, hover -----

  // a traversal: shift + drag draws a line; the outputs at 12 points along it form a strip
  const STRIP = 12;
  let line = null;
  function traverse(a, b) {
    const current = askedFromView('the strip of a traversal drawn in the view before');
    if (!current) return;
    li.traversing = (li.traversing || 0) + 1;
    post('traverse', { x0: a.x, y0: a.y, x1: b.x, y1: b.y, n: STRIP }).then((t) => {
      if (!current()) return;
      li.traversal = t;
      const strip = $('strip');
      strip.textContent = '';
      const rk = li.meta.render.kind;
      t.points.forEach((p, i) => {
        const fig = document.createElement('figure');
        const cv = document.createElement('canvas');
        drawValues(cv, p.output.values, p.output.shape, 56,
          rk === 'image' ? 'output' : rk === 'curves' ? 'curves' : 'numbers');
        const cap = document.createElement('figcaption');
        cap.textContent = (i + 1) + (p.label ? ' ' + p.label : '') + (p.outside ? ' (out)' : '');
        fig.append(cv, cap);
        strip.append(fig);
      });
      redraw();
    }).catch((e) => status(e.message)).finally(() => { li.traversing--; });
  }

  let drag = null;
  canvas.addEventListener('mousedown', (e) => {
    if (e.button !== 0) return;
    if (e.shiftKey) {
      line = { a: li.toMap(e.offsetX, e.offsetY), b: null };
      return;
    }
    drag = { x: e.offsetX, y: e.offsetY, v: Object.assign({}, li.view), moved: false };
  });
  window.addEventListener('mousemove', (e) => {
    if (line) {
      const r = canvas.getBoundingClientRect();
      line.b = li.toMap(e.clientX - r.left, e.clientY - r.top);
      redraw();
      return;
    }
    if (!drag) return;
    const r = canvas.getBoundingClientRect();
    const dx = e.clientX - r.left - drag.x, dy = e.clientY - r.top - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    const v = drag.v, ux = (v.x1 - v.x0) / W, uy = (v.y1 - v.y0) / H;
    li.view = { x0: v.x0 - dx * ux, x1: v.x1 - dx * ux, y0: v.y0 + dy * uy, y1: v.y1 + dy * uy };
    redraw();
  });
  window.addEventListener('mouseup', (e) => {
    if (line) {
      const l = line;
      line = null;
      if (l.b) { li.line = l; traverse(l.a, l.b); }
      return;
    }
    if (!drag) return;
    const d = drag;
    drag = null;
    if (!d.moved && e.target === canvas) probeAt(e.offsetX, e.offsetY);
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const f = Math.pow(1.0015, e.deltaY), c = li.toMap(e.offsetX, e.offsetY), v = li.view;
    li.view = { x0: c.x - (c.x - v.x0) * f, x1: c.x + (v.x1 - c.x) * f,
      y0: c.y - (c.y - v.y0) * f, y1: c.y + (v.y1 - c.y) * f };
    redraw();
  }, { passive: false });
  $('reset').addEventListener('click', () => { li.view = wholeView(); redraw(); });

  const sampleCache = new Map();
  let hoverAt = -1;
  canvas.addEventListener('mousemove', (e) => {
    const c = li.toMap(e.offsetX, e.offsetY);
    $('coords').textContent = c.x.toPrecision(5) + ', ' + c.y.toPrecision(5);
    if (drag) return;
    const v = li.view, sx = W / (v.x1 - v.x0), sy = H / (v.y1 - v.y0);
    let best = -1, bd = 36;
    for (let i = 0; i < n; i++) {
      if (labels && li.hidden.size && li.hidden.has(labels[i])) continue;
      const dx = (xy[2 * i] - c.x) * sx, dy = (xy[2 * i + 1] - c.y) * sy, d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = i; }
    }
    const tip = $('tip');
    if (best < 0) { tip.hidden = true; hoverAt = -1; return; }
    tip.hidden = false;
    tip.style.left = (e.offsetX + 14) + 'px';
    tip.style.top = (e.offsetY + 14) + 'px';
    if (best === hoverAt) return;
    hoverAt = best;
    // until this point's sample arrives, show nothing rather than the last point's
    $('tiptext').textContent = '';
    const img = $('tipimg');
    img.getContext('2d').clearRect(0, 0, img.width, img.height);
    const show = (s) => {
      if (hoverAt !== best) return;
      drawValues($('tipimg'), s.values, s.shape, 64, 'sample');
      $('tiptext').textContent = '#' + s.index + (s.name ? ' ' + s.name : '');
    };
    if (sampleCache.has(best)) show(sampleCache.get(best));
    else getJSON('sample?i=' + best).then((s) => { sampleCache.set(best, s); show(s); }).catch(() => {});
  });
  canvas.addEventListener('mouseleave', () => { $('tip').hidden = true; hoverAt = -1; });

  // ----- downloads -----

  function download(name, href) {
    const a = document.createElement('a');
    a.href = href; a.download = name;
    document.body.append(a); a.click(); a.remove();
  }
  $('png').addEventListener('click', () => download('map.png', canvas.toDataURL('image/png')));
  $('svg').addEventListener('click', () => {
    const v = li.view, parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '">',
      '<rect width="100%" height="100%" fill="#fff"/>'];
    for (let i = 0; i < n; i++) {
      const k = labels ? labels[i] : 0;
      if (li.hidden.has(k)) continue;
      const p = li.toPixel(xy[2 * i], xy[2 * i + 1]);
      if (p.px < 0 || p.py < 0 || p.px > W || p.py > H) continue;
      parts.push('<circle cx="' + p.px.toFixed(1) + '" cy="' + p.py.toFixed(1) + '" r="1.2" fill="' +
        PALETTE[k % PALETTE.length] + '"/>');
    }
    parts.push('</svg>');
    void v;
    download('map.svg', URL.createObjectURL(new Blob([parts.join('\n')], { type: 'image/svg+xml' })));
  });

  // ----- views: the projects, the layers, the method -----

  function drawProjects() {
    const ul = $('projects');
    ul.textContent = '';
    for (const p of li.projects.projects) {
      const item = document.createElement('li');
      item.textContent = p.name;
      item.dataset.name = p.name;
      if (p.problem) {
        item.className = 'bad';
        const why = document.createElement('span');
        why.className = 'problem';
        why.textContent = p.problem;
        item.append(why);
      } else {
        if (li.meta && p.name === li.meta.project) item.className = 'current';
        item.addEventListener('click', () => prepare({ project: p.name }));
      }
      ul.append(item);
    }
  }

  // The layers as li-layers lists them: a split point can be chosen as the cut.
  function drawLayers() {
    const ul = $('layers');
    ul.textContent = '';
    for (const l of li.layers.layers) {
      const item = document.createElement('li');
      item.dataset.name = l.name;
      item.append(document.createTextNode(l.index + ' ' + l.name));
      const sh = document.createElement('span');
      sh.className = 'shape';
      sh.textContent = (l.shape ? '(' + l.shape.join(', ') + ')' : '(?)') +
        (l.split ? '' : ' no (' + l.crossing.join(', ') + ')');
      item.append(sh);
      item.title = l.class + (l.split ? ': a split point' : ': not a split point');
      if (l.choosable) {
        item.classList.add('split');
        item.addEventListener('click', () => prepare({ cut: l.name, method: $('method').value, auto: $('auto').checked }));
      }
      if (l.name === li.meta.cut) item.classList.add('current');
      ul.append(item);
    }
  }

  const choiceText = (c) => c.project + (c.cut ? ' at ' + c.cut : '') + (c.method ? ' with ' + c.method : '') +
    (c.auto ? ' (auto)' : '');

  function showProgress(p, queued) {
    const box = $('progress');
    if (!p) { box.hidden = true; return; }
    box.hidden = false;
    const bar = $('progressbar');
    if (p.total > 0) { bar.max = p.total; bar.value = p.done; } else bar.removeAttribute('value');
    const text = choiceText(p) + ': ' + p.stage + (p.total > 0 ? ' ' + p.done + '/' + p.total : '') +
      (queued ? '; then ' + choiceText(queued) : p.superseded ? '; then back to the view shown' : '');
    $('progresstext').textContent = text;
    li.progressSeen.push(text);
  }

  // Asks for another view; it is prepared in the background while the page keeps working.
  // A choice made while one prepares waits for it, and the newest choice wins (the server
  // does not show the one being prepared then). The choices go to the server one after
  // another, in the order they were made: it answers connections in parallel, so two in
  // flight could arrive swapped. li.asked is the newest choice made (not the newest
  // answered: an answer may come late), until the server shows or drops it.
  let choices = Promise.resolve(), choosing = 0;
  function prepare(body) {
    li.asked = body;
    choosing++;
    choices = choices.then(async () => {
      try {
        const r = await post('prepare', body);
        status('');
        if (r.state === 'ready' && li.asked === body) li.asked = null;
        if (r.state === 'ready' || li.preparing) return;   // a poll running shows the rest
        li.preparing = true;
        poll();
      } catch (e) {
        if (li.asked === body) li.asked = null;
        status(e.message);
        li.prepareError = e.message;
      } finally {
        choosing--;
      }
    });
    return choices;
  }
  li.prepare = prepare;

  // The method and auto controls as the view shown has them.
  function showChoice() {
    $('method').value = li.meta.method;
    $('auto').checked = !!li.meta.auto;
  }

  async function poll() {
    try {
      const p = await getJSON('projects', true);
      li.projects = p;
      showProgress(p.preparing, p.queued);
      if (p.preparing) { setTimeout(poll, 200); return; }
      li.preparing = false;
      if (!choosing) li.asked = null;    // shown, or failed: the controls follow the view
      if (p.error) { status(p.error); li.prepareError = p.error; }
      if (p.view && (!li.meta || p.view !== li.meta.view)) await loadView();
      else if (li.meta && !choosing) showChoice();
      drawProjects();
    } catch (e) {
      li.preparing = false;
      status(e.message);
    }
  }

  // another method (or auto) for the view shown, or for the newest choice made while one prepares
  function methodChosen() {
    if (!li.meta) return;
    const a = li.asked || { cut: li.meta.cut };
    prepare(Object.assign({}, a.project ? { project: a.project } : {}, a.cut ? { cut: a.cut } : {},
      { method: $('method').value, auto: $('auto').checked }));
  }
  $('method').addEventListener('change', methodChosen);
  $('auto').addEventListener('change', methodChosen);

  // ----- start -----

  // Loads the view the server shows: its meta, points, layers and labeled data set.
  let loading = null;
  function loadView() {
    if (!loading) loading = loadViewOnce().finally(() => { loading = null; });
    return loading;
  }
  async function loadViewOnce() {
    li.ready = false;
    li.meta = await getJSON('meta', true);
    token = li.meta.token;
    $('title').textContent = 'li-inspect: ' + li.meta.project + ' at ' + li.meta.cut;
    document.title = 'li-inspect: ' + li.meta.project;
    $('quality').textContent = li.meta.quality;
    showChoice();
    const dl = $('classlist');
    dl.textContent = '';
    for (const c of li.meta.classes) {
      const o = document.createElement('option');
      o.value = c;
      dl.append(o);
    }
    const pts = await getJSON('points');
    xy = Float64Array.from(pts.xy, (v) => (v === null ? NaN : v));
    labels = pts.labels ? Int32Array.from(pts.labels) : null;
    n = xy.length / 2;
    li.layers = await getJSON('layers');
    // the marks and the strip belong to the view before
    li.marks = [];
    li.shown = null;
    li.line = null;
    li.traversal = null;
    li.hidden.clear();
    sampleCache.clear();
    $('strip').textContent = '';
    $('picture').hidden = true;
    $('pointhead').textContent = 'click the map';
    li.view = wholeView();
    drawLegend();
    drawLayers();
    if (li.projects) drawProjects();
    drawMap();
    await refreshSaved();
    li.views = (li.views || 0) + 1;
    li.ready = true;
  }

  async function start() {
    li.progressSeen = [];
    try {
      li.projects = await getJSON('projects', true);
      drawProjects();
      if (li.projects.preparing) { li.preparing = true; poll(); }
      if (li.projects.current !== null) await loadView();
      else status('choose a project');
      li.started = true;
    } catch (e) {
      status(e.message);
    }
  }
  start();
})();
