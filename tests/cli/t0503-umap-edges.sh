#!/usr/bin/env bash
# UMAP determinism (same seed, any thread count, any batch composition), the rule for
# inverse points outside the convex hull, and awkward inputs: fewer rows than
# neighbours, duplicate rows, disconnected data, non-finite values, damaged models.
. "$(dirname "$0")/../lib.sh"
UT=$LI_TOOLS/umap-tool

test_expect_success 'data sets' '
	$PY "$LI_TOP/tests/tools/umap_data.py" &&
	$PY -c "
import numpy as np
x = np.load(\"blobs.npy\")
np.save(\"b600.npy\", x[:600])
np.save(\"q.npy\", x[600:700])
"
'

test_expect_success 'fit: the same bytes twice and at 1, 2 and 3 threads (approximate kNN)' '
	for t in 1 2 3 2; do
		rm -rf m$t && mkdir m$t &&
		$UT --threads $t --knn approx --epochs 100 fit b600.npy m$t 2>/dev/null || exit 1
	done &&
	for f in embedding sigmas rhos indptr indices weights params; do
		cmp m1/$f.npy m2/$f.npy && cmp m1/$f.npy m3/$f.npy || exit 1
	done &&
	mkdir s9 && $UT --seed 9 --knn approx --epochs 100 fit b600.npy s9 2>/dev/null &&
	! cmp -s m1/embedding.npy s9/embedding.npy
'

# Bit for bit across batch compositions by design: the neighbour search picks candidates
# with a float GEMM in fixed 64-row blocks, then recomputes every kept distance exactly in
# double (lib/knn.c finish_row), and each row is placed on its own.
test_expect_success 'transform: thread count and batch composition do not change a row' '
	$UT --threads 1 --epochs 100 transform m1 b600.npy q.npy t1.npy &&
	$UT --threads 3 --epochs 100 transform m1 b600.npy q.npy t3.npy &&
	cmp t1.npy t3.npy &&
	$PY -c "
import numpy as np
q = np.load(\"q.npy\"); np.save(\"qpart.npy\", q[60:10:-1].copy())
" &&
	$UT --threads 2 --epochs 100 transform m1 b600.npy qpart.npy tp.npy &&
	$PY -c "
import numpy as np
a, b = np.load(\"t1.npy\"), np.load(\"tp.npy\")
assert np.array_equal(a[60:10:-1], b)
"
'

test_expect_success 'inverse: thread count and batch composition do not change a row' '
	$PY -c "
import numpy as np
e = np.load(\"m1/embedding.npy\")
lo, hi = e.min(0), e.max(0)
g = np.random.default_rng(5).uniform(lo - 3, hi + 3, size=(60, 2)).astype(np.float32)
np.save(\"y.npy\", g); np.save(\"ypart.npy\", g[::-2].copy())
" &&
	$UT --threads 1 inverse m1 b600.npy y.npy i1.npy o1.npy &&
	$UT --threads 3 inverse m1 b600.npy y.npy i3.npy o3.npy &&
	cmp i1.npy i3.npy && cmp o1.npy o3.npy &&
	$UT --threads 2 inverse m1 b600.npy ypart.npy ip.npy op.npy &&
	$PY -c "
import numpy as np
assert np.array_equal(np.load(\"i1.npy\")[::-2], np.load(\"ip.npy\"))
"
'

test_expect_success 'inverse outside the hull: flagged, finite, linear along an outward ray' '
	$PY -c "
import numpy as np
from scipy.spatial import Delaunay
e = np.load(\"m1/embedding.npy\").astype(np.float64)
v = e[np.argmax(e[:, 0])]
ray = np.array([v + [t, 0] for t in (1, 2, 3, 5)], np.float32)
far = np.array([[1e30, 1e30], [-1e6, 3], [0, -1e20]], np.float32)
inside = e[:5] * 0.999 + e.mean(0) * 0.001
assert (Delaunay(e).find_simplex(inside) >= 0).all()
np.save(\"yo.npy\", np.concatenate([ray, far, inside.astype(np.float32)]))
" &&
	$UT inverse m1 b600.npy yo.npy io.npy oo.npy &&
	$PY -c "
import numpy as np
r, o = np.load(\"io.npy\").astype(np.float64), np.load(\"oo.npy\")
assert list(o) == [1] * 7 + [0] * 5, o
assert np.isfinite(r).all()
step = r[1] - r[0]
assert np.linalg.norm(step) > 0
for t, row in ((2, 2), (4, 3)):
    assert np.allclose(r[row] - r[0], t * step, rtol=1e-4, atol=1e-3), (r[row] - r[0], t * step)
# the step is the documented trend: damped least squares from the embedding to the rows
# over the 15 training points nearest to the hull point (here the vertex v itself),
# shortened to the overall slope of the data
e = np.load(\"m1/embedding.npy\").astype(np.float32).astype(np.float64)
x = np.load(\"b600.npy\").astype(np.float64)
v = e[np.argmax(e[:, 0])]
nn = np.argsort(((e - v) ** 2).sum(1), kind=\"stable\")[:15]
E = e[nn] - e[nn].mean(0); X = x[nn] - x[nn].mean(0)
C = E.T @ E; C += 0.05 * np.trace(C) / 2 * np.eye(2)
J = X.T @ E @ np.linalg.inv(C)
want = J @ [1, 0]
# no steeper than the data as a whole: root total variance of rows over embedding
slope = np.sqrt(x.var(0).sum() / e.var(0).sum())
want *= min(1, slope / np.linalg.norm(want))
assert np.allclose(step, want, rtol=1e-3, atol=1e-4 * np.abs(step).max()), (step, want)
"
'

test_expect_success 'inverse outside the hull between two far islands stays near the data scale' '
	$PY -c "
import numpy as np
g = np.random.default_rng(5)
a = g.normal(size=(150, 6)); b = g.normal(size=(150, 6)) + 40
np.save(\"isl.npy\", np.concatenate([a, b]).astype(np.float32))
" &&
	mkdir isl && $UT fit isl.npy isl 2>/dev/null &&
	$PY -c "
import numpy as np
e = np.load(\"isl/embedding.npy\").astype(np.float64)
lo, hi = e.min(0), e.max(0); w = hi - lo; c = (lo + hi) / 2
pts = [c + [0, 0.75 * w[1]], c - [0, 0.75 * w[1]], c + [0.75 * w[0], 0], hi + 0.5 * w, lo - 0.5 * w]
np.save(\"isly.npy\", np.array(pts, np.float32))
" &&
	$UT inverse isl isl.npy isly.npy islr.npy islo.npy &&
	$PY -c "
import numpy as np
r = np.load(\"islr.npy\"); x = np.load(\"isl.npy\")
assert np.isfinite(r).all() and (np.load(\"islo.npy\") == 1).all()
# half a map width out: within a few data spreads of the data, not thousands
span = np.linalg.norm(x.max(0) - x.min(0))
far = np.linalg.norm(r - x.mean(0), axis=1)
assert (far < 5 * span).all(), (far, span)
"
'

test_expect_success 'fewer rows than n_neighbors: clamped to n - 1' '
	$PY -c "import numpy as np; np.save(\"ten.npy\", np.random.default_rng(1).normal(size=(10, 4)).astype(np.float32))" &&
	mkdir ten && $UT fit ten.npy ten 2>err &&
	grep -q "^neighbors: 9$" err &&
	$PY -c "import numpy as np; assert np.isfinite(np.load(\"ten/embedding.npy\")).all()"
'

test_expect_success 'two rows are too few' '
	$PY -c "import numpy as np; np.save(\"two.npy\", np.eye(2, dtype=np.float32))" &&
	mkdir two && must_fail 1 $UT fit two.npy two 2>err &&
	grep -q "fit: umap needs at least 3 rows, not 2" err
'

test_expect_success 'duplicate rows: finite, and duplicates embed close together' '
	$PY -c "
import numpy as np
u = np.random.default_rng(2).normal(size=(100, 6)).astype(np.float32)
np.save(\"dup.npy\", np.concatenate([u, u, u]))
" &&
	mkdir dup && $UT fit dup.npy dup 2>/dev/null &&
	$PY -c "
import numpy as np
e = np.load(\"dup/embedding.npy\")
assert np.isfinite(e).all()
spread = np.linalg.norm(e - e.mean(0), axis=1).mean()
gap = np.linalg.norm(e[:100] - e[100:200], axis=1).mean()
assert gap < 0.25 * spread, (gap, spread)
"
'

test_expect_success 'disconnected data: components laid out apart, finite' '
	$PY -c "
import numpy as np
r = np.random.default_rng(4)
x = np.concatenate([r.normal(size=(150, 5)), r.normal(size=(150, 5)) + 1000, r.normal(size=(4, 5)) - 1000])
np.save(\"dis.npy\", x.astype(np.float32))
" &&
	mkdir dis && $UT --neighbors 5 fit dis.npy dis 2>/dev/null &&
	$PY -c "
import numpy as np
e = np.load(\"dis/embedding.npy\")
assert np.isfinite(e).all()
a, b = e[:150], e[150:300]
ca, cb = np.median(a, 0), np.median(b, 0)
ra = np.percentile(np.linalg.norm(a - ca, axis=1), 90)
rb = np.percentile(np.linalg.norm(b - cb, axis=1), 90)
assert np.linalg.norm(ca - cb) > 2 * max(ra, rb), (ca, cb, ra, rb)
"
'

test_expect_success 'non-finite rows are refused' '
	$PY -c "
import numpy as np
x = np.load(\"b600.npy\"); x[3, 2] = np.nan; np.save(\"nan.npy\", x)
" &&
	mkdir nanm && must_fail 1 $UT fit nan.npy nanm 2>err &&
	grep -q "fit: row 3 holds a non-finite value" err
'

test_expect_success 'a damaged model is refused when built back from its arrays' '
	cp -r m1 bad &&
	$PY -c "
import numpy as np
i = np.load(\"bad/indices.npy\"); i[7] = 600; np.save(\"bad/indices.npy\", i)
" &&
	must_fail 1 $UT transform bad b600.npy q.npy t.npy 2>err &&
	grep -q "umap graph: bad entry 7" err &&
	cp -r m1 bad2 &&
	$PY -c "
import numpy as np
s = np.load(\"bad2/sigmas.npy\"); s[4] = 0; np.save(\"bad2/sigmas.npy\", s)
" &&
	must_fail 1 $UT inverse bad2 b600.npy y.npy i.npy o.npy 2>err &&
	grep -q "umap sigma or rho of row 4 is bad" err
'

test_expect_success 'the inverse needs a 2-d embedding' '
	mkdir d3 && $UT --dim 3 --epochs 50 fit b600.npy d3 2>/dev/null &&
	$PY -c "import numpy as np; np.save(\"y3.npy\", np.zeros((2, 3), np.float32))" &&
	must_fail 1 $UT --dim 3 inverse d3 b600.npy y3.npy i.npy o.npy 2>err &&
	grep -q "the umap inverse needs a 2-d embedding, not 3-d" err
'

test_done
