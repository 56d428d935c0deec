#!/usr/bin/env bash
# li-inspect --serve in a real browser: headless Chromium (the distribution's) driven by
# puppeteer-core (tests/browser/inspect.js records what the page received and drew; the
# checks are here). The map is drawn; a click at a pixel asks for the map point that pixel
# shows (within half a pixel, by the page's documented rule: the data's extent plus 5%);
# the numbers the page received equal li-invert | li-propagate there within 1e-5 and the
# output canvas shows them as gray levels; a burst of clicks loses none and the newest
# stays on screen; hover shows a data row (never the last row while the next one loads);
# label + Save appends to the labeled data set; Undo; two pages saving at once; the legend
# hides a class; wheel zoom and drag pan reach past the data. Skipped with the reason
# where Chromium cannot run, unless LI_REQUIRE_BROWSER=1 (CI), where a skip is a failure.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
serving

browser_or_skip 'li-inspect --serve in a browser'

test_expect_success 'setup: a project folder, prepared, and the plan of clicks' '
	prepared proj &&
	cp $(cache_map proj) map.h5 && cp $(dirname $(cache_map proj))/xy.npy xy.npy &&
	$PY -c "
import json, h5py, numpy as np
e = h5py.File(\"map.h5\")[\"/\"].attrs[\"extent\"]          # [[xmin, ymin], [xmax, ymax]]
xy = np.load(\"xy.npy\"); W, H = 720, 560
x0, x1 = e[0][0] - 0.05 * (e[1][0] - e[0][0]), e[1][0] + 0.05 * (e[1][0] - e[0][0])
y0, y1 = e[0][1] - 0.05 * (e[1][1] - e[0][1]), e[1][1] + 0.05 * (e[1][1] - e[0][1])
pix = lambda x, y: [int(round((x - x0) * W / (x1 - x0))), int(round((y1 - y) * H / (y1 - y0)))]
targets = [xy[5].tolist(), [0.0, 0.0], [e[1][0] + 0.03 * (e[1][0] - e[0][0]), e[0][1]]]
plan = {\"clicks\": [pix(*t) for t in targets], \"targets\": targets,
        \"burst\": [[100, 100], [600, 120], [400, 500], [50, 400]],
        \"hover\": pix(*xy[100]), \"hover2\": pix(*xy[50]), \"label\": \"not a number\", \"class0_rgb\": [31, 119, 180],
        \"traverse\": [pix(*xy[5]), pix(*xy[100])], \"view\": [x0, x1, y0, y1]}
json.dump(plan, open(\"plan.json\", \"w\"))
"
'

if start_server proj; then
	test_expect_success 'the page in Chromium: click, hover, save, undo, two pages, legend, zoom' '
		page inspect.js plan.json got.json &&
		$PY -c "
import json; g = json.load(open(\"got.json\"))
assert g[\"canvas\"] == [720, 560] and \"trustworthiness\" in g[\"title\"], (g[\"canvas\"], g[\"title\"])
assert g[\"nonwhite\"] > 180 * 4, g[\"nonwhite\"]
"
	'

	test_expect_success 'a clicked pixel asks for its map point, within half a pixel' '
		$PY -c "
import json; g = json.load(open(\"got.json\")); p = json.load(open(\"plan.json\"))
x0, x1, y0, y1 = p[\"view\"]; ux, uy = (x1 - x0) / 720, (y1 - y0) / 560
for c, t in zip(g[\"clicks\"], p[\"targets\"]):
    a = c[\"answer\"]
    assert abs(a[\"x\"] - t[0]) <= 0.5 * ux + 1e-12 and abs(a[\"y\"] - t[1]) <= 0.5 * uy + 1e-12, (a[\"x\"], a[\"y\"], t)
    # the rule at the pixel position the page got (the server echoes 9 digits)
    assert abs(c[\"px\"] - a[\"px\"]) <= 0.5 and abs(c[\"py\"] - a[\"py\"]) <= 0.5, (c, a[\"px\"], a[\"py\"])
    assert abs(a[\"x\"] - (x0 + a[\"px\"] * ux)) < 1e-8 * (1 + abs(a[\"x\"])), (a[\"x\"], a[\"px\"])
    assert abs(a[\"y\"] - (y1 - a[\"py\"] * uy)) < 1e-8 * (1 + abs(a[\"y\"])), (a[\"y\"], a[\"py\"])
"
	'

	test_expect_success 'the numbers the page received equal li-invert | li-propagate (1e-5)' '
		$PY -c "
import json; g = json.load(open(\"got.json\"))
for c in g[\"clicks\"]: print(repr(c[\"answer\"][\"x\"]), repr(c[\"answer\"][\"y\"]))
" >clicked.txt &&
		for i in 1 2 3; do
			sed -n ${i}p clicked.txt | li-invert map.h5 -o lat$i.npy &&
			li-propagate -q proj/model.h5 --at code lat$i.npy -o want$i.npy &&
			li-propagate -q $(dirname $(cache_map proj))/probe.h5 lat$i.npy -o prob$i.npy || exit 1
		done &&
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\"))
for i, c in enumerate(g[\"clicks\"], 1):
    a = c[\"answer\"]; want = np.load(\"want%d.npy\" % i)[0]; prob = np.load(\"prob%d.npy\" % i)[0]
    got = np.array(a[\"output\"][\"values\"]).reshape(want.shape)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6), np.abs(got - want).max()
    assert np.allclose(a[\"latent\"], np.load(\"lat%d.npy\" % i)[0], rtol=1e-5, atol=1e-6)
    top = np.argsort(-prob, kind=\"stable\")
    assert [p[\"class\"] for p in a[\"probe\"]] == top.tolist()
    assert np.allclose([p[\"p\"] for p in a[\"probe\"]], prob[top], rtol=1e-5, atol=1e-7)
    assert c[\"probe\"][0].startswith([\"ring\", \"bar\", \"dot\"][top[0]]), c[\"probe\"]
    assert c[\"head\"].startswith(\"point %d:\" % a[\"n\"]) and len(c[\"neighbors\"]) == 5
"
	'

	test_expect_success 'the page drew the output: gray levels over its min..max, and the mark' '
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\"))
for i, c in enumerate(g[\"clicks\"], 1):
    want = np.load(\"want%d.npy\" % i)[0].astype(np.float64).ravel()
    d = c[\"drawn\"]
    assert d[\"kind\"] == \"image\" and (d[\"h\"], d[\"w\"], d[\"c\"]) == (8, 8, 1) and d[\"scale\"] == 30, d
    gray = np.round(255 * (want - want.min()) / (want.max() - want.min()))
    px = np.array(c[\"cells\"], dtype=np.float64)
    assert (px[:, 3] == 255).all() and (px[:, 0] == px[:, 1]).all() and (px[:, 1] == px[:, 2]).all()
    assert np.abs(px[:, 0] - gray).max() <= 1, np.abs(px[:, 0] - gray).max()
    assert sum(c[\"mark\"][:3]) < 150, c[\"mark\"]     # the black cross at the clicked pixel
"
	'

	test_expect_success 'a burst of clicks: every one answered, the newest on screen; hover' '
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\")); p = json.load(open(\"plan.json\"))
b = g[\"burst\"]; seqs = [a[\"seq\"] for a in b[\"answers\"]]
assert sorted(seqs) == list(range(4, 8)), seqs
assert b[\"shown\"][\"seq\"] == 7 and [b[\"shown\"][\"px\"], b[\"shown\"][\"py\"]] == p[\"burst\"][-1], b
assert len({a[\"n\"] for a in b[\"answers\"]}) == 4 and b[\"marks\"] == 7
xy = np.load(\"xy.npy\"); y = np.load(\"proj/y.npy\"); names = [\"ring\", \"bar\", \"dot\"]
idx, name = g[\"hover\"].split(\" \", 1); j = int(idx[1:])
x0, x1, y0, y1 = p[\"view\"]
hp = np.array([(xy[j][0] - x0) * 720 / (x1 - x0), (y1 - xy[j][1]) * 560 / (y1 - y0)])
assert np.hypot(*(hp - p[\"hover\"])) <= 6.5 and name == names[y[j]], (g[\"hover\"], hp, p[\"hover\"])
# a point whose sample is still on the way: an empty tip, never the text of the last point
assert g[\"hover_pending\"] == \"\", (g[\"hover_pending\"], g[\"hover\"])
assert g[\"hover2\"].split(\" \")[0] != idx, (g[\"hover2\"], g[\"hover\"])
"
	'

	test_expect_success 'label + Save: the labeled data set holds the point; saved points marked; Undo' '
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\"))
d = \"proj/labeled/code/current/\"
o = np.load(d + \"origin.npy\"); y = np.load(d + \"labels.npy\"); s = np.load(d + \"samples.npy\")
cls = open(d + \"classes.txt\").read().split(chr(10))[:-1]
sv = g[\"save\"]
assert sv[\"r\"][\"count\"] == 1 and sv[\"r\"][\"index\"] == 0 and sv[\"saved\"] == 1, sv
assert np.allclose(o[0], [sv[\"shown\"][\"x\"], sv[\"shown\"][\"y\"]], rtol=1e-6), (o[0], sv)
assert cls[y[0]] == \"not a number\" and s.shape[1:] == (8, 8)
assert max(g[\"saved_square\"][0][:3]) <= 100, g[\"saved_square\"]
assert g[\"undo\"][1] == g[\"undo\"][0] - 1, g[\"undo\"]
print(repr(sv[\"shown\"][\"x\"]), repr(sv[\"shown\"][\"y\"]))
" >saved.txt &&
		li-invert map.h5 saved.txt -o slat.npy &&
		$PY -c "
import numpy as np
l = np.load(\"proj/labeled/code/current/latent.npy\")
assert np.allclose(l[0], np.load(\"slat.npy\")[0], rtol=1e-5, atol=1e-6), l
"
	'

	test_expect_success 'two pages saving at once: both points in the labeled data set' '
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\"))
o = np.load(\"proj/labeled/code/current/origin.npy\"); y = np.load(\"proj/labeled/code/current/labels.npy\")
cls = open(\"proj/labeled/code/current/classes.txt\").read().split(chr(10))[:-1]
assert o.shape == (3, 2), o.shape
assert sorted(t[\"r\"][\"index\"] for t in g[\"two\"]) == [1, 2], g[\"two\"]
got = sorted(map(tuple, o[1:].tolist())); want = sorted((np.float32(t[\"x\"]).item(), np.float32(t[\"y\"]).item()) for t in g[\"two\"])
assert got == want, (got, want)
assert [cls[k] for k in y[1:]] == [\"two pages\"] * 2
"
	'

	test_expect_success 'relabel and remove from the page: new generations of the data set' '
		$PY -c "import json; p = json.load(open(\"plan.json\")); p[\"edit\"] = 1; json.dump(p, open(\"plan2.json\", \"w\"))" &&
		page inspect.js plan2.json got2.json &&
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\")); g2 = json.load(open(\"got2.json\"))
d = \"proj/labeled/code/current/\"
o = np.load(d + \"origin.npy\"); y = np.load(d + \"labels.npy\"); l = np.load(d + \"latent.npy\")
cls = open(d + \"classes.txt\").read().split(chr(10))[:-1]
assert [cls[k] for k in y] == [\"bar\", \"two pages\"], [cls[k] for k in y]
got = sorted(map(tuple, o.tolist())); want = sorted((np.float32(t[\"x\"]).item(), np.float32(t[\"y\"]).item()) for t in g[\"two\"])
assert got == want and l.shape == (2, 3), (got, want, l.shape)
assert g2[\"edits\"] == {\"list\": [\"bar\", \"two pages\"], \"saved\": 2}, g2[\"edits\"]
"
	'

	test_expect_success 'Train probe: the report on the page' '
		$PY -c "
import json; g = json.load(open(\"got.json\")); t = g[\"train\"]; r = t[\"report\"]
assert r[\"rows\"] == 183 and r[\"labeled\"] == 3, r
assert [c[\"name\"] for c in r[\"classes\"]] == [\"ring\", \"bar\", \"dot\", \"not a number\", \"two pages\"], r
assert t[\"rows\"] == 6 and t[\"text\"].startswith(\"183 rows (3 from the labeled data set)\"), t
"
	'

	test_expect_success 'the legend hides a class and shows it again' '
		$PY -c "
import json; g = json.load(open(\"got.json\")); n0, n1, n2 = g[\"legend\"]
assert n0 > 50 and n1 == 0 and n2 == n0, g[\"legend\"]
"
	'

	test_expect_success 'the traversal strip: shift + drag, 12 outputs along the line' '
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\")); p = json.load(open(\"plan.json\"))
t = g[\"traversal\"]; pts = t[\"points\"]; xy = np.load(\"xy.npy\")
x0, x1, y0, y1 = p[\"view\"]; ux, uy = (x1 - x0) / 720, (y1 - y0) / 560
assert t[\"figures\"] == 12 and len(pts) == 12, t[\"figures\"]
for q, want in ((pts[0], xy[5]), (pts[-1], xy[100])):
    assert abs(q[\"x\"] - want[0]) <= 0.5 * ux + 1e-9 and abs(q[\"y\"] - want[1]) <= 0.5 * uy + 1e-9, (q[\"x\"], q[\"y\"], want)
for q in pts: print(repr(q[\"x\"]), repr(q[\"y\"]))
" >tpts.txt &&
		li-invert map.h5 tpts.txt | li-propagate -q proj/model.h5 --at code -o tw.npy &&
		$PY -c "
import json, numpy as np; pts = json.load(open(\"got.json\"))[\"traversal\"][\"points\"]; w = np.load(\"tw.npy\")
for i, q in enumerate(pts):
    assert np.allclose(np.array(q[\"output\"][\"values\"]).reshape(8, 8), w[i], rtol=1e-5, atol=1e-6), i
"
	'

	test_expect_success 'wheel zoom and drag pan reach far outside the data; a click there' '
		$PY -c "
import json, h5py; g = json.load(open(\"got.json\")); z = g[\"zoom\"]
e = h5py.File(\"map.h5\")[\"/\"].attrs[\"extent\"]
w0 = z[\"v0\"][\"x1\"] - z[\"v0\"][\"x0\"]; w1 = z[\"v1\"][\"x1\"] - z[\"v1\"][\"x0\"]
assert w1 > 4 * w0, (w0, w1)
shift = (z[\"v1\"][\"x0\"] - z[\"v2\"][\"x0\"]) * 720 / w1
assert abs(shift - 200) < 2, shift
v = z[\"v2\"]; f = z[\"far\"]
assert abs(f[\"x\"] - (v[\"x0\"] + f[\"px\"] * (v[\"x1\"] - v[\"x0\"]) / 720)) < 1e-8 * (1 + abs(f[\"x\"])), (f, v)
assert f[\"x\"] < e[0][0] - 2 * (e[1][0] - e[0][0]) and f[\"y\"] > e[1][1], (f, e)
"
	'
else
	server_failed 'the page'
fi
stop_servers
test_done
