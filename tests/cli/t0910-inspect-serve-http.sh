#!/usr/bin/env bash
# li-inspect --serve without a browser: the HTTP API with curl. The door: the token (query,
# then cookie; a POST also in its header), the Host check, methods, bounded bodies and
# queries, unknown and path-like requests, JSON errors without paths. The numbers: a click
# equals li-invert | li-propagate at the same point (and the probe's), its nearest rows
# equal numpy's on li-embed's latent rows; concurrent clicks each get their own answer;
# saves append the point's output, map coordinates and latent row, and concurrent saves
# lose nothing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/inspect-lib.sh"
serving proj

if start_server proj; then
	test_expect_success 'the address line: 127.0.0.1, any free port, a 32-hex-digit token' '
		grep -Eq "^li-inspect: serving http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{32}$" server.err &&
		! grep -q warning server.err
	'

	test_expect_success 'no token, a wrong token: 401 with a JSON error' '
		curl -s --max-time 20 -w "\n%{http_code}\n" $BASE/ >out &&
		test "$(code <out)" = 401 &&
		body <out | $PY -c "
import json, sys; j = json.load(sys.stdin)
assert j[\"status\"] == 401 and \"token\" in j[\"error\"], j" &&
		curl -s --max-time 20 -w "\n%{http_code}\n" "$BASE/api/meta?token=0123456789abcdef0123456789abcdef" >out &&
		test "$(code <out)" = 401 &&
		last=$(case $TOKEN in *0) echo 1 ;; *) echo 0 ;; esac) &&
		curl -s --max-time 20 -w "\n%{http_code}\n" -b "li_token_$PORT=${TOKEN%?}$last" $BASE/api/meta >out &&
		test "$(code <out)" = 401 &&
		curl -s --max-time 20 -w "\n%{http_code}\n" "$BASE/api/meta?token=${TOKEN}0" >out &&
		test "$(code <out)" = 401
	'

	test_expect_success 'the token in the query: the page, and an HttpOnly SameSite=Strict cookie' '
		curl -s --max-time 20 -D headers -o page.html "$URL" &&
		head -1 headers | grep -q " 200" &&
		grep -qi "^set-cookie: li_token_$PORT=$TOKEN; Path=/; HttpOnly; SameSite=Strict" headers &&
		grep -q "<canvas id=\"map\"" page.html &&
		api /app.js >out && test "$(code <out)" = 200 && grep -q "api/click" out &&
		api /api/meta >out && test "$(code <out)" = 200 &&
		body <out | $PY -c "
