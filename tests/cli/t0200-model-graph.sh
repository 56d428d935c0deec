#!/usr/bin/env bash
# The model engine on graph-shaped models made by TensorFlow.js (scripts/tfjs/make-models.js:
# Sequential, residual, U-Net-like, nested, multi-input/output with shared layers, two
# heads), each read as TF.js model.json and as Keras .h5 of every dialect
# (scripts/tfjs-to-keras-h5). Expected outputs and cut activations come from TF.js' cpu
# backend; split points are known by construction.
. "$(dirname "$0")/../lib.sh"

if ! "$LI_TOP/scripts/tfjs/setup" >/dev/null 2>&1; then
	test_skip 'graph models' 'TensorFlow.js is not installed (scripts/tfjs/setup)'
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

splits() { # model: the rows li-layers marks as split points
	li-layers --json "$1" | $PY -c '
import json, sys
print(" ".join(l["name"] for l in json.load(sys.stdin)["layers"] if l["split"]))'
}

test_expect_success 'every dialect of every model is written (cached in build/ref)' '
	tfjs_models --h5 &&
	$H5 mm/residual/model.json mm/residual/chunk.h5 --dialect k25 --chunk &&
	$H5 mm/nested/model.json mm/nested/wonly.h5 --weights-only mm/nested/arch.json
'

test_expect_success 'whole models match TF.js in every format' '
	for m in seq residual unet nested; do
		for f in model.json k2.h5 k25.h5 k3.h5; do
			li-embed -q mm/$m/$f mm/$m/input_0.npy -o out.npy &&
			close out.npy mm/$m/expected_0.npy || { echo "$m/$f"; exit 1; }
		done
	done &&
	li-embed -q mm/seq/k1.h5 mm/seq/input_0.npy -o out.npy &&
	close out.npy mm/seq/expected_0.npy &&
	li-embed -q mm/residual/chunk.h5 mm/residual/input_0.npy -o out.npy &&
	close out.npy mm/residual/expected_0.npy &&
	li-embed -q --config mm/nested/arch.json mm/nested/wonly.h5 mm/nested/input_0.npy -o out.npy &&
	close out.npy mm/nested/expected_0.npy &&
	li-embed -q mm/seqnest/model.json mm/seqnest/input_0.npy -o out.npy &&
	close out.npy mm/seqnest/expected_0.npy &&
	li-layers mm/seqnest/model.json | grep -q "^    0  inner_input  InputLayer  (4,) "
'

test_expect_success 'li-layers gives the same table for every dialect' '
	for m in seq residual unet nested multiio twohead; do
		li-layers mm/$m/model.json | sed "\$d" >js.txt &&
		for d in k2 k25 k3; do
			li-layers mm/$m/$d.h5 | sed "\$d" >h5.txt &&
			cmp js.txt h5.txt || { echo "$m $d"; diff js.txt h5.txt; exit 1; }
		done
	done
'

test_expect_success 'split points: Sequential, residual blocks, U-Net, nested, multi-io' '
	test "$(splits mm/seq/model.json)" = "d1_input d1 d2 d3" &&
	test "$(splits mm/residual/k3.h5)" = "x stem add1 add2 head" &&
	test "$(splits mm/unet/k2.h5)" = "x e1 m1 out" &&
	test "$(splits mm/nested/model.json)" = "x pre block/inner_a block/inner_b block merged post" &&
	test "$(splits mm/multiio/model.json)" = "" &&
	test "$(splits mm/twohead/model.json)" = "x trunk"
'

test_expect_success 'li-layers names the tensors crossing a non-split cut' '
	li-layers mm/unet/model.json >t.txt &&
	grep -q "^    3  mid .* no (e1, e2)\$" t.txt &&
	li-layers --json mm/residual/model.json >r.json &&
	$PY -c "
