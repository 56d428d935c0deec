#!/usr/bin/env bash
# li-reduce --sample N --seed S fits on a seeded random sample of the rows, the map then
# places every row shard by shard; UMAP and t-SNE place each new row against the fixed
# map alone, so the batch a row comes in does not change where it lands.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup: 700 latent rows in 4 clusters' '
	$PY -c "
import numpy as np
r = np.random.default_rng(5)
c = r.normal(size=(4, 12)) * 5
y = r.integers(0, 4, 700)
np.save(\"lat.npy\", (c[y] + r.normal(size=(700, 12))).astype(np.float32))
np.save(\"y.npy\", y)
"
'

test_expect_success '--sample: the map is the map fitted on exactly the sampled rows' '
	li-reduce --method umap --sample 200 --seed 3 --sample-index idx.npy --save s.h5 \
		--report rep.json lat.npy -o s.xy.npy 2>err &&
	grep -qx "li-reduce: fitted on a random sample of 200 of 700 rows (seed 3)" err &&
	$PY -c "
import json, numpy as np
i = np.load(\"idx.npy\")
assert i.dtype == np.int64 and len(i) == 200 and (np.diff(i) > 0).all() and i[0] >= 0 and i[-1] < 700
np.save(\"picked.npy\", np.load(\"lat.npy\")[i])
assert json.load(open(\"rep.json\"))[\"sample\"] == {\"rows\": 200, \"of\": 700, \"seed\": 3}
" &&
	li-reduce -q --method umap --seed 3 --save p.h5 picked.npy -o p.xy.npy &&
	cmp s.h5 p.h5 && cmp s.xy.npy p.xy.npy
'

test_expect_success '--sample: same seed same rows (file or pipe); another seed other rows' '
	cat lat.npy | li-reduce -q --sample 200 --seed 3 --sample-index idx2.npy -o /dev/null &&
	cmp idx.npy idx2.npy &&
	li-reduce -q --sample 200 --seed 4 --sample-index idx3.npy lat.npy -o /dev/null &&
	! cmp -s idx.npy idx3.npy
'

test_expect_success '--sample of more rows than there are takes them all' '
	li-reduce --sample 5000 --save all.h5 lat.npy -o all.xy.npy 2>err &&
	grep -qx "li-reduce: fitted on a random sample of 700 of 700 rows (seed 0)" err &&
	li-reduce -q --save plain.h5 lat.npy -o plain.xy.npy && cmp all.h5 plain.h5
'

test_expect_success 'the recipe: fit on a sample, place all rows shard by shard, join' '
	li-reduce --transform s.h5 lat.npy -o whole.npy &&
	for i in 0 1 2 3; do li-reduce --transform s.h5 --shard $i/4 lat.npy -o part$i.npy || exit 1; done &&
	li-cat part0.npy part1.npy part2.npy part3.npy -o joined.npy && cmp joined.npy whole.npy &&
	$PY -c "
import numpy as np
from sklearn.neighbors import KNeighborsClassifier
xy, y, i = np.load(\"whole.npy\"), np.load(\"y.npy\"), np.load(\"idx.npy\")
rest = np.setdiff1d(np.arange(700), i)
acc = (KNeighborsClassifier(10).fit(xy[i], y[i]).predict(xy[rest]) == y[rest]).mean()
assert acc > 0.95, acc
"
'

for m in umap tsne pca; do
	test_expect_success "$m --transform: a row lands where it lands whatever batch it comes in" '
		li-reduce -q --method '$m' --sample 150 --seed 1 --save '$m'.h5 lat.npy -o /dev/null &&
		li-reduce --transform '$m'.h5 lat.npy -o a.npy &&
		$PY -c "
import numpy as np
p = np.random.default_rng(2).permutation(700); np.save(\"perm.npy\", p)
np.save(\"lat_p.npy\", np.load(\"lat.npy\")[p])
np.save(\"lat_1.npy\", np.load(\"lat.npy\")[[411]])
" &&
		li-reduce --transform '$m'.h5 lat_p.npy -o b.npy &&
		li-reduce --transform '$m'.h5 lat_1.npy -o c.npy &&
		$PY -c "
import numpy as np
a, b, c, p = np.load(\"a.npy\"), np.load(\"b.npy\"), np.load(\"c.npy\"), np.load(\"perm.npy\")
# the same arithmetic row by row; only a GEMM in the neighbour search may round a
# distance differently in another batch shape, so allow float32 rounding
scale = np.abs(a).max()
assert np.abs(b - a[p]).max() <= 1e-5 * scale, np.abs(b - a[p]).max()
assert np.abs(c[0] - a[411]).max() <= 1e-5 * scale
"
	'
done

test_expect_success '--sample: bad uses' '
	must_fail 2 li-reduce --sample 0 lat.npy -o out.npy &&
	must_fail 2 li-reduce --sample x lat.npy -o out.npy &&
	must_fail 2 li-reduce --transform s.h5 --sample 10 lat.npy -o out.npy &&
	must_fail 2 li-reduce --sample-index i.npy lat.npy -o out.npy &&
	head -c 2000 lat.npy >cut.npy &&
	expect_err "li-reduce: error: cut.npy: shape claims 33600 bytes of data but the file holds 1872" \
		li-reduce --sample 10 cut.npy -o out.npy &&
	head -c 2000 lat.npy | must_fail 1 li-reduce --sample 650 -o out.npy 2>err &&
	grep -q "^li-reduce: error: <stdin>: truncated data" err &&
	! test -e out.npy && ! test -e i.npy
'

test_done
