#!/usr/bin/env bash
# Every layer and option that TF.js can build, against TensorFlow.js 4.22 (cpu backend):
# scripts/tfjs/layer-oracle.js writes seeded cases, test_layer_cases runs them through the
# layer families. The mutation run proves the comparison can fail.
. "$(dirname "$0")/../lib.sh"

check=$LI_UNIT/test_layer_cases
if ! "$LI_TOP/scripts/tfjs/setup" >/dev/null 2>&1; then
	test_skip 'tfjs layer oracle' 'TF.js is not installed (scripts/tfjs/setup failed)'
	test_done
	exit 0
fi

test_expect_success 'TF.js writes the layer cases' '
	node "$LI_TOP/scripts/tfjs/layer-oracle.js" cases.json 2>oracle.err &&
	test -s cases.json
'

test_expect_success 'the oracle is deterministic' '
	node "$LI_TOP/scripts/tfjs/layer-oracle.js" again.json 2>/dev/null &&
	cmp cases.json again.json
'

# One line per case, as test_layer_cases prints them.
"$check" cases.json 2>/dev/null

test_expect_success 'a perturbed weight makes every case with weights fail' '
	{ "$check" --mutate cases.json >mutate.out 2>&1 ||
		{ grep "^not ok" mutate.out; false; }; }
'

test_done
