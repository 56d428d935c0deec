#!/usr/bin/env bash
# --rows / --shard row selections (against Python slicing) and li-cat.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup' '
	$PY -c "
import numpy as np
np.save(\"x.npy\", np.arange(10 * 6, dtype=np.float32).reshape(10, 2, 3))
np.save(\"i.npy\", np.arange(7, dtype=np.int64))
np.save(\"f.npy\", np.asfortranarray(np.arange(24, dtype=np.float64).reshape(8, 3)))
"
'

test_expect_success '--rows A:B selects what Python slicing x[A:B] selects' '
	for spec in 0:10 2:5 :3 7: -3: :-2 -4:-1 5:2 -100:100 10:12 3:3 :; do
		li-convert --rows "$spec" x.npy -o "r$spec.npy" || exit 1
	done &&
	$PY - <<-\PYEOF
	import numpy as np
	x = np.load("x.npy")
	for spec in "0:10 2:5 :3 7: -3: :-2 -4:-1 5:2 -100:100 10:12 3:3 :".split():
	    a, b = spec.split(":")
	    want = x[int(a) if a else None:int(b) if b else None]
	    got = np.load("r%s.npy" % spec)
	    assert got.shape == want.shape and np.array_equal(got, want), spec
	PYEOF
'

test_expect_success '--rows on a Fortran-ordered array and through a pipe' '
	li-convert --rows 2:6 f.npy -o f26.npy &&
	cat x.npy | li-convert --rows -4: >x4.npy &&
	$PY -c "
import numpy as np
assert np.array_equal(np.load(\"f26.npy\"), np.load(\"f.npy\")[2:6])
assert np.array_equal(np.load(\"x4.npy\"), np.load(\"x.npy\")[-4:])
"
'

test_expect_success '--shard I/N: parts [floor(I*n/N), floor((I+1)*n/N)) that tile the rows' '
	for n in 1 3 4 7 10 11; do
		for i in $(seq 0 $((n - 1))); do
			li-convert --shard $i/$n i.npy -o s$i-$n.npy || exit 1
		done
	done &&
	$PY - <<-\PYEOF
	import numpy as np
	a = np.load("i.npy"); n = len(a)
	for N in (1, 3, 4, 7, 10, 11):
	    for i in range(N):
	        got = np.load("s%d-%d.npy" % (i, N))
	        assert np.array_equal(got, a[i * n // N:(i + 1) * n // N]), (i, N, got)
	PYEOF
'

test_expect_success 'li-cat of all shards gives back the input byte for byte' '
	for i in 0 1 2 3; do li-convert --shard $i/4 x.npy -o p$i.npy || exit 1; done &&
	li-cat p0.npy p1.npy p2.npy p3.npy -o all.npy && cmp all.npy x.npy &&
	cat p0.npy p1.npy p2.npy p3.npy | li-cat >all2.npy && cmp all2.npy x.npy &&
	cat p0.npy p1.npy >p01.npy && li-cat p01.npy - <p2.npy >p012.npy && li-cat p012.npy p3.npy >all3.npy &&
	cmp all3.npy x.npy
'

test_expect_success 'li-cat refuses arrays that do not fit together' '
	$PY -c "
import numpy as np
np.save(\"y.npy\", np.zeros((3, 2, 4), dtype=np.float32))
np.save(\"z.npy\", np.zeros((3, 2, 3), dtype=np.float64))
np.save(\"s.npy\", np.float32(1))
" &&
	expect_err "li-cat: error: y.npy: row shape (2, 4) does not match (2, 3) of the first array" \
		li-cat x.npy y.npy -o out.npy &&
	expect_err "li-cat: error: z.npy: dtype float64 does not match float32 of the first array" \
		li-cat x.npy z.npy -o out.npy &&
	expect_err "li-cat: error: s.npy: a 0-d array has no rows to concatenate" li-cat s.npy -o out.npy &&
	expect_err "li-cat: error: nosuch.npy: No such file or directory" li-cat x.npy nosuch.npy -o out.npy &&
	! ls out.npy* 2>/dev/null
'

test_expect_success 'li-cat: a truncated piece is an error, not a short output' '
	head -c 200 x.npy >cut.npy &&
	cat x.npy cut.npy | must_fail 1 li-cat -o out.npy 2>err &&
	grep -q "^li-cat: error: <stdin>: truncated data" err &&
	! ls out.npy* 2>/dev/null
'

test_expect_success 'bad --rows and --shard are usage errors' '
	must_fail 2 li-convert --rows 3 x.npy 2>err && grep -q "is not A:B" err &&
	must_fail 2 li-convert --rows a:b x.npy 2>/dev/null &&
	must_fail 2 li-convert --shard 3/3 x.npy 2>err && grep -q "0 <= I < N" err &&
	must_fail 2 li-convert --shard 1/0 x.npy 2>/dev/null &&
	must_fail 2 li-convert --shard 0/2 --rows 1:2 x.npy 2>/dev/null &&
	must_fail 2 li-cat - - <x.npy 2>/dev/null
'

test_done
