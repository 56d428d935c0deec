#!/usr/bin/env bash
# Self-tuning t-SNE (li_tsne_auto): candidates around a size-aware perplexity plus the
# default, each fitted and scored by trustworthiness@10 (the test tool's callback, checked
# here against scikit-learn's); the choice is the best score and never below the default.
. "$(dirname "$0")/../lib.sh"
T=$LI_TOOLS/tsne_tool

test_expect_success 'data: 60 rows in 20 clusters of 3; a 60-point spiral' '
	$PY - <<-\PYEOF
	import numpy as np
	rs = np.random.RandomState(0)
	c = rs.randn(20, 8) * 5
	np.save("c.npy", np.concatenate([c[i] + rs.randn(3, 8) for i in range(20)]).astype(np.float32))
	t = np.linspace(0, 6 * np.pi, 60)
	X = np.c_[np.cos(t) * t, np.sin(t) * t, rs.randn(60) * 0.1, t * 0.2]
	np.save("s.npy", X.astype(np.float32))
	PYEOF
'

check_choice() { # data, output, printed candidates, expected perplexities (python list)
	$PY - "$@" <<-\PYEOF
	import numpy as np, sys
	from sklearn.manifold import trustworthiness
	X = np.load(sys.argv[1]); Y = np.load(sys.argv[2])
	lines = open(sys.argv[3]).read().split("\n")
	cand = [l.split() for l in lines if l and not l.startswith("chosen")]
	chosen = float([l for l in lines if l.startswith("chosen")][0].split()[1])
	perp = [float(c[0]) for c in cand]; score = [float(c[1]) for c in cand]
	default = [float(c[1]) for c in cand if len(c) == 4][0]
	# (N - 1) / 3 = 19.67 is 30 lowered; candidates s/2, s, 2s with s = 59/6, and the base
	assert np.allclose(perp, eval(sys.argv[4])), perp
	best = max(score)
	assert score[perp.index(chosen)] == best and best >= default
	# the callback is scikit-learn trustworthiness@10
	t = trustworthiness(X, Y, n_neighbors=10)
	assert abs(t - best) < 1e-9, (t, best)
	print(chosen, best, default)
	PYEOF
}

test_expect_success '60 rows in tiny clusters: the best-scoring candidate is chosen' '
	$T auto c.npy ca.npy --threads 2 >c.txt 2>c.why &&
	check_choice c.npy ca.npy c.txt "[59 / 12, 59 / 6, 59 / 3]" >c.res &&
	grep -Eq "^perplexity [0-9.]+ (\(the default\) scored best: 0.9[0-9]*|scored 0.9[0-9]*, the default 19.67 scored 0.9[0-9]*)$" c.why
'

test_expect_success 'a poor base perplexity (2) on a spiral is beaten by a clear margin' '
	$T auto s.npy sp.npy --perplexity 2 >p.txt 2>p.why &&
	check_choice s.npy sp.npy p.txt "[2, 59 / 12, 59 / 6, 59 / 3]" >p.res &&
	read chosen best def <p.res && $PY -c "assert $best > $def + 0.05, ($best, $def)" &&
	grep -Eq "^perplexity [0-9.]+ scored 0.9[0-9]*, the default 2 scored 0.[0-9]*$" p.why
'

test_expect_success 'the spiral with the default: deterministic at 1 and 2 threads' '
	$T auto s.npy sa.npy >s.txt 2>s.why &&
	check_choice s.npy sa.npy s.txt "[59 / 12, 59 / 6, 59 / 3]" >/dev/null &&
	$T auto s.npy sb.npy --threads 2 >s2.txt 2>/dev/null && cmp sa.npy sb.npy && cmp s.txt s2.txt
'

test_done
