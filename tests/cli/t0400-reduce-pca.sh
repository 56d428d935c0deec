#!/usr/bin/env bash
# li-reduce --method pca and li-invert against scikit-learn's PCA (svd_solver="full")
# on synthetic data: components, explained variance ratios, coordinates, transform of
# new rows, inverse (plain and whitened), every solver, rank > 2 latents, the map file's
# layout, the report, and byte-identical output for the same input and seed.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make synthetic latents' '
	$PY - <<-\PY
	import numpy as np
	r = np.random.default_rng(7)
	# 600 rows, 30 columns, decaying variances, one constant column, an offset
	x = r.normal(size=(600, 30)) @ np.diag(np.linspace(3, 0.1, 30)) @ r.normal(size=(30, 30))
	x += r.normal(size=30) * 5
	x[:, 4] = 2.5
	np.save("x.npy", x)
	np.save("new.npy", r.normal(size=(50, 30)).astype(np.float32))
	np.save("pts.npy", r.normal(size=(40, 2)) * 3)
	np.save("x3.npy", r.normal(size=(300, 4, 5)).astype(np.float32) + np.arange(20).reshape(4, 5))
	PY
'

# check.py FIT-ARGS...: compares li-reduce's outputs with sklearn within 1e-4
cat >check.py <<'PY'
import json, sys
import numpy as np, h5py
from sklearn.decomposition import PCA
what, x_path, dims, whiten = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
x = np.load(x_path).astype(np.float64)
x2 = x.reshape(len(x), -1)
p = PCA(dims, svd_solver="full", whiten=whiten).fit(x2)
def close(name, got, want, tol=1e-4):
    err = np.max(np.abs(np.asarray(got, np.float64) - want) / np.maximum(1, np.abs(want)))
    if not err <= tol:
        sys.exit("%s: max relative error %g > %g" % (name, err, tol))
f = h5py.File("m.h5", "r")
close("components", f["components"][:], p.components_)
close("mean", f["mean"][:], p.mean_)
close("explained_variance", f["explained_variance"][:], p.explained_variance_)
q = json.loads(f.attrs["quality"])
close("ratio", q["explained_variance_ratio"], p.explained_variance_ratio_)
close("coordinates", np.load("y.npy"), p.transform(x2))
assert np.load("y.npy").dtype == np.float32
if what == "full":
    close("transform", np.load("ynew.npy"), p.transform(np.load("new.npy").reshape(50, -1).astype(np.float64)))
    pts = np.load("pts.npy")[:, :dims]
    inv = np.load("inv.npy")
    assert inv.shape == (len(pts),) + x.shape[1:], inv.shape
    close("inverse", inv.reshape(len(pts), -1), p.inverse_transform(pts))
    # the inverse of a row's coordinates is its projection; the round trip is exact
    close("round trip", np.load("back.npy").reshape(len(x), -1), p.inverse_transform(p.transform(x2)))
PY

run_full() { # dims whiten(0/1) [li-reduce options]
	local dims=$1 wh=$2; shift 2
	li-reduce -q --save m.h5 --dims "$dims" "$@" x.npy >y.npy &&
	li-reduce --transform m.h5 new.npy >ynew.npy &&
	$PY -c "import numpy as np; np.save('p.npy', np.load('pts.npy')[:, :$dims])" &&
	li-invert m.h5 p.npy >inv.npy &&
	li-invert m.h5 y.npy >back.npy &&
	$PY check.py full x.npy "$dims" "$wh"
}

test_expect_success 'pca 2-D equals sklearn (components, ratios, coords, transform, inverse)' '
	run_full 2 0
'
test_expect_success 'pca 3-D equals sklearn' '
	$PY -c "import numpy as np; r=np.random.default_rng(1); np.save(\"pts.npy\", r.normal(size=(40,3)))" &&
	run_full 3 0
'
test_expect_success 'pca --whiten equals sklearn, and its inverse is exact' '
	run_full 2 1 --whiten
'
test_expect_success 'every exact solver equals sklearn (eig, svd)' '
	for s in eig svd; do
		li-reduce -q --solver $s --save m.h5 x.npy >y.npy &&
		$PY check.py fit x.npy 2 0 || exit 1
	done
'
test_expect_success 'randomized solver within 1e-3 of exact on the leading components' '
	li-reduce -q --solver randomized --seed 3 --save r.h5 x.npy >yr.npy &&
	li-reduce -q --solver eig --save e.h5 x.npy >ye.npy &&
	$PY -c "
