#!/usr/bin/env bash
# PCA and trustworthiness on 5,000 Fashion-MNIST images (the distribution's package
# dataset-fashion-mnist) against scikit-learn: components, explained variance ratios,
# coordinates and inverse within 1e-4, randomized SVD within 1e-3 of exact,
# trustworthiness@10 within 1e-6 of sklearn.manifold.trustworthiness.
. "$(dirname "$0")/../lib.sh"

FM=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz
if ! [ -f "$FM" ]; then
	test_skip 'Fashion-MNIST PCA against sklearn' 'dataset-fashion-mnist not installed'
	test_done
	exit 0
fi

test_expect_success 'read 5,000 Fashion-MNIST images (IDX, gzip) into a .npy' '
	$PY - "$FM" <<-\PY
	import gzip, sys
	import numpy as np
	with gzip.open(sys.argv[1]) as f:
	    raw = f.read()
	assert int.from_bytes(raw[:4], "big") == 0x803
	n, h, w = (int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
	x = np.frombuffer(raw, np.uint8, offset=16).reshape(n, h, w)[:5000]
	np.save("fm.npy", x)                       # uint8, 5000 x 28 x 28
	np.save("fm-scaled.npy", x.astype(np.float32) / 255)
	PY
'
test_expect_success 'fit (exact), save the map, invert the coordinates' '
	li-reduce --save m.h5 --report r.json fm-scaled.npy >y.npy 2>err &&
	grep -q "pca (eig) of 5000 x 784" err &&
	li-invert m.h5 y.npy >back.npy &&
	li-reduce -q --solver randomized --save mr.h5 fm-scaled.npy >yr.npy
'
test_expect_success 'components, ratios, coordinates, inverse, trustworthiness equal sklearn' '
	$PY - <<-\PY
	import json, sys
	import numpy as np, h5py
	from sklearn.decomposition import PCA
	from sklearn.manifold import trustworthiness
	x = np.load("fm-scaled.npy").astype(np.float64).reshape(5000, -1)
	p = PCA(2, svd_solver="full").fit(x)
	def close(name, got, want, tol=1e-4):
	    err = np.max(np.abs(np.asarray(got, np.float64) - want) / np.maximum(1, np.abs(want)))
	    if not err <= tol:
	        sys.exit("%s: max relative error %g > %g" % (name, err, tol))
	f = h5py.File("m.h5", "r")
	q = json.loads(f.attrs["quality"])
	close("components", f["components"][:], p.components_)
	close("ratio", q["explained_variance_ratio"], p.explained_variance_ratio_)
	y = np.load("y.npy")
	close("coordinates", y, p.transform(x))
	back = np.load("back.npy")
	assert back.shape == (5000, 28, 28) and back.dtype == np.float32
	close("inverse", back.reshape(5000, -1), p.inverse_transform(y.astype(np.float64)))
	t = trustworthiness(x, y.astype(np.float64), n_neighbors=10)
	assert q["trustworthiness_rows"] == 5000
	if not abs(q["trustworthiness"] - t) <= 1e-6:
	    sys.exit("trustworthiness %r, sklearn %r" % (q["trustworthiness"], t))
	r = h5py.File("mr.h5", "r")
	close("randomized components", r["components"][:], f["components"][:], 1e-3)
	close("randomized variance", r["explained_variance"][:] / f["explained_variance"][:], 1, 1e-3)
	PY
'
test_expect_success 'uint8 input gives the same map as its float64 copy (scaled by 255)' '
	li-reduce -q --save m8.h5 fm.npy >y8.npy &&
	$PY -c "
import h5py, numpy as np
a, b = h5py.File(\"m8.h5\"), h5py.File(\"m.h5\")
assert np.abs(a[\"components\"][:] - b[\"components\"][:]).max() < 1e-8
"
'
test_done
