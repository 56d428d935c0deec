#!/usr/bin/env bash
# Real Keras .h5 fixtures (dl4j, keras2c: files saved by Keras 1.2.2 to 2.3.1 with the
# outputs Keras computed): h5py reads each model's config and weights into a layer case
# (tests/conform/keras-h5-cases.py) and test_layer_cases runs it through the layer
# families (the LSTMs of Keras 1.2.2 as 12 gate arrays, Keras 2.1-2.2 LSTM/SimpleRNN, the
# convolution families). Models with layers not built yet are reported as skipped with
# the layer named. keras3-mnist-cnn (a real Keras 3.11 CNN) is checked against its numpy
# reference and its 100 labels. keras2c's and the CNN are in the repository
# (tests/fixtures/keras); dl4j's come from ../shared/fixtures when it is there (no licence
# stated: not in the repository) and are reported skipped otherwise.
. "$(dirname "$0")/../lib.sh"

dirs=()
while read -r d; do
	if [ -f "$d/expected.npy" ] || [ -f "$d/numpy_reference_first16.npy" ]; then
		dirs+=("$d")
	else
		echo "not ok - ${d#$FIXTURES/keras/}: no expected.npy (Keras outputs) in the fixture"
	fi
done < <(find "$FIXTURES/keras" -name model.h5 -printf '%h\n' | sort)
if require_shared && [ -d "$SHARED/fixtures/keras/dl4j" ]; then
	while read -r d; do
		[ -f "$d/expected.npy" ] && dirs+=("$d")
	done < <(find "$SHARED/fixtures/keras/dl4j" -name model.h5 -printf '%h\n' | sort)
else
	test_skip 'dl4j .h5 fixtures (KonduitAI/dl4j-test-resources)' "$UNLICENSED_WHY"
fi

test_expect_success 'h5py turns the fixtures into layer cases' '
	$PY "$LI_TOP/tests/conform/keras-h5-cases.py" cases.json "${dirs[@]}"
'
"$LI_UNIT/test_layer_cases" cases.json 2>/dev/null
test_done