import json; l = json.load(open(\"r.json\"))[\"layers\"]
assert l[2][\"name\"] == \"b1_a\" and l[2][\"crossing\"] == [\"b1_a\", \"stem\"], l[2]
assert l[4][\"crossing\"] == [\"add1\"]"
'

test_expect_success 'li-embed --at gives the activations TF.js computes' '
	for c in seq:d1 seq:d2 residual:stem residual:b1_a residual:add1 residual:add2 \
		 unet:e1 unet:mid unet:m1 nested:pre nested:block nested:merged; do
		m=${c%%:*} l=${c#*:} &&
		li-embed -q mm/$m/k3.h5 mm/$m/input_0.npy --at $l -o out.npy &&
		close out.npy mm/$m/at_$l.npy || { echo "$c"; exit 1; }
	done &&
	li-embed -q mm/residual/model.json mm/residual/input_0.npy --at 4 -o out.npy &&
	close out.npy mm/residual/at_add1.npy &&
	li-embed -q mm/nested/k3.h5 mm/nested/input_0.npy --at block/inner_b -o out.npy &&
	close out.npy mm/nested/at_block.npy
'

test_expect_success 'li-propagate from a split point gives the whole model' '
	for c in seq:d1 seq:d2 residual:stem residual:add1 residual:add2 unet:e1 unet:m1 \
		 nested:pre nested:block nested:merged; do
		m=${c%%:*} l=${c#*:} &&
		li-propagate -q mm/$m/k2.h5 --at $l mm/$m/at_$l.npy -o out.npy &&
		close out.npy mm/$m/expected_0.npy || { echo "$c"; exit 1; }
	done
'

test_expect_success 'li-propagate refuses a cut inside a block, naming the crossing tensors' '
	expect_err "li-propagate: error: mm/residual/model.json: cannot cut after '"'"'b1_a'"'"': '"'"'stem'"'"' also crosses the cut" \
		li-propagate mm/residual/model.json --at b1_a mm/residual/at_b1_a.npy -o cut.npy &&
	test ! -e cut.npy &&
	expect_err "li-propagate: error: mm/unet/k3.h5: cannot cut after '"'"'mid'"'"': '"'"'e1'"'"', '"'"'e2'"'"' also cross the cut" \
		li-propagate mm/unet/k3.h5 --at mid mm/unet/at_mid.npy
'

test_expect_success 'several inputs, a shared layer and a nested model called twice' '
	for f in model.json k2.h5 k3.h5; do
		li-embed -q mm/multiio/$f mm/multiio/input_0.npy mm/multiio/input_1.npy --at sum -o out.npy &&
		close out.npy mm/multiio/at_sum.npy &&
		li-embed -q mm/multiio/$f mm/multiio/input_0.npy mm/multiio/input_1.npy --at shared@1 -o out.npy &&
		close out.npy mm/multiio/at_shared_1.npy &&
		li-embed -q mm/multiio/$f mm/multiio/input_0.npy mm/multiio/input_1.npy --at out_b -o out.npy &&
		close out.npy mm/multiio/expected_1.npy || { echo $f; exit 1; }
	done &&
	expect_err "li-embed: error: mm/seq/input_0.npy: '"'"'in_b'"'"' takes rows of shape (4,), the data has (5,)" \
		li-embed mm/multiio/model.json mm/multiio/input_0.npy mm/seq/input_0.npy --at sum
'

test_expect_success 'several outputs: each to its own file, or one by --output-name' '
	li-propagate -q mm/twohead/k3.h5 mm/twohead/input_0.npy -o two.npy &&
	close two.head_a.npy mm/twohead/expected_0.npy &&
	close two.head_b.npy mm/twohead/expected_1.npy &&
	li-propagate -q mm/twohead/model.json --at trunk --output-name head_b mm/twohead/at_trunk.npy -o b.npy &&
	close b.npy mm/twohead/expected_1.npy &&
	must_fail 2 li-propagate mm/twohead/model.json mm/twohead/input_0.npy 2>err &&
	grep -q "several outputs" err
'

test_expect_success '--argmax and --names' '
	$H5 mm/twohead/model.json named.h5 --class-names "[\"zero\", \"one\", \"two\"]" &&
	li-propagate -q named.h5 --output-name head_b --argmax mm/twohead/input_0.npy -o idx.npy &&
	li-propagate -q named.h5 --output-name head_b --names mm/twohead/input_0.npy -o names.txt &&
	$PY -c "
import numpy as np
e = np.load(\"mm/twohead/expected_1.npy\").argmax(1)
i = np.load(\"idx.npy\"); assert i.dtype == np.int64 and (i == e).all(), (i, e)
n = open(\"names.txt\").read().split(); assert n == [[\"zero\",\"one\",\"two\"][k] for k in e], n" &&
	expect_err "li-propagate: error: mm/twohead/k2.h5: the model has no class names (root attribute li_class_names)" \
		li-propagate mm/twohead/k2.h5 --output-name head_b --names mm/twohead/input_0.npy
'

test_expect_success 'rows stream in small batches, through pipes' '
	li-embed -q --batch 2 mm/unet/model.json --at e1 <mm/unet/input_0.npy |
		li-propagate -q --batch 3 mm/unet/model.json --at e1 >out.npy &&
	close out.npy mm/unet/expected_0.npy &&
	for at in pre block merged; do
		li-embed -q --batch 2 mm/nested/k2.h5 mm/nested/input_0.npy --at $at |
			li-propagate -q --batch 3 mm/nested/k3.h5 --at $at >out.npy &&
		close out.npy mm/nested/expected_0.npy || exit 1
	done &&
	li-embed -q --batch 1 mm/multiio/model.json mm/multiio/input_0.npy mm/multiio/input_1.npy --at out_sum -o out.npy &&
	close out.npy mm/multiio/expected_0.npy
'

test_expect_success 'preprocessing: --scale/--offset, --reshape and the automatic reshape' '
	$PY -c "
import numpy as np
x = np.load(\"mm/seq/input_0.npy\")
np.save(\"x2.npy\", ((x - 1) / 2).reshape(7, 5, 1))
np.save(\"x3.npy\", x.reshape(7, 1, 5))" &&
	li-embed -q --scale 2 --offset 1 mm/seq/model.json x2.npy -o out.npy &&
	close out.npy mm/seq/expected_0.npy &&
	li-embed -q --reshape 5 mm/seq/model.json x3.npy -o out.npy &&
	close out.npy mm/seq/expected_0.npy &&
	expect_err "li-embed: error: x3.npy: --reshape (4,) does not fit rows of shape (1, 5)" \
		li-embed --reshape 4 mm/seq/model.json x3.npy
'

test_expect_success 'mutation: one changed weight makes the comparison fail' '
	cp -r mm/seq mut && $PY -c "
import numpy as np
w = np.fromfile(\"mut/weights.bin\", \"<f4\"); w[3] += 0.25; w.tofile(\"mut/weights.bin\")" &&
	li-embed -q mut/model.json mut/input_0.npy -o out.npy &&
	! close out.npy mm/seq/expected_0.npy 2>/dev/null
'

test_done
