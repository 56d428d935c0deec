#!/usr/bin/env bash
# Every data format reads into the same array numpy holds: reference files are made by
# numpy, scipy.io.savemat and Python's csv, json and gzip modules; li-convert turns each
# into .npy, which numpy compares with the original. Files and pipes, gzip or not.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'make the reference files' '
	$PY - <<-\PYEOF
	import numpy as np, json, csv, gzip, scipy.io as sio
	rng = np.random.default_rng(7)
	x = rng.standard_normal((5, 3))
	np.save("x.npy", x)
	json.dump(x.tolist(), open("x.json", "w"))
	json.dump({"name": "demo", "x": x.tolist()}, open("obj.json", "w"))
	xi = np.arange(24).reshape(2, 3, 4)
	np.save("xi.npy", xi)
	json.dump(xi.tolist(), open("xi.json", "w"))
	with open("x.csv", "w", newline="") as f:
	    w = csv.writer(f)
	    w.writerow(["a", "b", "c"])
	    w.writerows(x.tolist())
	with open("x.tsv", "w", newline="") as f:
	    csv.writer(f, delimiter="\t").writerows(x.tolist())
	sio.savemat("x5.mat", {"x": x})
	sio.savemat("x4.mat", {"x": x}, format="4")
	def idx(path, a, code):
	    head = bytes([0, 0, code, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
	    data = head + a.astype(a.dtype.newbyteorder(">")).tobytes()
	    (gzip.open if path.endswith(".gz") else open)(path, "wb").write(data)
	img = rng.integers(0, 256, (7, 4, 5)).astype(np.uint8)
	np.save("img.npy", img)
	idx("img-idx3-ubyte", img, 0x08)
	idx("img-idx3-ubyte.gz", img, 0x08)
	f32 = rng.standard_normal((4, 2)).astype(np.float32)
	np.save("f32.npy", f32)
	idx("f32.idx", f32, 0x0D)
	i16 = rng.integers(-30000, 30000, (6,)).astype(np.int16)
	np.save("i16.npy", i16)
	idx("i16-idx1-ubyte", i16, 0x0B)
	for name in ["x.csv", "x.json", "x.npy"]:
	    gzip.open(name + ".gz", "wb").write(open(name, "rb").read())
	PYEOF
'

# file | reference .npy
cases='x.npy|x.npy
x.json|x.npy
obj.json|x.npy
xi.json|xi.npy
x.csv|x.npy
x.tsv|x.npy
x5.mat|x.npy
x4.mat|x.npy
img-idx3-ubyte|img.npy
img-idx3-ubyte.gz|img.npy
f32.idx|f32.npy
i16-idx1-ubyte|i16.npy
x.csv.gz|x.npy
x.json.gz|x.npy
x.npy.gz|x.npy'

check() { # ours.npy reference.npy
	$PY -c "
import numpy as np, sys
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape == b.shape, (a.shape, b.shape)
assert a.dtype == b.dtype, (a.dtype, b.dtype)
assert np.array_equal(a, b), (a, b)
" "$1" "$2"
}

while IFS='|' read -r file ref; do
	test_expect_success "li-convert reads $file as numpy holds it" '
		li-convert $file -o ours.npy && check ours.npy $ref
	'
done <<<"$cases"

while IFS='|' read -r file ref; do
	case $file in *.mat) continue ;; esac
	test_expect_success "$file through a pipe (format found by content)" '
		cat $file | li-convert - -o ours.npy && check ours.npy $ref
	'
done <<<"$cases"

test_expect_success '.mat from standard input (spooled for matio)' '
	cat x5.mat | li-convert -o ours.npy && check ours.npy x.npy
'

test_expect_success 'li-info describes each format' '
	li-info x.json x.csv x5.mat img-idx3-ubyte.gz obj.json >out &&
	grep -q "^x.json: json, float64, shape (5, 3)$" out &&
	grep -q "^x.csv: csv, float64, shape (5, 3)$" out &&
	grep -q "^x5.mat: mat, variable .x., float64, shape (5, 3)$" out &&
	grep -q "^img-idx3-ubyte.gz: idx (gzip), uint8, shape (7, 4, 5)$" out &&
	grep -q "^obj.json: json, variable .x., float64, shape (5, 3)$" out
'

test_expect_success 'li-info value summary agrees with numpy' '
	li-info img-idx3-ubyte >out &&
	$PY -c "
import numpy as np
a = np.load(\"img.npy\").astype(float)
want = \"  min %.9g, max %.9g, mean %.9g, nan 0, inf 0\" % (a.min(), a.max(), a.mean())
got = open(\"out\").read().splitlines()[1]
assert got == want, (got, want)
"
'

test_expect_success 'li-convert writes csv, tsv, json and mat that Python reads back' '
	li-convert x.npy -o back.csv && li-convert x.npy -o back.tsv &&
	li-convert x.npy -o back.json && li-convert xi.npy --to json >backi.json &&
	li-convert x.npy -o back5.mat && li-convert x.npy --mat-version 4 -o back4.mat &&
	li-convert xi.npy --out-var y --mat-version 7.3 -o back73.mat &&
	$PY -c "
import numpy as np, json, scipy.io as sio, h5py
x, xi = np.load(\"x.npy\"), np.load(\"xi.npy\")
assert np.array_equal(np.loadtxt(\"back.csv\", delimiter=\",\"), x)
assert np.array_equal(np.loadtxt(\"back.tsv\", delimiter=\"\t\"), x)
assert np.array_equal(np.array(json.load(open(\"back.json\"))), x)
assert np.array_equal(np.array(json.load(open(\"backi.json\"))), xi)
assert np.array_equal(sio.loadmat(\"back5.mat\")[\"x\"], x)
assert np.array_equal(sio.loadmat(\"back4.mat\")[\"x\"], x)
with h5py.File(\"back73.mat\") as f:
    y = f[\"y\"][()]
    assert f[\"y\"].attrs[\"MATLAB_class\"] == b\"int64\"
assert np.array_equal(y.transpose(), xi), y.shape
"
'

test_expect_success 'round trips through every output format' '
	for fmt in csv tsv json mat; do
		li-convert x.npy -o rt.$fmt && li-convert rt.$fmt -o rt.npy && check rt.npy x.npy || exit 1
	done
'

test_expect_success '--scale and --offset: x * S + O after conversion to float32' '
	li-convert img-idx3-ubyte --scale 0.5 --offset -1 -o ours.npy &&
	$PY -c "
import numpy as np
a = np.load(\"ours.npy\"); b = np.load(\"img.npy\").astype(np.float32) * np.float32(0.5) + np.float32(-1)
assert a.dtype == np.float32 and np.array_equal(a, b)
"
'

test_expect_success '--reshape gives each row a shape' '
	li-convert img-idx3-ubyte --reshape 20 -o flat.npy &&
	li-convert img-idx3-ubyte --reshape 2,-1 -o two.npy &&
	$PY -c "
import numpy as np
img = np.load(\"img.npy\")
assert np.array_equal(np.load(\"flat.npy\"), img.reshape(7, 20))
assert np.array_equal(np.load(\"two.npy\"), img.reshape(7, 2, 10))
" &&
	expect_err "li-convert: error: img-idx3-ubyte: cannot reshape rows of 20 elements into 21" \
		li-convert img-idx3-ubyte --reshape 3,7 -o bad.npy &&
	must_fail 2 li-convert img-idx3-ubyte --reshape 3,x -o bad.npy 2>/dev/null &&
	! ls bad.npy* 2>/dev/null
'

test_expect_success 'the distribution'"'"'s Fashion-MNIST (IDX, gzip) reads as numpy reads it' '
	dir=/usr/share/datasets/fashion-mnist &&
	if ! [ -f $dir/t10k-labels-idx1-ubyte.gz ]; then echo "# skipped: no $dir"; exit 0; fi &&
	li-convert $dir/t10k-labels-idx1-ubyte.gz -o y.npy &&
	li-info -q $dir/t10k-images-idx3-ubyte.gz >out &&
	grep -q "uint8, shape (10000, 28, 28)$" out &&
	$PY -c "
import numpy as np, gzip
raw = gzip.open(\"$dir/t10k-labels-idx1-ubyte.gz\").read()
y = np.frombuffer(raw[8:], dtype=np.uint8)
assert np.array_equal(np.load(\"y.npy\"), y)
"
'

test_done
