#!/usr/bin/env bash
# 3x3 stride-1 convolutions, which run as Winograd F(2x2, 3x3) from 16 input and output
# channels (lib/nn/conv_winograd.c), against PyTorch's float64 convolution of the same
# float32 data (tests/conform/conv3x3-torch.py): 'same' and 'valid' on odd and even sizes,
# channel counts below and above the threshold, batch 1 and a batch of tiles no block
# divides, channels_first, Conv3D 1x3x3. Then a model of two 64 -> 64 convolutions through
# li-embed: PyTorch's values, and the same bytes at --threads 1 and 2 (the blocks never
# depend on the thread count). Skipped where python3-torch is not installed.
. "$(dirname "$0")/../lib.sh"

check=$LI_UNIT/test_layer_cases
if ! $PY -c 'import torch' 2>/dev/null; then
	test_skip 'PyTorch 3x3 convolution oracle' 'python3-torch is not installed'
	test_done
	exit 0
fi

test_expect_success 'PyTorch writes the 3x3 convolution cases and model' '
	$PY "$LI_TOP/tests/conform/conv3x3-torch.py" cases.json m.h5 x.npy want.npy &&
	test -s cases.json && test -s m.h5
'

"$check" cases.json 2>/dev/null

test_expect_success 'a perturbed weight makes every case fail' '
	{ "$check" --mutate cases.json >mutate.out 2>&1 ||
		{ grep "^not ok" mutate.out; false; }; }
'

test_expect_success 'li-embed: two 64 -> 64 convolutions give PyTorch'"'"'s values' '
	OPENBLAS_NUM_THREADS=1 li-embed -q --threads 1 m.h5 x.npy -o t1.npy &&
	npy_close t1.npy want.npy
'

test_expect_success 'li-embed: the same bytes at --threads 1 and 2' '
	li-embed -q --threads 2 m.h5 x.npy -o t2.npy &&
	cmp t1.npy t2.npy
'

test_done
