#!/usr/bin/env bash
# li-check: every mode passes (status 0) and fails (status 1, exact table on standard
# error); class names from a model's li_class_names attribute (written by h5py); bad
# usage is status 2.
. "$(dirname "$0")/../lib.sh"

$PY -c "
import numpy as np, h5py, json
p = np.array([[0.05, 0.9, 0.05], [0.2, 0.3, 0.5], [0.95, 0.03, 0.02]], 'f4')
np.save('p.npy', p)
np.save('p64.npy', p.astype('f8'))
q = p.copy(); q[1, 2] += 1e-3; q[2, 0] = np.nan
np.save('q.npy', q)
np.save('pnan.npy', np.where(np.isnan(q), np.nan, p).astype('f4'))
np.save('p2.npy', p[:2])
np.save('one.npy', np.array([0.01, 0.02, 0.9, 0.07], 'f4'))
np.save('idx.npy', np.array([1, 2, 0]))
np.save('idx2.npy', np.array([1, 2]))
names = ['zero', 'one', 'two']
with h5py.File('probe.h5', 'w') as f:
    f.attrs['li_class_names'] = json.dumps(names)
with h5py.File('fixed.h5', 'w') as f:   # a fixed-length string attribute
    f.attrs.create('li_class_names', np.bytes_(json.dumps(names)))
with h5py.File('nonames.h5', 'w') as f:
    f.attrs['keras_version'] = '2.15.0'
with h5py.File('badnames.h5', 'w') as f:
    f.attrs['li_class_names'] = json.dumps({'a': 1})
# a probe on a latent vector: softmax(W z + b) for digits, the last stage of the CI example
rng = np.random.default_rng(3)
W = 5 * np.eye(10) + 0.1 * rng.normal(size=(10, 10)); z = np.eye(10)[7]
logits = W @ z; e = np.exp(logits - logits.max())
np.save('digits.npy', (e / e.sum())[None].astype('f4'))
with h5py.File('digits.h5', 'w') as f:
    f.attrs['li_class_names'] = json.dumps([str(i) for i in range(10)])
"
printf '1\n2\n0\n' >idx.txt
printf 'one\ntwo\nzero\n' >names.txt
printf 'one\nthree\nzero\n' >badnames.txt

# expect_table 'stderr' status cmd...: that exit status and exactly that standard error
expect_table() {
	local want=$1 status=$2; shift 2
	must_fail "$status" "$@" 2>actual.err >actual.out || { cat actual.err >&2; return 1; }
	printf '%s\n' "$want" >expect.err
	diff expect.err actual.err >&2 && test ! -s actual.out
}

test_expect_success 'argmax: index, per-row file (.npy, text), names with --model' '
	expect_table "li-check: ok: 3 rows, every expectation holds" 0 \
		li-check --argmax idx.npy p.npy &&
	li-check -q --argmax idx.txt p.npy &&
	li-check -q --model probe.h5 --argmax names.txt p.npy &&
	li-check -q --model fixed.h5 --argmax names.txt p.npy &&
	li-check -q --argmax 2 one.npy &&
	must_fail 1 li-check -q --argmax 1 p2.npy &&
	li-check -q --argmax idx2.npy --range 0:1 p2.npy
'

test_expect_success 'argmax fails: the table names got and expected classes' '
	expect_table "  where      check     got                    expected
  row 1      argmax    2 '"'"'two'"'"'                1 '"'"'one'"'"'
  row 2      argmax    0 '"'"'zero'"'"'               1 '"'"'one'"'"'
li-check: FAILED: 2 of 3 rows" 1 li-check --model probe.h5 --argmax one p.npy &&
	expect_table "  where      check     got                    expected
  row 1      argmax    2                      1
  row 2      argmax    0                      1
li-check: FAILED: 2 of 3 rows" 1 li-check --argmax 1 p.npy
'

test_expect_success 'min-prob: the winning value, or the expected class with --argmax' '
	li-check -q --min-prob 0.5 p.npy &&
	expect_table "  where      check     got                    expected
  row 1      min-prob  0.5 (class 2)          >= 0.9
li-check: FAILED: 1 of 3 rows" 1 li-check --min-prob 0.9 p.npy &&
	expect_table "  where      check     got                    expected
  row 1      argmax    2                      1
  row 1      min-prob  0.3 (class 1)          >= 0.9
li-check: FAILED: 1 of 2 rows" 1 li-check --min-prob 0.9 --argmax 1 p2.npy
'

test_expect_success 'min-prob meets float32 values in their own precision' '
	li-check -q --min-prob 0.9 --argmax 2 one.npy &&
	must_fail 1 li-check -q --min-prob 0.9000001 --argmax 2 one.npy &&
	li-check -q --min-prob 0.9 --argmax 2 --range :0.9 one.npy
'

test_expect_success 'range: each value outside is listed; open sides' '
	li-check -q --range 0:1 p.npy && li-check -q --range 0: p.npy && li-check -q --range :0.95 p.npy &&
	expect_table "  where      check     got                    expected
  [0,1]      range     0.9                    in [0, 0.5]
  [2,0]      range     0.95                   in [0, 0.5]
li-check: FAILED: 2 of 3 rows" 1 li-check --range 0:0.5 p.npy &&
	expect_table "  where      check     got                    expected
  [0,1]      range     0.8999999762           in [-inf, 0.5]
  [2,0]      range     0.9499999881           in [-inf, 0.5]
li-check: FAILED: 2 of 3 rows" 1 li-check --range :0.5 p64.npy
'

test_expect_success 'expect: within atol/rtol; NaN matches NaN; shapes must agree' '
	li-check -q --expect p.npy p.npy &&
	expect_table "  where      check     got                    expected
  [1,2]      expect    0.501                  0.5 (diff 0.001)
