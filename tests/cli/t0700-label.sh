#!/usr/bin/env bash
# li-label: appends with labels from a probe, a file or a name; hand corrections with
# --set and new classes; --stats; --export read back by numpy, csv, json and scipy.
. "$(dirname "$0")/../lib.sh"

$PY - <<'PY'
import numpy as np
rng = np.random.default_rng(7)
np.save('x1.npy', rng.normal(size=(5, 2, 3)).astype(np.float32))
np.save('x2.npy', rng.normal(size=(4, 2, 3)).astype(np.float32))
np.save('p1.npy', np.array([[.7, .2, .1], [.1, .8, .1], [.2, .2, .6], [.5, .3, .2], [.1, .1, .8]], np.float32))
np.save('o1.npy', rng.normal(size=(5, 2)).astype(np.float32))
np.save('l64.npy', np.array([2, 0, 1, 1], np.int64))
np.save('l8.npy', np.array([[1], [1], [0], [2]], np.uint8))
PY
printf 'zero\none\ntwo\n' >classes.txt

test_expect_success 'append from probabilities with class names and origin' '
	li-label -q ds --x x1.npy --prob p1.npy --classes classes.txt --origin o1.npy &&
	[ "$(readlink ds/current)" = gen-000001 ] &&
	$PY -c "