import json, sys; j = json.load(sys.stdin)
assert j[\"cut\"] == \"code\" and j[\"method\"] == \"pca\" and j[\"rows\"] == 180, j
assert j[\"classes\"] == [\"ring\", \"bar\", \"dot\"] and j[\"render\"][\"kind\"] == \"image\", j
assert \"trustworthiness\" in j[\"quality\"], j"
	'

	test_expect_success 'Host: loopback names on any port pass, other names are refused' '
		for h in "localhost:9000" "127.0.0.1:$PORT" "[::1]:1" "LocalHost" "127.0.0.1"; do
			api /api/meta -H "Host: $h" >out && test "$(code <out)" = 200 || exit 1
		done &&
		for h in "evil.example:$PORT" "evil.example" "127.0.0.1.evil.example:$PORT" \
			 "localhost:80x" "localhost.:$PORT" "[::2]:$PORT" "0.0.0.0:$PORT"; do
			api /api/meta -H "Host: $h" >out && test "$(code <out)" = 403 || exit 1
		done &&
		body <out | grep -q "\"status\": 403"
	'

	test_expect_success 'state changes: POST only, and only with the token in its header' '
		api /api/click -H "Content-Type: application/json" --data "{\"x\": 0, \"y\": 0}" >out &&
		test "$(code <out)" = 403 &&
		api /api/click -H "X-LI-Token: ${TOKEN%?}x" --data "{\"x\": 0, \"y\": 0}" >out &&
		test "$(code <out)" = 403 &&
		api "/api/click?x=0&y=0" >out && test "$(code <out)" = 405 &&
		post /api/meta "{}" >out && test "$(code <out)" = 405 &&
		api /api/meta -X DELETE >out && test "$(code <out)" = 405 &&
		api / -X PUT --data x >out && test "$(code <out)" = 405
	'

	test_expect_success 'oversized bodies and queries are refused' '
		head -c 70000 /dev/zero | tr "\0" " " >big &&
		api /api/click -H "X-LI-Token: $TOKEN" --data-binary @big >out &&
		test "$(code <out)" = 413 &&
		api "/api/sample?i=1&pad=$(head -c 3000 /dev/zero | tr "\0" a)" >out &&
		test "$(code <out)" = 414 &&
		api /api/meta --data-binary @big -X GET >out && test "$(code <out)" != 200
	'

	test_expect_success 'unknown and path-like requests: 404/400, no file served, no path told' '
		for p in /etc/passwd /api/../../etc/passwd /../project.json /project.json /api/ \
			 /api/meta/ /model.h5 /x.npy /labeled/current/samples.npy; do
			api "$p" --path-as-is >out && test "$(code <out)" = 404 || { echo "$p"; exit 1; }
		done &&
		for q in "i=../../etc/passwd" "i=/etc/passwd" "i=-1" "i=180" "i=1e3" "i=" "i=99999999999999999999"; do
			api "/api/sample?$q" >out && test "$(code <out)" = 400 || { echo "$q"; exit 1; }
		done &&
		api "/api/sample?i=179" >out && test "$(code <out)" = 200 &&
		for b in "not json" "[]" "{\"x\": \"0\", \"y\": 0}" "{\"x\": 1e999, \"y\": 0}" "{\"x\": 1e300, \"y\": 0}" "{\"y\": 0}"; do
			post /api/click "$b" >out && test "$(code <out)" = 400 || { echo "$b"; exit 1; }
			! grep -q "$TRASH" out || exit 1
		done
	'

	test_expect_success 'a click equals li-invert | li-propagate, and the probe, within 1e-5' '
		printf "0 0\n1.5 -2\n-3 2.25\n40 -40\n" >pts.txt &&
		while read -r x y; do
			post /api/click "{\"x\": $x, \"y\": $y}" | body || exit 1
		done <pts.txt >answers &&
		li-invert $(cache_map proj) pts.txt -o lat.npy &&
		li-propagate -q proj/model.h5 --at code lat.npy -o want.npy &&
		li-propagate -q $(dirname $(cache_map proj))/probe.h5 lat.npy -o prob.npy &&
		$PY -c "
import json, numpy as np
want = np.load(\"want.npy\"); prob = np.load(\"prob.npy\"); lat = np.load(\"lat.npy\")
names = [\"ring\", \"bar\", \"dot\"]
ans = [json.loads(l) for l in open(\"answers\") if l.strip()]
assert len(ans) == 4
for k, a in enumerate(ans):
    assert a[\"output\"][\"shape\"] == [8, 8], a[\"output\"][\"shape\"]
    got = np.array(a[\"output\"][\"values\"], dtype=np.float64).reshape(8, 8)
    assert np.allclose(got, want[k], rtol=1e-5, atol=1e-6), (k, np.abs(got - want[k]).max())
    assert np.allclose(a[\"latent\"], lat[k], rtol=1e-5, atol=1e-6)
    top = sorted(range(3), key=lambda c: -prob[k][c])
    assert [p[\"class\"] for p in a[\"probe\"]] == top, (a[\"probe\"], prob[k])
    assert np.allclose([p[\"p\"] for p in a[\"probe\"]], prob[k][top], rtol=1e-5, atol=1e-7)
    assert a[\"label\"] == names[top[0]]
assert ans[3][\"outside\"] in (False, True) and ans[1][\"x\"] == 1.5 and ans[1][\"y\"] == -2
"
	'

	test_expect_success 'the nearest data rows are the nearest latent rows (numpy on li-embed)' '
		li-embed -q proj/model.h5 proj/x.npy --at code -o emb.npy &&
		$PY -c "
import json, numpy as np
emb = np.load(\"emb.npy\").reshape(180, -1); x = np.load(\"proj/x.npy\"); y = np.load(\"proj/y.npy\")
lat = np.load(\"lat.npy\")
ans = [json.loads(l) for l in open(\"answers\") if l.strip()]
for k, a in enumerate(ans):
    d = np.sqrt(((emb - lat[k]) ** 2).sum(1)); order = np.argsort(d, kind=\"stable\")[:5]
    got = [n[\"index\"] for n in a[\"neighbors\"]]
    assert got == order.tolist(), (got, order)
    for n in a[\"neighbors\"]:
        assert n[\"label\"] == y[n[\"index\"]] and abs(n[\"distance\"] - d[n[\"index\"]]) < 1e-4
        assert n[\"shape\"] == [8, 8, 1]
        assert np.allclose(n[\"values\"], x[n[\"index\"]].ravel(), rtol=1e-6)
"
	'

	test_expect_success 'concurrent clicks: each answer is its own point, none lost' '
		for i in $(seq 0 19); do
			post /api/click "{\"x\": $i, \"y\": -$i}" | body >c$i.json &
		done && wait &&
		seq 0 19 | awk "{ print \$1, -\$1 }" >cpts.txt &&
		li-invert $(cache_map proj) cpts.txt | li-propagate -q proj/model.h5 --at code -o cwant.npy &&
		$PY -c "
import json, numpy as np
want = np.load(\"cwant.npy\"); ns = set()
for i in range(20):
    a = json.load(open(\"c%d.json\" % i)); ns.add(a[\"n\"])
    assert a[\"x\"] == i and a[\"y\"] == -i
    assert np.allclose(np.array(a[\"output\"][\"values\"]).reshape(8, 8), want[i], rtol=1e-5, atol=1e-6)
assert len(ns) == 20, ns
"
	'

	test_expect_success 'traverse: the outputs at n points along a line, ends included' '
		post /api/traverse "{\"x0\": -3, \"y0\": 2, \"x1\": 40, \"y1\": -40, \"n\": 5}" >out &&
		test "$(code <out)" = 200 && body <out >trav.json &&
		$PY -c "
import numpy as np
for t in np.linspace(0, 1, 5): print(repr(-3 + 43 * t), repr(2 - 42 * t))" >tpts.txt &&
		i=0 && while read -r x y; do
			i=$((i + 1)) &&
			echo "$x $y" | li-invert $(cache_map proj) |
				li-propagate -q proj/model.h5 --at code -o tw$i.npy || exit 1
		done <tpts.txt &&
		$PY -c "
import json, numpy as np
t = json.load(open(\"trav.json\"))[\"points\"]; pts = np.loadtxt(\"tpts.txt\")
assert len(t) == 5
for i, p in enumerate(t):
    assert abs(p[\"x\"] - pts[i][0]) < 1e-12 * 43 and abs(p[\"y\"] - pts[i][1]) < 1e-12 * 42, (p[\"x\"], pts[i])
    w = np.load(\"tw%d.npy\" % (i + 1))[0]
    assert np.allclose(np.array(p[\"output\"][\"values\"]).reshape(w.shape), w, rtol=1e-5, atol=1e-6)
" &&
		for b in "{\"x0\": 0, \"y0\": 0, \"x1\": 1, \"y1\": 1, \"n\": 1}" \
			 "{\"x0\": 0, \"y0\": 0, \"x1\": 1, \"y1\": 1, \"n\": 33}" \
			 "{\"x0\": 0, \"y0\": 0, \"x1\": 1, \"y1\": 1, \"n\": 2.5}" \
			 "{\"x0\": 0, \"y0\": 0, \"x1\": 1, \"n\": 3}" "[1, 2]"; do
			post /api/traverse "$b" >out && test "$(code <out)" = 400 || { echo "$b"; exit 1; }
		done
	'

	test_expect_success 'save: the output, map coordinates and latent row appended; bad labels refused' '
		post /api/save "{\"x\": 1.5, \"y\": -2, \"label\": \"not a number\"}" >out &&
		test "$(code <out)" = 200 && body <out | grep -q "\"count\": 1" &&
		for l in "\"\"" "\" x\"" "\"a\\nb\"" "3" "null"; do
			post /api/save "{\"x\": 0, \"y\": 0, \"label\": $l}" >out &&
			test "$(code <out)" = 400 || { echo "$l"; exit 1; }
		done &&
		$PY -c "
import numpy as np
d = \"proj/labeled/code/current/\"
s = np.load(d + \"samples.npy\"); o = np.load(d + \"origin.npy\"); l = np.load(d + \"latent.npy\")
want = np.load(\"want.npy\"); lat = np.load(\"lat.npy\")
cls = open(d + \"classes.txt\").read().split(chr(10))[:-1]
assert s.shape == (1, 8, 8) and np.allclose(s[0], want[1], rtol=1e-6), s.shape
assert o.tolist() == [[1.5, -2]] and np.allclose(l[0], lat[1], rtol=1e-6), (o, l)
assert cls[np.load(d + \"labels.npy\")[0]] == \"not a number\"
" &&
		api /api/labeled >out && body <out | $PY -c "
import json, sys; j = json.load(sys.stdin)
assert j[\"count\"] == 1 and j[\"samples\"] == [{\"index\": 0, \"label\": 3, \"x\": 1.5, \"y\": -2}], j"
	'

	test_expect_success 'concurrent saves lose nothing' '
		for i in $(seq 1 12); do
			post /api/save "{\"x\": $i, \"y\": 0.5, \"label\": \"bar\"}" | body >s$i.json &
		done && wait &&
		$PY -c "
import numpy as np
o = np.load(\"proj/labeled/code/current/origin.npy\")
assert o.shape == (13, 2), o.shape
assert sorted(o[1:, 0].tolist()) == list(range(1, 13)) and set(o[1:, 1].tolist()) == {0.5}
"
	'

	test_expect_success 'train: the probe retrained on the data plus the labeled data set' '
		post /api/train "{}" >out && test "$(code <out)" = 200 && body <out >report.json &&
		probe=$(dirname $(cache_map proj))/probe-labeled.h5 &&
		$PY -c "
import numpy as np
e = np.load(\"emb.npy\").reshape(180, -1); l = np.load(\"proj/labeled/code/current/latent.npy\")
y = np.concatenate([np.load(\"proj/y.npy\"), np.load(\"proj/labeled/code/current/labels.npy\")])
np.save(\"trainx.npy\", np.concatenate([e, l]).astype(np.float32)); np.save(\"trainy.npy\", y)" &&
		li-propagate -q "$probe" trainx.npy -o trainp.npy &&
		$PY -c "
import json, numpy as np
r = json.load(open(\"report.json\")); p = np.load(\"trainp.npy\"); y = np.load(\"trainy.npy\")
assert r[\"rows\"] == 193 and r[\"labeled\"] == 13, r
assert [c[\"name\"] for c in r[\"classes\"]] == [\"ring\", \"bar\", \"dot\", \"not a number\"], r
assert [c[\"count\"] for c in r[\"classes\"]] == [60, 72, 60, 1], r
assert p.shape == (193, 4)
acc = (p.argmax(1) == y).mean()
assert abs(r[\"accuracy\"] - acc) < 1e-9, (r[\"accuracy\"], acc)
for k, c in enumerate(r[\"classes\"]):
    tp = ((p.argmax(1) == k) & (y == k)).sum()
    assert abs(c[\"recall\"] - tp / (y == k).sum()) < 1e-9, c
" &&
		post /api/click "{\"x\": 0.5, \"y\": 0.25}" | body >after.json &&
		echo "0.5 0.25" | li-invert $(cache_map proj) | li-propagate -q "$probe" -o ap.npy &&
		$PY -c "
import json, numpy as np
a = json.load(open(\"after.json\")); p = np.load(\"ap.npy\")[0]
assert len(a[\"probe\"]) == 4 and np.allclose(sorted(q[\"p\"] for q in a[\"probe\"]), sorted(p), rtol=1e-5, atol=1e-7)
"
	'

	test_expect_success 'SIGTERM ends the server' '
		kill $SRV_PID && for i in $(seq 50); do kill -0 $SRV_PID 2>/dev/null || break; sleep 0.1; done &&
		! kill -0 $SRV_PID 2>/dev/null && grep -q "^li-inspect: stopped" server.err
	'
else
	server_failed 'the HTTP API'
fi
stop_servers

test_expect_success 'bad --serve arguments: usage errors (status 2)' '
	must_fail 2 li-inspect proj --serve abc 2>err &&
	grep -q "^li-inspect: error: --serve .abc. is not \[HOST:\]PORT" err &&
	must_fail 2 li-inspect proj --serve 70000 2>/dev/null &&
	must_fail 2 li-inspect proj --serve :80 2>/dev/null &&
	must_fail 2 li-inspect proj --serve 0 --no-window 2>/dev/null
'

if start_server proj; then
	# bounded: were the port free after all, the second server would serve until killed
	test_expect_success 'a host that does not resolve, a port in use: one error line, status' '
		must_fail 2 timeout 120 li-inspect -q proj --serve no-such-host.invalid:0 2>err &&
		test $(wc -l <err) = 1 && grep -q "^li-inspect: error: host .no-such-host.invalid. does not resolve" err &&
		must_fail 1 timeout 120 li-inspect -q proj --serve $PORT 2>err &&
		test $(wc -l <err) = 1 && grep -q "^li-inspect: error: cannot listen on 127.0.0.1 port $PORT" err
	'
else
	server_failed 'a port in use'
fi
stop_servers

SERVE_AT=0.0.0.0:0 start_server proj
test_expect_success 'bound to 0.0.0.0: warned; Host 0.0.0.0 and loopback pass, others do not' '
	grep -q "^li-inspect: warning: serving on .0.0.0.0., not only this machine" server.err &&
	grep -q "^li-inspect: serving http://0.0.0.0:$PORT/?token=" server.err &&
	for h in "0.0.0.0:$PORT" "localhost:$PORT"; do
		api /api/meta -H "Host: $h" >out && test "$(code <out)" = 200 || exit 1
	done &&
	api /api/meta -H "Host: evil.example:$PORT" >out && test "$(code <out)" = 403
'
stop_servers
test_done
