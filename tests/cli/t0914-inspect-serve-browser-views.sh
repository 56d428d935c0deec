#!/usr/bin/env bash
# li-inspect --serve over a folder of projects, in headless Chromium (tests/browser/views.js
# records; the checks are here): the project list comes first (a bad project listed with
# its problem, not choosable); choosing a project, a method and a layer on the page
# prepares each in the background with progress shown, and the numbers the page then
# receives equal li-invert | li-propagate on that view's cached map; a save lands in that
# layer's labeled data set; a project's render command's picture is shown, its pixels the
# command's rendering of li-propagate's output.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
serving

browser_or_skip 'li-inspect --serve over a folder of projects in a browser'

test_expect_success 'setup: a folder of projects (one large enough to watch its progress)' '
	mkdir root && LI_ROWS=1500 make_project root/alpha && make_render_project root/rproj &&
	mkdir root/beta && echo "{\"data\": \"x.npy\"}" >root/beta/project.json &&
	echo "{\"first\": \"alpha\", \"bad\": \"beta\", \"render\": \"rproj\", \"click\": [300, 200],
	       \"layer\": \"enc\", \"method\": \"umap\", \"label\": \"at enc\"}" >plan.json
'

if start_server root; then
	test_expect_success 'the page: projects, method, layer, clicks, save, the render picture' '
		page views.js plan.json got.json 300
	'

	test_expect_success 'the project list first; the bad one listed with its problem' '
		$PY -c "
import json; g = json.load(open(\"got.json\"))
assert [p[\"name\"] for p in g[\"list\"]] == [\"alpha\", \"beta\", \"rproj\"], g[\"list\"]
assert [p[\"bad\"] for p in g[\"list\"]] == [False, True, False], g[\"list\"]
assert \"model\" in g[\"list\"][1][\"text\"], g[\"list\"][1]
assert g[\"before\"][\"meta\"] is None and not g[\"before\"][\"ready\"], g[\"before\"]
assert g[\"afterBad\"] == {\"project\": \"alpha\", \"preparing\": False}, g[\"afterBad\"]
"
	'

	test_expect_success 'layers as li-layers lists them; method and layer chosen, progress shown' '
		li-layers --json root/alpha/model.h5 >want.json &&
		$PY -c "
import json; g = json.load(open(\"got.json\")); w = json.load(open(\"want.json\"))
f, m, l = g[\"first\"], g[\"method\"], g[\"layer\"]
assert f[\"meta\"][\"cut\"] == \"code\" and f[\"meta\"][\"method\"] == \"pca\" and f[\"meta\"][\"rows\"] == 1500, f[\"meta\"]
assert [x[\"name\"] for x in f[\"layers\"]] == [x[\"name\"] for x in w[\"layers\"]]
splits = [x[\"name\"] for x in w[\"layers\"] if x[\"split\"]]
assert set(x[\"name\"] for x in f[\"layers\"] if x[\"split\"]) <= set(splits)
assert [x[\"name\"] for x in f[\"layers\"] if x[\"current\"]] == [\"code\"]
assert m[\"meta\"][\"method\"] == \"umap\" and m[\"meta\"][\"cut\"] == \"code\", m[\"meta\"]
assert any(\"UMAP\" in p for p in m[\"progress\"][len(f[\"progress\"]):]), m[\"progress\"]
assert l[\"meta\"][\"cut\"] == \"enc\" and l[\"meta\"][\"method\"] == \"umap\", l[\"meta\"]
assert [x[\"name\"] for x in l[\"layers\"] if x[\"current\"]] == [\"enc\"]
assert l[\"title\"] == \"li-inspect: alpha at enc\", l[\"title\"]
assert l[\"meta\"][\"view\"] > m[\"meta\"][\"view\"] > f[\"meta\"][\"view\"]
"
	'

	test_expect_success 'the numbers the page received at each view equal li-invert | li-propagate' '
		$PY -c "
import json; g = json.load(open(\"got.json\"))
for k in (\"firstClick\", \"layerClick\", \"renderClick\"): print(repr(g[k][\"x\"]), repr(g[k][\"y\"]))
" >clicked.txt &&
		sed -n 1p clicked.txt | li-invert $(cache_of root/alpha code pca) |
			li-propagate -q root/alpha/model.h5 --at code -o w1.npy &&
		sed -n 2p clicked.txt | li-invert $(cache_of root/alpha enc umap) -o l2.npy &&
		li-propagate -q root/alpha/model.h5 --at enc l2.npy -o w2.npy &&
		sed -n 3p clicked.txt | li-invert $(cache_of root/rproj code pca) |
			li-propagate -q root/rproj/model.h5 --at code -o w3.npy &&
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\"))
for k, w in ((\"firstClick\", \"w1\"), (\"layerClick\", \"w2\"), (\"renderClick\", \"w3\")):
    want = np.load(w + \".npy\")[0]; got = np.array(g[k][\"output\"][\"values\"]).reshape(want.shape)
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6), (k, np.abs(got - want).max())
assert np.allclose(g[\"layerClick\"][\"latent\"], np.load(\"l2.npy\")[0], rtol=1e-5, atol=1e-6)
v = g[\"layerView\"]; a = g[\"layerClick\"]
assert abs(a[\"x\"] - (v[\"x0\"] + 300 * (v[\"x1\"] - v[\"x0\"]) / 720)) < 1e-8 * (1 + abs(a[\"x\"]))
"
	'

	test_expect_success 'the save at layer enc went into labeled/enc/' '
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\"))
d = \"root/alpha/labeled/enc/current/\"
l = np.load(d + \"latent.npy\"); o = np.load(d + \"origin.npy\")
assert l.shape == (1, 16) and np.allclose(l[0], np.load(\"l2.npy\")[0], rtol=1e-5, atol=1e-6)
assert np.allclose(o[0], [g[\"save\"][\"x\"], g[\"save\"][\"y\"]], rtol=1e-6)
assert open(d + \"classes.txt\").read().split(chr(10))[3] == \"at enc\"
assert g[\"save\"][\"text\"].startswith(\"1 saved in \") and g[\"save\"][\"text\"].endswith(\"labeled/enc\"), g[\"save\"]
" && ! test -e root/alpha/labeled/code
	'

	test_expect_success 'the render command'"'"'s picture: its rendering of the output' '
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\"))
p = g[\"picture\"]; w = np.load(\"w3.npy\")[0]
assert p[\"visible\"] and (p[\"w\"], p[\"h\"]) == (8, 8), p
assert p[\"shown\"][\"x\"] == g[\"renderClick\"][\"x\"] and p[\"shown\"][\"y\"] == g[\"renderClick\"][\"y\"]
got = np.array(p[\"gray\"]).reshape(8, 8)
assert np.abs(got - np.round(255 * w)).max() <= 1, (got, np.round(255 * w))
"
	'
else
	server_failed 'the page over a folder of projects'
fi
stop_servers
test_done
