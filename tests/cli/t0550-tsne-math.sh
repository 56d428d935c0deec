#!/usr/bin/env bash
# t-SNE building blocks against independent references: the perplexity calibration
# against scikit-learn's _binary_search_perplexity on the same kNN distances; the joint
# P, the exact gradient and the KL divergence against numpy's dense formulas; Barnes-Hut
# against exact; the PCA initialisation against numpy's SVD. The kNN graph comes from the
# exact search in tests/tools/tsne_tool.c.
. "$(dirname "$0")/../lib.sh"
T=$LI_TOOLS/tsne_tool

test_expect_success 'data: blobs in 10-d, random 2-d and 3-d positions' '
	$PY - <<-\PYEOF
	import numpy as np
	rs = np.random.RandomState(0)
	c = rs.randn(5, 10) * 6
	X = np.concatenate([c[i] + rs.randn(60, 10) for i in range(5)]).astype(np.float32)
	np.save("x.npy", X)
	np.save("y2.npy", rs.randn(300, 2) * 3)
	np.save("y3.npy", rs.randn(300, 3) * 3)
	d = np.concatenate([X[:20], X[:20]])          # every row twice
	np.save("dup.npy", d)
	PYEOF
'

test_expect_success 'conditional P rows equal scikit-learn binary search (perplexity 30, 5)' '
	$T cond x.npy 30 p30.npy d30.npy && $T cond x.npy 5 p5.npy d5.npy &&
	$T cond dup.npy 4 pd.npy dd.npy &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.manifold._utils import _binary_search_perplexity as bsp
	for p, d, perp in (("p30", "d30", 30.0), ("p5", "d5", 5.0), ("pd", "dd", 4.0)):
	    P = np.load(p + ".npy"); D = np.load(d + ".npy")
	    assert P.shape == D.shape and P.shape[1] == int(3 * perp), P.shape
	    R = bsp(np.square(D.astype(np.float64)).astype(np.float32), perp, 0)
	    err = np.abs(P - R).max()
	    assert err < 1e-6, (p, err)
	    assert np.allclose(P.sum(1), 1, atol=1e-12)
	    # the entropy meets the perplexity (where the binary search converged)
	    H = -(P * np.log(np.maximum(P, 1e-300))).sum(1)
	    assert np.abs(np.exp(H) - perp).max() < 1e-3 * perp, (p, np.abs(np.exp(H) - perp).max())
	PYEOF
'

test_expect_success 'joint P, exact gradient and KL equal numpy (2-d and 3-d)' '
	for D in 2 3; do
		$T grad x.npy y$D.npy 30 0 pj$D.npy g$D.npy >kl$D.txt || exit 1
	done &&
	$T cond x.npy 30 pc.npy dc.npy &&
	$PY - <<-\PYEOF
	import numpy as np
	X = np.load("x.npy").astype(np.float64); n = len(X)
	C = np.load("pc.npy")
	# the same exact kNN (distances, ties by index), then (C + C^T) / 2n
	D2 = ((X[:, None] - X[None]) ** 2).sum(-1); np.fill_diagonal(D2, np.inf)
	idx = np.argsort(D2, axis=1, kind="stable")[:, :C.shape[1]]
	Pc = np.zeros((n, n)); np.put_along_axis(Pc, idx, C, axis=1)
	Pref = (Pc + Pc.T) / (2 * n)
	for D in (2, 3):
	    P = np.load("pj%d.npy" % D)
	    # stored as float32: each entry within half an ulp (2^-24 relative) of the sum, or
	    # half the smallest subnormal (2^-150) where it underflows (entries below 1e-38)
	    err = np.abs(P - Pref) - (2.0 ** -24 * Pref + 2.0 ** -150)
	    assert (err <= 0).all() and (P.astype(np.float32) == P).all(), err.max()
	    Y = np.load("y%d.npy" % D)
	    diff = Y[:, None] - Y[None]
	    W = 1 / (1 + (diff ** 2).sum(-1)); np.fill_diagonal(W, 0)
	    Z = W.sum(); Q = W / Z
	    # dKL/dy = 4 sum_j (p_ij - q_ij) w_ij (y_i - y_j); ours is 1/4 of it (openTSNE)
	    G = 4 * (((P - Q) * W)[:, :, None] * diff).sum(1)
	    g = np.load("g%d.npy" % D)
	    rel = np.abs(4 * g - G).max() / np.abs(G).max()
	    assert rel < 1e-12, rel
	    m = P > 0
	    kl = (P[m] * np.log(P[m] / Q[m])).sum()
	    ours_kl, ours_z = map(float, open("kl%d.txt" % D).read().split())
	    assert abs(ours_kl - kl) < 1e-12 * max(1, kl), (ours_kl, kl)
	    assert abs(ours_z - Z) < 1e-9 * Z, (ours_z, Z)
	PYEOF
