#!/usr/bin/env bash
# Bad input to li-reduce --method umap and to UMAP maps: one exact line on standard
# error, exit status 1 (2 for usage), no output file; n_neighbors at or above the row
# count is clamped with a warning (as umap-learn does); degenerate data (duplicate rows,
# disconnected groups, the fewest rows allowed) still fits to finite coordinates.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make inputs and a small map' '
	$PY - <<-\PY &&
	import numpy as np
	r = np.random.default_rng(0)
	np.save("x20.npy", r.normal(size=(20, 5)))
	np.save("x3.npy", r.normal(size=(3, 5)))
	np.save("x4.npy", r.normal(size=(4, 5)))
	np.save("one.npy", r.normal(size=(1, 5)))
	np.save("dup.npy", np.ones((50, 4)))
	np.save("disc.npy", np.vstack([r.normal(size=(40, 3)), r.normal(size=(40, 3)) + 1000]))
	x = r.normal(size=(100, 5)); x[:30] = x[0]; np.save("dup30.npy", x)
	x = r.normal(size=(20, 5)); x[7, 3] = np.nan; np.save("nan.npy", x)
	np.save("w4.npy", r.normal(size=(5, 4)))
	PY
	li-reduce -q --method umap --epochs 30 --save s.h5 x20.npy >s.npy &&
	$PY - <<-\PY
	import json, shutil
	import h5py, numpy as np
	def variant(name, fn):
	    shutil.copy("s.h5", name)
	    with h5py.File(name, "a") as f:
	        fn(f)
	def badidx(f):
	    a = f["graph/indices"][:]; a[3] = 99; f["graph/indices"][...] = a
	def emb(f):
	    del f["embedding"]; f["embedding"] = np.zeros((20, 3), "f4")
	def nanx(f):
	    a = f["x"][:]; a[5, 1] = np.nan; f["x"][...] = a
	def nega(f):
	    f["a"][()] = -1.0
	def ptr(f):
	    a = f["graph/indptr"][:]; a[5] = a[6] + 1; f["graph/indptr"][...] = a
	def par(f):
	    p = json.loads(f.attrs["params"]); del p["spread"]; f.attrs["params"] = json.dumps(p)
	def xrows(f):
	    del f["x"]; f["x"] = np.zeros((2, 5), "f4")
	variant("nograph.h5", lambda f: f.__delitem__("graph"))
	for fn in (badidx, emb, nanx, nega, ptr, par, xrows):
	    variant(fn.__name__ + ".h5", fn)
	PY
'

while IFS='|' read -r args line; do
	test_expect_success "li-reduce $args" "
		rm -f out.npy m.h5 &&
		expect_err \"\$line\" li-reduce --method umap -o out.npy --save m.h5 $args &&
		test ! -e out.npy && test ! -e m.h5
	"
done <<'TABLE'
x3.npy|li-reduce: error: x3.npy: only 3 rows: UMAP in 2-D needs at least 4
--dims 3 x4.npy|li-reduce: error: x4.npy: only 4 rows: UMAP in 3-D needs at least 5
one.npy|li-reduce: error: one.npy: only 1 row: at least 2 are needed to fit a map
nan.npy|li-reduce: error: nan.npy: row 7: not a finite number (NaN or infinity)
TABLE

while IFS='|' read -r map line; do
	test_expect_success "bad map $map: li-reduce --transform and li-invert" "
		rm -f out.npy &&
		expect_err \"li-reduce: error: $map: \$line\" li-reduce -o out.npy --transform $map x20.npy &&
		test ! -e out.npy && echo 0 0 >p.txt &&
		expect_err \"li-invert: error: $map: \$line\" li-invert -o out.npy $map p.txt &&
		test ! -e out.npy
	"
done <<'TABLE'
nograph.h5|no 'graph' group
badidx.h5|umap graph: bad entry 3
emb.h5|dataset 'embedding' has the wrong shape
nanx.h5|umap training rows hold a non-finite value
nega.h5|datasets 'a' and 'b' must be positive numbers
ptr.h5|umap graph: indptr decreases at row 5
par.h5|params: 'spread' is missing or not a number
xrows.h5|dataset 'x' has the wrong shape
TABLE

test_expect_success 'transform: rows of the wrong width' '
	expect_err "li-reduce: error: w4.npy: rows have 4 numbers; the map expects 5" \
		li-reduce -o out.npy --transform s.h5 w4.npy && test ! -e out.npy
'

# usage errors: exit status 2, the first line exact
while IFS='|' read -r args line; do
	test_expect_success "usage: li-reduce $args" "
		must_fail 2 li-reduce $args x20.npy >/dev/null 2>err && head -1 err | sed 's/ (try .*--help.)\$//' >first &&
		echo \"\$line\" >want && cmp want first
	"
done <<'TABLE'
--method umap --neighbors 1|li-reduce: error: --neighbors: '1' is not a count from 2 to 1024
--method umap --neighbors x|li-reduce: error: --neighbors: 'x' is not a count from 2 to 1024
--method umap --min-dist 2|li-reduce: error: --min-dist 2 is larger than --spread 1
--method umap --min-dist 0.5 --spread 0.25|li-reduce: error: --min-dist 0.5 is larger than --spread 0.25
--method umap --min-dist -1|li-reduce: error: --min-dist: '-1' is not a number >= 0
--method umap --spread 0|li-reduce: error: --spread: '0' is not a number > 0
--method umap --epochs 0|li-reduce: error: --epochs: '0' is not a count from 1 to 100000
--neighbors 5|li-reduce: error: --neighbors, --min-dist, --spread and --epochs are UMAP options
--method umap --shard 0/2|li-reduce: error: --rows and --shard go with --transform (a fit needs every row)
--transform s.h5 --neighbors 5|li-reduce: error: --transform takes none of the fitting options
TABLE

test_expect_success 'n_neighbors at or above the row count: clamped with one warning' '
	li-reduce -q --method umap --neighbors 30 --save c.h5 x20.npy >c.npy 2>c.err &&
	echo "li-reduce: warning: x20.npy: n_neighbors 30 is not below the 20 rows: using 19" >want &&
	cmp want c.err &&
	li-reduce -q --method umap --neighbors 20 x20.npy >c20.npy 2>c20.err &&
	grep -q "n_neighbors 20 is not below the 20 rows: using 19" c20.err &&
	$PY -c "
import json, h5py
p = json.loads(h5py.File(\"c.h5\", \"r\").attrs[\"params\"])
assert p[\"n_neighbors\"] == 19 and p[\"n_neighbors_asked\"] == 30, p
"
'

test_expect_success 'duplicate rows, disconnected groups, 4 rows: finite coordinates' '
	for f in dup dup30 disc x4; do
		li-reduce -q --method umap $f.npy >$f.xy.npy 2>/dev/null || exit 1
	done &&
	$PY -c "
import numpy as np
for f, n in ((\"dup\", 50), (\"dup30\", 100), (\"disc\", 80), (\"x4\", 4)):
    a = np.load(f + \".xy.npy\"); assert a.shape == (n, 2) and np.isfinite(a).all(), f
a = np.load(\"disc.xy.npy\")
c0, c1 = a[:40].mean(0), a[40:].mean(0)
r = max(np.linalg.norm(a[:40] - c0, axis=1).max(), np.linalg.norm(a[40:] - c1, axis=1).max())
assert np.linalg.norm(c0 - c1) > r, \"the two groups stay apart\"
"
'

test_done
