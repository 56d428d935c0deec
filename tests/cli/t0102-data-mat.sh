#!/usr/bin/env bash
# .mat files: v4 and v5 (plain and compressed) from scipy.io.savemat, and v7.3 laid out
# as MATLAB writes it (HDF5 with a 512-byte user block holding the MAT header, datasets
# with MATLAB_class attributes, dimensions reversed) made with h5py. The sample axis is
# MATLAB's first dimension, as scipy.io.loadmat shows it; --sample-axis moves another.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make the files' '
	$PY - <<-\PYEOF
	import numpy as np, scipy.io as sio, h5py
	rng = np.random.default_rng(3)
	x = rng.standard_normal((6, 4))
	x3 = np.arange(60, dtype=np.float32).reshape(5, 3, 4)
	np.save("x.npy", x); np.save("x3.npy", x3)
	sio.savemat("v5.mat", {"x": x})
	sio.savemat("v5z.mat", {"x": x}, do_compression=True)
	sio.savemat("v4.mat", {"x": x}, format="4")
	sio.savemat("x3.mat", {"x3": x3})
	sio.savemat("two.mat", {"a": x, "b": x3, "note": "text"})
	sio.savemat("text.mat", {"note": "only text", "c": {"f": 1}})
	sio.savemat("cols.mat", {"x": x.T})                  # samples as columns
	sio.savemat("vec.mat", {"y": np.arange(7)})           # saved as 1 x 7
	sio.savemat("cplx.mat", {"z": np.array([1 + 2j, 3])})
	sio.savemat("u8.mat", {"m": np.arange(12, dtype=np.uint8).reshape(3, 4), "flag": np.array([True, False])})
	def cls(obj, name):
	    # MATLAB writes MATLAB_class as a NULL-terminated string type exactly as long as
	    # the name (h5py'"'"'s default NULL-padded strings are not what matio reads)
	    t = h5py.h5t.C_S1.copy(); t.set_size(len(name)); t.set_strpad(h5py.h5t.STR_NULLTERM)
	    a = h5py.h5a.create(obj.id, b"MATLAB_class", t, h5py.h5s.create(h5py.h5s.SCALAR))
	    a.write(np.array(name.encode(), dtype="S%d" % len(name)), mtype=t)
	with h5py.File("v73.mat", "w", userblock_size=512) as f:
	    cls(f.create_dataset("x", data=x.T), "double")   # HDF5 stores MATLAB dims reversed
	    cls(f.create_dataset("i", data=np.arange(6, dtype=np.int32).reshape(3, 2)), "int32")
	    cls(f.create_dataset("s", data=np.array([[104], [105]], dtype=np.uint16)), "char")
	with h5py.File("pad.mat", "w", userblock_size=512) as f:
	    f.create_dataset("x", data=x.T).attrs["MATLAB_class"] = np.bytes_("double")
	hdr = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Thu Nov 26 12:00:00 2026 HDF5 schema 1.00 ."
	for name in ("v73.mat", "pad.mat"):
	    with open(name, "r+b") as f:
	        f.write(hdr.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02IM")
	PYEOF
'

same() { # ours.npy python-expression
	$PY -c "
import numpy as np, scipy.io as sio, sys
a = np.load(sys.argv[1]); b = $2
assert a.shape == b.shape, (a.shape, b.shape)
assert np.array_equal(a, b), (a, b)
" "$1"
}

test_expect_success 'v5, compressed v5 and v4 read as scipy.io.loadmat reads them' '
	for f in v5 v5z v4; do
		li-convert $f.mat -o ours.npy && same ours.npy "sio.loadmat(\"$f.mat\")[\"x\"]" || exit 1
	done
'

test_expect_success 'a 3-d variable keeps MATLAB'"'"'s dimension order' '
	li-convert x3.mat -o ours.npy && same ours.npy "np.load(\"x3.npy\")" &&
	li-info x3.mat >out && grep -q "^x3.mat: mat, variable .x3., float32, shape (5, 3, 4)$" out
'

test_expect_success 'v7.3 (HDF5 layout) reads through matio' '
	li-convert --var x v73.mat -o ours.npy && same ours.npy "np.load(\"x.npy\")" &&
	li-convert --var i v73.mat -o ours.npy && same ours.npy "np.arange(6, dtype=np.int32).reshape(3, 2).T"
'

test_expect_success 'v7.3 whose MATLAB_class matio cannot read (h5py'"'"'s default strings)' '
	expect_err "li-info: error: pad.mat: no numeric variable; matio reads no MATLAB_class attribute on x" \
		li-info pad.mat
'

test_expect_success 'several numeric variables: an error listing them; --var picks one' '
	expect_err "li-convert: error: two.mat: several numeric variables (a, b): choose one with --var" \
		li-convert two.mat -o out.npy &&
	expect_err "li-info: error: v73.mat: several numeric variables (i, x): choose one with --var" \
		li-info v73.mat &&
	li-convert --var b two.mat -o ours.npy && same ours.npy "np.load(\"x3.npy\")" &&
	! ls out.npy* 2>/dev/null
'

test_expect_success 'no numeric variable, a missing one, one that is not numeric' '
	expect_err "li-convert: error: text.mat: no numeric variable" li-convert text.mat -o out.npy &&
	expect_err "li-convert: error: two.mat: no variable '"'"'zz'"'"' (variables: a, b, note)" \
		li-convert --var zz two.mat -o out.npy &&
	expect_err "li-convert: error: two.mat: variable '"'"'note'"'"' is text" \
		li-convert --var note two.mat -o out.npy &&
	expect_err "li-convert: error: v73.mat: variable '"'"'s'"'"' is text" \
		li-convert --var s v73.mat -o out.npy &&
	expect_err "li-convert: error: cplx.mat: no numeric variable" li-convert cplx.mat -o out.npy &&
	expect_err "li-convert: error: cplx.mat: variable '"'"'z'"'"' is complex" \
		li-convert --var z cplx.mat -o out.npy &&
	! ls out.npy* 2>/dev/null
'

test_expect_success 'samples stored as columns: --sample-axis 1 (and -1)' '
	li-convert --sample-axis 1 cols.mat -o ours.npy && same ours.npy "np.load(\"x.npy\")" &&
	li-convert --sample-axis -1 cols.mat -o ours.npy && same ours.npy "np.load(\"x.npy\")" &&
	li-convert --var x3 --sample-axis 2 x3.mat -o ours.npy &&
	same ours.npy "np.moveaxis(np.load(\"x3.npy\"), 2, 0)"
'

test_expect_success 'a 1 x N vector is N rows of scalars' '
	li-convert vec.mat -o ours.npy && same ours.npy "np.arange(7)"
'

test_expect_success 'integer and logical classes keep their types' '
	li-convert --var m u8.mat -o ours.npy && same ours.npy "np.arange(12, dtype=np.uint8).reshape(3, 4)" &&
	li-convert --var flag u8.mat -o ours.npy && same ours.npy "np.array([True, False])"
'

test_expect_success '.mat output in each version reads back in scipy and here' '
	li-convert x3.npy -o o5.mat && li-convert x.npy --dtype float32 --mat-version 4 -o o4.mat &&
	li-convert x3.npy --mat-version 7.3 -o o73.mat &&
	li-convert o5.mat -o b5.npy && li-convert o4.mat -o b4.npy && li-convert o73.mat -o b73.npy &&
	same b5.npy "np.load(\"x3.npy\")" && same b73.npy "np.load(\"x3.npy\")" &&
	same b4.npy "np.load(\"x.npy\").astype(np.float32).astype(np.float64)" &&
	expect_err "li-convert: error: o.mat: a version 4 .mat file holds matrices only, not rank 3: use version 5 or 7.3" \
		li-convert x3.npy --mat-version 4 -o o.mat && ! ls o.mat* 2>/dev/null &&
	$PY -c "
import numpy as np, scipy.io as sio
assert np.array_equal(sio.loadmat(\"o5.mat\")[\"x\"], np.load(\"x3.npy\"))
" &&
	li-convert x.npy --to mat >stdout.mat && li-convert stdout.mat -o b.npy && same b.npy "np.load(\"x.npy\")"
'

test_done
