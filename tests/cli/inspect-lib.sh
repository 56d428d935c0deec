# Helpers for the li-inspect tests (t0900-t0929); sourced after lib.sh.

# make_project DIR: a small project folder as li-project(5) describes it:
# an 8x8-image autoencoder (Keras .h5 in tf.keras 2.4 layout, written with h5py; its
# bottleneck 'code' has 3 numbers and is the split point with the smallest latent),
# 180 rows (LI_ROWS, a multiple of 3) in three clusters with labels and class names,
# rendered as 8x8 images.
make_project() {
	mkdir -p "$1" && (cd "$1" && LI_ROWS=${LI_ROWS:-180} $PY - <<-\PYEOF
	import json, h5py, numpy as np
	rng = np.random.default_rng(3)
	import os, sys; sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save
	dense = lambda u, a: {"units": u, "activation": a, "use_bias": True}
	W = lambda a, b: rng.normal(size=(a, b)) * 0.3
	save("model.h5", [8, 8, 1],
	     [("flat", "Flatten", {}), ("enc", "Dense", dense(16, "relu")),
	      ("code", "Dense", dense(3, "linear")), ("dec", "Dense", dense(16, "relu")),
	      ("out", "Dense", dense(64, "sigmoid")), ("img", "Reshape", {"target_shape": [8, 8]})],
	     {"enc": {"kernel": W(64, 16), "bias": rng.normal(size=16) * .1},
	      "code": {"kernel": W(16, 3), "bias": np.zeros(3)},
	      "dec": {"kernel": W(3, 16), "bias": rng.normal(size=16) * .1},
	      "out": {"kernel": W(16, 64), "bias": np.zeros(64)}})
	centres = rng.normal(size=(3, 64)) * 2
	n = int(os.environ["LI_ROWS"])
	y = np.repeat(np.arange(3), n // 3)
	x = (centres[y] + rng.normal(size=(len(y), 64)) * 0.5).astype("f4")
	np.save("x.npy", x.reshape(len(y), 8, 8, 1)); np.save("y.npy", y)
	open("classes.txt", "w").write("ring\nbar\ndot\n")
	json.dump({"model": "model.h5", "data": "x.npy", "labels": "y.npy",
	           "classes": "classes.txt", "render": {"kind": "image", "shape": [8, 8]}},
	          open("project.json", "w"))
	PYEOF
	)
}

# make_held_project DIR: make_project whose preprocessing (a command) waits while the file
# DIR/hold exists: a preparation stays running until the test removes it.
make_held_project() {
	make_project "$1" &&
	printf "#!/bin/sh\nwhile [ -e \"\$(dirname \"\$0\")/hold\" ]; do sleep 0.05; done\nexec cp \"\$1\" \"\$2\"\n" >"$1/prep.sh" &&
	chmod +x "$1/prep.sh" &&
	$PY -c "
import json; p = json.load(open(\"$1/project.json\")); p[\"preprocess\"] = {\"run\": \"./prep.sh\"}
json.dump(p, open(\"$1/project.json\", \"w\"))"
}

# serving [DIR]: how a test of the server begins: no display, no server outliving the
# test (stop_servers at exit), and with DIR, a project made and prepared there (the
# setup test)
serving() {
	unset DISPLAY
	trap stop_servers EXIT
	[ -z "${1:-}" ] || test_expect_success 'setup: a project folder, prepared' "prepared $1"
}

# prepared DIR [MAKER]: a project made by MAKER (make_project, make_render_project) in DIR
# and prepared (li-inspect's cache written)
prepared() {
	${2:-make_project} "$1" && echo quit | li-inspect -q "$1" --no-window
}

# cache_map DIR: the map file of the project's (only) cached preparation.
cache_map() {
	ls "$1"/.li-inspect/*/map.h5 | head -1
}

# cache_of DIR CUT METHOD [auto]: the map file of DIR's cached preparation at layer CUT
# with METHOD (with auto: the one fitted with auto-tuned parameters); info.json names the
# cut by its row index, which li-layers gives. Empty when there is none.
cache_of() {
	li-layers --json "$1/model.h5" >layers-of.json &&
	$PY -c "
import glob, json, os
names = [l[\"name\"] for l in json.load(open(\"layers-of.json\"))[\"layers\"]]
for i in sorted(glob.glob(\"$1/.li-inspect/*/info.json\")):
    j = json.load(open(i))
    if names[j[\"cut\"]] == \"$2\" and j[\"method\"] == \"$3\" and j.get(\"auto\", False) == (\"${4:-}\" == \"auto\"):
        print(os.path.dirname(i) + \"/map.h5\"); break"
}

# start_server DIR [ARGS...]: starts `li-inspect DIR --serve ${SERVE_AT:-0} ARGS` in the background
# (never for more than 10 minutes), waits for its address line (up to 2 minutes), and sets SRV_PID, URL,
# PORT, TOKEN and BASE (http://127.0.0.1:PORT). Call stop_servers at the end (the tests
# also trap EXIT with it), so no server outlives its test. 1 when it did not start.
SRV_PIDS=""
start_server() {
	local dir=$1 i
	shift
	# nothing of an earlier server may pass for this one's: no stale address (a test
	# would then talk to a port nobody holds), no line from an old writer (a new file)
	URL= PORT= TOKEN= BASE=
	rm -f server.err
	timeout 600 li-inspect "$dir" --serve "${SERVE_AT:-0}" "$@" 2>server.err &
	SRV_PID=$!
	SRV_PIDS="$SRV_PIDS $SRV_PID"
	for i in $(seq 1200); do	# up to 2 minutes: a loaded machine starts it slowly
		grep -q "^li-inspect: serving " server.err && break
		kill -0 $SRV_PID 2>/dev/null || break
		sleep 0.1
	done
	URL=$(sed -n 's/^li-inspect: serving //p' server.err)
	[ -n "$URL" ] || { cat server.err >&2; return 1; }
	PORT=$(echo "$URL" | sed 's|^http://[^/]*:\([0-9]*\)/.*|\1|')
	TOKEN=${URL##*token=}
	BASE=http://127.0.0.1:$PORT
}

# server_failed WHAT: the tests of WHAT could not run: the server did not start (a failure,
# with its standard error)
server_failed() {
	test_expect_success "$1: the server starts" 'cat server.err >&2; false'
}

stop_servers() {
	local p
	for p in $SRV_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $SRV_PIDS; do
		wait "$p" 2>/dev/null
	done
	SRV_PIDS=""
}

# api PATH [CURL ARGS...]: a request with the token's cookie, printing "STATUS" on the
# last line after the body (bounded in time).
api() {
	local path=$1
	shift
	curl -s --max-time 20 -b "li_token_$PORT=$TOKEN" -w '\n%{http_code}\n' "$@" "$BASE$path"
}

# post PATH JSON: a POST with the token (cookie and header).
post() {
	api "$1" -H "X-LI-Token: $TOKEN" -H "Content-Type: application/json" --data-binary "$2"
}

# code, body: the status line that api and post print last, and what comes before it.
code() { tail -1; }
body() { sed '$d'; }

# wait_view N: polls /api/projects until nothing is being prepared and view N is shown
# (at most 120 s); the last answer stays in progress.json. 1 when a preparation failed
# or the time ran out.
wait_view() {
	local i
	for i in $(seq 600); do
		api /api/projects | body >progress.json
		$PY -c "
import json, sys; j = json.load(open(\"progress.json\"))
sys.exit(0 if j[\"preparing\"] is None and j[\"view\"] == $1 else 1)" && return 0
		$PY -c "
import json, sys; j = json.load(open(\"progress.json\"))
sys.exit(1 if j[\"preparing\"] is None and j[\"error\"] else 0)" || return 1
		sleep 0.2
	done
	return 1
}

# page SCRIPT PLAN OUT [SECONDS]: runs tests/browser/SCRIPT on the server's page with the
# plan (JSON) and checks that the page had no script error; OUT gets what it recorded.
page() {
	NODE_PATH=$LI_TOP/tests/browser/node_modules timeout "${4:-200}" \
		node "$LI_TOP/tests/browser/$1" "$URL" "$2" "$3" &&
	$PY -c "
import json, sys; g = json.load(open(sys.argv[1]))
assert g[\"errors\"] == [], g[\"errors\"]
" "$3"
}

# browser_or_skip WHAT: ends the test file here, skipped with the reason, where headless
# Chromium cannot run (a failure instead under LI_REQUIRE_BROWSER=1, as in CI); sets
# CHROMIUM. Installs puppeteer-core (tests/browser/setup).
browser_or_skip() {
	CHROMIUM=${LI_CHROMIUM:-/usr/bin/chromium}
	why=""
	if ! [ -x "$CHROMIUM" ]; then
		why="no $CHROMIUM (scripts/deps installs the chromium package)"
	elif ! command -v node >/dev/null 2>&1; then
		why="no node"
	elif ! "$LI_TOP/tests/browser/setup" >setup.log 2>&1; then
		why="puppeteer-core cannot be installed (tests/browser/setup: $(tail -1 setup.log))"
	elif ! timeout 60 "$CHROMIUM" --headless --disable-gpu --no-sandbox --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$TRASH/probe-profile" --dump-dom about:blank >/dev/null 2>chromium.err; then
		why="Chromium does not start here: $(grep -v '^\[' chromium.err | tail -1)"
	fi
	if [ -n "$why" ]; then
		if [ "${LI_REQUIRE_BROWSER:-0}" = 1 ]; then
			export LI_SKIP_WHY=$why
			test_expect_success 'the browser tests can run (LI_REQUIRE_BROWSER=1)' 'echo "$LI_SKIP_WHY" >&2 && false'
		else
			test_skip "$1" "$why"
		fi
		test_done
		exit 0
	fi
}

# make_render_project DIR: make_project whose outputs a command renders (render.sh: the
# 8x8 output as an 8-bit gray PNG of 255 * value, without filters, written with zlib).
make_render_project() {
	make_project "$1" && cat >"$1/render.sh" <<-EOF
	#!/bin/sh
	exec $PY - "\$1" "\$2" <<-\PYEOF
	import struct, sys, zlib, numpy as np
	a = np.load(sys.argv[1])[0].reshape(8, 8)
	g = np.clip(np.round(a * 255), 0, 255).astype(np.uint8)
	raw = b"".join(b"\0" + r.tobytes() for r in g)
	c = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	open(sys.argv[2], "wb").write(b"\x89PNG\r\n\x1a\n" + c(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
	                              + c(b"IDAT", zlib.compress(raw)) + c(b"IEND", b""))
	PYEOF
	EOF
	chmod +x "$1/render.sh" &&
	$PY -c "
import json; p = json.load(open(\"$1/project.json\")); p[\"render\"] = {\"kind\": \"command\", \"run\": \"./render.sh\"}
json.dump(p, open(\"$1/project.json\", \"w\"))"
}

# png_gray FILE: the rows of an 8-bit gray PNG without filters (what render.sh writes),
# decoded with zlib, one line of numbers per row.
png_gray() {
	$PY - "$1" <<-\PYEOF
	import struct, sys, zlib
	b = open(sys.argv[1], "rb").read()
	assert b[:8] == b"\x89PNG\r\n\x1a\n"
	i, idat, w, h = 8, b"", 0, 0
	while i < len(b):
	    n, t = struct.unpack(">I4s", b[i:i + 8]); d = b[i + 8:i + 8 + n]; i += 12 + n
	    if t == b"IHDR": w, h = struct.unpack(">II", d[:8])
	    if t == b"IDAT": idat += d
	raw = zlib.decompress(idat)
	for r in range(h):
	    assert raw[r * (w + 1)] == 0
	    print(" ".join(str(v) for v in raw[r * (w + 1) + 1:(r + 1) * (w + 1)]))
	PYEOF
}