li-check: FAILED: 1 of 3 rows" 1 li-check --expect pnan.npy q.npy &&
	li-check -q --expect pnan.npy --atol 1.1e-3 q.npy &&
	li-check -q --expect pnan.npy --atol 0 --rtol 3e-3 q.npy &&
	expect_table "  where      check     got                    expected
  [1,2]      expect    0.501                  0.5 (diff 0.001)
  [2,0]      expect    nan                    0.95 (diff nan)
li-check: FAILED: 2 of 3 rows" 1 li-check --expect p.npy q.npy &&
	expect_table "  where      check     got                    expected
  shape      expect    (2, 3)                 (3, 3)
li-check: FAILED: 2 of 2 rows" 1 li-check --expect p.npy p2.npy
'

test_expect_success 'many rows stream through in batches; row numbers run on' '
	$PY -c "
import numpy as np
a = np.random.default_rng(5).random((300000, 4)).astype(np.float32)
np.save(\"big.npy\", a); a[299999, 3] += 1; a[7, 0] += 1; np.save(\"big2.npy\", a)" &&
	li-check -q --expect big.npy --range 0:1 big.npy &&
	must_fail 1 li-check --expect big.npy big2.npy 2>err &&
	grep -q "^  \[7,0\] " err && grep -q "^  \[299999,3\] " err &&
	grep -qx "li-check: FAILED: 2 of 300000 rows" err
'

test_expect_success '--max-show cuts the table; -q prints nothing' '
	expect_table "  where      check     got                    expected
  row 1      argmax    2                      1
  ... and 1 more
li-check: FAILED: 2 of 3 rows" 1 li-check --max-show 1 --argmax 1 p.npy &&
	must_fail 1 li-check -q --argmax 1 p.npy 2>e && test ! -s e
'

test_expect_success 'the CI example: a digit probe says 7 with p >= 0.9 (from a pipe)' '
	cat digits.npy | li-check --model digits.h5 --argmax 7 --min-prob 0.9 2>err &&
	grep -qx "li-check: ok: 1 row, every expectation holds" err &&
	must_fail 1 li-check -q --model digits.h5 --argmax 3 <digits.npy
'

test_expect_success '--min-share: a share of the rows suffices (1 of 3 rows is argmax 1)' '
	li-check --argmax 1 --min-share 0.3 --max-show 0 p.npy 2>err &&
	test "$(tail -n 1 err)" = "li-check: ok: 1 of 3 rows hold (0.3333, at least 0.3 asked)" &&
	must_fail 1 li-check --argmax 1 --min-share 0.34 --max-show 0 p.npy 2>err &&
	test "$(tail -n 1 err)" = "li-check: FAILED: 1 of 3 rows hold (0.3333, at least 0.34 asked)" &&
	li-check --argmax idx.txt --min-share 1 p.npy 2>err &&
	test "$(cat err)" = "li-check: ok: 3 of 3 rows hold (1.0000, at least 1 asked)" &&
	li-check -q --argmax 0 --min-share 0 p.npy 2>err && test ! -s err
'

test_expect_success 'bad data: one line, status 1' '
	expect_err "li-check: error: nonames.h5: the model has no class names (root attribute li_class_names)" \
		li-check --model nonames.h5 --argmax one p.npy &&
	expect_err "li-check: error: badnames.h5: li_class_names: not a JSON array of strings" \
		li-check --model badnames.h5 --argmax one p.npy &&
	expect_err "li-check: error: probe.h5: no class '"'"'seven'"'"' among the model'"'"'s 3 class names" \
		li-check --model probe.h5 --argmax seven p.npy &&
	expect_err "li-check: error: badnames.txt: row 1: '"'"'three'"'"' is not a class of probe.h5" \
		li-check --model probe.h5 --argmax badnames.txt p.npy &&
	expect_err "li-check: error: names.txt: line 1: '"'"'one'"'"' is not an integer (class names need --model)" \
		li-check --argmax names.txt p.npy &&
	expect_err "li-check: error: idx2.npy: 2 classes for 3 rows" li-check --argmax idx2.npy p.npy &&
	expect_err "li-check: error: p.npy: class 5 is past the 3 values of a row" \
		li-check --argmax 5 p.npy &&
	expect_err "li-check: error: missing.npy: No such file or directory" \
		li-check --range 0:1 missing.npy &&
	head -c 150 p.npy >trunc.npy &&
	must_fail 1 li-check --range 0:1 trunc.npy 2>err && test "$(wc -l <err)" -eq 1 &&
	expect_err "li-check: error: p.npy: not an HDF5 file" li-check --model p.npy --argmax 1 p.npy
'

test_expect_success 'bad usage: status 2' '
	must_fail 2 li-check p.npy 2>err && grep -q "nothing to check" err &&
	must_fail 2 li-check --argmax seven p.npy 2>err && grep -q "class names need --model" err &&
	must_fail 2 li-check --range 1:0 p.npy 2>/dev/null &&
	must_fail 2 li-check --range x p.npy 2>/dev/null &&
	must_fail 2 li-check --min-prob high p.npy 2>/dev/null &&
	must_fail 2 li-check --atol -1 --expect p.npy p.npy 2>/dev/null &&
	must_fail 2 li-check --range 0:1 p.npy q.npy 2>/dev/null &&
	must_fail 2 li-check --bogus p.npy 2>/dev/null &&
	for f in 1.5 -0.1 nan abc ""; do
		must_fail 2 li-check --argmax 1 --min-share "$f" p.npy 2>err &&
		grep -q "^li-check: error: --min-share: .* is not a number from 0 to 1 (try" err || exit 1
	done
'

test_done
