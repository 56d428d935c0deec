#!/usr/bin/env bash
# li-split and model conversion on the graph models TF.js makes (scripts/tfjs/make-models.js:
# Sequential, residual, U-Net-like, nested, multi-input/output with a shared layer, two
# heads; scripts/tfjs/make-semantics.js: GRU, hard_sigmoid, bilinear UpSampling2D,
# BatchNormalization, Softmax), read as TF.js model.json and as Keras .h5 of every dialect.
# At every split point the tail run on the head's output equals the whole model bit for
# bit; the written files have the tf.keras 2.4 layout; the same input gives the same bytes.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/split-lib.sh"

if ! "$LI_TOP/scripts/tfjs/setup" >/dev/null 2>&1; then
	test_skip 'split of TF.js models' 'TensorFlow.js is not installed (scripts/tfjs/setup)'
	test_done
	exit 0
fi
. "$LI_TOP/tests/tools/tfjs_models.sh"
H5=$LI_TOP/scripts/tfjs-to-keras-h5

close() { # a b: same shape, within 1e-5 relative / 1e-5 absolute
	$PY - "$1" "$2" <<'PYEOF'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
if a.shape != b.shape:
    sys.exit("%s: shape %s, expected %s" % (sys.argv[1], a.shape, b.shape))
if not np.allclose(a, b, rtol=1e-5, atol=1e-5):
    sys.exit("%s: max difference %g" % (sys.argv[1], np.abs(a - b).max()))
PYEOF
}

test_expect_success 'every dialect of every model is written (cached in build/ref)' '
	tfjs_models --h5
'

# Each cut is three runs. `make check-long` cuts every model in every form; `make check`
# every model.json and one .h5 dialect per model, in turn (each dialect is still cut at
# every point of two or three models; the conversions below read every dialect of every
# model).
if is_long; then split_forms=all min_cuts=150; else split_forms='model.json, one .h5 dialect each' min_cuts=80; fi
dialects_of() { # I: the .h5 dialects cut for the I-th model
	local all=(k2 k25 k3)
	if is_long; then echo "${all[@]}"; else echo "${all[$(($1 % 3))]}"; fi
}
test_expect_success "every split point of every model ($split_forms): tail(head(x)) is the model, bit for bit" '
	for m in seq residual unet nested twohead seqnest gru hsig bilinear; do
		split_all mm/$m/model.json mm/$m/input_0.npy || exit 1
	done &&
	i=0 &&
	for m in seq residual unet nested twohead gru hsig bilinear; do
		for d in $(dialects_of $i); do
			split_all mm/$m/$d.h5 mm/$m/input_0.npy || exit 1
		done
		i=$((i + 1))
	done &&
	split_all mm/seq/k1.h5 mm/seq/input_0.npy &&
	cat cuts.txt &&
	test "$(grep -c " 0\$" cuts.txt)" = 0 &&
	test "$(awk "{ n += \$2 } END { print n }" cuts.txt)" -ge $min_cuts
'

test_expect_success 'the parts are the expected models: chains stay Sequential, tails start from a new input' '
	li-split mm/residual/model.json --at add1 --head rh.h5 --tail rt.h5 &&
	li-split mm/seq/k25.h5 --at d2 &&
	test -f mm/seq/k25.head.h5 && test -f mm/seq/k25.tail.h5 &&
	li-split mm/nested/k3.h5 --at block --head nh.h5 --tail nt.h5 &&
	$PY - <<-\PYEOF
	import h5py, json
	def cfg(p):
	    f = h5py.File(p, "r")
	    return json.loads(f.attrs["model_config"]), f
	c, f = cfg("rh.h5")
	assert c["class_name"] == "Functional", c["class_name"]
	assert [l["name"] for l in c["config"]["layers"]] == ["x", "stem", "b1_a", "b1_b", "add1"]
	assert c["config"]["output_layers"] == [["add1", 0, 0]]
	assert f.attrs["keras_version"] == "tfjs-layers 4.22.0" and f.attrs["backend"] == "tensor_flow.js"
	c, f = cfg("rt.h5")
	l = c["config"]["layers"]
	assert l[0]["class_name"] == "InputLayer" and l[0]["name"] == "add1_input", l[0]
	assert l[0]["config"]["batch_input_shape"] == [None, 6]
	add2 = [x for x in l if x["name"] == "add2"][0]
	assert add2["inbound_nodes"] == [[["add1_input", 0, 0, {}], ["b2_b", 0, 0, {}]]], add2
	c, f = cfg("mm/seq/k25.head.h5")
	assert c["class_name"] == "Sequential"
	assert [x["config"]["name"] for x in c["config"]["layers"]] == ["d1_input", "d1", "d2"]
	c, f = cfg("mm/seq/k25.tail.h5")
	assert c["class_name"] == "Sequential"
	assert [x["class_name"] for x in c["config"]["layers"]] == ["InputLayer", "Dense"]
	src = h5py.File("mm/seq/k25.h5", "r")
	assert f.attrs["keras_version"] == src.attrs["keras_version"], f.attrs["keras_version"]
	assert f.attrs["backend"] == src.attrs["backend"]
	c, f = cfg("nh.h5")  # nested models are flattened
	names = [x["config"]["name"] for x in c["config"]["layers"]]
	assert "block_inner_a" in names and "block" not in names, names
	PYEOF
'

