#!/usr/bin/env bash
# Benchmark: li-inspect --serve on a project of N points (default 100,000; the tests'
# small autoencoder, 64 -> 16 -> 3 -> 16 -> 64, three classes), two numbers:
#   - the server-side time of a click (request to answer: invert, tail, probe, the 5
#     nearest rows), from the answer's Server-Timing header, over 200 clicks at random
#     points in and around the map: median and 90th percentile; and the time curl saw;
#   - the page's redraw of all N points, measured in headless Chromium (when it and
#     tests/browser's puppeteer-core are there): median of 20 full redraws.
# Nothing here is asserted; under `make bench` both go into the summary table (rows
# serve-click and serve-redraw). Run from the repository root after `make`:
#   scripts/bench/inspect.sh [N]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${LI_BIN:-$top/bin}
n=${1:-100000}
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
# the project of the li-inspect tests (tests/cli/inspect-lib.sh), with n rows
PY=/usr/bin/python3
LI_TOP=$top
export LI_TOP
# shellcheck source=/dev/null
. "$top/tests/cli/inspect-lib.sh"
LI_ROWS=$((n / 3 * 3)) make_project proj
"$bin/li-inspect" -q proj --serve 0 2>server.err &
pid=$!
for _ in $(seq 600); do grep -q "serving" server.err && break; sleep 0.5; done
url=$(sed -n 's/^li-inspect: serving //p' server.err)
[ -n "$url" ] || { cat server.err; exit 1; }
port=$(echo "$url" | sed 's|^http://[^/]*:\([0-9]*\)/.*|\1|')
tok=${url##*token=}
/usr/bin/python3 - "$port" "$tok" <<'PYEOF'
import http.client, json, random, statistics, sys, time
port, tok = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
c.request("GET", "/api/meta?token=" + tok); m = json.loads(c.getresponse().read())
e = m["extent"]; rnd = random.Random(0); srv = []; wall = []
for i in range(200):
    x = e[0] + (e[2] - e[0]) * (rnd.random() * 1.4 - 0.2)
    y = e[1] + (e[3] - e[1]) * (rnd.random() * 1.4 - 0.2)
    t = time.perf_counter()
    c.request("POST", "/api/click", json.dumps({"x": x, "y": y}),
              {"Content-Type": "application/json", "X-LI-Token": tok,
               "Cookie": "li_token_%d=%s" % (port, tok)})
    r = c.getresponse(); r.read(); wall.append((time.perf_counter() - t) * 1e3)
    assert r.status == 200, r.status
    srv.append(float(r.getheader("Server-Timing").split("dur=")[1]))
q = lambda v, p: sorted(v)[int(p * (len(v) - 1))]
print("click, server side: median %.2f ms, p90 %.2f ms (%d points, 200 clicks)" % (statistics.median(srv), q(srv, .9), m["rows"]))
print("click, as curl/python saw it: median %.2f ms, p90 %.2f ms" % (statistics.median(wall), q(wall, .9)))
print("%.2f" % statistics.median(srv), file=open("click-ms", "w"))
PYEOF
# the rows of make bench's summary (scripts/bench/summary)
. "$top/scripts/bench/summary"
bench_row serve-click "-" "li $(cat click-ms) ms (n=$n)" "-" "-"
mods=$top/tests/browser/node_modules
if [ -x /usr/bin/chromium ] && [ -d "$mods/puppeteer-core" ]; then
	NODE_PATH=$mods timeout 300 node - "$url" <<'JSEOF'
const puppeteer = require('puppeteer-core');
const os = require('os'), fs = require('fs'), path = require('path');
(async () => {
  const prof = fs.mkdtempSync(path.join(os.tmpdir(), 'li-bench-'));
  const args = ['--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--user-data-dir=' + prof];
  if (process.getuid() === 0) args.push('--no-sandbox');
  const b = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  const p = await b.newPage();
  await p.goto(process.argv[2]);
  await p.waitForFunction('window.li && window.li.ready', { timeout: 240000 });
  const t = await p.evaluate(() => {
    const v = [];
    for (let i = 0; i < 20; i++) { const s = performance.now(); window.li.drawMap(); v.push(performance.now() - s); }
    return v.sort((a, c) => a - c);
  });
  console.log('page redraw of all points (Chromium, headless): median %s ms, max %s ms (20 redraws)',
    t[10].toFixed(1), t[19].toFixed(1));
  fs.writeFileSync('redraw-ms', t[10].toFixed(1) + '\n');
  await b.close();
  fs.rmSync(prof, { recursive: true, force: true });
})().catch((e) => { console.error(e); process.exit(1); });
JSEOF
	bench_row serve-redraw "-" "li $(cat redraw-ms) ms (n=$n)" "-" \
		"$(awk -v m="$(cat redraw-ms)" 'BEGIN { print (m <= 50) ? "yes" : "no" }')"
else
	echo "page redraw: skipped (no /usr/bin/chromium or tests/browser/node_modules; run tests/browser/setup)"
fi