import h5py, json, numpy as np
r, e = h5py.File(\"r.h5\"), h5py.File(\"e.h5\")
assert json.loads(r.attrs[\"params\"])[\"solver\"] == \"randomized\"
assert json.loads(r.attrs[\"params\"])[\"exact\"] is False
assert np.abs(r[\"components\"][:] - e[\"components\"][:]).max() < 1e-3
assert np.abs(r[\"explained_variance\"][:] / e[\"explained_variance\"][:] - 1).max() < 1e-3
y1, y2 = np.load(\"yr.npy\"), np.load(\"ye.npy\")
assert (np.abs(y1 - y2) / np.maximum(1, np.abs(y2))).max() < 1e-3
"
'
test_expect_success 'auto solver: svd for few rows of many columns, randomized for wide and long' '
	$PY -c "
import numpy as np
r = np.random.default_rng(4)
def low_rank(n, d):
    return r.normal(size=(n, 8)) @ (r.normal(size=(8, d)) * np.linspace(4, 1, 8)[:, None]) + r.normal(size=(n, d)) * 0.05
np.save(\"few.npy\", low_rank(150, 1200))
np.save(\"wide.npy\", low_rank(1100, 1050))
" &&
	li-reduce -q --save few.h5 few.npy >yf.npy &&
	li-reduce -q --save wide.h5 wide.npy >yw.npy &&
	$PY -c "
import h5py, json, numpy as np
from sklearn.decomposition import PCA
for name, solver, tol in ((\"few\", \"svd\", 1e-4), (\"wide\", \"randomized\", 1e-3)):
    f = h5py.File(name + \".h5\")
    assert json.loads(f.attrs[\"params\"])[\"solver\"] == solver, name
    x = np.load(name + \".npy\")
    p = PCA(2, svd_solver=\"full\").fit(x)
    assert np.abs(f[\"components\"][:] - p.components_).max() < tol, name
    q = json.loads(f.attrs[\"quality\"])
    assert np.abs(np.array(q[\"explained_variance_ratio\"]) / p.explained_variance_ratio_ - 1).max() < tol
    y, want = np.load(\"y\" + name[0] + \".npy\"), p.transform(x)
    assert (np.abs(y - want) / np.maximum(1, np.abs(want))).max() < tol, name
"
'
test_expect_success 'rank-3 latent: fitted flat, map keeps row_shape, li-invert restores it' '
	li-reduce -q --save m.h5 x3.npy >y.npy &&
	$PY -c "import numpy as np; np.save(\"pts.npy\", np.random.default_rng(2).normal(size=(40, 2)))" &&
	li-invert m.h5 pts.npy >inv.npy &&
	li-invert m.h5 y.npy >back.npy &&
	cp x3.npy x.npy && $PY -c "import numpy as np; np.save(\"new.npy\", np.load(\"x3.npy\")[:50])" &&
	li-reduce --transform m.h5 new.npy >ynew.npy &&
	$PY check.py full x3.npy 2 0 &&
	$PY -c "
import h5py, numpy as np
f = h5py.File(\"m.h5\")
assert f.attrs[\"row_shape\"].dtype == np.int64 and list(f.attrs[\"row_shape\"]) == [4, 5]
"
'
test_expect_success 'map file layout: attributes, types, extent = min/max of the coordinates' '
	li-reduce -q --save m.h5 --report r.json --seed 5 x3.npy >y.npy &&
	$PY -c "
import h5py, json, numpy as np
f = h5py.File(\"m.h5\")
a = f.attrs
assert a[\"li_format\"] == \"li-map\" and a[\"li_version\"] == 1 and a[\"method\"] == \"pca\"
p, q = json.loads(a[\"params\"]), json.loads(a[\"quality\"])
assert p[\"dims\"] == 2 and p[\"seed\"] == 5 and p[\"solver\"] == \"eig\" and p[\"whiten\"] is False
assert q[\"trustworthiness_k\"] == 10 and 0 < q[\"trustworthiness\"] <= 1
assert abs(sum(q[\"explained_variance_ratio\"]) - q[\"explained_variance_ratio_sum\"]) < 1e-12
y = np.load(\"y.npy\").astype(np.float64)
e = a[\"extent\"]
assert e.dtype == np.float64 and e.shape == (2, 2)
assert np.allclose(e, [y.min(0), y.max(0)], rtol=1e-6, atol=1e-6)
assert sorted(f.keys()) == [\"components\", \"explained_variance\", \"mean\"]
r = json.load(open(\"r.json\"))
assert r[\"method\"] == \"pca\" and r[\"rows\"] == 300 and r[\"features\"] == 20
assert r[\"row_shape\"] == [4, 5] and r[\"quality\"] == q and r[\"params\"] == p
"
'
test_expect_success 'quality line on stderr; -q silences it' '
	li-reduce x.npy 2>err >/dev/null &&
	grep -q "^li-reduce: pca (eig) of 300 x 20 to 2-D: explained variance 0\.[0-9]* + 0\.[0-9]* = 0\.[0-9]*, trustworthiness@10 0\.[0-9]* (300 rows)$" err &&
	li-reduce -q x.npy 2>err >/dev/null && ! test -s err
'
test_expect_success 'same input and seed: byte-identical coordinates and map (every solver)' '
	for s in eig svd randomized; do
		li-reduce -q --solver $s --seed 11 --save a.h5 x.npy >a.npy &&
		li-reduce -q --solver $s --seed 11 --save b.h5 x.npy >b.npy &&
		cmp a.npy b.npy && cmp a.h5 b.h5 || exit 1
	done
'
test_expect_success 'reads latents from standard input and writes -o atomically' '
	li-reduce -q -o c.npy <x.npy && li-reduce -q x.npy | cmp - c.npy &&
	! ls c.npy.tmp.* 2>/dev/null
'
test_expect_success 'a transform of the training rows gives the fitted coordinates' '
	li-reduce -q --save m.h5 x.npy >y.npy &&
	li-reduce --transform m.h5 x.npy >t.npy &&
	$PY -c "import numpy as np; assert np.abs(np.load(\"y.npy\") - np.load(\"t.npy\")).max() < 1e-5"
'
test_done
