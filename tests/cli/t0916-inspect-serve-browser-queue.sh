#!/usr/bin/env bash
# li-inspect --serve in headless Chromium: choices made on the page while a view is being
# prepared (tests/browser/queue.js records; the checks are here). A project whose
# preprocessing waits on a file holds a preparation (make_held_project). While one layer
# prepares, the user picks another layer (its answer reaching the page late) and then a
# method: the page shows the preparation and the newest choice as what follows, keeps
# showing the view it had, and once released ends on the newest choice: that view's map
# drawn (its pixels where li-reduce's cached map puts the points), its layer and method
# shown selected, a click answered from it (li-invert | li-propagate on its map), the
# view superseded never loaded and a click answer from the view before never shown on
# the new one. A choice whose preparation fails leaves the controls on the view shown.
# A traversal and a save answered from a view no longer shown are not shown on the new one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
serving

browser_or_skip 'choices queued while li-inspect --serve prepares, in a browser'

test_expect_success 'setup: a project whose preparations can be held, and the plan' '
	prepared held make_held_project &&
	echo "{\"hold\": \"$PWD/held/hold\", \"data\": \"$PWD/held/x.npy\", \"first\": \"enc\",
	       \"then\": \"dec\", \"method\": \"umap\", \"queued\": \"held at dec with umap\",
	       \"fail\": \"tsne\", \"click\": [300, 200], \"line\": [[200, 150], [500, 380]],
	       \"label\": \"ring\", \"last\": \"pca\"}" >plan.json
'

if start_server held; then
	test_expect_success 'the page: choices while a view prepares, a late answer, a failed choice' '
		page queue.js plan.json got.json 300
	'

	test_expect_success 'while it prepares: the view before shown, the preparation and the newest choice next' '
		$PY -c "
