#!/usr/bin/env bash
# Real Keras outputs: every keras-js fixture case (../shared/fixtures/keras/kerasjs, per
# layer and small graphs with layer.json + weight .npy files) runs through the layer
# families. Cases whose layers belong to later issues (convolution, pooling, recurrent,
# ...) are reported as skipped with the layer named. The model.h5 fixtures (dl4j,
# keras2c, keras3-mnist-cnn) need the model reader and are checked by the engine's tests.
. "$(dirname "$0")/../lib.sh"

if ! require_shared || [ ! -d "$SHARED/fixtures/keras/kerasjs" ]; then
	test_skip 'keras-js fixtures' '../shared/fixtures/keras/kerasjs is absent'
	test_done
	exit 0
fi
dirs=()
for d in "$SHARED"/fixtures/keras/kerasjs/*/; do
	[ -f "$d/layer.json" ] && dirs+=("${d%/}")
done
"$LI_UNIT/test_layer_cases" --kerasjs "${dirs[@]}" 2>/dev/null
test_done