test_expect_success 'written files have the tf.keras 2.4 layout' '
	ref=$(ls $FIXTURES/keras/kerasjs/core.Dense.*/synth_model.h5 | head -1) && test -n "$ref" &&
	for f in rh.h5 rt.h5 nh.h5 nt.h5 mm/seq/k25.head.h5 mm/seq/k25.tail.h5; do
		layout_check $f "$ref" || { echo $f; exit 1; }
	done
'

test_expect_success 'same model, same cut: the same bytes; a split file splits again' '
	li-split mm/residual/model.json --at add1 --head rh2.h5 --tail rt2.h5 &&
	cmp rh.h5 rh2.h5 && cmp rt.h5 rt2.h5 &&
	li-split rt.h5 --at add2 --head a.h5 --tail b.h5 &&
	li-embed -q rh.h5 mm/residual/input_0.npy -o z1.npy &&
	li-embed -q a.h5 z1.npy -o z2.npy &&
	li-propagate -q b.h5 z2.npy -o y.npy &&
	li-propagate -q mm/residual/model.json mm/residual/input_0.npy -o ref.npy &&
	cmp y.npy ref.npy &&
	split_all rt.h5 z1.npy
'

test_expect_success 'li-convert: TF.js model.json to .h5 keeps the outputs of every model' '
	for m in seq residual unet nested twohead seqnest gru hsig bilinear; do
		li-convert mm/$m/model.json -o c.h5 &&
		li-propagate -q c.h5 mm/$m/input_0.npy -o a.npy &&
		li-propagate -q mm/$m/model.json mm/$m/input_0.npy -o b.npy &&
		for f in b*.npy; do cmp $f a${f#b} || exit 1; done &&
		close $(ls a*.npy | head -1) mm/$m/expected_0.npy || { echo $m; exit 1; }
		rm -f a*.npy b*.npy
	done &&
	li-convert mm/multiio/model.json -o mi.h5 &&
	for o in out_sum:0 out_b:1; do
		li-embed -q mi.h5 mm/multiio/input_0.npy mm/multiio/input_1.npy --at ${o%:*} -o a.npy &&
		li-embed -q mm/multiio/model.json mm/multiio/input_0.npy mm/multiio/input_1.npy \
			--at ${o%:*} -o b.npy &&
		cmp a.npy b.npy && close a.npy mm/multiio/expected_${o#*:}.npy || exit 1
	done &&
	layout_check mi.h5 "" &&
	li-convert mm/multiio/model.json -o mi2.h5 && cmp mi.h5 mi2.h5
'

test_expect_success 'li-convert: .h5 to .h5 in every dialect keeps the outputs' '
	for m in seq residual unet nested twohead gru hsig bilinear; do
		for d in k2 k25 k3; do
			li-convert mm/$m/$d.h5 -o c.h5 &&
			li-propagate -q c.h5 mm/$m/input_0.npy -o a.npy &&
			li-propagate -q mm/$m/$d.h5 mm/$m/input_0.npy -o b.npy &&
			for f in b*.npy; do cmp $f a${f#b} || exit 1; done
			rm -f a*.npy b*.npy
		done
	done
'

test_expect_success 'meaning kept: TF.js GRU, bilinear sampling and Keras 3 hard_sigmoid survive split and conversion' '
	for m in gru bilinear; do
		li-convert mm/$m/model.json -o c.h5 && li-split -q c.h5 --at 2 --head h.h5 --tail t.h5 &&
		li-embed -q h.h5 mm/$m/input_0.npy -o z.npy && li-propagate -q t.h5 z.npy -o y.npy &&
		close y.npy mm/$m/expected_0.npy || { echo $m; exit 1; }
	done &&
	li-convert mm/gru/model.json -o g.h5 &&
	$PY - <<-\PYEOF &&
	import h5py, json
	f = h5py.File("g.h5", "r")
	l = {x["config"]["name"]: x["config"] for x in json.loads(f.attrs["model_config"])["config"]["layers"]}
	assert l["gru"]["reset_after"] is False and l["gru"]["recurrent_activation"] == "hard_sigmoid"
	assert l["prob"]["axis"] in (1, -1)
	PYEOF
	li-embed -q mm/hsig/k3.h5 mm/hsig/input_0.npy -o k3.npy &&
	! close k3.npy mm/hsig/expected_0.npy 2>/dev/null &&
	li-convert mm/hsig/k3.h5 -o c3.h5 && li-split -q c3.h5 --at hs --head h.h5 --tail t.h5 &&
	li-embed -q h.h5 mm/hsig/input_0.npy -o z.npy && li-propagate -q t.h5 z.npy -o y.npy &&
	cmp y.npy k3.npy &&
	$PY -c "
import h5py, numpy as np
f = h5py.File(\"c3.h5\", \"r\"); assert f.attrs[\"keras_version\"].startswith(\"3.\")
x = np.load(\"mm/hsig/input_0.npy\")
g = h5py.File(\"mm/hsig/k3.h5\", \"r\")[\"model_weights\"]
def w(l, n):
    for k in g[l].attrs[\"weight_names\"]:
        k = k.decode() if isinstance(k, bytes) else k
        if k.split(\"/\")[-1].split(\":\")[0] == n: return g[l][k][()]
h = x @ w(\"hs\", \"kernel\") + w(\"hs\", \"bias\")
h = np.clip(h + 3, 0, 6) / 6  # Keras 3 hard_sigmoid
y = h @ w(\"out\", \"kernel\") + w(\"out\", \"bias\")
assert np.allclose(np.load(\"y.npy\"), y, rtol=1e-5, atol=1e-6), np.abs(np.load(\"y.npy\") - y).max()"
'

test_done
