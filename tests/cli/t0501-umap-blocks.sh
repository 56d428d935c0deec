#!/usr/bin/env bash
# UMAP building blocks (lib/map/umap.c) against umap-learn: smooth-kNN sigma/rho and the
# fuzzy union on the same kNN graph, a and b from min_dist/spread, the spectral layout.
. "$(dirname "$0")/../lib.sh"
. "$LI_TOP/tests/tools/umap_ref.sh"
UT=$LI_TOOLS/umap-tool

if ! have_umap; then
	test_skip 'umap-learn building blocks' 'umap-learn not installed'
	test_done
	exit 0
fi

test_expect_success 'data, our kNN graph and fuzzy graph' '
	$PY "$LI_TOP/tests/tools/umap_data.py" &&
	data=fm.npy && { [ -f fm.npy ] || data=blobs.npy; } &&
	cp $data x.npy &&
	$UT --knn exact knn x.npy i.npy d.npy 2>/dev/null &&
	mkdir ours && $UT fuzzy i.npy d.npy ours &&
	$UT spectral ours sp.npy ev.npy &&
	for md in 0.0 0.1 0.25 0.5 0.99; do
		for s in 0.5 1.0 2.0; do
			awk "BEGIN { exit !($md <= $s) }" || continue
			echo "$md $s $($UT ab $md $s)" || exit 1
		done
	done >ab.txt
'

test_expect_success 'umap-learn computes the references' '
	cat >ref.py <<-\PYEOF &&
	import numpy as np, scipy.sparse as sp, scipy.sparse.linalg as sla
	import umap.umap_ as U
	from umap.spectral import spectral_layout
	X = np.load("x.npy"); i = np.load("i.npy"); d = np.load("d.npy")
	g, s, r = U.fuzzy_simplicial_set(X, 15, np.random.RandomState(0), "euclidean",
	                                 knn_indices=i, knn_dists=d)
	g = g.tocsr(); g.sort_indices()
	np.save("ref_sigmas.npy", s); np.save("ref_rhos.npy", r)
	np.save("ref_indptr.npy", g.indptr); np.save("ref_indices.npy", g.indices)
	np.save("ref_weights.npy", g.data)
	ab = [U.find_ab_params(float(sp_), float(md)) for md, sp_ in
	      (l.split()[:2] for l in open("ab.txt"))]
	np.save("ref_ab.npy", np.array(ab))
	np.save("ref_spectral.npy", spectral_layout(X, g, 2, np.random.RandomState(0)))
	deg = np.asarray(g.sum(axis=0)).ravel()
	D = sp.diags(1 / np.sqrt(deg))
	L = sp.identity(g.shape[0]) - D @ g @ D
	ev = sla.eigsh(L, 3, which="SM", tol=1e-8, v0=np.ones(g.shape[0]))[0]
	np.save("ref_eigenvalues.npy", np.sort(ev))
	PYEOF
	umap_ref ref.py x.npy i.npy d.npy ab.txt
'

test_expect_success 'sigmas and rhos equal umap-learn smooth_knn_dist (1e-5)' '
	$PY -c "
import numpy as np
s, r = np.load(\"ours/sigmas.npy\"), np.load(\"ours/rhos.npy\")
rs, rr = np.load(\"ref_sigmas.npy\"), np.load(\"ref_rhos.npy\")
assert np.allclose(s, rs, rtol=1e-5, atol=1e-7), np.abs(s - rs).max()
assert np.allclose(r, rr, rtol=1e-6, atol=0), np.abs(r - rr).max()
"
'

test_expect_success 'fuzzy union equals umap-learn fuzzy_simplicial_set (1e-5)' '
	$PY -c "
import numpy as np
for k in (\"indptr\", \"indices\"):
    a, b = np.load(\"ours/%s.npy\" % k), np.load(\"ref_%s.npy\" % k)
    assert a.shape == b.shape and (a == b).all(), k
w, rw = np.load(\"ours/weights.npy\"), np.load(\"ref_weights.npy\")
assert np.allclose(w, rw, rtol=1e-5, atol=1e-6), np.abs(w - rw).max()
"
'

test_expect_success 'a, b equal umap-learn find_ab_params (1e-5 relative)' '
	$PY -c "
import numpy as np
ours = np.loadtxt(\"ab.txt\")[:, 2:]; ref = np.load(\"ref_ab.npy\")
assert len(ours) > 10
assert np.allclose(ours, ref, rtol=1e-5), np.c_[ours, ref]
"
'

test_expect_success 'spectral layout spans the same space as umap-learn spectral_layout' '
	$PY -c "
import numpy as np
a, b = np.load(\"sp.npy\").astype(np.float64), np.load(\"ref_spectral.npy\")
qa, _ = np.linalg.qr(a); qb, _ = np.linalg.qr(b)
cos = np.linalg.svd(qa.T @ qb)[1]
assert cos.min() > 0.999, cos
assert np.allclose(np.linalg.norm(a, axis=0), 1, atol=1e-5)
ev, rev = np.load(\"ev.npy\"), np.load(\"ref_eigenvalues.npy\")[1:]
assert np.allclose(ev, rev, rtol=1e-4, atol=1e-7), (ev, rev)
"
'

test_done