import json; g = json.load(open(\"got.json\"))
b, d = g[\"before\"], g[\"during\"]
assert b[\"meta\"] == {\"view\": 1, \"cut\": \"code\", \"method\": \"pca\"} and b[\"progress\"] is None, b
assert g[\"preparing\"] and g[\"lateAnswer\"] and g[\"clickHeld\"], g
assert g[\"queuedSeen\"], d
assert d[\"progress\"].startswith(\"held at enc with pca: \"), d[\"progress\"]
assert d[\"progress\"].endswith(\"; then held at dec with umap\"), d[\"progress\"]
assert d[\"meta\"] == b[\"meta\"] and d[\"title\"] == \"li-inspect: held at code\" and d[\"current\"] == [\"code\"], d
"
	'

	test_expect_success 'then: the newest choice shown, layer and method selected, the superseded never loaded' '
		$PY -c "
import json; g = json.load(open(\"got.json\"))
a = g[\"after\"]
assert g[\"changed\"], a
assert a[\"meta\"] == {\"view\": 2, \"cut\": \"dec\", \"method\": \"umap\"}, a[\"meta\"]
assert a[\"title\"] == \"li-inspect: held at dec\" and a[\"current\"] == [\"dec\"] and a[\"method\"] == \"umap\", a
assert a[\"progress\"] is None, a
assert [(m[\"cut\"], m[\"method\"]) for m in g[\"rec\"][\"metas\"]] == [(\"dec\", \"umap\")], g[\"rec\"][\"metas\"]
assert not any(\"at enc\" in t for t in g[\"rec\"][\"titles\"]), g[\"rec\"][\"titles\"]
" &&
		grep -q "held at .enc. with pca: prepared, not shown (a newer choice was made)" server.err &&
		! grep -q "now showing held at .enc." server.err
	'

	test_expect_success 'the click answered from the view before is not shown on the new one' '
		$PY -c "
import json; a = json.load(open(\"got.json\"))[\"after\"]
assert a[\"shown\"] is None and a[\"marks\"] == 0 and a[\"answers\"] == 0, a
assert a[\"pointhead\"] == \"click the map\", a[\"pointhead\"]
"
	'

	test_expect_success 'its map drawn: the pixels of the cached dec/UMAP map, not of the superseded one' '
		map=$(cache_of held dec umap) && test -n "$map" &&
		old=$(cache_of held enc pca) && test -n "$old" &&
		$PY - "$map" "$old" <<-\EOF
		import json, sys, h5py, numpy as np
		g = json.load(open("got.json")); W, H = 720, 560
		drawn = np.zeros((H + 4, W + 4), bool)
		for x, y in g["drawn"]: drawn[y + 2, x + 2] = True
		def centres(path):
		    # the page'"'"'s documented rule: the data'"'"'s extent plus 5% on each side
		    e = h5py.File(path)["/"].attrs["extent"]; xy = np.load(path[:-len("map.h5")] + "xy.npy")
		    dx, dy = (e[1][0] - e[0][0]) * 0.05, (e[1][1] - e[0][1]) * 0.05
		    x0, x1, y0, y1 = e[0][0] - dx, e[1][0] + dx, e[0][1] - dy, e[1][1] + dy
		    return np.floor((xy[:, 0] - x0) * W / (x1 - x0)).astype(int), np.floor((y1 - xy[:, 1]) * H / (y1 - y0)).astype(int)
		def near(px, py, r):	# is a drawn pixel within r of each centre?
		    ok = np.zeros(len(px), bool)
		    for a in range(-r, r + 1):
		        for b in range(-r, r + 1):
		            ok |= drawn[np.clip(py + a + 2, 0, H + 3), np.clip(px + b + 2, 0, W + 3)]
		    return ok
		px, py = centres(sys.argv[1])
		assert near(px, py, 1).all(), (~near(px, py, 1)).sum()
		# and nothing else drawn: every drawn pixel within 2 of a point
		c = np.zeros_like(drawn)
		for a in range(-2, 3):
		    for b in range(-2, 3):
		        c[np.clip(py + a + 2, 0, H + 3), np.clip(px + b + 2, 0, W + 3)] = True
		assert (drawn & ~c).sum() == 0, (drawn & ~c).sum()
		qx, qy = centres(sys.argv[2])
		assert near(qx, qy, 1).mean() < 0.5, near(qx, qy, 1).mean()
		EOF
	'

	test_expect_success 'a click in the new view: li-invert | li-propagate --at dec on its map' '
		$PY -c "
import json; c = json.load(open(\"got.json\"))[\"click\"]; print(repr(c[\"x\"]), repr(c[\"y\"]))" >clicked.txt &&
		li-invert $(cache_of held dec umap) clicked.txt -o lat.npy &&
		li-propagate -q held/model.h5 --at dec lat.npy -o want.npy &&
		$PY -c "
import json, numpy as np; g = json.load(open(\"got.json\")); c, v = g[\"click\"], g[\"view\"]
want = np.load(\"want.npy\")[0]; got = np.array(c[\"output\"][\"values\"]).reshape(want.shape)
assert np.allclose(got, want, rtol=1e-5, atol=1e-6), np.abs(got - want).max()
assert np.allclose(c[\"latent\"], np.load(\"lat.npy\")[0], rtol=1e-5, atol=1e-6)
assert abs(c[\"x\"] - (v[\"x0\"] + 300 * (v[\"x1\"] - v[\"x0\"]) / 720)) < 1e-8 * (1 + abs(c[\"x\"]))
assert abs(c[\"y\"] - (v[\"y1\"] - 200 * (v[\"y1\"] - v[\"y0\"]) / 560)) < 1e-8 * (1 + abs(c[\"y\"]))
"
	'

	test_expect_success 'a choice that fails: its error shown, the controls back on the view shown' '
		$PY -c "
import json; g = json.load(open(\"got.json\")); f = g[\"failed\"]
assert g[\"failSeen\"], f
assert \"preparing held failed\" in f[\"status\"], f[\"status\"]
m = f[\"meta\"]
assert f[\"method\"] == m[\"method\"] and f[\"current\"] == [m[\"cut\"]] and f[\"title\"] == \"li-inspect: held at \" + m[\"cut\"], f
assert m == {\"view\": 2, \"cut\": \"dec\", \"method\": \"umap\"}, m
"
	'

	test_expect_success 'a traversal answered from the view before: no strip on the new one, the status says so' '
		$PY -c "
import json; g = json.load(open(\"got.json\")); b, t = g[\"beforeLate\"], g[\"lateTraverse\"]
assert g[\"lateHeld\"] and g[\"lastChanged\"], b
assert b[\"meta\"] == {\"view\": 3, \"cut\": \"dec\", \"method\": \"pca\"}, b[\"meta\"]
assert t[\"meta\"] == b[\"meta\"], t
assert t[\"strip\"] == 0 and not t[\"traversal\"], t
assert \"traversal\" in t[\"status\"] and \"dropped\" in t[\"status\"], t[\"status\"]
"
	'

	test_expect_success 'a save answered from the view before: not reported on the new one, the status says so' '
		$PY -c "
import json; g = json.load(open(\"got.json\")); s = g[\"lateSave\"]
assert s[\"meta\"] == {\"view\": 3, \"cut\": \"dec\", \"method\": \"pca\"}, s[\"meta\"]
assert s[\"lastSave\"] is None and s[\"shown\"] is None, s
assert \"save\" in s[\"status\"] and \"dropped\" in s[\"status\"], s[\"status\"]
# the save itself was made (the server answered it): the labeled set of the new view holds it
assert s[\"saved\"].startswith(\"1 saved in \"), s[\"saved\"]
"
	'
else
	server_failed 'choices while a view prepares'
fi
stop_servers
rm -f held/hold
test_done
