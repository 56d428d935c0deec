#!/usr/bin/env bash
# li-reduce --method tsne end to end on 600 rows of blobs (exact gradient): the map file
# as li-map(5) lays it out (h5py), the KL divergence in the report recomputed in numpy
# from the map's own datasets (kNN by scikit-learn, calibration by scikit-learn's binary
# search), trustworthiness against scikit-learn's TSNE, placing held-out rows, li-invert's
# refusal and --approx, and the same bytes for the same seed and any thread count.
. "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

test_expect_success 'blobs: 600 rows to fit (rank 3: 4 x 5), 100 held out' '
	$PY - <<-\PY
	import numpy as np
	from sklearn.datasets import make_blobs
	x, l = make_blobs(700, 20, centers=6, cluster_std=2.0, random_state=3)
	x = x.astype(np.float32)
	np.save("x.npy", x[:600].reshape(600, 4, 5)); np.save("l.npy", l[:600])
	np.save("xt.npy", x[600:].reshape(100, 4, 5)); np.save("lt.npy", l[600:])
	PY
'
test_expect_success 'fit with --save and --report; KL and trustworthiness on stderr' '
	li-reduce --method tsne --threads 2 --save m.h5 --report r.json x.npy >y.npy 2>err &&
	grep -q "^li-reduce: tsne (exact kNN) (perplexity 30, exact gradient) of 600 x 20 to 2-D: KL divergence [0-9.]*, trustworthiness@10 0\.[0-9]* (600 rows)$" err
'
test_expect_success 'map file: li-map(5) attributes and t-SNE datasets (h5py)' '
	$PY - <<-\PY
	import json
	import numpy as np, h5py
	f = h5py.File("m.h5", "r")
	a = f.attrs
	assert a["li_format"] == "li-map" and int(a["li_version"]) == 1 and a["method"] == "tsne"
	p = json.loads(a["params"]); q = json.loads(a["quality"])
	assert list(a["row_shape"]) == [4, 5], a["row_shape"]
	y = np.load("y.npy")
	assert y.shape == (600, 2) and y.dtype == np.float32
	assert np.array_equal(f["embedding"][:], y)
	assert np.array_equal(f["training_rows"][:], np.load("x.npy").reshape(600, 20))
	assert f["beta"].shape == (600,) and np.all(f["beta"][:] > 0)
	ext = a["extent"]; assert ext.shape == (2, 2)
	assert np.allclose(ext, [y.min(0), y.max(0)])
	assert p["perplexity"] == 30 and p["perplexity_used"] == 30 and p["neighbors"] == 90
	assert p["gradient"] == "exact" and q["kl_z"] == "exact"
	r = json.load(open("r.json"))
	assert r["quality"] == q and r["params"] == p and r["method"] == "tsne"
	PY