import numpy as np, json
d = \"ds/current/\"
x = np.load(d + \"samples.npy\"); assert x.dtype == np.float32 and x.shape == (5, 2, 3)
assert (x == np.load(\"x1.npy\")).all()
l = np.load(d + \"labels.npy\"); assert l.dtype == np.int64 and list(l) == [0, 1, 2, 0, 2], l
assert (np.load(d + \"origin.npy\") == np.load(\"o1.npy\")).all()
assert open(d + \"classes.txt\").read() == \"zero\none\ntwo\n\"
m = json.load(open(d + \"meta.json\"))
assert m[\"count\"] == 5 and m[\"dtype\"] == \"float32\" and m[\"row_shape\"] == [2, 3]
assert np.allclose(m[\"probability\"], [.7, .8, .6, .5, .8])
"
'

test_expect_success 'append from a label file with --set: new class, hand label' '
	li-label -q ds --x x2.npy --labels l64.npy --set "3=not a number" --set 0=one &&
	[ "$(readlink ds/current)" = gen-000002 ] && [ -e ds/gen-000001 ] && ! [ -e ds/gen-000000 ] &&
	$PY -c "
import numpy as np, json
d = \"ds/current/\"
x = np.load(d + \"samples.npy\"); assert x.shape == (9, 2, 3)
assert (x[5:] == np.load(\"x2.npy\")).all() and (x[:5] == np.load(\"x1.npy\")).all()
assert list(np.load(d + \"labels.npy\")) == [0, 1, 2, 0, 2, 1, 0, 1, 3]
assert open(d + \"classes.txt\").read().split(\"\n\") == [\"zero\", \"one\", \"two\", \"not a number\", \"\"]
o = np.load(d + \"origin.npy\"); assert o.shape == (9, 2) and np.isnan(o[5:]).all()
m = json.load(open(d + \"meta.json\"))
assert m[\"probability\"][5:] == [None] * 4 and len(m[\"appends\"]) == 2
assert m[\"class_counts\"] == [3, 3, 2, 1]
"
'

test_expect_success 'labels as text: indices, names, csv column with a header; one --label' '
	printf "1\n2\n0\n0\n" >l.txt &&
	printf "label\n2\n2\n1\n0\n" >l.csv &&
	printf "two\nzero\ncat\n\"one\"\n" >n.txt &&
	li-label -q ds --x x2.npy --labels l.txt &&
	li-label -q ds --x x2.npy --labels l.csv &&
	li-label -q ds --x x2.npy --labels n.txt &&
	li-label -q ds --x x2.npy --labels l8.npy &&
	li-label -q ds --x x2.npy --label two &&
	$PY -c "
import numpy as np
l = np.load(\"ds/current/labels.npy\")
assert list(l[9:]) == [1, 2, 0, 0,  2, 2, 1, 0,  2, 0, 4, 1,  1, 1, 0, 2,  2, 2, 2, 2], l[9:]
assert open(\"ds/current/classes.txt\").read().split(\"\n\")[3:] == [\"not a number\", \"cat\", \"\"]
"
'

test_expect_success '--stats prints per-class counts' '
	li-label ds --stats >stats.out &&
	cat >stats.expect <<-\EOT &&
	generation 7
	samples 29
	row shape (2, 3)
	source dtype float32
	origin 2
	classes 5
	     0        8  zero
	     1        8  one
	     2       11  two
	     3        1  not a number
	     4        1  cat
	EOT
	cmp stats.expect stats.out
'

test_expect_success 'export .npy equals current/samples.npy' '
	li-label ds --export all.npy &&
	$PY -c "
import numpy as np
assert (np.load(\"all.npy\") == np.load(\"ds/current/samples.npy\")).all()
" && li-label ds --export - | cmp - all.npy
'

test_expect_success 'export .csv, .json and .mat round trip' '
	li-label ds --export all.csv && li-label ds --export all.json && li-label ds --export all.mat &&
	$PY -c "
import numpy as np, json, csv, scipy.io
x = np.load(\"ds/current/samples.npy\"); l = np.load(\"ds/current/labels.npy\")
o = np.load(\"ds/current/origin.npy\")
names = open(\"ds/current/classes.txt\").read().split(\"\n\")[:-1]
rows = list(csv.reader(open(\"all.csv\")))
assert rows[0] == [\"label\", \"class\"] + [\"x%d\" % i for i in range(6)]
assert [int(r[0]) for r in rows[1:]] == list(l)
assert [r[1] for r in rows[1:]] == [names[i] for i in l]
assert (np.array([[float(v) for v in r[2:]] for r in rows[1:]], np.float32) == x.reshape(len(x), -1)).all()
j = json.load(open(\"all.json\"))
assert j[\"classes\"] == names and j[\"labels\"] == list(l)
assert (np.array(j[\"samples\"], np.float32) == x).all()
jo = np.array([[np.nan if v is None else v for v in r] for r in j[\"origin\"]], np.float32)
assert np.array_equal(jo, o, equal_nan=True)
m = scipy.io.loadmat(\"all.mat\")
assert m[\"samples\"].dtype == np.float32 and (m[\"samples\"] == x).all()
assert (m[\"labels\"].ravel() == l).all()
assert [str(c[0][0]) for c in m[\"classes\"]] == names
assert np.array_equal(m[\"origin\"], o, equal_nan=True)
"
'

test_expect_success 'sigmoid probabilities (N x 1) give classes 0 and 1' '
	$PY -c "
import numpy as np
np.save(\"v.npy\", np.arange(4, dtype=np.float32))
np.save(\"ps.npy\", np.array([[.2], [.9], [.5], [.4]], np.float32))
" &&
	li-label -q bin --x v.npy --prob ps.npy &&
	$PY -c "
import numpy as np, json
assert list(np.load(\"bin/current/labels.npy\")) == [0, 1, 1, 0]
assert np.load(\"bin/current/samples.npy\").shape == (4,)
p = json.load(open(\"bin/current/meta.json\"))[\"probability\"]
assert np.allclose(p, [.8, .9, .5, .6])
" && printf "0\n1\n" >bin.expect && cmp bin.expect bin/current/classes.txt
'

test_expect_success 'samples from standard input' '
	li-label -q pipe --x - --label a <x1.npy &&
	$PY -c "
import numpy as np
assert (np.load(\"pipe/current/samples.npy\") == np.load(\"x1.npy\")).all()
"
'

test_expect_success '--help and usage errors' '
	li-label --help | grep -q "^usage: li-label DATASET" &&
	must_fail 2 li-label ds 2>/dev/null &&
	must_fail 2 li-label ds --x x1.npy 2>/dev/null &&
	must_fail 2 li-label ds --x x1.npy --label a --label-b 2>/dev/null &&
	must_fail 2 li-label ds --x x1.npy --label a --prob p1.npy 2>/dev/null &&
	must_fail 2 li-label ds --stats --export a.npy 2>/dev/null &&
	must_fail 2 li-label ds --x x1.npy --label a --set x=b 2>/dev/null &&
	must_fail 2 li-label ds --export a.txt 2>/dev/null &&
	must_fail 2 li-label ds --x - --labels - 2>/dev/null </dev/null
'

test_expect_success 'the examples of the README and the man page run' '
	cp x1.npy latent.npy && cp p1.npy probe-out.npy && cp x2.npy more.npy && cp o1.npy coords.npy &&
	printf "cat\ndog\ncat\ncat\ndog\n" >names.txt &&
	li-label -q picked --x latent.npy --prob probe-out.npy --set 3="not a number" &&
	li-label -q picked --x latent.npy --labels names.txt --origin coords.npy &&
	li-label picked --stats >/dev/null &&
	li-label picked --export picked.csv && li-label picked --export picked.mat &&
	[ "$(wc -l <picked.csv)" = 11 ] &&
	[ "$(cat picked/current/classes.txt | tr "\n" " ")" = "0 1 2 not a number cat dog " ]
'

test_done
