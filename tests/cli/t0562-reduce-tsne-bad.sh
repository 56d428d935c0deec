#!/usr/bin/env bash
# t-SNE in li-reduce and li-invert: bad options and data (one line, exit 2 for usage and
# 1 for data, no output file left), a perplexity too large for the rows (lowered with a
# note), damaged t-SNE maps, and --auto on 60 rows (where the default 30 is out of range):
# candidates, scores and the choice printed, and the choice never scoring below the
# default.
. "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

test_expect_success 'data: 60 rows in 4 clusters, 1 to 3 rows, a NaN' '
	$PY - <<-\PY
	import numpy as np
	r = np.random.default_rng(1)
	c = r.normal(size=(4, 10)) * 6
	x = (c[np.arange(60) % 4] + r.normal(size=(60, 10))).astype(np.float32)
	np.save("x.npy", x); np.save("x50.npy", x[:50])
	for n in (1, 2, 3):
	    np.save("r%d.npy" % n, x[:n])
	y = x.copy(); y[7, 3] = np.nan; np.save("nan.npy", y)
	np.save("wide.npy", np.zeros((3, 11), np.float32))
	PY
'
test_expect_success 'fit a map to damage' '
	li-reduce -q --method tsne --save m.h5 x.npy >y.npy &&
	$PY - <<-\PY
	import json, shutil
	import numpy as np, h5py
	def variant(name, fn):
	    shutil.copy("m.h5", name)
	    with h5py.File(name, "a") as f:
	        fn(f)
	variant("nobeta.h5", lambda f: f.__delitem__("beta"))
	def short(f):
	    x = f["training_rows"][:]; del f["training_rows"]; f["training_rows"] = x[:, :9]
	variant("short.h5", short)
	def nan(f):
	    f["embedding"][3, 1] = np.nan
	variant("nanemb.h5", nan)
	def params(f):
	    p = json.loads(f.attrs["params"]); del p["perplexity_used"]
	    f.attrs["params"] = json.dumps(p)
	variant("noperp.h5", params)
	PY
'

while IFS='|' read -r args line; do
	test_expect_success "li-reduce $args" "
		rm -f out.npy s.h5 &&
		expect_err \"\$line\" li-reduce -o out.npy $args &&
		! test -e out.npy && ! test -e s.h5
	"
done <<'TABLE'
--method tsne --save s.h5 r1.npy|li-reduce: error: r1.npy: only 1 row: at least 2 are needed to fit a map
--method tsne --save s.h5 r3.npy|li-reduce: error: r3.npy: t-SNE needs at least 4 rows, got 3 (the perplexity is at most (rows - 1) / 3, and below 1 means nothing)
--method tsne --auto r2.npy|li-reduce: error: r2.npy: t-SNE needs at least 4 rows, got 2 (the perplexity is at most (rows - 1) / 3, and below 1 means nothing)
--method tsne --save s.h5 nan.npy|li-reduce: error: nan.npy: row 7: not a finite number (NaN or infinity)
--transform m.h5 wide.npy|li-reduce: error: wide.npy: rows have 11 numbers; the map expects 10
--transform nobeta.h5 x.npy|li-reduce: error: nobeta.h5: no 'beta' dataset
--transform short.h5 x.npy|li-reduce: error: short.h5: dataset 'training_rows' has the wrong shape
--transform nanemb.h5 x.npy|li-reduce: error: nanemb.h5: dataset 'embedding' is not finite
--transform noperp.h5 x.npy|li-reduce: error: noperp.h5: params: 'perplexity_used' is not a positive number
TABLE

test_expect_success 'li-invert --approx: a NaN coordinate, a damaged map' '
	$PY -c "import numpy as np; p = np.zeros((5, 2)); p[3, 0] = np.nan; np.save(\"p.npy\", p)" &&
	expect_err "li-invert: error: p.npy: row 3: not a finite number (NaN or infinity)" \
		li-invert --approx -o out.npy m.h5 p.npy && ! test -e out.npy &&
	expect_err "li-invert: error: nobeta.h5: no '"'"'beta'"'"' dataset" \
		li-invert --approx -o out.npy nobeta.h5 y.npy && ! test -e out.npy
