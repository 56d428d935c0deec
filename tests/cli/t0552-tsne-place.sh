#!/usr/bin/env bash
# Placing new rows into a fitted t-SNE map (each row alone: batches and threads do not
# change a row's result), the approximate inverse against a numpy implementation of the
# documented inverse-distance weighting, 3-d fits, and awkward inputs (perplexity too
# large for N, 2 rows, duplicate rows, a tiny reference set).
. "$(dirname "$0")/../lib.sh"
T=$LI_TOOLS/tsne_tool

test_expect_success 'data: blobs, 500 to fit and 100 held out; map fitted' '
	$PY - <<-\PYEOF &&
	import numpy as np
	from sklearn.datasets import make_blobs
	X, l = make_blobs(n_samples=600, n_features=10, centers=5, cluster_std=1.5, random_state=1)
	X = X.astype(np.float32)
	np.save("x.npy", X[:500]); np.save("l.npy", l[:500]); np.save("xt.npy", X[500:]); np.save("lt.npy", l[500:])
	np.save("x30.npy", X[500:530]); np.save("x70.npy", X[530:])
	np.save("two.npy", X[:2]); np.save("small.npy", X[:20]); np.save("five.npy", X[:5])
	np.save("dup.npy", np.concatenate([X[:100], X[:100]]))
	PYEOF
	$T fit x.npy y.npy --threads 2 >fit.txt
'

test_expect_success 'placed rows land among their own blob, exact and Barnes-Hut repulsion' '
	$T transform x.npy y.npy xt.npy t.npy &&
	$T transform x.npy y.npy xt.npy tb.npy --exact-max 0 &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.neighbors import KNeighborsClassifier
	Y = np.load("y.npy"); l = np.load("l.npy"); lt = np.load("lt.npy")
	ext = Y.max(0) - Y.min(0)
	for f in ("t.npy", "tb.npy"):
	    T = np.load(f)
	    assert T.shape == (100, 2) and T.dtype == np.float32 and np.isfinite(T).all()
	    a = (KNeighborsClassifier(10).fit(Y, l).predict(T) == lt).mean()
	    assert a >= 0.97, (f, a)
	    # inside the map
	    assert ((T >= Y.min(0) - 0.1 * ext) & (T <= Y.max(0) + 0.1 * ext)).all()
	d = np.abs(np.load("t.npy") - np.load("tb.npy")).max()
	assert d < 0.05 * ext.max(), d
	PYEOF
'

test_expect_success 'a placed row does not depend on its batch or the thread count' '
	$T transform x.npy y.npy x30.npy a.npy &&
	$T transform x.npy y.npy x70.npy b.npy --threads 2 &&
	$T transform x.npy y.npy xt.npy c.npy --threads 2 --exact-max 0 &&
	$T transform x.npy y.npy x30.npy cb.npy --exact-max 0 &&
	$PY - <<-\PYEOF
	import numpy as np
	T = np.load("t.npy"); ab = np.concatenate([np.load("a.npy"), np.load("b.npy")])
	assert ab.tobytes() == T.tobytes()
	assert np.load("cb.npy").tobytes() == np.load("c.npy")[:30].tobytes()
	assert np.load("c.npy").tobytes() == np.load("tb.npy").tobytes()
	PYEOF
'

# The documented inverse: k = 10 nearest embedded training points, weights 1/distance
# normalised, a training point's own coordinate gives its row.
test_expect_success 'approximate inverse equals numpy inverse-distance weighting' '
	$PY - <<-\PYEOF &&
	import numpy as np
	Y = np.load("y.npy"); rs = np.random.RandomState(0)
	lo, hi = Y.min(0), Y.max(0)
	P = np.concatenate([rs.uniform(lo, hi, (50, 2)), Y[:20], Y[20:30] + 1e-3,
	                    [[1e30, -1e30], [-3e38, 3e38], [hi[0] * 50, 0]]]).astype(np.float32)
	np.save("p.npy", P)
	PYEOF
	$T inverse x.npy y.npy p.npy inv.npy &&
	$T inverse x.npy y.npy p.npy inv1.npy 1 &&
	$PY - <<-\PYEOF
	import numpy as np
	X = np.load("x.npy").astype(np.float64); Y = np.load("y.npy").astype(np.float64)
	P = np.load("p.npy").astype(np.float64); R = np.load("inv.npy")
	assert R.shape == (len(P), 10) and R.dtype == np.float32 and np.isfinite(R).all()
	ref = np.empty_like(R, dtype=np.float64); ref1 = np.empty_like(ref)
	for i, p in enumerate(P):
	    d = np.sqrt(((Y - p) ** 2).sum(1)); o = np.argsort(d, kind="stable")
	    ref1[i] = X[o[0]]
	    if d[o[0]] == 0:
	        ref[i] = X[o[0]]; continue
	    w = d[o[0]] / d[o[:10]]
	    ref[i] = (w[:, None] * X[o[:10]]).sum(0) / w.sum()
	assert np.abs(R - ref).max() <= 1e-5 * np.abs(ref).max(), np.abs(R - ref).max()
	# training coordinates give their own rows, bit for bit
	assert (R[50:70] == np.load("x.npy")[:20]).all()
	# k = 1: the nearest row
	assert np.abs(np.load("inv1.npy") - ref1).max() == 0
	# far away: a finite average of training rows, within their range
	assert (R[-3:] >= X.min(0) - 1e-4).all() and (R[-3:] <= X.max(0) + 1e-4).all()
	PYEOF
'

test_expect_success '3-d fit with the octree (Barnes-Hut forced) keeps the blobs apart' '
	$T fit x.npy y3.npy --dims 3 --exact-max 0 --iter 300 --threads 2 >fit3.txt &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.manifold import trustworthiness
	X = np.load("x.npy"); Y = np.load("y3.npy")
	assert Y.shape == (500, 3) and np.isfinite(Y).all()
	t = trustworthiness(X, Y, n_neighbors=10); assert t > 0.9, t
	PYEOF
'

test_expect_success 'perplexity too large for N is lowered to (N-1)/3; 2 rows; 5-row map' '
	$T fit small.npy s.npy >s.txt && read kl perp k method <s.txt &&
	test "$perp $k $method" = "6.33333333 19 0" &&
	$T fit two.npy w.npy >w.txt && read kl perp k method <w.txt && test "$perp $k" = "0.333333333 1" &&
	$T fit five.npy w5.npy >/dev/null && $T transform five.npy w5.npy xt.npy t5.npy &&
	$PY - <<-\PYEOF
	import numpy as np
	for f in ("s", "w", "w5", "t5"):
	    a = np.load(f + ".npy"); assert np.isfinite(a).all(), f
	w = np.load("w.npy"); assert w.shape == (2, 2) and (w[0] != w[1]).any()
	assert np.load("t5.npy").shape == (100, 2)
	PYEOF
'

test_expect_success 'duplicate rows: fit works, each pair of duplicates ends together' '
	$T fit dup.npy d.npy --threads 2 >/dev/null &&
	$PY - <<-\PYEOF
	import numpy as np
	D = np.load("d.npy"); assert np.isfinite(D).all()
	ext = (D.max(0) - D.min(0)).max()
	gap = np.sqrt(((D[:100] - D[100:]) ** 2).sum(1))
	assert np.median(gap) < 0.02 * ext, (np.median(gap), ext)
	PYEOF
'

test_done
