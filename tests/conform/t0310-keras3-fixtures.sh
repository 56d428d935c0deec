#!/usr/bin/env bash
# Real Keras 3 .keras files (tests/fixtures/keras3, copied byte for byte from
# ../shared/fixtures/keras3 with their source.txt): the Moonflower MNIST CNN (Keras 3.1.1)
# and its sibling .h5 meet their own expected outputs within 1e-5; the deep-cluster
# encoder (Keras 3.5.0) ends in a custom class, which is listed as not runnable and
# refused by name when a run needs it, while --at the layer before it meets the fixture;
# the keras-team subclassed model (Keras 3.15.0) is refused (no layer graph); the Keras
# 2.10 HDF5 file named .keras (no licence, so only read from ../shared) runs as HDF5.
# The independent numpy reader (tests/tools/keras3_reader.py) meets the same numbers on
# the real files, which is what lets it judge the files we write (t0311).
. "$(dirname "$0")/../lib.sh"
FX=$LI_TOP/tests/fixtures/keras3
MN=$FX/mnist-cnn-keras3.1.1-moonflower
EN=$FX/encoder-custom-l2norm-keras3.5.0-deepcluster
KT=$FX/nested-container-subclassed-keras3.15.0-kerasteam
READER=$LI_TOP/tests/tools/keras3_reader.py

cat >close.py <<'PYEOF'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
assert a.shape == b.shape, (a.shape, b.shape)
d = np.abs(a.astype(np.float64) - b).max()
assert d <= tol, "max |diff| %g > %g" % (d, tol)
PYEOF

test_expect_success 'the fixtures are the shared files, byte for byte' '
	for d in "$MN" "$EN" "$KT"; do
		test -f "$d/source.txt" &&
		md5=$(sed -n "s/^md5: //p" "$d/source.txt") &&
		echo "$md5  $d/model.keras" | md5sum -c --quiet || return 1
	done
'

test_expect_success 'MNIST CNN (.keras, Keras 3.1.1) meets expected.npy' '
	li-embed -q "$MN/model.keras" "$MN/input.npy" -o out.npy &&
	$PY close.py out.npy "$MN/expected.npy"
'

test_expect_success 'its sibling .h5 (other weights) meets expected_sibling_h5.npy' '
	li-embed -q "$MN/sibling_different_weights.h5" "$MN/input.npy" -o sib.npy &&
	$PY close.py sib.npy "$MN/expected_sibling_h5.npy"
'

test_expect_success 'li-layers reads the .keras: rows, parameters, format' '
	li-layers "$MN/model.keras" >layers.txt &&
	grep -q "^    7  dense  *Dense  *(10,)  *16010  yes" layers.txt &&
	grep -q "parameters: 34826; keras 3.1.1; format keras-zip" layers.txt
'

test_expect_success 'encoder: the custom last layer is listed as not runnable' '
	li-layers "$EN/model.keras" >enc.txt 2>enc.err &&
	grep -q "^   11  l2_norm_layer  *L2NormLayer  *unknown" enc.txt &&
	grep -q "L2NormLayer.*Custom>L2NormLayer.*src.model.util" enc.err
'

test_expect_success 'encoder: running through it is refused with class, module and layer' '
	expect_err "li-embed: error: $EN/model.keras: layer '\''l2_norm_layer'\'' (L2NormLayer) cannot be run: a custom class (registered '\''Custom>L2NormLayer'\'', module src.model.util) whose code is not in the model file" \
		li-embed -q "$EN/model.keras" "$EN/input.npy" -o never.npy &&
	test ! -e never.npy
'

test_expect_success 'encoder: --at the layer before it meets expected.npy (BN, leaky_relu)' '
	li-embed -q "$EN/model.keras" "$EN/input.npy" --at dense_1 -o enc.npy &&
	$PY close.py enc.npy "$EN/expected.npy"
'

test_expect_success 'subclassed model: refused, naming the class' '
	expect_err "li-layers: error: $KT/model.keras: model class '\''NestedDenseModel'\'' (registered '\''legacy_nested_container>NestedDenseModel'\'', module (none)) is a subclassed model: its forward pass is Python code and '\''config.json'\'' holds no layer graph" \
		li-layers "$KT/model.keras"
'

test_expect_success 'the independent reader meets the same fixtures' '
	$PY "$READER" "$MN/model.keras" "$MN/input.npy" r1.npy &&
	$PY close.py r1.npy "$MN/expected.npy" &&
	$PY "$READER" "$EN/model.keras" "$EN/input.npy" r2.npy --upto dense_1 &&
	$PY close.py r2.npy "$EN/expected.npy" &&
	must_fail 1 $PY "$READER" "$EN/model.keras" "$EN/input.npy" r3.npy 2>/dev/null
'

if require_shared && [ -d "$SHARED/fixtures/keras3/hdf5-named-dot-keras-bilstm-keras2.10.0-sailesh" ]; then
	HN=$SHARED/fixtures/keras3/hdf5-named-dot-keras-bilstm-keras2.10.0-sailesh
	test_expect_success 'a Keras 2.10 HDF5 file named .keras runs as HDF5' '
		li-layers "$HN/model.keras" | grep -q "format keras-h5" &&
		li-embed -q "$HN/model.keras" "$HN/input.npy" -o h.npy &&
		$PY close.py h.npy "$HN/expected.npy"
	'
else
	test_skip 'a Keras 2.10 HDF5 file named .keras' \
		'no licence to copy it in: ../shared/fixtures/keras3 is absent'
fi
test_done