'

# usage errors: exit status 2, the first line of standard error
while IFS='|' read -r args line; do
	test_expect_success "usage: li-reduce $args" "
		must_fail 2 li-reduce $args x.npy >/dev/null 2>err && head -1 err | sed 's/ (try .*--help.)\$//' >first &&
		echo \"\$line\" >want && cmp want first
	"
done <<'TABLE'
--method tsne --perplexity 0|li-reduce: error: --perplexity: '0' is not a number above 0
--method tsne --perplexity -5|li-reduce: error: --perplexity: '-5' is not a number above 0
--method tsne --perplexity nan|li-reduce: error: --perplexity: 'nan' is not a number above 0
--method tsne --perplexity 3x|li-reduce: error: --perplexity: '3x' is not a number above 0
--method tsne --iterations 0|li-reduce: error: --iterations: '0' is not a count from 1 to 100000
--method tsne --early-iterations x|li-reduce: error: --early-iterations: 'x' is not a count from 1 to 100000
--perplexity 5|li-reduce: error: --perplexity and --iterations are t-SNE options (--method tsne)
--transform m.h5 --perplexity 5|li-reduce: error: --transform takes none of the fitting options
TABLE

test_expect_success 'a perplexity too large for the rows is lowered, with a note' '
	li-reduce --method tsne --report r.json x50.npy >y50.npy 2>err &&
	head -1 err >first &&
	echo "li-reduce: note: perplexity 30 lowered to 16.33: 50 rows give at most 49 neighbours each (3 x perplexity)" >want &&
	cmp want first &&
	$PY -c "
import json
p = json.load(open(\"r.json\"))[\"params\"]
assert p[\"perplexity\"] == 30 and abs(p[\"perplexity_used\"] - 49 / 3) < 1e-12, p
assert p[\"neighbors\"] == 49
" &&
	li-reduce -q --method tsne --iterations 100 --early-iterations 50 --report r2.json x50.npy >/dev/null &&
	grep -q "\"iterations\": 100" r2.json && grep -q "\"early_iterations\": 50" r2.json
'
test_expect_success '--auto on 60 rows: candidates, scores, the choice; never below the default' '
	li-reduce --method tsne --auto --seed 3 --save a.h5 --report ra.json x.npy >ya.npy 2>err &&
	grep -c "^li-reduce: auto: perplexity [0-9.]*\( (default)\)\?: trustworthiness 0\.[0-9]*, KL divergence [0-9.]*$" err >count &&
	test "$(cat count)" -ge 2 &&
	grep -q "^li-reduce: auto: chose perplexity .* (tuned on 60 of 60 rows)$" err &&
	li-reduce -q --method tsne --auto --seed 3 --save a2.h5 x.npy >ya2.npy &&
	cmp ya.npy ya2.npy && cmp a.h5 a2.h5 &&
	$PY - <<-\PY
	import json, sys
	import numpy as np
	from sklearn.manifold import trustworthiness
	r = json.load(open("ra.json")); a = r["params"]["auto"]
	ps, sc = a["perplexities"], a["scores"]
	best = sc[ps.index(a["chosen"])]
	default = sc[ps.index(min(30, 59 / 3))]
	assert best == max(sc) and best >= default, a
	assert r["params"]["perplexity_used"] == a["chosen"]
	x = np.load("x.npy").astype(np.float64); y = np.load("ya.npy").astype(np.float64)
	t = trustworthiness(x, y, n_neighbors=10)
	if not abs(t - best) < 1e-6 or not abs(r["quality"]["trustworthiness"] - t) < 1e-6:
	    sys.exit("trustworthiness of the chosen map %r, auto scored %r" % (t, best))
	PY
'
test_done
