#!/usr/bin/env bash
# t-SNE fits against scikit-learn's TSNE with the same perplexity, PCA init and iterations
# (trustworthiness@10, 10-NN label accuracy, KL), on 2,000 Fashion-MNIST rows (PCA to 50
# dimensions in numpy: Barnes-Hut path) and 600 rows of blobs (exact path); placing 500
# held-out Fashion-MNIST rows; the KL we report against numpy's; determinism; the FFT
# gradient forced on the blobs.
. "$(dirname "$0")/../lib.sh"
T=$LI_TOOLS/tsne_tool
FM=/usr/share/datasets/fashion-mnist
# scikit-learn single-threaded: its OpenMP threads spin and starve on a busy machine
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
test -f $FM/train-images-idx3-ubyte.gz ||
	test_skip 'Fashion-MNIST parts (fit, KL, placing rows)' 'no dataset-fashion-mnist in '$FM

test_expect_success 'data: Fashion-MNIST 2,500 x 50 (2,000 fit, 500 held out), blobs' '
	$PY - <<-\PYEOF
	import gzip, numpy as np, os
	from sklearn.datasets import make_blobs
	fm = "/usr/share/datasets/fashion-mnist/"
	if os.path.exists(fm + "train-images-idx3-ubyte.gz"):
	    b = gzip.open(fm + "train-images-idx3-ubyte.gz").read()
	    X = np.frombuffer(b, np.uint8, offset=16).reshape(-1, 784)[:2500] / 255.0
	    l = np.frombuffer(gzip.open(fm + "train-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)[:2500]
	    X = X - X.mean(0)
	    Vt = np.linalg.svd(X, full_matrices=False)[2]
	    X = (X @ Vt[:50].T).astype(np.float32)
	    np.save("fm.npy", X[:2000]); np.save("fml.npy", l[:2000].astype(np.int64))
	    np.save("fmt.npy", X[2000:]); np.save("fmtl.npy", l[2000:].astype(np.int64))
	X, l = make_blobs(n_samples=600, n_features=20, centers=6, cluster_std=2.0, random_state=3)
	np.save("bl.npy", X.astype(np.float32)); np.save("bll.npy", l.astype(np.int64))
	PYEOF
'

test_expect_success 'fit ours (2 threads) and scikit-learn; compare quality' '
	if test -f fm.npy; then
		$T fit fm.npy fmy.npy --threads 2 >fm.kl || exit 1
	fi &&
	$T fit bl.npy bly.npy --threads 2 >bl.kl &&
	$PY - <<-\PYEOF
	import numpy as np, os
	from sklearn.manifold import TSNE, trustworthiness
	from sklearn.neighbors import NearestNeighbors
	def acc(E, l):
	    i = NearestNeighbors(n_neighbors=11).fit(E).kneighbors(E)[1][:, 1:]
	    return np.mean([np.bincount(l[r], minlength=10).argmax() == c for r, c in zip(i, l)])
	sets = [("bl", "bll")] + ([("fm", "fml")] if os.path.exists("fm.npy") else [])
	for x, lab in sets:
	    X = np.load(x + ".npy"); l = np.load(lab + ".npy"); Y = np.load(x + "y.npy")
	    assert Y.shape == (len(X), 2) and Y.dtype == np.float32 and np.isfinite(Y).all()
	    # scikit-learn 1.2: learning_rate "auto" = N/48 with its 4x gradient = our N/12
	    S = TSNE(perplexity=30, init="pca", learning_rate="auto", random_state=0,
	             n_jobs=1).fit(X)
	    t_sk, t_us = trustworthiness(X, S.embedding_, n_neighbors=10), trustworthiness(X, Y, n_neighbors=10)
	    a_sk, a_us = acc(S.embedding_, l), acc(Y, l)
	    kl_us = float(open(x + ".kl").read().split()[0])
	    print(x, "trust", t_us, t_sk, "acc", a_us, a_sk, "kl", kl_us, S.kl_divergence_)
	    assert t_us >= t_sk - 0.01, (x, t_us, t_sk)
	    assert a_us >= a_sk - 0.02, (x, a_us, a_sk)
	    assert kl_us <= 1.05 * S.kl_divergence_, (x, kl_us, S.kl_divergence_)
	PYEOF
'

test_expect_success 'reported KL equals numpy on the final embedding (exact; BH within 1%)' '
	$PY - <<-\PYEOF
	import numpy as np, os
	from scipy.spatial.distance import cdist
	from sklearn.manifold._utils import _binary_search_perplexity as bsp
	def kl(x):
	    X = np.load(x + ".npy").astype(np.float64); Y = np.load(x + "y.npy").astype(np.float64)
	    n = len(X); k = 90
	    D2 = cdist(X, X, "sqeuclidean"); np.fill_diagonal(D2, np.inf)
	    idx = np.argsort(D2, axis=1, kind="stable")[:, :k]
	    d = np.sqrt(np.take_along_axis(D2, idx, 1)).astype(np.float32)
	    C = bsp(np.square(d.astype(np.float64)).astype(np.float32), 30.0, 0)
	    P = np.zeros((n, n)); np.put_along_axis(P, idx, C, axis=1); P = (P + P.T) / (2 * n)
	    W = 1 / (1 + cdist(Y, Y, "sqeuclidean")); np.fill_diagonal(W, 0)
	    Q = W / W.sum(); m = P > 0
	    return (P[m] * np.log(P[m] / Q[m])).sum(), float(open(x + ".kl").read().split()[0])
	ref, ours = kl("bl"); assert abs(ours - ref) < 1e-4 * ref, (ours, ref)
	if os.path.exists("fm.npy"):
	    ref, ours = kl("fm"); assert abs(ours - ref) < 1e-2 * ref, (ours, ref)
	PYEOF
'

test_expect_success 'placing held-out rows: 10-NN accuracy within 3 points of the fitted rows' '
	{ test -f fm.npy || exit 0; } &&
	$T transform fm.npy fmy.npy fmt.npy fmty.npy --threads 2 &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
	Y = np.load("fmy.npy"); l = np.load("fml.npy"); T = np.load("fmty.npy"); tl = np.load("fmtl.npy")
	assert T.shape == (500, 2) and np.isfinite(T).all()
	i = NearestNeighbors(n_neighbors=11).fit(Y).kneighbors(Y)[1][:, 1:]
	a_fit = np.mean([np.bincount(l[r], minlength=10).argmax() == c for r, c in zip(i, l)])
	a_new = (KNeighborsClassifier(10).fit(Y, l).predict(T) == tl).mean()
	print("fitted", a_fit, "placed", a_new)
	assert a_new >= a_fit - 0.03, (a_new, a_fit)
	PYEOF
'

test_expect_success 'same input, same bytes: 1 vs 2 threads, exact and Barnes-Hut, seeds' '
	$T fit bl.npy a1.npy --threads 1 --iter 100 >/dev/null &&
	$T fit bl.npy a2.npy --threads 2 --iter 100 >/dev/null && cmp a1.npy a2.npy &&
	$T fit bl.npy h1.npy --threads 1 --iter 100 --exact-max 0 >/dev/null &&
	$T fit bl.npy h2.npy --threads 2 --iter 100 --exact-max 0 >/dev/null && cmp h1.npy h2.npy &&
	$T fit bl.npy r1.npy --threads 2 --iter 50 --init random --seed 7 >/dev/null &&
	$T fit bl.npy r2.npy --threads 1 --iter 50 --init random --seed 7 >/dev/null &&
	$T fit bl.npy r3.npy --threads 2 --iter 50 --init random --seed 8 >/dev/null &&
	cmp r1.npy r2.npy && ! cmp -s r1.npy r3.npy &&
	if test -f fmty.npy; then
		$T transform fm.npy fmy.npy fmt.npy t1.npy --threads 1 && cmp t1.npy fmty.npy
	fi
'

test_expect_success 'FFT gradient forced: blobs kept apart, same bytes at 1 and 2 threads' '
	$T fit bl.npy f1.npy --threads 1 --iter 250 --exact-max 0 --fft-min 1 >f1.kl &&
	$T fit bl.npy f2.npy --threads 2 --iter 250 --exact-max 0 --fft-min 1 >f2.kl &&
	cmp f1.npy f2.npy && read kl perp k method <f1.kl && test "$method" = 2 &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.manifold import trustworthiness
	X = np.load("bl.npy")
	t_fft = trustworthiness(X, np.load("f1.npy"), n_neighbors=10)
	t_ex = trustworthiness(X, np.load("bly.npy"), n_neighbors=10)
	assert t_fft >= t_ex - 0.01, (t_fft, t_ex)
	PYEOF
'

test_done
