#!/usr/bin/env bash
# li-reduce --method tsne on 1,200 Fashion-MNIST test images (28 x 28, scaled to [0, 1]):
# the Barnes-Hut path, trustworthiness@10 within 0.02 of scikit-learn's TSNE with the
# same perplexity, PCA init and iterations; 300 held-out images placed into the map
# keep their class neighbourhoods (10-NN accuracy within 5 points of the fitted rows');
# KL against numpy within 1% (we estimate Z by Barnes-Hut, numpy sums it exactly);
# li-invert --approx restores the image shape.
. "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

FM=/usr/share/datasets/fashion-mnist
if ! [ -f $FM/t10k-images-idx3-ubyte.gz ]; then
	test_skip 'Fashion-MNIST t-SNE against sklearn' 'dataset-fashion-mnist not installed'
	test_done
	exit 0
fi

test_expect_success 'read 1,500 Fashion-MNIST images (1,200 to fit, 300 held out)' '
	$PY - <<-\PY
	import gzip
	import numpy as np
	fm = "/usr/share/datasets/fashion-mnist/"
	x = np.frombuffer(gzip.open(fm + "t10k-images-idx3-ubyte.gz").read(), np.uint8,
	                  offset=16).reshape(-1, 28, 28)[:1500].astype(np.float32) / 255
	l = np.frombuffer(gzip.open(fm + "t10k-labels-idx1-ubyte.gz").read(), np.uint8,
	                  offset=8)[:1500].astype(np.int64)
	np.save("fm.npy", x[:1200]); np.save("l.npy", l[:1200])
	np.save("fmt.npy", x[1200:]); np.save("lt.npy", l[1200:])
	PY
'
test_expect_success 'fit (Barnes-Hut), place the held-out rows, invert approximately' '
	li-reduce --method tsne --threads 2 --save m.h5 --report r.json fm.npy >y.npy 2>err &&
	grep -q "^li-reduce: tsne (exact kNN) (perplexity 30, barnes-hut gradient) of 1200 x 784 to 2-D: KL divergence" err &&
	li-reduce --transform m.h5 --threads 2 fmt.npy >yt.npy &&
	li-invert --approx m.h5 yt.npy >back.npy
'
test_expect_success 'trustworthiness, KL, placed rows, inverse shape' '
	$PY - <<-\PY
	import json, sys
	import numpy as np, h5py
	from scipy.sparse import csr_matrix
	from sklearn.manifold import TSNE, trustworthiness
	from sklearn.manifold._utils import _binary_search_perplexity
	from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
	X = np.load("fm.npy").reshape(1200, -1).astype(np.float64)
	y = np.load("y.npy"); q = json.load(open("r.json"))["quality"]
	Ys = TSNE(2, perplexity=30, init="pca", learning_rate="auto", n_iter=1000,
	          random_state=0).fit_transform(X)
	ts = trustworthiness(X, Ys, n_neighbors=10)
	if not abs(q["trustworthiness"] - ts) <= 0.02:
	    sys.exit("trustworthiness %.4f, sklearn %.4f" % (q["trustworthiness"], ts))
	print("trustworthiness ours %.4f sklearn %.4f" % (q["trustworthiness"], ts))
	# KL from the map file
	f = h5py.File("m.h5", "r"); p = json.loads(f.attrs["params"])
	Xm = f["training_rows"][:].astype(np.float64); Y = f["embedding"][:].astype(np.float64)
	n, k = len(Xm), p["neighbors"]
	d, i = NearestNeighbors(n_neighbors=k).fit(Xm).kneighbors(None)
	C = _binary_search_perplexity((d ** 2).astype(np.float32), p["perplexity_used"], 0)
	P = csr_matrix((C.ravel(), i.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
	P = ((P + P.T) / (2 * n)).tocoo()
	W = 1 / (1 + ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1)); np.fill_diagonal(W, 0)
	want = np.sum(P.data * np.log(P.data / (W[P.row, P.col] / W.sum())))
	if not abs(q["kl_divergence"] - want) <= 0.01 * want:
	    sys.exit("KL %r, numpy %r" % (q["kl_divergence"], want))
	# placed rows: 10-NN accuracy against the fitted rows, leave-one-out
	l, lt, yt = np.load("l.npy"), np.load("lt.npy"), np.load("yt.npy")
	nb = NearestNeighbors(n_neighbors=11).fit(y).kneighbors(y)[1][:, 1:]
	fit_acc = np.mean([np.bincount(l[r], minlength=10).argmax() == c for r, c in zip(nb, l)])
	acc = (KNeighborsClassifier(10).fit(y, l).predict(yt) == lt).mean()
	print("10-NN accuracy: fitted %.3f, placed %.3f" % (fit_acc, acc))
	if not acc >= fit_acc - 0.05:
	    sys.exit("placed rows: accuracy %.3f, fitted rows %.3f" % (acc, fit_acc))
	b = np.load("back.npy")
	assert b.shape == (300, 28, 28) and b.dtype == np.float32 and np.isfinite(b).all()
	PY
'
test_done
