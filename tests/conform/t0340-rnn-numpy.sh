#!/usr/bin/env bash
# Recurrent layers where TF.js cannot serve (ORACLE-NOTES), against numpy from the Keras
# equations (tests/conform/rnn-numpy.py), never our code: GRU reset_after=true, the
# version defaults of recurrent_activation and reset_after, Keras 3 hard_sigmoid in a
# cell, the Keras 1 dialect (12-array LSTM in gate order i,c,f,o, 9-array GRU), cell-scoped
# weight names, tf.keras Bidirectional with masks, Embedding's Keras 1 table; and bad
# input, each refused with a message naming the layer and what is wrong.
. "$(dirname "$0")/../lib.sh"

check=$LI_UNIT/test_layer_cases

test_expect_success 'numpy writes the recurrent cases' '
	$PY "$LI_TOP/tests/conform/rnn-numpy.py" cases.json && test -s cases.json
'

"$check" cases.json 2>/dev/null

test_expect_success 'a perturbed weight makes every case with weights fail' '
	{ "$check" --mutate cases.json >mutate.out 2>&1 ||
		{ grep "^not ok" mutate.out; false; }; }
'

test_expect_success 'reset_after follows keras_version (the 2.11.0 default case fails as 2.1.6)' '
	sed "s/\"origin\": \"2\.11\.0\"/\"origin\": \"2.1.6\"/g" cases.json >as-old.json &&
	! "$check" as-old.json >as-old.out 2>&1 &&
	grep -q "^not ok - gru reset_after default in 2.11.0 is true" as-old.out
'

test_done