'
test_expect_success 'KL divergence equals numpy on the map datasets; beta is the calibration' '
	$PY - <<-\PY
	import json, sys
	import numpy as np, h5py
	from scipy.sparse import csr_matrix
	from sklearn.neighbors import NearestNeighbors
	from sklearn.manifold._utils import _binary_search_perplexity
	f = h5py.File("m.h5", "r")
	p = json.loads(f.attrs["params"]); kl = json.load(open("r.json"))["quality"]["kl_divergence"]
	X = f["training_rows"][:].astype(np.float64); Y = f["embedding"][:].astype(np.float64)
	n, k = len(X), p["neighbors"]
	d, i = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(None)
	C = _binary_search_perplexity((d ** 2).astype(np.float32), p["perplexity_used"], 0)
	# our beta gives the same conditional affinities
	b = f["beta"][:]
	Cb = np.exp(-b[:, None] * (d ** 2 - (d[:, :1] ** 2))); Cb /= Cb.sum(1, keepdims=True)
	if not np.max(np.abs(Cb - C)) < 1e-4:
	    sys.exit("beta: %g" % np.max(np.abs(Cb - C)))
	P = csr_matrix((C.ravel(), i.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
	P = ((P + P.T) / (2 * n)).tocoo()
	D2 = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
	W = 1 / (1 + D2); np.fill_diagonal(W, 0)
	Q = W[P.row, P.col] / W.sum()
	want = np.sum(P.data * np.log(P.data / Q))
	if not abs(kl - want) <= 1e-4 * want:
	    sys.exit("KL %r, numpy %r" % (kl, want))
	PY
'
test_expect_success 'trustworthiness within 0.02 of scikit-learn TSNE on the same rows' '
	$PY - <<-\PY
	import json, sys
	import numpy as np
	from sklearn.manifold import TSNE, trustworthiness
	X = np.load("x.npy").reshape(600, 20).astype(np.float64)
	t = json.load(open("r.json"))["quality"]["trustworthiness"]
	assert abs(t - trustworthiness(X, np.load("y.npy").astype(np.float64), n_neighbors=10)) < 1e-6
	Y = TSNE(2, perplexity=30, init="pca", learning_rate="auto", n_iter=1000,
	         random_state=0).fit_transform(X)
	ts = trustworthiness(X, Y, n_neighbors=10)
	if not abs(t - ts) <= 0.02:
	    sys.exit("ours %.4f, sklearn %.4f" % (t, ts))
	PY
'
test_expect_success 'held-out rows land among their own cluster; the batch does not matter' '
	li-reduce --transform m.h5 xt.npy >yt.npy &&
	$PY -c "import numpy as np; np.save(\"xt1.npy\", np.load(\"xt.npy\")[37:38])" &&
	li-reduce --transform m.h5 --threads 2 xt1.npy >yt1.npy &&
	$PY - <<-\PY
	import numpy as np
	from sklearn.neighbors import KNeighborsClassifier
	y, l = np.load("y.npy"), np.load("l.npy")
	yt, lt = np.load("yt.npy"), np.load("lt.npy")
	assert yt.shape == (100, 2) and np.isfinite(yt).all()
	acc = (KNeighborsClassifier(10).fit(y, l).predict(yt) == lt).mean()
	assert acc >= 0.95, acc
	# one row alone or in a batch of 100: the same bytes by design (exact double distances
	# after the GEMM candidates, lib/knn.c finish_row; each row placed on its own)
	assert np.array_equal(np.load("yt1.npy")[0], yt[37])
	PY
'
test_expect_success 'li-invert refuses a t-SNE map, with the reason and the way out' '
	expect_err "li-invert: error: m.h5: t-SNE has no inverse: its embedding is not a function of the latent space that could be reversed (--approx gives a neighbour-weighted estimate; PCA maps invert exactly)" \
		li-invert -o back.npy m.h5 y.npy &&
	! test -e back.npy
'
test_expect_success 'li-invert --approx: a training point gives its row; far away stays finite' '
	li-invert --approx m.h5 y.npy >back.npy &&
	echo "1e6 -1e6" | li-invert --approx m.h5 >far.npy &&
	$PY - <<-\PY
	import numpy as np
	x, b = np.load("x.npy"), np.load("back.npy")
	assert b.shape == (600, 4, 5) and b.dtype == np.float32
	assert np.array_equal(b, x)
	f = np.load("far.npy")
	assert f.shape == (1, 4, 5) and np.isfinite(f).all()
	# an average of training rows: inside their range
	assert (f >= x.min(0)).all() and (f <= x.max(0)).all()
	PY
'
if command -v gnuplot >/dev/null; then
	test_expect_success 'li-plot titles the map with its trustworthiness and KL' '
		li-plot map y.npy --map m.h5 --term dumb >pic.txt &&
		grep -q "tsne map, trustworthiness 0\.9[0-9]*, KL [0-9]*\.[0-9]*" pic.txt
	'
else
	test_skip 'li-plot title of a t-SNE map' 'gnuplot not installed'
fi
test_expect_success 'same seed: same bytes; --threads 1 and 2: same bytes' '
	li-reduce -q --method tsne --threads 1 --save m1.h5 x.npy >y1.npy &&
	li-reduce -q --method tsne --threads 1 --save m1b.h5 x.npy >y1b.npy &&
	cmp y.npy y1.npy && cmp y1.npy y1b.npy && cmp m.h5 m1.h5 && cmp m1.h5 m1b.h5 &&
	li-reduce --transform m.h5 --threads 1 xt.npy >yt2.npy && cmp yt.npy yt2.npy &&
	li-invert --approx --threads 2 m.h5 yt.npy >bt2.npy &&
	li-invert --approx --threads 1 m.h5 yt.npy >bt1.npy && cmp bt1.npy bt2.npy
'
test_done
