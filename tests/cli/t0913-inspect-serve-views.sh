#!/usr/bin/env bash
# li-inspect --serve's views, with curl: the layer list (li-layers' split points), another
# cut or method prepared in the background while the server keeps answering (progress
# readable, the new view's clicks equal li-invert | li-propagate on its own cached map),
# a labeled data set per cut (labeled/CUT/) and an older single labeled/ kept for the
# default cut; a project's render command's picture (and one that fails, hangs or makes
# no PNG: bounded, one JSON error); a folder of projects with a bad one. Bad input: an
# unknown layer, a layer that is not a split point, an unknown method, a stale view.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
serving proj

if start_server proj; then
	test_expect_success 'layers: every layer as li-layers lists it, split points choosable' '
		api /api/layers >out && test "$(code <out)" = 200 && body <out >layers.json &&
		li-layers --json proj/model.h5 >want.json &&
		$PY -c "
import json
g = json.load(open(\"layers.json\")); w = json.load(open(\"want.json\"))
assert g[\"cut\"] == \"code\", g[\"cut\"]
assert [l[\"name\"] for l in g[\"layers\"]] == [l[\"name\"] for l in w[\"layers\"]]
assert [l[\"split\"] for l in g[\"layers\"]] == [l[\"split\"] for l in w[\"layers\"]]
assert [l[\"shape\"] for l in g[\"layers\"]] == [l[\"shape\"] for l in w[\"layers\"]]
ch = [l[\"name\"] for l in g[\"layers\"] if l[\"choosable\"]]
assert ch == [\"flat\", \"enc\", \"code\", \"dec\", \"out\"], ch
"
	'

	test_expect_success 'prepare: bad layers, methods and bodies refused (400/404), nothing started' '
		for b in "{\"cut\": \"nope\"}" "{\"cut\": \"img\"}" "{\"cut\": \"../../etc\"}" \
			 "{\"method\": \"bogus\"}" "{\"method\": \"../pca\"}" "{\"cut\": 3}" \
			 "{\"auto\": \"yes\"}" "[]" "{\"cut\": \"$(head -c 300 /dev/zero | tr "\0" a)\"}"; do
			post /api/prepare "$b" >out && test "$(code <out)" = 400 || { echo "$b"; cat out; exit 1; }
			! grep -q "$TRASH" out || exit 1
		done &&
		post /api/prepare "{\"cut\": \"nope\"}" | body | grep -q "no layer .nope." &&
		post /api/prepare "{\"project\": \"other\"}" >out && test "$(code <out)" = 404 &&
		api /api/prepare >out && test "$(code <out)" = 405 &&
		api /api/prepare -H "Content-Type: application/json" --data "{\"cut\": \"enc\"}" >out &&
		test "$(code <out)" = 403 &&
		post /api/prepare "{\"cut\": \"code\", \"method\": \"pca\"}" >out &&
		test "$(code <out)" = 200 && body <out | grep -q "\"state\": \"ready\", \"view\": 1" &&
		api /api/projects | body | grep -q "\"preparing\": null, \"error\": null"
	'

	test_expect_success 'another cut and method: prepared in the background, progress shown' '
		post /api/prepare "{\"cut\": \"enc\", \"method\": \"umap\"}" >out &&
		test "$(code <out)" = 202 &&
		api /api/meta >meta1 && test "$(code <meta1)" = 200 &&
		api /api/projects | body >during.json &&
		wait_view 2 &&
		$PY -c "
import json; d = json.load(open(\"during.json\")); m = json.loads(open(\"meta1\").read().rsplit(chr(10), 2)[0])
# the server answered while preparing: the old view, or already the new one
assert m[\"view\"] in (1, 2) and (m[\"cut\"], m[\"view\"]) in ((\"code\", 1), (\"enc\", 2)), m
p = d[\"preparing\"]
assert p is None or (p[\"cut\"] == \"enc\" and p[\"method\"] == \"umap\" and p[\"stage\"]), p
" &&
		api /api/meta | body >meta2 &&
		$PY -c "
import json; m = json.load(open(\"meta2\"))
assert m[\"cut\"] == \"enc\" and m[\"method\"] == \"umap\" and m[\"view\"] == 2, m
assert m[\"labeled\"].endswith(\"/labeled/enc\"), m[\"labeled\"]
assert \"UMAP\" in m[\"quality\"] or \"umap\" in m[\"quality\"], m[\"quality\"]
" &&
		grep -q "now showing proj at .enc. with umap" server.err
	'

	test_expect_success 'the new view: a click equals li-invert | li-propagate --at enc' '
		map=$(cache_of proj enc umap) && test -n "$map" &&
		printf "0 0\n1.5 -2\n30 30\n" >pts.txt &&
		while read -r x y; do
			post /api/click "{\"x\": $x, \"y\": $y, \"view\": 2}" | body || exit 1
		done <pts.txt >answers &&
		li-invert "$map" pts.txt -o lat.npy &&
		li-propagate -q proj/model.h5 --at enc lat.npy -o want.npy &&
		$PY -c "
import json, numpy as np
want = np.load(\"want.npy\"); lat = np.load(\"lat.npy\")
ans = [json.loads(l) for l in open(\"answers\") if l.strip()]
assert len(ans) == 3 and lat.shape == (3, 16), lat.shape
for k, a in enumerate(ans):
    got = np.array(a[\"output\"][\"values\"]).reshape(8, 8)
    assert np.allclose(got, want[k], rtol=1e-5, atol=1e-6), (k, np.abs(got - want[k]).max())
    assert np.allclose(a[\"latent\"], lat[k], rtol=1e-5, atol=1e-6)
"
	'

	test_expect_success 'a request naming the view before is refused (409): the page reloads' '
		post /api/click "{\"x\": 0, \"y\": 0, \"view\": 1}" >out && test "$(code <out)" = 409 &&
		body <out | grep -q "view changed" &&
		api "/api/points?view=1" >out && test "$(code <out)" = 409 &&
		api "/api/points?view=x" >out && test "$(code <out)" = 400 &&
		api "/api/points?view=2" >out && test "$(code <out)" = 200
	'

	test_expect_success 'each cut its own labeled data set: labeled/enc/ holds 16-number latent rows' '
		post /api/save "{\"x\": 1.5, \"y\": -2, \"label\": \"bar\"}" >out &&
		test "$(code <out)" = 200 &&
		$PY -c "
import numpy as np
d = \"proj/labeled/enc/current/\"
l = np.load(d + \"latent.npy\"); s = np.load(d + \"samples.npy\"); lat = np.load(\"lat.npy\")
assert l.shape == (1, 16) and np.allclose(l[0], lat[1], rtol=1e-6)
assert np.allclose(s[0], np.load(\"want.npy\")[1], rtol=1e-6)
" && ! test -e proj/labeled/code &&
		post /api/train "{}" >out && test "$(code <out)" = 200 &&
		body <out | grep -q "\"rows\": 181, \"labeled\": 1"
	'

	test_expect_success 'back to code with PCA: the cached view, its own (empty) labeled set' '
		post /api/prepare "{\"cut\": \"code\", \"method\": \"pca\"}" >out &&
		test "$(code <out)" = 202 && wait_view 3 &&
		api /api/labeled | body | grep -q "\"count\": 0" &&
		api /api/meta | body | grep -q "\"cut\": \"code\"" &&
		post /api/click "{\"x\": 0.5, \"y\": 0.25}" | body >c.json &&
		echo "0.5 0.25" | li-invert $(cache_of proj code pca) | li-propagate -q proj/model.h5 --at code -o cw.npy &&
		$PY -c "
import json, numpy as np
a = json.load(open(\"c.json\")); w = np.load(\"cw.npy\")[0]
assert np.allclose(np.array(a[\"output\"][\"values\"]).reshape(8, 8), w, rtol=1e-5, atol=1e-6)
"
	'

	test_expect_success 'a preparation that fails: the view stays, the error has no path' '
		post /api/prepare "{\"cut\": \"dec\", \"method\": \"tsne\"}" >out &&
		test "$(code <out)" = 202 && wait_view 4 &&
		api /api/meta | body | grep -q "\"method\": \"tsne\"" &&
		mv proj/x.npy proj/x.away &&
		post /api/prepare "{\"cut\": \"out\", \"method\": \"pca\"}" >out && test "$(code <out)" = 202 &&
		! wait_view 5 &&
		mv proj/x.away proj/x.npy &&
		$PY -c "
import json; j = json.load(open(\"progress.json\"))
assert j[\"view\"] == 4 and j[\"preparing\"] is None and j[\"error\"].startswith(\"preparing proj failed\"), j
assert \"/\" not in j[\"error\"], j
" &&
		api /api/meta | body | grep -q "\"cut\": \"dec\""
	'

	test_expect_success 'auto: the method'"'"'s parameters chosen, its own cache, its clicks' '
		post /api/prepare "{\"cut\": \"code\", \"method\": \"pca\", \"auto\": true}" >out &&
		test "$(code <out)" = 202 && wait_view 5 &&
		api /api/meta | body | grep -q "\"auto\": true" &&
		map=$(cache_of proj code pca auto) && test -n "$map" &&
		test "$map" != "$(cache_of proj code pca)" &&
		post /api/click "{\"x\": 0.25, \"y\": -0.5}" | body >au.json &&
		echo "0.25 -0.5" | li-invert "$map" | li-propagate -q proj/model.h5 --at code -o auw.npy &&
		$PY -c "
import json, numpy as np
a = json.load(open(\"au.json\")); w = np.load(\"auw.npy\")[0]
assert np.allclose(np.array(a[\"output\"][\"values\"]).reshape(8, 8), w, rtol=1e-5, atol=1e-6)
"
	'

	test_expect_success 'no render command: /api/render is 404' '
		post /api/render "{\"x\": 0, \"y\": 0}" >out && test "$(code <out)" = 404
	'
else
	server_failed 'the views'
fi
stop_servers

# A project whose preparations can be held (make_held_project): each stays running while
# held/hold exists.
test_expect_success 'setup: a project whose preparations can be held' '
	prepared held make_held_project
'

# state JSON: the state of a prepare answer
state() { body | $PY -c "import json, sys; print(json.load(sys.stdin)[\"state\"])"; }

if start_server held; then
	test_expect_success 'a choice while one prepares is queued; the newest wins, the one superseded is not shown' '
		touch held/hold &&
		post /api/prepare "{\"cut\": \"enc\"}" >out && test "$(code <out)" = 202 &&
		test "$(state <out)" = preparing &&
		post /api/prepare "{\"cut\": \"dec\"}" >out && test "$(code <out)" = 202 &&
		test "$(state <out)" = queued &&
		post /api/prepare "{\"cut\": \"out\"}" >out && test "$(code <out)" = 202 &&
		test "$(state <out)" = queued &&
		api /api/projects | body >during.json &&
		post /api/click "{\"x\": 0, \"y\": 0, \"view\": 1}" >out && test "$(code <out)" = 200 &&
		rm held/hold && wait_view 2 &&
		$PY -c "
import json; d = json.load(open(\"during.json\"))
p, q = d[\"preparing\"], d[\"queued\"]
assert d[\"view\"] == 1 and p[\"cut\"] == \"enc\" and p[\"superseded\"] is True, d
assert q == {\"project\": \"held\", \"cut\": \"out\", \"method\": \"pca\", \"auto\": False}, q
" &&
		api /api/meta | body | grep -q "\"cut\": \"out\", \"method\": \"pca\"" &&
		grep -q "held at .enc. with pca: prepared, not shown (a newer choice was made)" server.err &&
		! grep -q "now showing held at .enc." server.err &&
		test -n "$(cache_of held enc pca)" && test -z "$(cache_of held dec pca)"
	'

	test_expect_success 'choosing the view shown while another prepares: that one is not shown' '
		touch held/hold &&
		post /api/prepare "{\"cut\": \"flat\"}" >out && test "$(code <out)" = 202 &&
		post /api/prepare "{\"cut\": \"out\"}" >out && test "$(code <out)" = 200 &&
		test "$(state <out)" = ready &&
		api /api/projects | body >during.json &&
		rm held/hold && wait_view 2 &&
		$PY -c "
import json; d = json.load(open(\"during.json\"))
assert d[\"preparing\"][\"cut\"] == \"flat\" and d[\"preparing\"][\"superseded\"] is True and d[\"queued\"] is None, d
" &&
		api /api/meta | body | grep -q "\"cut\": \"out\"" &&
		grep -q "held at .flat. with pca: prepared, not shown" server.err
	'

	test_expect_success 'choosing the one being prepared again: it is shown, the queued one dropped' '
		touch held/hold &&
		post /api/prepare "{\"cut\": \"enc\"}" >out && test "$(state <out)" = preparing &&
		post /api/prepare "{\"cut\": \"code\"}" >out && test "$(state <out)" = queued &&
		post /api/prepare "{\"cut\": \"enc\"}" >out && test "$(state <out)" = preparing &&
		api /api/projects | body >during.json &&
		rm held/hold && wait_view 3 &&
		$PY -c "
import json; d = json.load(open(\"during.json\"))
assert d[\"preparing\"][\"superseded\"] is False and d[\"queued\"] is None, d
" &&
		api /api/meta | body | grep -q "\"cut\": \"enc\"" &&
		test $(ls held/.li-inspect/*/info.json | wc -l) = 4
	'
else
	server_failed 'queued choices'
fi
stop_servers
rm -f held/hold

test_expect_success 'an older single labeled/: still the default cut'"'"'s data set' '
	prepared old &&
	printf "0 0\nlabel first\nsave\n" | li-inspect -q old --no-window >/dev/null &&
	mv old/labeled/code old/set && rmdir old/labeled && mv old/set old/labeled &&
	test -L old/labeled/current &&
	printf "1 1\nlabel second\nsave\n" | li-inspect -q old --no-window >/dev/null &&
	printf "1 1\nlabel third\nsave\n" | li-inspect -q old --no-window --at enc >/dev/null &&
	$PY -c "
import numpy as np
assert np.load(\"old/labeled/current/labels.npy\").tolist() == [3, 4]
assert open(\"old/labeled/current/classes.txt\").read().split() == [\"ring\", \"bar\", \"dot\", \"first\", \"second\"]
assert np.load(\"old/labeled/current/latent.npy\").shape == (2, 3)
assert np.load(\"old/labeled/enc/current/latent.npy\").shape == (1, 16)
" && li-label -q old/labeled --stats >/dev/null
'

test_expect_success 'setup: a project with a render command' '
	prepared rproj make_render_project
'

if start_server rproj; then
	test_expect_success 'render: the command'"'"'s PNG of the output at that point' '
		api /api/meta | body | grep -q "\"kind\": \"command\"" &&
		curl -s --max-time 30 -b "li_token_$PORT=$TOKEN" -H "X-LI-Token: $TOKEN" \
			--data "{\"x\": 1.5, \"y\": -2}" -D h -o pic.png $BASE/api/render &&
		head -1 h | grep -q " 200" && grep -qi "^content-type: image/png" h &&
		png_gray pic.png >got.txt &&
		echo "1.5 -2" | li-invert $(cache_map rproj) | li-propagate -q rproj/model.h5 --at code -o rw.npy &&
		$PY -c "
import numpy as np
got = np.loadtxt(\"got.txt\"); w = np.load(\"rw.npy\")[0]
assert got.shape == (8, 8) and np.abs(got - np.round(255 * w)).max() <= 1, (got, 255 * w)
"
	'

	test_expect_success 'a render command that fails, hangs or makes no PNG: 422, bounded' '
		cp rproj/render.sh good.sh &&
		printf "#!/bin/sh\necho broken >&2\nexit 3\n" >rproj/render.sh &&
		post /api/render "{\"x\": 0, \"y\": 0}" >out && test "$(code <out)" = 422 &&
		body <out | grep -q "render command failed" && ! grep -q "$TRASH" out &&
		grep -q "^li-inspect: render: .*failed (exit status 3)" server.err &&
		printf "#!/bin/sh\necho not a png >\"\$2\"\n" >rproj/render.sh &&
		post /api/render "{\"x\": 0, \"y\": 0}" >out && test "$(code <out)" = 422 &&
		printf "#!/bin/sh\nexec sleep 987\n" >rproj/render.sh &&
		t0=$(date +%s) && post /api/render "{\"x\": 0, \"y\": 0}" >out && t1=$(date +%s) &&
		test "$(code <out)" = 422 && body <out | grep -q "timed out" &&
		test $((t1 - t0)) -ge 9 && test $((t1 - t0)) -le 19 &&
		! pgrep -f "^sleep 987" >/dev/null &&
		api /api/meta >out && test "$(code <out)" = 200 &&
		cp good.sh rproj/render.sh &&
		post /api/render "{\"x\": 0, \"y\": 0}" >out && test "$(code <out)" = 200
	'
else
	server_failed 'the render command'
fi
stop_servers

test_expect_success 'setup: a folder of projects, one with a bad manifest, one without data' '
	mkdir -p root && make_project root/alpha && make_project root/gamma &&
	mkdir root/beta && echo "{\"model\": 3}" >root/beta/project.json &&
	rm root/gamma/x.npy && mkdir root/notes
'

if start_server root; then
	test_expect_success 'a folder: the project list first, nothing shown yet' '
		api /api/projects | body >p.json &&
		$PY -c "
import json; j = json.load(open(\"p.json\"))
assert j[\"folder\"] is True and j[\"current\"] is None and j[\"view\"] == 0, j
assert [p[\"name\"] for p in j[\"projects\"]] == [\"alpha\", \"beta\", \"gamma\"], j
assert j[\"projects\"][0][\"problem\"] is None and j[\"projects\"][2][\"problem\"] is None
assert \"model\" in j[\"projects\"][1][\"problem\"] and \"/\" not in j[\"projects\"][1][\"problem\"], j
" &&
		api /api/meta >out && test "$(code <out)" = 409 &&
		post /api/click "{\"x\": 0, \"y\": 0}" >out && test "$(code <out)" = 409 &&
		post /api/prepare "{}" >out && test "$(code <out)" = 400 &&
		post /api/prepare "{\"project\": \"beta\"}" >out && test "$(code <out)" = 422 &&
		post /api/prepare "{\"project\": \"../alpha\"}" >out && test "$(code <out)" = 404 &&
		post /api/prepare "{\"project\": \"notes\"}" >out && test "$(code <out)" = 404
	'

	test_expect_success 'a project that cannot be prepared: its error, nothing shown' '
		post /api/prepare "{\"project\": \"gamma\"}" >out && test "$(code <out)" = 202 &&
		! wait_view 1 &&
		$PY -c "
import json; j = json.load(open(\"progress.json\"))
assert j[\"view\"] == 0 and j[\"error\"].startswith(\"preparing gamma failed: \"), j
assert \"/\" not in j[\"error\"], j
"
	'

	test_expect_success 'choosing a project prepares it; its clicks are li-invert | li-propagate' '
		post /api/prepare "{\"project\": \"alpha\"}" >out && test "$(code <out)" = 202 &&
		wait_view 1 &&
		api /api/meta | body | grep -q "\"project\": \"alpha\", \"view\": 1, \"folder\": true" &&
		post /api/click "{\"x\": -1, \"y\": 0.5}" | body >a.json &&
		echo "-1 0.5" | li-invert $(cache_map root/alpha) | li-propagate -q root/alpha/model.h5 --at code -o aw.npy &&
		$PY -c "
import json, numpy as np
a = json.load(open(\"a.json\")); w = np.load(\"aw.npy\")[0]
assert np.allclose(np.array(a[\"output\"][\"values\"]).reshape(8, 8), w, rtol=1e-5, atol=1e-6)
"
	'
else
	server_failed 'a folder of projects'
fi
stop_servers

test_expect_success 'a folder without --serve, or with --at: usage errors' '
	must_fail 2 li-inspect root 2>err && grep -q "is a folder of projects: --serve shows them" err &&
	must_fail 2 li-inspect root --serve 0 --at code 2>err && grep -q "choose on the page" err
'
test_done
