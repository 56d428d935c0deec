#!/usr/bin/env bash
# Bad .keras files give one line and status 1, never a crash: a truncated zip, a zip
# bomb (a member claiming more than the bound, or inflating far beyond its compressed
# size), a damaged member (CRC), missing members, .npz weights, malformed JSON, weights
# that are not HDF5, a variable missing or of the wrong shape. The format is known by
# content: a zip named .h5 is read as .keras, garbage named .keras is not a zip.
. "$(dirname "$0")/../lib.sh"
MN=$LI_TOP/tests/fixtures/keras3/mnist-cnn-keras3.1.1-moonflower

test_expect_success 'setup: damaged copies of the MNIST .keras' '
	cp "$MN/model.keras" m.keras &&
	$PY - <<-PYEOF
	import io, struct, zipfile, h5py, numpy as np
	src = zipfile.ZipFile("m.keras")
	parts = {n: src.read(n) for n in src.namelist()}
	data = open("m.keras", "rb").read()
	def write(name, members, comp=zipfile.ZIP_STORED):
	    with zipfile.ZipFile(name, "w", comp) as z:
	        for n, d in members.items():
	            z.writestr(n, d)
	def without(k):
	    return {n: d for n, d in parts.items() if n != k}
	open("truncated.keras", "wb").write(data[:len(data) // 2])
	write("noconfig.keras", without("config.json"))
	write("noweights.keras", without("model.weights.h5"))
	npz = without("model.weights.h5"); npz["model.weights.npz"] = b"PK\x05\x06" + bytes(18)
	write("npz.keras", npz)
	bad = dict(parts); bad["config.json"] = parts["config.json"][:-10]
	write("badjson.keras", bad)
	bomb = dict(parts); bomb["config.json"] = b" " * (100 << 20)
	write("bomb.keras", bomb, zipfile.ZIP_DEFLATED)
	# a member whose headers claim 60 MiB from a few hundred compressed bytes
	write("ratio.keras", parts, zipfile.ZIP_DEFLATED)
	b = bytearray(open("ratio.keras", "rb").read())
	z = zipfile.ZipFile("ratio.keras")
	for i in z.infolist():
	    if i.filename == "config.json":
	        struct.pack_into("<I", b, i.header_offset + 22, 60 << 20)
	        cd = b.find(b"PK\x01\x02")
	        while cd >= 0 and b[cd + 46:cd + 46 + 11] != b"config.json":
	            cd = b.find(b"PK\x01\x02", cd + 4)
	        struct.pack_into("<I", b, cd + 24, 60 << 20)
	open("ratio.keras", "wb").write(bytes(b))
	noth5 = dict(parts); noth5["model.weights.h5"] = b"not an HDF5 file" * 16
	write("noth5.keras", noth5)
	crc = bytearray(data); k = data.index(b"\"Sequential\""); crc[k + 1] ^= 0x20
	open("crc.keras", "wb").write(bytes(crc))
	def edit(fn, name):
	    f = h5py.File(io.BytesIO(parts["model.weights.h5"]), "r")
	    out = io.BytesIO()
	    g = h5py.File(out, "w")
	    for k in f:
	        f.copy(f[k], g, k)
	    fn(g)
	    g.close()
	    m = dict(parts); m["model.weights.h5"] = out.getvalue(); write(name, m)
	def shape(g):
	    del g["layers/dense/vars/0"]; g["layers/dense/vars/0"] = np.zeros((1600, 9), "f4")
	def missing(g):
	    del g["layers/conv2d_1/vars/0"]
	def stray(g):
	    g["layers/dense/extra/vars/0"] = np.zeros(3, "f4")
	edit(shape, "shape.keras"); edit(missing, "missing.keras"); edit(stray, "stray.keras")
	open("garbage.keras", "wb").write(b"PK\x03\x04" + bytes(200))
	PYEOF
'

while IFS='|' read -r f msg; do
	test_expect_success "$f: one line" 'expect_err "li-layers: error: $f: $msg" li-layers "$f"'
done <<'CASES'
truncated.keras|not a readable zip archive (Not a zip archive)
garbage.keras|not a readable zip archive (Not a zip archive)
noconfig.keras|no 'config.json' in the .keras archive
noweights.keras|no 'model.weights.h5' in the .keras archive
npz.keras|the weights are 'model.weights.npz' (pickled Python objects), which are not read: save with weights_format="h5"
badjson.keras|'config.json' is malformed JSON at line 1: premature end of input near '"jit_compile'
bomb.keras|member 'config.json' claims 104857600 bytes, more than the 67108864 allowed
noth5.keras|'model.weights.h5' is not a readable HDF5 file
crc.keras|member 'config.json' is damaged (CRC error)
shape.keras|layer 'dense' (Dense): weight 'vars/0' has shape (1600, 9), the config needs (1600, 10)
missing.keras|layer 'conv2d_1': variable 0 is missing from 'layers/conv2d_1/vars'
stray.keras|layer 'dense' (Dense): weights at 'layers/dense/extra' that this reader does not map
CASES

test_expect_success 'ratio.keras: a member inflating far past its compressed size' '
	must_fail 1 li-layers ratio.keras 2>err.txt &&
	grep -q "^li-layers: error: ratio.keras: member .config.json. would inflate from [0-9]* to 62914560 bytes (a zip bomb?)$" err.txt
'

test_expect_success 'the format is known by content, not by name' '
	cp m.keras zipped.h5 && li-layers zipped.h5 | grep -q "format keras-zip" &&
	must_fail 1 li-embed -q shape.keras "$MN/input.npy" -o never.npy 2>/dev/null &&
	test ! -e never.npy
'
test_done
