#!/usr/bin/env bash
# Bad input to li-reduce and li-invert: one exact line on standard error, exit status 1
# (2 for usage), and no output file left behind (-o, --save, --report).
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make good and bad inputs' '
	$PY - <<-\PY &&
	import shutil
	import numpy as np, h5py
	r = np.random.default_rng(0)
	np.save("x.npy", r.normal(size=(50, 5)))
	np.save("empty.npy", np.zeros((0, 5)))
	np.save("one.npy", np.zeros((1, 5)))
	x = r.normal(size=(50, 5)); x[17, 2] = np.nan; np.save("nan.npy", x)
	x = r.normal(size=(50, 5)); x[44, 0] = -np.inf; np.save("inf.npy", x)
	np.save("same.npy", np.ones((10, 4)))
	np.save("twocol.npy", r.normal(size=(10, 2)))
	np.save("scalar.npy", np.float64(3))
	np.save("c3.npy", r.normal(size=(4, 3)))
	np.save("two.npy", r.normal(size=(2, 4)))
	a = r.normal(size=(30, 1)); np.save("rank1.npy", np.hstack([a, 2 * a, -a]))
	x = r.normal(size=(3000, 5)); x[2500, 1] = np.nan; np.save("nan-late.npy", x)
	PY
	li-reduce -q --save m.h5 x.npy >y.npy &&
	$PY - <<-\PY &&
	import shutil
	import h5py
	import numpy as np
	def variant(name, **attrs):
	    shutil.copy("m.h5", name)
	    with h5py.File(name, "a") as f:
	        for k, v in attrs.items():
	            f.attrs[k] = v
	variant("v2.h5", li_version=2)
	variant("tsne.h5", method="tsne")
	variant("umap.h5", method="umap")
	variant("foo.h5", method="foo")
	variant("fmt.h5", li_format="keras")
	variant("params.h5", params="[1, 2")
	variant("huge.h5", row_shape=np.array([1 << 40], np.int64))
	with h5py.File("plain.h5", "w") as f:
	    f["a"] = [1]
	with h5py.File("nomean.h5", "w") as f:
	    for k, v in h5py.File("m.h5").attrs.items():
	        f.attrs[k] = v
	shutil.copy("m.h5", "shape.h5")
	with h5py.File("shape.h5", "a") as f:
	    del f["components"]
	    f["components"] = [[1.0, 2.0]]
	data = open("m.h5", "rb").read()
	open("trunc.h5", "wb").write(data[: len(data) // 2])
	open("trunc.npy", "wb").write(open("x.npy", "rb").read()[:300])
	PY
	echo "not hdf5" >text.h5 && mkdir dir.h5
'

# expect_gone FILE...: none of these exists, nor a temporary of theirs
expect_gone() {
	for f in "$@"; do
		if [ -e "$f" ] || ls "$f".tmp.* >/dev/null 2>&1; then
			echo "left behind: $f" >&2
			return 1
		fi
	done
}

# program args | the one line it must print (exit status 1, no output file)
while IFS='|' read -r args line; do
	test_expect_success "li-reduce $args" "
		rm -f out.npy out.h5 out.json &&
		expect_err \"\$line\" li-reduce $args -o out.npy --save out.h5 --report out.json &&
		expect_gone out.npy out.h5 out.json
	"
done <<'TABLE'
empty.npy|li-reduce: error: empty.npy: no rows: at least 2 are needed to fit a map
one.npy|li-reduce: error: one.npy: only 1 row: at least 2 are needed to fit a map
nan.npy|li-reduce: error: nan.npy: row 17: not a finite number (NaN or infinity)
inf.npy|li-reduce: error: inf.npy: row 44: not a finite number (NaN or infinity)
same.npy|li-reduce: error: same.npy: all rows are equal: there is no variance to reduce
--dims 3 twocol.npy|li-reduce: error: twocol.npy: 3 dimensions asked, but rows have only 2 numbers
scalar.npy|li-reduce: error: scalar.npy: a 0-d array has no rows to fit
trunc.npy|li-reduce: error: trunc.npy: shape claims 2000 bytes of data but the file holds 172
missing.npy|li-reduce: error: missing.npy: No such file or directory
--whiten rank1.npy|li-reduce: error: rank1.npy: component 2 has no variance: cannot whiten
--whiten --solver svd rank1.npy|li-reduce: error: rank1.npy: component 2 has no variance: cannot whiten
--dims 3 two.npy|li-reduce: error: two.npy: 3 components asked from only 2 rows
TABLE

while IFS='|' read -r args line; do
	test_expect_success "li-reduce --transform $args" "
		rm -f out.npy &&
		expect_err \"\$line\" li-reduce -o out.npy --transform $args && expect_gone out.npy
	"
done <<'TABLE'
v2.h5 x.npy|li-reduce: error: v2.h5: map file version 2 is newer than this program reads (1)
umap.h5 x.npy|li-reduce: error: umap.h5: params: 'n_neighbors' is missing or not a number
foo.h5 x.npy|li-reduce: error: foo.h5: unknown method 'foo'
fmt.h5 x.npy|li-reduce: error: fmt.h5: not a map file (li_format is 'keras')
plain.h5 x.npy|li-reduce: error: plain.h5: not a map file (no 'li_format' attribute)
params.h5 x.npy|li-reduce: error: params.h5: attribute 'params' is not a JSON object
nomean.h5 x.npy|li-reduce: error: nomean.h5: no 'components' dataset
huge.h5 x.npy|li-reduce: error: huge.h5: dataset 'components' has the wrong shape
shape.h5 x.npy|li-reduce: error: shape.h5: dataset 'components' has the wrong shape
trunc.h5 x.npy|li-reduce: error: trunc.h5: cannot open as HDF5 (damaged file?)
text.h5 x.npy|li-reduce: error: text.h5: not an HDF5 file
missing.h5 x.npy|li-reduce: error: missing.h5: No such file or directory
dir.h5 x.npy|li-reduce: error: dir.h5: is a directory
m.h5 twocol.npy|li-reduce: error: twocol.npy: rows have 2 numbers; the map expects 5
m.h5 nan-late.npy|li-reduce: error: nan-late.npy: row 2500: not a finite number (NaN or infinity)
m.h5 trunc.npy|li-reduce: error: trunc.npy: shape claims 2000 bytes of data but the file holds 172
TABLE

while IFS='|' read -r args input line; do
	test_expect_success "li-invert $args <<< '$input'" "
		printf '$input' >in.txt &&
		rm -f out.npy &&
		expect_err \"\$line\" li-invert -o out.npy $args <in.txt && expect_gone out.npy
	"
done <<'TABLE'
tsne.h5|1 2\n|li-invert: error: tsne.h5: no 'training_rows' dataset
umap.h5|1 2\n|li-invert: error: umap.h5: params: 'n_neighbors' is missing or not a number
v2.h5|1 2\n|li-invert: error: v2.h5: map file version 2 is newer than this program reads (1)
trunc.h5|1 2\n|li-invert: error: trunc.h5: cannot open as HDF5 (damaged file?)
m.h5|1 2 3\n|li-invert: error: <stdin>: line 1: 3 numbers; the map needs 2 per point
m.h5|1 2\n# c\n4\n|li-invert: error: <stdin>: line 3: 1 number; the map needs 2 per point
m.h5|1 x\n|li-invert: error: <stdin>: line 1: 'x' is not a finite number
m.h5|1,nan\n|li-invert: error: <stdin>: line 1: 'nan' is not a finite number
m.h5 x.npy||li-invert: error: x.npy: coordinates of shape (50, 5); the map needs N x 2
m.h5 c3.npy||li-invert: error: c3.npy: coordinates of shape (4, 3); the map needs N x 2
m.h5 trunc.npy||li-invert: error: trunc.npy: shape claims 2000 bytes of data but the file holds 172
m.h5 missing.npy||li-invert: error: missing.npy: No such file or directory
TABLE

test_expect_success 'non-finite .npy coordinates: the row number counts from the start' '
	$PY -c "
import numpy as np
p = np.zeros((5000, 2)); p[4500, 1] = np.nan; np.save(\"p.npy\", p)
" &&
	expect_err "li-invert: error: p.npy: row 4500: not a finite number (NaN or infinity)" \
		li-invert -o out.npy m.h5 p.npy && expect_gone out.npy
'

# usage errors: exit status 2
while IFS='|' read -r prog args line; do
	test_expect_success "usage: $prog $args" "
		must_fail 2 $prog $args x.npy >/dev/null 2>err && head -1 err | sed 's/ (try .*--help.)\$//' >first &&
		echo \"\$line\" >want && cmp want first
	"
done <<'TABLE'
li-reduce|--method foo|li-reduce: error: --method: 'foo' is not pca, umap or tsne
li-reduce|--dims 4|li-reduce: error: --dims: '4' is not 2 or 3
li-reduce|--solver qr|li-reduce: error: --solver: 'qr' is not auto, eig, svd or randomized
li-reduce|--transform m.h5 --whiten|li-reduce: error: --transform takes none of the fitting options
li-reduce|--trust-rows -1|li-reduce: error: --trust-rows: '-1' is not a count up to 1000000
li-reduce|x.npy|li-reduce: error: one input at a time
li-invert|m.h5 x.npy|li-invert: error: one map and one coordinate input at a time
TABLE

test_expect_success 'usage: li-invert without a map' '
	must_fail 2 li-invert 2>err && grep -q "a map file is needed" err
'
test_expect_success '--save to a directory is refused; to a pipe it writes through (t0021)' '
	mkfifo fifo && mkdir -p d.h5 &&
	expect_err "li-reduce: error: d.h5: is a directory" li-reduce -q --save d.h5 x.npy
'
test_expect_success '--report and -o into a pipe write through it; the pipe stays a pipe' '
	{ cat fifo >got.json & } &&
	li-reduce -q --report fifo x.npy >/dev/null && wait &&
	test -p fifo && $PY -c "import json; assert json.load(open(\"got.json\"))[\"method\"] == \"pca\"" &&
	{ cat fifo >got.npy & } &&
	li-reduce -q -o fifo x.npy && wait && test -p fifo && li-reduce -q x.npy | cmp - got.npy
'
test_expect_success '--help and --version exit 0 on standard output' '
	li-reduce --help | grep -q "^usage: li-reduce" && li-invert --help | grep -q "^usage: li-invert" &&
	li-reduce --version | grep -q "^li-reduce (Latent Inspector)"
'
test_done
