#!/usr/bin/env bash
# k-nearest neighbours (lib/knn): exact search against scikit-learn, recall of the
# approximate search, the automatic switch, determinism at any thread count.
. "$(dirname "$0")/../lib.sh"
UT=$LI_TOOLS/umap-tool

test_expect_success 'data sets' '
	$PY "$LI_TOP/tests/tools/umap_data.py"
'
have_fm=yes; [ -f fm.npy ] || have_fm=

test_expect_success 'exact search equals scikit-learn NearestNeighbors (blobs)' '
	$UT --knn exact --neighbors 15 knn blobs.npy i.npy d.npy 2>err &&
	grep -q "^knn: exact$" err &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.neighbors import NearestNeighbors
	X = np.load("blobs.npy"); i = np.load("i.npy"); d = np.load("d.npy")
	rd, ri = NearestNeighbors(n_neighbors=15).fit(X.astype(np.float64)).kneighbors(X.astype(np.float64))
	assert i.shape == (2000, 15) and i.dtype == np.int32
	assert (i[:, 0] == np.arange(2000)).all() and (d[:, 0] == 0).all()
	assert np.allclose(d, rd, rtol=1e-5, atol=1e-5), np.abs(d - rd).max()
	same = np.mean([set(a) == set(b) for a, b in zip(i, ri)])
	assert same > 0.999, same
	PYEOF
'

if [ -n "$have_fm" ]; then
test_expect_success 'approximate search: recall >= 0.95 on Fashion-MNIST 5k, exact distances' '
	$UT --knn auto --neighbors 15 knn fm.npy ai.npy ad.npy 2>err &&
	grep -q "^knn: approx$" err &&
	$PY - <<-\PYEOF
	import numpy as np
	from sklearn.neighbors import NearestNeighbors
	X = np.load("fm.npy"); i = np.load("ai.npy"); d = np.load("ad.npy")
	_, ri = NearestNeighbors(n_neighbors=15).fit(X).kneighbors(X)
	recall = np.mean([len(set(a) & set(b)) / 15 for a, b in zip(i, ri)])
	print("recall", recall)
	assert recall >= 0.95, recall
	assert (i[:, 0] == np.arange(len(X))).all()
	true = np.sqrt(((X[:, None, :].astype(np.float64) - X[i].astype(np.float64)) ** 2).sum(-1))
	assert np.allclose(d, true, rtol=1e-5, atol=1e-5)
	assert (np.diff(d, axis=1) >= 0).all()
	PYEOF
'
else
	test_skip 'approximate search on Fashion-MNIST' 'dataset-fashion-mnist not installed'
fi

test_expect_success 'approximate search on blobs (forced) has recall >= 0.95' '
	$UT --knn approx --neighbors 10 knn blobs.npy bi.npy bd.npy 2>err &&
	grep -q "^knn: approx$" err &&
	$PY -c "
import numpy as np
from sklearn.neighbors import NearestNeighbors
X = np.load(\"blobs.npy\"); i = np.load(\"bi.npy\")
_, ri = NearestNeighbors(n_neighbors=10).fit(X).kneighbors(X)
r = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(i, ri)])
assert r >= 0.95, r
"
'

test_expect_success 'the same bytes at 1, 2 and 3 threads (exact and approximate)' '
	for t in 1 2 3; do
		$UT --threads $t --knn approx --seed 7 knn blobs.npy a$t.npy ad$t.npy 2>/dev/null &&
		$UT --threads $t --knn exact knn blobs.npy e$t.npy ed$t.npy 2>/dev/null || exit 1
	done &&
	cmp a1.npy a2.npy && cmp a1.npy a3.npy && cmp ad1.npy ad3.npy &&
	cmp e1.npy e2.npy && cmp e1.npy e3.npy && cmp ed1.npy ed3.npy
'

test_expect_success 'duplicate rows: each row still lists itself first' '
	$PY -c "
import numpy as np
r = np.random.default_rng(3).normal(size=(100, 5)).astype(np.float32)
np.save(\"dup.npy\", np.concatenate([r, r, r, r[:50]]))
" &&
	$UT --knn exact --neighbors 5 knn dup.npy di.npy dd.npy 2>/dev/null &&
	$UT --knn approx --neighbors 5 knn dup.npy ai.npy ad.npy 2>/dev/null &&
	$PY -c "
import numpy as np
for f in (\"di.npy\", \"ai.npy\"):
    i = np.load(f); assert (i[:, 0] == np.arange(len(i))).all(), f
assert (np.load(\"dd.npy\")[:, 1] == 0).all()
"
'

test_expect_success 'k larger than the rows is refused' '
	$PY -c "import numpy as np; np.save(\"small.npy\", np.zeros((4, 3), np.float32))" &&
	must_fail 1 $UT --neighbors 5 knn small.npy i.npy d.npy 2>err &&
	grep -q "bad neighbour search: 4 rows, 3 columns, k 5" err
'

test_done
