#!/usr/bin/env bash
# Real Keras .h5 fixtures (dl4j, keras2c: files saved by Keras 1.2.2 to 2.3.1 with the
# outputs Keras computed): h5py reads each model's config and weights into a layer case
# (tests/conform/keras-h5-cases.py) and test_layer_cases runs it through the layer
# families (the LSTMs of Keras 1.2.2 as 12 gate arrays, Keras 2.1-2.2 LSTM/SimpleRNN, the
# convolution families). Models with layers not built yet are reported as skipped with
# the layer named; so is a case without Keras outputs. keras3-mnist-cnn (a real Keras
# 3.11 CNN) is checked against its numpy reference and its 100 labels.
. "$(dirname "$0")/../lib.sh"

if ! require_shared || [ ! -d "$SHARED/fixtures/keras" ]; then
	test_skip 'keras .h5 fixtures' '../shared/fixtures/keras is absent'
	test_done
	exit 0
fi
dirs=()
while read -r d; do
	if [ -f "$d/expected.npy" ] || [ -f "$d/numpy_reference_first16.npy" ]; then
		dirs+=("$d")
	else
		test_skip "${d#$SHARED/fixtures/keras/}" 'no expected.npy (Keras outputs) in the fixture'
	fi
done < <(find "$SHARED/fixtures/keras" -name model.h5 -printf '%h\n' | sort)

test_expect_success 'h5py turns the fixtures into layer cases' '
	$PY "$LI_TOP/tests/conform/keras-h5-cases.py" cases.json "${dirs[@]}"
'
"$LI_UNIT/test_layer_cases" cases.json 2>/dev/null
test_done