'

# Barnes-Hut with theta 0.5: the repulsion is approximate. Documented tolerance: the
# gradient within 3% (relative L2 norm) of the exact one, KL within 0.5%.
test_expect_success 'Barnes-Hut gradient and KL within tolerance of exact (2-d, 3-d)' '
	for D in 2 3; do
		$T grad x.npy y$D.npy 30 0.5 bj$D.npy b$D.npy >bkl$D.txt &&
		$T grad x.npy y$D.npy 30 1e-9 tj$D.npy t$D.npy >tkl$D.txt || exit 1
	done &&
	$PY - <<-\PYEOF
	import numpy as np
	for D in (2, 3):
	    g = np.load("g%d.npy" % D); b = np.load("b%d.npy" % D); t = np.load("t%d.npy" % D)
	    rel = np.linalg.norm(b - g) / np.linalg.norm(g)
	    assert 0 < rel < 0.03, (D, rel)
	    # theta -> 0 opens every cell: the tree gives the exact sums
	    assert np.abs(t - g).max() < 1e-12 * np.abs(g).max(), D
	    ke = float(open("kl%d.txt" % D).read().split()[0])
	    kb = float(open("bkl%d.txt" % D).read().split()[0])
	    assert abs(kb - ke) < 5e-3 * ke, (D, kb, ke)
	PYEOF
'

# FFT-accelerated interpolation (2-D only): 3 nodes per box, at least 50 boxes a side.
# Documented tolerance on these spread-out points: gradient within 1% (relative L2 norm),
# Z and KL within 0.1%.
test_expect_success 'FFT gradient, Z and KL within tolerance of exact; refused in 3-d' '
	$T grad x.npy y2.npy 30 fft fj2.npy f2.npy >fkl2.txt &&
	$PY - <<-\PYEOF &&
	import numpy as np
	g = np.load("g2.npy"); f = np.load("f2.npy")
	rel = np.linalg.norm(f - g) / np.linalg.norm(g)
	assert 0 < rel < 0.01, rel
	ke, ze = map(float, open("kl2.txt").read().split())
	kf, zf = map(float, open("fkl2.txt").read().split())
	assert abs(zf - ze) < 1e-3 * ze and abs(kf - ke) < 1e-3 * ke, (kf, ke, zf, ze)
	PYEOF
	expect_err "tsne_tool: error: the fft gradient is for 2-d embeddings only" \
		$T grad x.npy y3.npy 30 fft fj3.npy f3.npy
'

test_expect_success 'PCA initialisation: numpy SVD, largest loading positive, std 1e-4' '
	$T pca x.npy 2 i2.npy && $T pca x.npy 3 i3.npy &&
	$PY - <<-\PYEOF
	import numpy as np
	X = np.load("x.npy").astype(np.float64); Xc = X - X.mean(0)
	U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
	for D in (2, 3):
	    V = Vt[:D].copy()
	    for c in range(D):
	        if V[c, np.argmax(np.abs(V[c]))] < 0:
	            V[c] = -V[c]
	    R = Xc @ V.T; R = R / np.std(R[:, 0]) * 1e-4
	    Y = np.load("i%d.npy" % D)
	    assert Y.dtype == np.float32 and Y.shape == (300, D)
	    assert np.abs(Y - R).max() < 1e-5 * np.abs(R).max(), np.abs(Y - R).max()
	PYEOF
'

test_expect_success 'bad input: one row, too few neighbours, 4-d, non-finite coordinates' '
	$PY -c "import numpy as np; np.save(\"one.npy\", np.ones((1, 3), np.float32)); np.save(\"nan.npy\", np.array([[0, float(\"nan\")]], np.float32))" &&
	expect_err "tsne_tool: error: t-sne needs at least 2 rows, got 1" $T fit one.npy o.npy &&
	expect_err "tsne_tool: error: t-sne embeds into 1 to 3 dimensions, not 4" $T fit x.npy o.npy --dims 4 &&
	expect_err "tsne_tool: error: point 0: coordinate is not finite" $T inverse x.npy i2.npy nan.npy o.npy &&
	! test -e o.npy
'

test_done
