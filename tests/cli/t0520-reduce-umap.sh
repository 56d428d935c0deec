#!/usr/bin/env bash
# li-reduce --method umap end to end (blobs and Fashion-MNIST 5k): the kNN kind on
# standard error, trustworthiness against umap-learn's on the same rows, the map file as
# h5py reads it, --transform of held-out rows (sharded too), li-invert inside and
# outside the hull, and determinism across runs and thread counts. The umap-learn
# references are t0502's (same script, same inputs: its cached results are reused).
. "$(dirname "$0")/../lib.sh"
. "$LI_TOP/tests/tools/umap_ref.sh"

test_expect_success 'data sets' '
	$PY "$LI_TOP/tests/tools/umap_data.py"
'
sets=blobs; [ -f fm.npy ] && sets="fm blobs"
[ -f fm.npy ] || test_skip 'Fashion-MNIST cases' 'dataset-fashion-mnist not installed'

test_expect_success 'fit: the kNN kind and the quality line on standard error' '
	for s in $sets; do
		li-reduce --method umap --threads 2 --save $s.h5 --report $s.json $s.npy \
			>$s.xy.npy 2>$s.err || { cat $s.err; exit 1; }
	done &&
	grep -q "^li-reduce: umap (exact kNN) of 2000 x 10 to 2-D, trustworthiness@10 0\.9[0-9]* (2000 rows)$" blobs.err &&
	if [ -f fm.npy ]; then
		grep -q "^li-reduce: umap (approximate kNN) of 5000 x 784 to 2-D, trustworthiness@10 0\.9[0-9]* (5000 rows)$" fm.err
	fi
'

test_expect_success 'the map file: li-map(5) attributes and datasets (h5py, scipy)' '
	for s in $sets; do
		$PY - $s <<-\PY || exit 1
		import json, sys
		import h5py, numpy as np
		from scipy.optimize import curve_fit
		s = sys.argv[1]
		X, Y = np.load(s + ".npy"), np.load(s + ".xy.npy")
		n, d = X.shape
		with h5py.File(s + ".h5", "r") as f:
		    a = f.attrs
		    assert a["li_format"] == "li-map" and a["li_version"] == 1 and a["method"] == "umap"
		    assert list(a["row_shape"]) == [d]
		    assert np.allclose(a["extent"], [Y.min(0), Y.max(0)], rtol=1e-6)
		    p, q = json.loads(a["params"]), json.loads(a["quality"])
		    assert p["n_neighbors"] == 15 and p["min_dist"] == 0.1 and p["spread"] == 1.0, p
		    assert p["epochs_run"] == 500 and p["knn"] == ("approximate" if n > 4096 else "exact")
		    assert (f["x"][:] == X).all() and f["x"].dtype == np.float32
		    assert (f["embedding"][:] == Y).all()
		    assert f["sigmas"].shape == (n,) and f["rhos"].shape == (n,)
		    assert (f["sigmas"][:] > 0).all() and (f["rhos"][:] >= 0).all()
		    # a and b as umap-learn fits them (find_ab_params: curve_fit of the same curve)
		    xv = np.linspace(0, 3, 300)
		    yv = np.where(xv < 0.1, 1.0, np.exp(-(xv - 0.1)))
		    (ra, rb), _ = curve_fit(lambda x, a, b: 1 / (1 + a * x ** (2 * b)), xv, yv)
		    assert abs(f["a"][()] - ra) < 1e-3 * ra and abs(f["b"][()] - rb) < 1e-3 * rb
		    assert f["a"][()] == p["a"] and f["b"][()] == p["b"]
		    import scipy.sparse as sp
		    g = f["graph"]
		    G = sp.csr_matrix((g["data"][:], g["indices"][:], g["indptr"][:]), shape=(n, n))
		    assert abs(G - G.T).max() < 1e-6, "graph is symmetric"
		    assert G.data.min() > 0 and G.data.max() <= 1 and G.diagonal().max() == 0
		    assert (np.asarray((G > 0).sum(1)).ravel() >= 14).all()
		rep = json.load(open(s + ".json"))
		assert rep["method"] == "umap" and rep["quality"] == q
		PY
	done
'

test_expect_success 'umap-learn computes the references (t0502 script)' '
	if ! have_umap; then echo "umap-learn not installed: quality comparisons skipped"; exit 0; fi &&
	sed -n "/^\tcat >ref.py <<-/,/^\tPYEOF/p" "$LI_TOP/tests/cli/t0502-umap-fit.sh" |
		sed "1d;\$d" | sed "s/^\t*//" >ref.py &&
	grep -q "umap.UMAP(random_state=42)" ref.py &&
	umap_ref ref.py $(for s in $sets; do echo $s.npy; done)
'

for s in $sets; do
	test_expect_success "$s: trustworthiness as sklearn measures it, within 0.02 of umap-learn" "
		\$PY - $s <<-\\PY
		import json, sys, os
		import h5py, numpy as np
		from sklearn.manifold import trustworthiness
		s = sys.argv[1]
		X, Y = np.load(s + '.npy'), np.load(s + '.xy.npy')
		q = json.loads(h5py.File(s + '.h5', 'r').attrs['quality'])
		t = trustworthiness(X, Y, n_neighbors=10)
		assert abs(q['trustworthiness'] - t) < 1e-6, (q, t)
		if os.path.exists('ref_%s_emb.npy' % s):
		    r = trustworthiness(X, np.load('ref_%s_emb.npy' % s), n_neighbors=10)
		    print('%s: trustworthiness ours %.4f umap-learn %.4f' % (s, t, r))
		    assert t >= r - 0.02
		PY
	"
done

test_expect_success 'blobs stay separated' '
	$PY -c "
