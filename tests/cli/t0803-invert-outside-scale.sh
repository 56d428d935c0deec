#!/usr/bin/env bash
# li-invert on a UMAP map, far outside the data (the MNIST demo's out-of-bounds probes):
# the extrapolated trend is limited to the data's own scale ratio, so a point at map
# distance r past the hull lands within (data radius + slope * r) of the data's centre,
# slope = root total variance of the rows over that of their embedding. A thin hull
# triangle between two clusters once sent such points 10^3 times further.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup: three blobs, a UMAP map, points far outside it' '
	$PY -c "
import numpy as np
from sklearn.datasets import make_blobs
X, y = make_blobs(900, n_features=8, centers=3, cluster_std=1.0, random_state=3)
np.save(\"x.npy\", X.astype(np.float32))
" &&
	li-reduce -q --method umap --epochs 100 --save m.h5 x.npy >xy.npy &&
	li-grid -q --map m.h5 --margin 1 --n 5x5 -o far.npy &&
	li-invert -q m.h5 far.npy -o inv.npy
'

test_expect_success 'each far point stays within the data radius plus slope times its distance' '
	$PY -c "
import numpy as np
x = np.load(\"x.npy\").astype(np.float64); e = np.load(\"xy.npy\").astype(np.float64)
p = np.load(\"far.npy\").astype(np.float64); r = np.load(\"inv.npy\").astype(np.float64)
assert np.isfinite(r).all()
slope = np.sqrt(x.var(0).sum() / e.var(0).sum())
c = x.mean(0); radius = np.linalg.norm(x - c, axis=1).max()
# distance to the map: at least the distance to the nearest embedded point minus nothing,
# so bound with the distance to the nearest point (an upper bound of the hull distance)
dist = np.sqrt(((p[:, None, :] - e[None, :, :]) ** 2).sum(2)).min(1)
got = np.linalg.norm(r - c, axis=1)
bound = 1.1 * radius + slope * dist
bad = got > bound
assert not bad.any(), (got[bad], bound[bad])
"
'

test_done
