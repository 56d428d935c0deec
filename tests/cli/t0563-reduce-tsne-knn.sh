#!/usr/bin/env bash
# li-reduce --method tsne above 4,096 rows (where UMAP's search turns approximate): 5,000
# Fashion-MNIST test images through scikit-learn's PCA to 50 columns. t-SNE's 90
# neighbours come from the exact search (n^2 d = 5,000^2 x 50 is within its budget of
# 70,000^2 x 64): the summary line and the map say so, and every row's beta calibrates
# scikit-learn's exact neighbours to the same affinities. The map comes back in the
# input's row order although the fit renumbers the points internally (10-NN label
# accuracy of the map, by scikit-learn, far above the 0.1 of shuffled rows), and two
# threads give the bytes of one.
. "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

FM=/usr/share/datasets/fashion-mnist
if ! [ -f $FM/t10k-images-idx3-ubyte.gz ]; then
	test_skip 't-SNE kNN on 5,000 Fashion-MNIST rows' 'dataset-fashion-mnist not installed'
	test_done
	exit 0
fi

test_expect_success '5,000 Fashion-MNIST images, PCA to 50 columns' '
	$PY - <<-\PY
	import gzip
	import numpy as np
	from sklearn.decomposition import PCA
	fm = "/usr/share/datasets/fashion-mnist/"
	x = np.frombuffer(gzip.open(fm + "t10k-images-idx3-ubyte.gz").read(), np.uint8,
	                  offset=16).reshape(-1, 784)[:5000].astype(np.float32) / 255
	l = np.frombuffer(gzip.open(fm + "t10k-labels-idx1-ubyte.gz").read(), np.uint8,
	                  offset=8)[:5000].astype(np.int64)
	np.save("x.npy", PCA(50, random_state=0).fit_transform(x).astype(np.float32))
	np.save("l.npy", l)
	PY
'
test_expect_success 'fit: exact kNN in the summary line and the map' '
	li-reduce --method tsne --threads 2 --early-iterations 100 --iterations 150 \
		--save m.h5 x.npy >y.npy 2>err &&
	grep -q "^li-reduce: tsne (exact kNN) (perplexity 30, barnes-hut gradient) of 5000 x 50 to 2-D" err &&
	$PY -c "import h5py, json, sys; p = json.loads(h5py.File(\"m.h5\")[\"/\"].attrs[\"params\"]); sys.exit(p[\"knn\"] != \"exact\")"
'
test_expect_success 'beta calibrates the exact neighbours (scikit-learn) to the same affinities' '
	$PY - <<-\PY
	import json, sys
	import numpy as np, h5py
	from sklearn.neighbors import NearestNeighbors
	from sklearn.manifold._utils import _binary_search_perplexity
	f = h5py.File("m.h5", "r")
	p = json.loads(f.attrs["params"])
	X = f["training_rows"][:].astype(np.float64)
	d, _ = NearestNeighbors(n_neighbors=p["neighbors"]).fit(X).kneighbors(None)
	C = _binary_search_perplexity((d ** 2).astype(np.float32), p["perplexity_used"], 0)
	b = f["beta"][:]
	Cb = np.exp(-b[:, None] * (d ** 2 - (d[:, :1] ** 2))); Cb /= Cb.sum(1, keepdims=True)
	err = np.max(np.abs(Cb - C))
	print("largest affinity difference %.2g" % err)
	if not err < 1e-4:
	    sys.exit("beta does not calibrate the exact neighbours: %g" % err)
	PY
'
test_expect_success 'the map is in the input row order: 10-NN label accuracy' '
	$PY - <<-\PY
	import sys
	import numpy as np
	from sklearn.neighbors import NearestNeighbors
	y, l = np.load("y.npy"), np.load("l.npy")
	assert y.shape == (5000, 2) and y.dtype == np.float32 and np.isfinite(y).all()
	nb = NearestNeighbors(n_neighbors=11).fit(y).kneighbors(y)[1][:, 1:]
	acc = np.mean([np.bincount(l[r], minlength=10).argmax() == c for r, c in zip(nb, l)])
	print("10-NN accuracy %.3f" % acc)
	if not acc >= 0.7:
	    sys.exit("10-NN accuracy %.3f: rows out of order?" % acc)
	PY
'
test_expect_success 'one thread gives the bytes of two' '
	li-reduce --method tsne --threads 1 --early-iterations 100 --iterations 150 -q \
		x.npy >y1.npy && cmp y.npy y1.npy
'
test_done
