#!/usr/bin/env bash
# GRU (reset_after=true), LSTM and SimpleRNN, forwards, backwards and Bidirectional,
# against PyTorch (the distribution's python3-torch) with the Keras weights mapped into
# PyTorch's layout explicitly (tests/conform/rnn-torch.py: gate order r,z,n vs z,r,h, the
# two GRU biases, 1-z). Skipped where python3-torch is not installed.
. "$(dirname "$0")/../lib.sh"

check=$LI_UNIT/test_layer_cases
if ! $PY -c 'import torch' 2>/dev/null; then
	test_skip 'PyTorch recurrent oracle' 'python3-torch is not installed'
	test_done
	exit 0
fi

test_expect_success 'PyTorch writes the recurrent cases' '
	$PY "$LI_TOP/tests/conform/rnn-torch.py" cases.json && test -s cases.json
'

"$check" cases.json 2>/dev/null

test_expect_success 'a perturbed weight makes every case fail' '
	{ "$check" --mutate cases.json >mutate.out 2>&1 ||
		{ grep "^not ok" mutate.out; false; }; }
'

test_done
