#!/usr/bin/env bash
# li-split and model conversion refuse what they cannot do with one line and the right
# status, and leave no file behind: cuts that are not split points (a U-Net's skip
# connections, a layer inside a residual block), unknown layers, indices out of range,
# unwritable outputs, missing options.
. "$(dirname "$0")/../lib.sh"

. "$LI_TOP/tests/tools/tfjs_models.sh"
if ! tfjs_models; then
	test_skip 'li-split refusals' 'TensorFlow.js is not installed (scripts/tfjs/setup)'
	test_done
	exit 0
fi
q="'"

no_parts() { ! ls *.h5 .*.h5* mm/*/*.h5 2>/dev/null | grep -q .; }

test_expect_success 'a cut across a U-Net skip connection is refused, naming the crossing tensors' '
	expect_err "li-split: error: mm/unet/model.json: cannot cut after ${q}mid${q}: ${q}e1${q}, ${q}e2${q} also cross the cut (not a split point; li-layers lists the split points)" \
		li-split mm/unet/model.json --at mid --head h.h5 --tail t.h5 &&
	expect_err "li-split: error: mm/unet/model.json: cannot cut after ${q}e2${q}: ${q}e1${q} also cross the cut (not a split point; li-layers lists the split points)" \
		li-split mm/unet/model.json --at 2 &&
	no_parts
'

test_expect_success 'a layer inside a residual block is refused, naming the block input' '
	expect_err "li-split: error: mm/residual/model.json: cannot cut after ${q}b1_b${q}: ${q}stem${q} also cross the cut (not a split point; li-layers lists the split points)" \
		li-split mm/residual/model.json --at b1_b &&
	no_parts
'

test_expect_success 'several inputs: a cut that leaves one behind is refused' '
	must_fail 1 li-split mm/multiio/model.json --at shared 2>err &&
	grep -q "also cross the cut" err && no_parts
'

test_expect_success 'unknown layers, indices out of range, missing options: usage errors' '
	must_fail 2 li-split mm/seq/model.json --at nosuch 2>err &&
	grep -q "^li-split: error: --at: no layer ${q}nosuch${q}" err &&
	must_fail 2 li-split mm/seq/model.json --at 99 2>err &&
	grep -q "no layer ${q}99${q}" err &&
	must_fail 2 li-split mm/seq/model.json 2>err &&
	must_fail 2 li-split --at 1 2>err &&
	must_fail 2 li-split mm/seq/model.json --at 1 --head same.h5 --tail same.h5 2>err &&
	must_fail 2 li-split mm/seq/model.json --at 1 -o x.h5 2>err &&
	no_parts
'

test_expect_success 'unwritable outputs: one error, neither part left behind' '
	must_fail 1 li-split mm/seq/model.json --at d1 --head h.h5 --tail nodir/t.h5 2>err &&
	test "$(wc -l <err)" = 1 && grep -q "^li-split: error: nodir/t.h5: " err &&
	test ! -e h.h5 &&
	must_fail 1 li-split mm/seq/model.json --at d1 --head nodir/h.h5 --tail t.h5 2>err &&
	grep -q "^li-split: error: nodir/h.h5: " err && test ! -e t.h5 &&
	no_parts
'

test_expect_success 'not a model, a missing file: one error line' '
	echo "{\"a\": 1}" >bad.json &&
	must_fail 1 li-split bad.json --at 1 2>err && test "$(wc -l <err)" = 1 &&
	must_fail 1 li-split missing.h5 --at 1 2>err && test "$(wc -l <err)" = 1 &&
	no_parts
'

test_expect_success 'li-convert: a model converts only to .h5 or .keras; a broken model is one error' '
	must_fail 2 li-convert mm/seq/model.json -o x.npy 2>err &&
	grep -q "a model converts to a Keras .h5 or .keras file, not .x.npy." err &&
	must_fail 2 li-convert mm/seq/model.json 2>err &&
	cp -r mm/seq broken && : >broken/weights.bin &&
	must_fail 1 li-convert broken/model.json -o b.h5 2>err &&
	test "$(wc -l <err)" = 1 && test ! -e b.h5 &&
	must_fail 1 li-convert mm/seq/model.json -o nodir/x.h5 2>err &&
	grep -q "^li-convert: error: nodir/x.h5: " err
'

test_done
