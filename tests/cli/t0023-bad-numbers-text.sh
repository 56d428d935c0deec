#!/usr/bin/env bash
# Bad numbers and bad text get a clear error, not silent garbage: finite but huge values
# (near float32's limit) that would make NaN or infinite results are refused with a line;
# a NaN in li-train-lr --val is refused as in the training rows; a CSV "1e400" is refused
# (it would become infinity); a NUL byte in CSV or in li-invert's text coordinates is
# refused, not read as the end of the value; names beginning with a quote plot.
. "$(dirname "$0")/../lib.sh"
q="'"

$PY - <<'PY'
import numpy as np
r = np.random.default_rng(0)
np.save("huge.npy", np.sign(r.normal(size=(60, 5))).astype("f4") * np.float32(3e38))
x = r.normal(size=(60, 5)).astype("f4")
np.save("x.npy", x)
np.save("far.npy", np.array([[1e300, 1e300], [0, 0]]))
lx = r.normal(size=(200, 4)).astype("f4")
np.save("lx.npy", lx)
np.save("ly.npy", (lx[:, 0] > 0).astype("i8"))
v = lx[:50].copy(); v[7, 2] = np.nan
np.save("vnan.npy", v)
np.save("vy.npy", (v[:, 0] > 0).astype("i8"))
open("big.csv", "w").write("a,b\n1,2\n1e400,3\n")
open("nul.csv", "wb").write(b"a,b\n1,2\x003\n4,5\n")
open("nul.txt", "wb").write(b"0 0\n1 1\x00 7\n")
np.save("xy.npy", r.normal(size=(20, 2)).astype("f4"))
np.save("lab.npy", (np.arange(20) % 3).astype("i8"))
open("cls.txt", "w").write("'\nab'c\n''\n")
PY

test_expect_success 'PCA and UMAP of values near 3e38: refused, no NaN or inf written' '
	expect_err "li-reduce: error: huge.npy: row 0: the coordinates overflow (not finite in float32): the values are too large; scale them down" \
		li-reduce -q huge.npy -o pca.npy &&
	test ! -e pca.npy &&
	must_fail 1 li-reduce -q --method umap --epochs 20 huge.npy -o um.npy 2>err &&
	grep -q "^li-reduce: error: huge.npy: row [0-9]*: the coordinates overflow" err && test ! -e um.npy
'

test_expect_success 'li-invert of far float64 coordinates: refused' '
	li-reduce -q x.npy --save m.h5 -o /dev/null &&
	expect_err "li-invert: error: far.npy: row 0: the inverted rows overflow (not finite in float32): the values are too large; scale them down" \
		li-invert m.h5 far.npy -o inv.npy &&
	test ! -e inv.npy
'

test_expect_success 'li-grid: ranges beyond float32 are refused' '
	must_fail 2 li-grid --x -1e308:1e308 --y 0:1 -o g.npy 2>err &&
	grep -q "^li-grid: error: --x: .-1e308:1e308. is not A:B (float32 numbers)" err &&
	test ! -e g.npy &&
	li-grid --x 1:0 --y 0:1 --n 2 -o g.npy
'

test_expect_success 'li-train-lr: a NaN in --val is refused, as in the training rows' '
	expect_err "li-train-lr: error: vnan.npy: row 7: not a finite number (NaN or infinity)" \
		li-train-lr -q lx.npy ly.npy --val vnan.npy vy.npy -o p.h5 &&
	test ! -e p.h5 &&
	expect_err "li-train-lr: error: vnan.npy: row 7: not a finite number (NaN or infinity)" \
		li-train-lr -q vnan.npy vy.npy -o p.h5
'

test_expect_success 'a CSV value beyond float64 is refused, not read as infinity' '
	expect_err "li-convert: error: big.csv: line 3, column 0: ${q}1e400${q} is beyond float64 (overflows to infinity)" \
		li-convert big.csv -o c.npy &&
	test ! -e c.npy
'

test_expect_success 'a NUL byte in CSV or text coordinates is refused' '
	expect_err "li-convert: error: nul.csv: line 2, field 1 holds a NUL byte; not a text file" \
		li-convert nul.csv -o n.npy &&
	expect_err "li-invert: error: nul.txt: line 2 holds a NUL byte; not a text file" \
		li-invert m.h5 nul.txt -o n.npy &&
	test ! -e n.npy
'

test_expect_success 'class names and titles beginning with a quote plot' '
	li-plot map xy.npy --labels lab.npy --classes cls.txt --title "${q}t" -o p.txt &&
	grep -q "${q}t" p.txt && grep -q "ab${q}c" p.txt && grep -q "C ${q}${q}" p.txt
'

test_done
