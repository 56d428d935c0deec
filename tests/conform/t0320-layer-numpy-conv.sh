#!/usr/bin/env bash
# Convolution-family cases TF.js cannot serve, with expected values worked out by numpy
# from the definitions (tests/conform/layer-numpy-conv.py), never from our code: causal
# padding, channels_first, groups, Keras 1 names and Theano (flipped) kernels, transposed
# convolution with output_padding (as the adjoint matrix of the forward convolution),
# depthwise/separable 1D, pooling by data format, bilinear upsampling under the TF1 and
# TF2 sampling rules; and bad inputs refused with one message naming the layer.
. "$(dirname "$0")/../lib.sh"

check=$LI_UNIT/test_layer_cases

test_expect_success 'numpy writes the convolution cases' '
	$PY "$LI_TOP/tests/conform/layer-numpy-conv.py" cases.json 2>/dev/null && test -s cases.json
'

"$check" cases.json 2>/dev/null

test_expect_success 'a perturbed weight makes every case with weights fail' '
	{ "$check" --mutate cases.json >mutate.out 2>&1 ||
		{ grep "^not ok" mutate.out; false; }; }
'

test_expect_success 'bilinear upsampling follows keras_version (Keras 3 cases fail as Keras 2.2)' '
	sed "s/\"origin\": \"3\.11\.3\"/\"origin\": \"2.2.4\"/g" cases.json >as-k22.json &&
	! "$check" as-k22.json >as-k22.out 2>&1 &&
	grep -q "^not ok - up_sampling2d bilinear half-pixel (Keras 3)" as-k22.out
'

test_done
