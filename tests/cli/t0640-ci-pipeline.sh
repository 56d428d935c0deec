#!/usr/bin/env bash
# The CI use of the toolkit end to end: a map point -> li-invert -> li-propagate (the
# probe) -> li-check, exit status 0 when the model behaves as expected, 1 with a table
# when not. The cluster a point lies in is known from the data (numpy), not from us.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup: latent blobs, a PCA map, a probe' '
	$PY -c "
import numpy as np
from sklearn.datasets import make_blobs
X, y = make_blobs(600, n_features=12, centers=[[6 * (i == c) for i in range(12)] for c in range(3)],
                  cluster_std=0.8, random_state=1)
np.save(\"latent.npy\", X.astype(np.float32)); np.save(\"y.npy\", y)
open(\"classes.txt\", \"w\").write(\"zero\none\ntwo\n\")
# each cluster centre projected with numpy PCA (same centring and components as sklearn)
from sklearn.decomposition import PCA
p = PCA(2).fit(X.astype(np.float32).astype(np.float64))
for c in range(3):
    xy = p.transform(X[y == c].mean(0, keepdims=True))[0]
    open(\"centre%d.txt\" % c, \"w\").write(\"%.6f %.6f\n\" % tuple(xy))
" &&
	li-reduce -q --save map.h5 latent.npy >xy.npy &&
	li-train-lr -q latent.npy y.npy --classes classes.txt -o probe.h5
'

test_expect_success 'a point at each cluster centre is classified as that cluster (exit 0)' '
	for c in 0 1 2; do
		name=$(sed -n "$((c + 1))p" classes.txt)
		li-invert map.h5 centre$c.txt | li-propagate -q probe.h5 |
			li-check --model probe.h5 --argmax "$name" --min-prob 0.9 || exit 1
	done
'

test_expect_success 'a wrong expectation fails with exit 1 and a table naming both classes' '
	li-invert map.h5 centre0.txt | li-propagate -q probe.h5 >p0.npy &&
	must_fail 1 li-check --model probe.h5 --argmax two --min-prob 0.9 p0.npy 2>err &&
	grep -q "argmax" err && grep -q "'"'"'zero'"'"'" err && grep -q "'"'"'two'"'"'" err &&
	tail -1 err | grep -q "^li-check: FAILED: 1 of 1 row"
'

test_expect_success 'li-propagate --names agrees with li-check on the same points' '
	cat centre0.txt centre1.txt centre2.txt | li-invert map.h5 | li-propagate -q probe.h5 --names >names.txt &&
	printf "zero\none\ntwo\n" >expect && cmp expect names.txt
'

test_expect_success 'probe probabilities from li-propagate equal numpy softmax on the saved weights' '
	li-propagate -q probe.h5 latent.npy -o prob.npy &&
	$PY -c "
import h5py, numpy as np
w = h5py.File(\"probe.h5\", \"r\")[\"model_weights/probe/probe\"]
x = np.load(\"latent.npy\").astype(np.float64)
z = x @ w[\"kernel:0\"][()] + w[\"bias:0\"][()]
e = np.exp(z - z.max(1, keepdims=True)); want = e / e.sum(1, keepdims=True)
got = np.load(\"prob.npy\")
assert got.shape == (600, 3) and np.abs(got - want).max() < 1e-5, np.abs(got - want).max()
"
'

test_done
