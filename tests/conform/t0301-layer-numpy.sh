#!/usr/bin/env bash
# Layer cases TF.js cannot serve (ORACLE-NOTES), with expected values worked out by numpy
# from the Keras equations (tests/conform/layer-numpy.py), never from our code: ELU alpha,
# Softmax axis default, hard_sigmoid by Keras version, gelu forms, Keras 1 and Keras 3
# config dialects, Normalization, rms_scaling, Subtract, ...
. "$(dirname "$0")/../lib.sh"

check=$LI_UNIT/test_layer_cases

test_expect_success 'numpy writes the layer cases' '
	$PY "$LI_TOP/tests/conform/layer-numpy.py" cases.json 2>/dev/null && test -s cases.json
'

"$check" cases.json 2>/dev/null

test_expect_success 'a perturbed weight makes every case with weights fail' '
	{ "$check" --mutate cases.json >mutate.out 2>&1 ||
		{ grep "^not ok" mutate.out; false; }; }
'

test_expect_success 'hard_sigmoid follows keras_version (Keras 3 cases fail as Keras 2)' '
	sed "s/\"origin\": \"3\.11\.3\"/\"origin\": \"2.4.0\"/g" cases.json >as-k2.json &&
	! "$check" as-k2.json >as-k2.out 2>&1 &&
	grep -q "^not ok - keras3 hard_sigmoid is relu6" as-k2.out
'

test_done
