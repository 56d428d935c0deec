#!/usr/bin/env bash
# The attention cases of t0330 through the Keras 3 format: each model (.h5, written as
# tf.keras 2.11 or Keras 3 saves it) converted to .keras by li-convert still gives the
# oracle's output (PyTorch, numpy) within 1e-5 relative, so the call's keyword tensors
# (value, key, attention_mask) and options (use_causal_mask) survive the zip, as does an
# Embedding's vocabulary; and the encoder block split as a .keras gives .keras parts whose
# composition is the whole model.
. "$(dirname "$0")/../lib.sh"

if ! $PY -c 'import torch' 2>/dev/null; then
	test_skip 'attention through .keras' 'python3-torch is not installed'
	test_done
	exit 0
fi
C=$LI_TOP/tests/conform

test_expect_success 'PyTorch and numpy write the cases' '
	$PY $C/attention-cases.py cases && test "$(ls cases | wc -l)" -ge 32
'

for d in cases/*/; do
	n=$(basename $d)
	test_expect_success "$n: as .keras, li-embed gives the oracle's output" '
		li-convert $d/model.h5 -o $n.keras &&
		head -c 2 $n.keras | grep -q PK &&
		li-embed -q $n.keras $(ls $d/in*.npy) -o $n.npy &&
		$PY $C/attention-check.py $n.npy $d/expected.npy
	'
done

test_expect_success 'the encoder as .keras splits into .keras parts that compose' '
	li-convert cases/encoder/model.h5 -o enc.keras &&
	li-split -q enc.keras --at ln1 --head h.keras --tail t.keras &&
	head -c 2 h.keras | grep -q PK && head -c 2 t.keras | grep -q PK &&
	li-embed -q h.keras $(ls cases/encoder/in*.npy) -o z.npy &&
	li-propagate -q t.keras z.npy -o y.npy &&
	li-embed -q enc.keras $(ls cases/encoder/in*.npy) -o whole.npy &&
	cmp y.npy whole.npy
'

test_done
