#!/usr/bin/env bash
# li-label --remove I and --relabel I=NAME: a new generation without / with the change
# (all or nothing), classes keep their indices, origin and latent rows follow their
# samples, meta.json keeps the probabilities of the untouched samples; bad indices and
# bad usage are refused with one line.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup: a data set of 5 samples with origins' '
	$PY -c "
import numpy as np
np.save(\"x.npy\", np.arange(5 * 3, dtype=np.float32).reshape(5, 3))
np.save(\"o.npy\", np.arange(5 * 2, dtype=np.float32).reshape(5, 2) + 100)
np.save(\"p.npy\", np.array([[.9, .1], [.2, .8], [.7, .3], [.4, .6], [.95, .05]], dtype=np.float32))
" &&
	printf "a\nb\n" >cls.txt &&
	li-label -q ds --x x.npy --prob p.npy --classes cls.txt --origin o.npy
'

test_expect_success 'remove two and relabel one: the rows, labels, origins and meta follow' '
	li-label ds --remove 1 --remove 3 --relabel 4=new 2>err &&
	grep -q "^li-label: ds: generation 2: 2 removed, 1 relabeled$" err &&
	$PY -c "
import json, numpy as np
d = \"ds/current/\"
s = np.load(d + \"samples.npy\"); y = np.load(d + \"labels.npy\"); o = np.load(d + \"origin.npy\")
cls = open(d + \"classes.txt\").read().split(chr(10))[:-1]; m = json.load(open(d + \"meta.json\"))
x = np.arange(15, dtype=np.float32).reshape(5, 3)
assert np.array_equal(s, x[[0, 2, 4]]) and np.array_equal(o, (np.arange(10).reshape(5, 2) + 100)[[0, 2, 4]])
assert cls == [\"a\", \"b\", \"new\"] and y.tolist() == [0, 0, 2], (cls, y)
assert m[\"count\"] == 3 and m[\"class_counts\"] == [2, 0, 1] and m[\"generation\"] == 2, m
assert abs(m[\"probability\"][0] - .9) < 1e-6 and abs(m[\"probability\"][1] - .7) < 1e-6 and m[\"probability\"][2] is None
assert m[\"edits\"][0][\"removed\"] == 2 and m[\"edits\"][0][\"relabeled\"] == 1
" &&
	test "$(readlink ds/current)" = gen-000002 && ! test -e ds/gen-000000
'

test_expect_success 'an index that is not a sample: one error line, nothing changed' '
	expect_err "li-label: error: ds: no sample 3 to remove (3 samples)" li-label ds --remove 3 &&
	expect_err "li-label: error: ds: no sample 7 to relabel (3 samples)" li-label ds --relabel 7=a &&
	expect_err "li-label: error: ds: no sample 0 to relabel (3 samples; it is removed)" \
		li-label ds --remove 0 --relabel 0=b &&
	expect_err "li-label: error: ds: class name '"'"'a b '"'"' begins or ends with a space" \
		li-label ds --relabel "0=a b " &&
	test "$(readlink ds/current)" = gen-000002
'

test_expect_success 'bad usage: status 2' '
	must_fail 2 li-label ds --remove x 2>/dev/null &&
	must_fail 2 li-label ds --relabel 1 2>/dev/null &&
	must_fail 2 li-label ds --relabel =a 2>/dev/null &&
	must_fail 2 li-label ds --remove 1 --stats 2>/dev/null &&
	must_fail 1 li-label nothing-here --remove 0 2>/dev/null
'
test_done
