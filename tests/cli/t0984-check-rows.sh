#!/usr/bin/env bash
# li-check --rows/--shard: the same rows of the input, of --expect and of an --argmax
# list are checked, rows keep their numbers in the whole input, the summary counts the
# rows checked; and every shard passes exactly when the whole check passes.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup: probabilities, labels, a copy with one row off' '
	$PY -c "
import numpy as np
r = np.random.default_rng(3)
p = r.random((30, 4)).astype(np.float32); p /= p.sum(1, keepdims=True)
np.save(\"p.npy\", p); np.save(\"y.npy\", p.argmax(1))
q = p.copy(); q[21, 0] += 0.5; np.save(\"q.npy\", q)
"
'

test_expect_success 'shards of a passing check pass; the summary counts their rows' '
	for i in 0 1 2; do
		li-check --shard $i/3 --argmax y.npy --expect p.npy p.npy 2>err || exit 1
		grep -qx "li-check: ok: 10 rows, every expectation holds" err || exit 1
	done
'

test_expect_success 'a bad row fails only the part that holds it, named by its whole-input row' '
	li-check -q --shard 0/3 --expect q.npy p.npy &&
	li-check -q --rows :21 --expect q.npy p.npy &&
	li-check -q --rows 22: --expect q.npy p.npy &&
	must_fail 1 li-check --shard 2/3 --expect q.npy p.npy 2>err &&
	grep -q "^  \[21,0\] *expect " err &&
	tail -1 err | grep -qx "li-check: FAILED: 1 of 10 rows"
'

test_expect_success 'the --argmax list is taken at the same rows' '
	$PY -c "
import numpy as np
y = np.load(\"y.npy\"); y[5] = (y[5] + 1) % 4; np.save(\"yb.npy\", y)
" &&
	li-check -q --rows 6: --argmax yb.npy p.npy &&
	must_fail 1 li-check --rows -26:-24 --argmax yb.npy p.npy 2>err &&
	grep -q "^  row 5 *argmax " err
'

test_expect_success 'bad --rows/--shard: usage errors' '
	must_fail 2 li-check --shard 3/3 --range 0:1 p.npy &&
	must_fail 2 li-check --rows 1:2 --shard 0/2 --range 0:1 p.npy &&
	$PY -c "import numpy as np; np.save(\"v.npy\", np.zeros(4, np.float32))" &&
	must_fail 2 li-check --rows 0:1 --range 0:1 v.npy 2>err &&
	head -1 err | grep -qx "li-check: error: --rows and --shard need an array of rows (rank 2 or more) (try .li-check --help.)"
'

test_done
