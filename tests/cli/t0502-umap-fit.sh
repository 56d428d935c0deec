#!/usr/bin/env bash
# UMAP fit, transform and inverse (lib/umap*.c) against umap-learn on the same data and
# parameters (defaults): Fashion-MNIST 5k and five blobs. Quality is compared, not
# coordinates: trustworthiness@10, 10-NN label accuracy in 2-D, transform of held-out
# rows, and the reconstruction error of the inverse.
. "$(dirname "$0")/../lib.sh"
. "$LI_TOP/tests/tools/umap_ref.sh"
UT=$LI_TOOLS/umap-tool

test_expect_success 'data sets' '
	$PY "$LI_TOP/tests/tools/umap_data.py"
'
sets=blobs; [ -f fm.npy ] && sets="fm blobs"
[ -f fm.npy ] || test_skip 'Fashion-MNIST cases' 'dataset-fashion-mnist not installed'
# rows inverted per set (784-wide rows make the inverse slow: each uses 784 neighbours)
nq() { if [ "$1" = fm ]; then echo 40; else echo 100; fi; }

test_expect_success 'our fit, transform and inverse' '
	for s in $sets; do
		mkdir $s.fit && $UT --threads 2 fit $s.npy $s.fit 2>$s.err || exit 1
		$PY -c "import numpy as np; e = np.load(\"$s.fit/embedding.npy\"); np.save(\"$s.q.npy\", e[:$(nq $s)])" &&
		$UT --threads 2 inverse $s.fit $s.npy $s.q.npy $s.inv.npy $s.out.npy || exit 1
	done &&
	if [ -f fm.npy ]; then
		grep -q "^knn: approx$" fm.err &&
		$UT --threads 2 transform fm.fit fm.npy fmt.npy fm.tr.npy
	fi &&
	grep -q "^knn: exact$" blobs.err
'

# The rest is long (umap-learn's numba compiles, then its fits; most of this file's CPU
# time) and rarely says more than t0520, which makes the same comparisons with umap-learn
# through li-reduce in `make check`: `make check-long` runs it.
require_long 'comparisons with umap-learn (library level; t0520 makes them through li-reduce)'
if ! have_umap; then
	test_skip 'comparisons with umap-learn' 'umap-learn not installed'
	test_done
	exit 0
fi

test_expect_success 'umap-learn computes the references' '
	cat >ref.py <<-\PYEOF &&
	import os
	import numpy as np
	import umap
	for s in ("fm", "blobs"):
	    if not os.path.exists(s + ".npy"):
	        continue
	    X = np.load(s + ".npy")
	    um = umap.UMAP(random_state=42).fit(X)
	    np.save("ref_%s_emb.npy" % s, um.embedding_)
	    nq = 40 if s == "fm" else 100
	    np.save("ref_%s_inv.npy" % s, um.inverse_transform(um.embedding_[:nq]))
	    if s == "fm":
	        np.save("ref_fm_tr.npy", um.transform(np.load("fmt.npy")))
	PYEOF
	umap_ref ref.py $(for s in $sets; do echo $s.npy; done)
'

cat >quality.py <<'EOF'
import sys
import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
s = sys.argv[1]
X, y = np.load(s + ".npy"), np.load(s + "_y.npy")
ours, ref = np.load(s + ".fit/embedding.npy"), np.load("ref_%s_emb.npy" % s)
def acc(E):
    return cross_val_score(KNeighborsClassifier(10), E, y, cv=5).mean()
to, tr = trustworthiness(X, ours, n_neighbors=10), trustworthiness(X, ref, n_neighbors=10)
ao, ar = acc(ours), acc(ref)
print("%s: trustworthiness ours %.4f umap-learn %.4f; 10-NN accuracy ours %.4f umap-learn %.4f"
      % (s, to, tr, ao, ar))
assert np.isfinite(ours).all()
assert to >= tr - 0.01, "trustworthiness"
assert ao >= ar - 0.02, "accuracy"
EOF

for s in $sets; do
	test_expect_success "$s: trustworthiness within 0.01 and 10-NN accuracy within 2 points of umap-learn" "
		\$PY quality.py $s
	"
done

test_expect_success 'blobs stay separated' '
	$PY -c "
import numpy as np
E, y = np.load(\"blobs.fit/embedding.npy\"), np.load(\"blobs_y.npy\")
c = np.array([E[y == k].mean(0) for k in range(5)])
r = max(np.linalg.norm(E[y == k] - c[k], axis=1).max() for k in range(5))
gap = min(np.linalg.norm(c[a] - c[b]) for a in range(5) for b in range(a))
assert gap > r, (gap, r)
"
'

if [ -f fm.npy ]; then
test_expect_success 'transform: held-out rows land among their class (within 2 points of umap-learn)' '
	$PY -c "
import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.neighbors import KNeighborsClassifier
y, yt, T = np.load(\"fm_y.npy\"), np.load(\"fmt_y.npy\"), np.load(\"fmt.npy\")
res = []
for E, Et in ((np.load(\"fm.fit/embedding.npy\"), np.load(\"fm.tr.npy\")),
              (np.load(\"ref_fm_emb.npy\"), np.load(\"ref_fm_tr.npy\"))):
    assert np.isfinite(Et).all()
    res.append((KNeighborsClassifier(10).fit(E, y).score(Et, yt), trustworthiness(T, Et, n_neighbors=10)))
print(\"transform accuracy, trustworthiness: ours %.4f %.4f umap-learn %.4f %.4f\" % (res[0] + res[1]))
assert res[0][0] >= res[1][0] - 0.02 and res[0][1] >= res[1][1] - 0.02
"
'
fi

test_expect_success 'inverse of training points: error within 1.25x umap-learn' '
	for s in $sets; do
		$PY -c "
import numpy as np
X = np.load(\"$s.npy\")[:$(nq $s)]
eo = ((np.load(\"$s.inv.npy\") - X) ** 2).mean(); er = ((np.load(\"ref_${s}_inv.npy\") - X) ** 2).mean()
print(\"$s inverse mse: ours %.5f umap-learn %.5f\" % (eo, er))
assert (np.load(\"$s.out.npy\") == 0).all()
assert eo <= 1.25 * er
" || exit 1
	done
'

test_done