import numpy as np
E, y = np.load(\"blobs.xy.npy\"), np.load(\"blobs_y.npy\")
c = np.array([E[y == k].mean(0) for k in range(5)])
r = max(np.linalg.norm(E[y == k] - c[k], axis=1).max() for k in range(5))
assert min(np.linalg.norm(c[a] - c[b]) for a in range(5) for b in range(a)) > r
"
'

test_expect_success 'determinism: same seed, same bytes; --threads 1 equals --threads 2' '
	for s in $sets; do
		li-reduce -q --method umap --threads 1 --save $s.1.h5 --report $s.1.json $s.npy \
			>$s.1.npy && cmp $s.xy.npy $s.1.npy && cmp $s.h5 $s.1.h5 || exit 1
	done &&
	li-reduce -q --method umap --threads 2 --save again.h5 blobs.npy >again.npy &&
	cmp blobs.xy.npy again.npy && cmp blobs.h5 again.h5 &&
	li-reduce -q --method umap --seed 7 blobs.npy >seed7.npy && ! cmp -s seed7.npy blobs.xy.npy
'

if [ -f fm.npy ]; then
test_expect_success 'transform: held-out rows land beside their neighbours and their class' '
	li-reduce --transform fm.h5 fmt.npy >fmt.xy.npy &&
	$PY - <<-\PY
	import os
	import numpy as np
	from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
	X, E, y = np.load("fm.npy"), np.load("fm.xy.npy"), np.load("fm_y.npy")
	T, Et, yt = np.load("fmt.npy"), np.load("fmt.xy.npy"), np.load("fmt_y.npy")
	assert Et.shape == (1000, 2) and np.isfinite(Et).all()
	# where the nearest training row (in the input space) of each held-out row sits
	nn = NearestNeighbors(n_neighbors=1).fit(X).kneighbors(T, return_distance=False)[:, 0]
	dist = np.linalg.norm(Et - E[nn], axis=1)
	scale = np.linalg.norm(E.max(0) - E.min(0))
	print("median distance to the place of the nearest row: %.4f of the extent" % (np.median(dist) / scale))
	assert np.median(dist) < 0.05 * scale
	acc = KNeighborsClassifier(10).fit(E, y).score(Et, yt)
	if os.path.exists("ref_fm_tr.npy"):
	    ref = KNeighborsClassifier(10).fit(np.load("ref_fm_emb.npy"), y).score(np.load("ref_fm_tr.npy"), yt)
	    print("transform 10-NN accuracy ours %.4f umap-learn %.4f" % (acc, ref))
	    assert acc >= ref - 0.02
	else:
	    assert acc > 0.7, acc
	PY
'

test_expect_success 'transform: --shard parts joined by li-cat equal the whole, byte for byte' '
	for i in 0 1 2; do
		li-reduce --transform fm.h5 --shard $i/3 fmt.npy >part$i.npy || exit 1
	done &&
	li-cat part0.npy part1.npy part2.npy >joined.npy && cmp joined.npy fmt.xy.npy &&
	li-reduce --transform fm.h5 --rows 990: fmt.npy >tail.npy &&
	$PY -c "
import numpy as np
assert (np.load(\"tail.npy\") == np.load(\"fmt.xy.npy\")[990:]).all()
"
'
fi

test_expect_success 'li-invert: training points come back near their rows (blobs: within 1.25x umap-learn)' '
	$PY -c "
import numpy as np
np.save(\"bq.npy\", np.load(\"blobs.xy.npy\")[:100])
" &&
	li-invert blobs.h5 bq.npy >binv.npy 2>binv.err &&
	echo "li-invert: 0 of 100 points outside the hull of the training embedding (extrapolated from the nearest hull edge)" >want.err &&
	cmp want.err binv.err &&
	$PY -c "
import os
import numpy as np
X, y, R = np.load(\"blobs.npy\"), np.load(\"blobs_y.npy\"), np.load(\"binv.npy\")
assert R.shape == (100, 10) and R.dtype == np.float32
near = ((R[:, None, :] - X[None]) ** 2).sum(2).argmin(1)
assert (y[near] == y[:100]).all(), \"inverse lands in the right blob\"
e = ((R - X[:100]) ** 2).mean()
if os.path.exists(\"ref_blobs_inv.npy\"):
    r = ((np.load(\"ref_blobs_inv.npy\") - X[:100]) ** 2).mean()
    print(\"blobs inverse mse: ours %.5f umap-learn %.5f\" % (e, r))
    assert e <= 1.25 * r
"
'

test_expect_success 'li-invert: points outside the hull are counted, finite, and continue the trend' '
	li-invert blobs.h5 >out.npy 2>out.err <<-\EOF &&
	0 0
	1000 1000
	-500 20
	30 -40
	EOF
	li-invert -q blobs.h5 >outq.npy 2>outq.err <<-\EOF &&
	1000 1000
	EOF
	test ! -s outq.err &&
	grep -q "^li-invert: [0-9] of 4 points outside" out.err &&
	n=$(sed "s/^li-invert: \([0-9]\) of.*/\1/" out.err) && test "$n" -ge 3 &&
	$PY -c "
import numpy as np
R = np.load(\"out.npy\"); assert R.shape == (4, 10) and np.isfinite(R).all()
assert (np.load(\"outq.npy\") == R[1]).all(), \"a point does not depend on its batch\"
"
'

test_expect_success 'li-invert: a 3-D UMAP map is refused with the reason' '
	li-reduce -q --method umap --dims 3 --epochs 20 --save b3.h5 blobs.npy >b3.npy &&
	echo "0 0 0" >p3.txt &&
	expect_err "li-invert: error: p3.txt: UMAP maps invert in 2-D only; this map has 3 dimensions" \
		li-invert -o o3.npy b3.h5 p3.txt && test ! -e o3.npy
'

test_done
