#!/usr/bin/env bash
# li-finetune --latent with a labeled data set: the set's latent rows (latent.npy, the row
# at the cut each saved point came from: CONVENTIONS "Labeled data set folder") train the
# layers after the cut directly, the frozen head never runs. The same rows given as
# arrays give the same bytes; latent rows that are the head's output of the samples train
# as the samples at the input do (the tuned models answer alike). Refused, one line and status 1, nothing written: a set
# without latent rows, a sample without one (NaN), latent rows of another width than the
# cut's.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'an MLP cut at f (8 units) and a labeled set with latent rows' '
	$PY - <<-\PYEOF &&
	import os, sys
	import numpy as np
	sys.path.insert(0, os.environ["LI_TOP"] + "/tests/tools")
	from kerash5 import save_dense
	r = np.random.default_rng(5)
	save_dense("m.h5", 6, [("f", 8, "relu", 2), ("out", 3, "softmax", 2)], r)
	x = r.normal(size=(40, 6)).astype("f4")
	np.save("x.npy", x); np.save("y.npy", r.integers(0, 3, 40))
	np.save("other.npy", np.abs(r.normal(size=(40, 8))).astype("f4"))
	PYEOF
	printf "a\nb\nc\n" >classes.txt &&
	for s in set plain nan narrow grown; do
		li-label -q $s --x x.npy --labels y.npy --classes classes.txt || exit 1
	done &&
	li-embed -q m.h5 --at f x.npy -o z.npy &&
	li-embed -q m.h5 x.npy -o p0.npy &&
	$PY - <<-\PYEOF
	import numpy as np
	z, o = np.load("z.npy"), np.load("other.npy")
	np.save("set/current/latent.npy", o)        # not the head of the samples: other rows
	np.save("grown/current/latent.npy", o)
	open("grown/current/classes.txt", "w").write("a\nb\nc\nnot a number\n")
	n = o.copy(); n[2] = np.nan
	np.save("nan/current/latent.npy", n)
	np.save("narrow/current/latent.npy", o[:, :5])
	PYEOF
'

test_expect_success 'the latent rows train at the cut: the same bytes as the rows given as arrays' '
	li-finetune -q --latent m.h5 --at f set --optimizer sgd --lr 0.1 --epochs 3 --batch 8 -o a.h5 &&
	li-finetune -q --latent m.h5 --at f other.npy y.npy --optimizer sgd --lr 0.1 --epochs 3 \
		--batch 8 -o b.h5 &&
	cmp a.h5 b.h5 &&
	li-finetune -q m.h5 --at f set --optimizer sgd --lr 0.1 --epochs 3 --batch 8 -o c.h5 &&
	! cmp -s a.h5 c.h5
'

test_expect_success 'latent rows that are the head of the samples train as the samples do' '
	cp z.npy plain/current/latent.npy &&
	li-finetune -q --latent m.h5 --at f plain --optimizer sgd --lr 0.1 --epochs 3 --batch 8 -o d.h5 &&
	li-finetune -q m.h5 --at f plain --optimizer sgd --lr 0.1 --epochs 3 --batch 8 -o e.h5 &&
	li-embed -q d.h5 x.npy -o pd.npy && li-embed -q e.h5 x.npy -o pe.npy &&
	npy_close pd.npy pe.npy && ! cmp -s pd.npy p0.npy
'

test_expect_success 'mixed with arrays at the cut; new classes of the set grow the output' '
	li-finetune -q --latent m.h5 --at f z.npy y.npy grown --epochs 2 -o g.h5 &&
	li-layers g.h5 | grep -q "^ *2  out  *Dense  *(4,) "
'

test_expect_success 'bad input: one line, status 1, nothing written' '
	expect_err "li-finetune: error: narrow: rows of 5 values do not fit '"'f'"', which takes (8,)" \
		li-finetune --latent m.h5 --at f narrow -o o.h5 &&
	expect_err "li-finetune: error: narrow: latent rows of 5 values, the rows before have 8" \
		li-finetune --latent m.h5 --at f z.npy y.npy narrow -o o.h5 &&
	expect_err "li-finetune: error: nan: sample 2 has no latent row (latent.npy: NaN)" \
		li-finetune --latent m.h5 --at f nan -o o.h5 &&
	rm plain/current/latent.npy &&
	must_fail 1 li-finetune --latent m.h5 --at f plain -o o.h5 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep -q "^li-finetune: error: plain: no latent rows (latent.npy)" err &&
	test ! -e o.h5
'

test_done
