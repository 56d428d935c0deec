#!/usr/bin/env bash
# .npy round trips against numpy, both directions, every dtype, order, byte order and
# format version, from files and through pipes.
. "$(dirname "$0")/../lib.sh"

# numpy writes every kind of array; li-convert reads each (from a file and from a pipe)
# and writes it back; numpy checks the values, dtype and shape. All 648 cases (12 dtypes,
# 2 byte orders, 3 format versions, 9 shapes and orders) are 1,944 runs: `make check`
# takes a covering subset of 144 (for each dtype, byte order and version, two of the
# shapes and orders, in turn: every dtype meets every shape and order, every byte order
# and every version), `make check-long` all of them.
if is_long; then cases=all; else cases=subset; fi
test_expect_success "numpy writes the cases ($cases)" '
	$PY - $cases <<-\PYEOF &&
	import numpy as np, itertools, sys
	rng = np.random.default_rng(1)
	types = ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"]
	shapes = [(), (0,), (0, 3), (5,), (4, 3), (2, 3, 4)]
	# the 9 layouts: each shape in C order, and the 2-D and 3-D ones in Fortran order too
	layouts = [(s, False) for s in shapes] + [(s, True) for s in shapes if len(s) >= 2]
	combos = itertools.product(types, "<>", [(1, 0), (2, 0), (3, 0)])
	with open("cases.txt", "w") as idx:
	    for k, (t, order, ver) in enumerate(combos):
	        picked = layouts if sys.argv[1] == "all" else \
	            [layouts[(2 * k) % len(layouts)], layouts[(2 * k + 1) % len(layouts)]]
	        for shape, fortran in picked:
	            dt = np.dtype(t).newbyteorder(order) if np.dtype(t).itemsize > 1 else np.dtype(t)
	            if t == "?":
	                a = rng.integers(0, 2, size=shape).astype(dt)
	            elif t[0] == "f":
	                a = (rng.standard_normal(size=shape) * 100).astype(dt)
	            else:
	                info = np.iinfo(t)
	                a = rng.integers(info.min, info.max, size=shape, dtype=t, endpoint=True).astype(dt)
	            name = "in_%s%s_v%d_%s_%s.npy" % (order, t, ver[0], "x".join(map(str, shape)) or "s",
	                                               "F" if fortran else "C")
	            b = np.asfortranarray(a) if fortran else np.ascontiguousarray(a)
	            with open(name, "wb") as f:
	                np.lib.format.write_array(f, b, version=ver)
	            idx.write(name + "\n")
	PYEOF
	test $(wc -l <cases.txt) -eq $([ $cases = all ] && echo 648 || echo 144)
'

test_expect_success 'li-convert reads every case from files and pipes' '
	while read -r n; do
		li-convert "$n" -o "file_$n" &&
		cat "$n" | li-convert - >"pipe_$n" &&
		li-convert --dtype float64 "$n" -o "f64_$n" || { echo "failed on $n"; exit 1; }
	done <cases.txt
'

test_expect_success 'numpy finds the same values, dtype and shape' '
	$PY - <<-\PYEOF
	import numpy as np, sys
	bad = 0
	for n in open("cases.txt").read().split():
	    a = np.load(n)
	    for pre in ("file_", "pipe_"):
	        b = np.load(pre + n)
	        if b.dtype != a.dtype.newbyteorder("=") or b.shape != a.shape or not np.array_equal(a, b):
	            print("mismatch", pre + n, b.dtype, b.shape); bad += 1
	    c = np.load("f64_" + n)
	    if c.dtype != np.float64 or not np.array_equal(c, a.astype(np.float64)):
	        print("float64 mismatch", n); bad += 1
	sys.exit(1 if bad else 0)
	PYEOF
'

# Our files are numpy's files: byte for byte what np.save writes for the same array.
test_expect_success 'li-convert writes each dtype exactly as np.save does' '
	$PY -c "
import numpy as np
a = np.array([[0, 1.5, -2.25], [100, 7, 0.5]])
np.save(\"src.npy\", a)
for t in [\"bool\", \"int8\", \"int16\", \"int32\", \"int64\", \"uint8\", \"uint16\", \"uint32\", \"uint64\", \"float16\", \"float32\", \"float64\"]:
    np.save(\"np_%s.npy\" % t, np.abs(a).astype(t) if t.startswith(\"u\") or t == \"bool\" else a.astype(t))
np.save(\"np_neg.npy\", np.abs(a))
" &&
	li-convert src.npy >neg_unused.npy &&
	$PY -c "import numpy as np; np.save(\"abs.npy\", np.abs(np.load(\"src.npy\")))" &&
	for t in bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64; do
		case $t in u*|bool) s=abs.npy ;; *) s=src.npy ;; esac
		li-convert --dtype $t $s -o ours_$t.npy &&
		cmp ours_$t.npy np_$t.npy || exit 1
	done
'

test_expect_success 'a stream of several arrays: li-info describes each' '
	$PY -c "
import numpy as np
with open(\"multi.npy\", \"wb\") as f:
    np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3))
    np.save(f, np.array([np.nan, np.inf, -1.0]))
    np.save(f, np.zeros((0, 2), dtype=np.int8))
" &&
	cat multi.npy | li-info >out &&
	cat >expect <<-\EOF &&
	<stdin>: npy 1.0, float32, shape (2, 3), C order, little-endian
	  min 0, max 5, mean 2.5, nan 0, inf 0
	<stdin>: npy 1.0, float64, shape (3,), C order, little-endian
	  min -1, max -1, mean -1, nan 1, inf 1
	<stdin>: npy 1.0, int8, shape (0, 2), C order, little-endian
	  no finite values, nan 0, inf 0
	EOF
	cmp expect out
'

test_expect_success 'li-info -q prints only the description line' '
	li-info -q multi.npy >out &&
	test $(wc -l <out) -eq 3 &&
	grep -q "^multi.npy: npy 1.0, float64, shape (3,)" out
'

test_expect_success 'a large array streams through li-convert with flat memory' '
	$PY -c "import numpy as np; np.save(\"big.npy\", np.random.default_rng(0).standard_normal((200000, 64)).astype(np.float32))" &&
	/usr/bin/time -f "%M" -o rss li-convert --dtype float64 big.npy -o big64.npy &&
	$PY -c "
import numpy as np
a = np.load(\"big.npy\"); b = np.load(\"big64.npy\")
assert b.dtype == np.float64 and np.array_equal(a.astype(np.float64), b)
" &&
	test "$(cat rss)" -lt 40000
'

test_done
