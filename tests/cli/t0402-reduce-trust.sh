#!/usr/bin/env bash
# Trustworthiness@10 as li-reduce reports it, against sklearn.manifold.trustworthiness
# on the same rows (within 1e-6): clustered data, 3-D maps, the smallest row count that
# has one (21), the sample size option, and null where k >= n / 2.
. "$(dirname "$0")/../lib.sh"

cat >trust.py <<'PY'
import json, sys
import numpy as np, h5py
from sklearn.manifold import trustworthiness
x = np.load(sys.argv[1]).astype(np.float64)
x = x.reshape(len(x), -1)
y = np.load("y.npy").astype(np.float64)
q = json.loads(h5py.File("m.h5", "r").attrs["quality"])
t = trustworthiness(x, y, n_neighbors=10)
assert q["trustworthiness_rows"] == len(x)
if not abs(q["trustworthiness"] - t) <= 1e-6:
    sys.exit("trustworthiness %r, sklearn %r" % (q["trustworthiness"], t))
PY

test_expect_success 'make data: clusters, a 3-D set, 21 and 20 rows' '
	$PY - <<-\PY
	import numpy as np
	r = np.random.default_rng(3)
	c = r.normal(size=(8, 50)) * 4
	np.save("clusters.npy", (c[r.integers(0, 8, 1200)] + r.normal(size=(1200, 50))).astype(np.float32))
	np.save("wide.npy", r.normal(size=(400, 12)) @ r.normal(size=(12, 12)))
	np.save("n21.npy", r.normal(size=(21, 6)))
	np.save("n20.npy", r.normal(size=(20, 6)))
	PY
'
test_expect_success 'clustered data, 2-D' '
	li-reduce -q --save m.h5 clusters.npy >y.npy && $PY trust.py clusters.npy
'
test_expect_success '3-D map' '
	li-reduce -q --dims 3 --save m.h5 wide.npy >y.npy && $PY trust.py wide.npy
'
test_expect_success '21 rows (the fewest with k < n / 2)' '
	li-reduce -q --save m.h5 n21.npy >y.npy && $PY trust.py n21.npy
'
test_expect_success '20 rows: trustworthiness is null, the fit still works' '
	li-reduce --save m.h5 n20.npy >y.npy 2>err &&
	grep -q "trustworthiness not measured (too few rows)" err &&
	$PY -c "
import json, h5py
q = json.loads(h5py.File(\"m.h5\").attrs[\"quality\"])
assert q[\"trustworthiness\"] is None and q[\"trustworthiness_rows\"] == 20
"
'
test_expect_success '--trust-rows N samples N rows (seeded); 0 skips the measure' '
	li-reduce -q --trust-rows 300 --seed 4 --save a.h5 clusters.npy >/dev/null &&
	li-reduce -q --trust-rows 300 --seed 4 --save b.h5 clusters.npy >/dev/null &&
	cmp a.h5 b.h5 &&
	li-reduce -q --trust-rows 0 --save m.h5 clusters.npy >/dev/null &&
	$PY -c "
import json, h5py
q = json.loads(h5py.File(\"a.h5\").attrs[\"quality\"])
assert q[\"trustworthiness_rows\"] == 300 and 0.5 < q[\"trustworthiness\"] <= 1
assert \"trustworthiness\" not in json.loads(h5py.File(\"m.h5\").attrs[\"quality\"])
"
'
test_expect_success 'a sample of 500 of 1200 rows: the same rows as lib/rng picks, as sklearn scores them' '
	li-reduce -q --trust-rows 500 --seed 12 --save m.h5 clusters.npy >y.npy &&
	$PY - <<-\PY
	import json, sys
	import numpy as np, h5py
	from sklearn.manifold import trustworthiness
	# lib/rng (xoshiro256** seeded by splitmix64, li_rng_stream, selection sampling),
	# transcribed from its definitions; reduce.c samples with stream "trust" in ASCII
	M = (1 << 64) - 1
	def splitmix(state):
	    state = (state + 0x9E3779B97F4A7C15) & M
	    z = state
	    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
	    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
	    return state, z ^ (z >> 31)
	def seeded(seed):
	    s = []
	    for _ in range(4):
	        seed, z = splitmix(seed)
	        s.append(z)
	    return s
	def stream(seed, k):
	    _, a = splitmix(seed)
	    _, b = splitmix(a ^ ((k * 0xD1B54A32D192ED03) & M))
	    return seeded(b)
	def rotl(x, k):
	    return ((x << k) | (x >> (64 - k))) & M
	def nxt(s):
	    out = (rotl((s[1] * 5) & M, 7) * 9) & M
	    t = (s[1] << 17) & M
	    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
	    s[3] = rotl(s[3], 45)
	    return out
	s = stream(12, 0x7472757374)
	n, k, idx = 1200, 500, []
	for i in range(n):
	    if len(idx) < k and (n - i) * ((nxt(s) >> 11) * 2.0 ** -53) < k - len(idx):
	        idx.append(i)
	x = np.load("clusters.npy").astype(np.float64)[idx]
	y = np.load("y.npy").astype(np.float64)[idx]
	q = json.loads(h5py.File("m.h5").attrs["quality"])
	t = trustworthiness(x, y, n_neighbors=10)
	assert q["trustworthiness_rows"] == 500 and len(idx) == 500
	if not abs(q["trustworthiness"] - t) <= 1e-6:
	    sys.exit("trustworthiness %r, sklearn on the same sample %r" % (q["trustworthiness"], t))
	PY
'
test_done
