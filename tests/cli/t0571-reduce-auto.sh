#!/usr/bin/env bash
# li-reduce --auto for every method: candidates fitted on the rows (or a 2,000-row
# sample), scored by trustworthiness@10 (lib/map/trust.c, equal to scikit-learn's), the
# choice printed and kept in --report; better than the defaults where they are poor:
#  - t-SNE on 60 rows, where perplexity 30 is out of range (lowered to 19.67): 20 tiny
#    clusters of 3 want a small perplexity;
#  - UMAP on 30 rings of 20 points (strongly clustered, with structure inside each
#    cluster): n_neighbors 15 covers most of a ring and folds it up, a small n_neighbors
#    keeps each ring's order;
#  - PCA: whitening off and on, the better one chosen.
# Same seed, same bytes, at any thread count.
. "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

test_expect_success 'data: 60 rows in 20 clusters of 3; 30 rings of 20 points; 2,500 rows' '
	$PY - <<-\PY
	import numpy as np
	rs = np.random.RandomState(0)
	c = rs.randn(20, 10) * 3
	np.save("t60.npy", np.concatenate([c[i] + rs.randn(3, 10) * 0.7
	                                   for i in range(20)]).astype(np.float32))
	rs = np.random.RandomState(0)
	t = np.linspace(0, 2 * np.pi, 20, endpoint=False)
	x = np.concatenate([rs.randn(16) * 10 + np.c_[np.cos(t), np.sin(t)] @
	                    np.linalg.qr(rs.randn(16, 2))[0].T + rs.randn(20, 16) * 0.02
	                    for r in range(30)])
	np.save("rings.npy", x.astype(np.float32))
	rs = np.random.RandomState(1)
	np.save("big.npy", (rs.randn(2500, 6) * [5, 4, 1, 1, 0.5, 0.5]).astype(np.float32))
	PY
'

# check_auto DATA OUT REPORT ERR: the candidates printed on stderr are those in the
# report; the choice is the best score (ties to the default); with every row tuned on,
# the chosen score is the fit's trustworthiness, and scikit-learn's on the output.
check_auto() {
	$PY - "$@" <<-\PY
	import json, re, sys
	import numpy as np
	from sklearn.manifold import trustworthiness
	X, Y = np.load(sys.argv[1]), np.load(sys.argv[2])
	X = X.reshape(len(X), -1)
	r = json.load(open(sys.argv[3])); a = r["params"]["auto"]
	err = open(sys.argv[4]).read().split("\n")
	lines = [l for l in err if l.startswith("li-reduce: auto: ") and "chose" not in l]
	if r["method"] == "tsne":
	    scores, default = a["scores"], [i for i, p in enumerate(a["perplexities"])
	                                    if "(default)" in lines[i]][0]
	else:
	    scores = [c["trustworthiness"] for c in a["candidates"]]
	    default = [i for i, c in enumerate(a["candidates"]) if c["default"]][0]
	    assert sum(c["default"] for c in a["candidates"]) == 1
	assert len(lines) == len(scores), (lines, scores)
	for l, s in zip(lines, scores):
	    assert re.search("trustworthiness %.4f" % s, l), (l, s)
	best = max(scores)
	chosen = [i for i, s in enumerate(scores) if s == best]
	chosen = default if default in chosen else chosen[0]
	assert "(default)" in lines[default]
	t = trustworthiness(X, Y, n_neighbors=min(10, (len(X) - 1) // 2))
	assert abs(t - best) < 1e-9, (t, best)
	assert abs(r["quality"]["trustworthiness"] - best) < 1e-9
	assert [l for l in err if l.startswith("li-reduce: auto: chose ")]
	print(chosen, default, best, scores[default])
	PY
}

test_expect_success 't-SNE, 60 rows: a smaller perplexity than the lowered default, better' '
	li-reduce --method tsne --report d.json t60.npy >d.npy 2>d.err &&
	grep -q "^li-reduce: note: perplexity 30 lowered to 19.67" d.err &&
	li-reduce --method tsne --auto --report a.json t60.npy >a.npy 2>a.err &&
	check_auto t60.npy a.npy a.json a.err >a.res &&
	grep -q "^li-reduce: auto: perplexity 19.67 (default): trustworthiness" a.err &&
	grep -q "^li-reduce: auto: chose perplexity [0-9.]* scored 0.9[0-9]*, the default 19.67 scored 0.9[0-9]* (tuned on 60 of 60 rows)$" a.err &&
	$PY - <<-\PY
	import json
	d, a = json.load(open("d.json")), json.load(open("a.json"))
	td, ta = d["quality"]["trustworthiness"], a["quality"]["trustworthiness"]
	assert a["params"]["perplexity_used"] < 10, a["params"]
	assert ta > td + 0.005, (ta, td)
	print("t-SNE 60 rows: default %.4f, --auto %.4f" % (td, ta))
	PY
'

test_expect_success 'UMAP, rings: a small n_neighbors keeps the rings (default 15 folds them)' '
	li-reduce --method umap --report ud.json rings.npy >ud.npy 2>ud.err &&
	li-reduce --method umap --auto --report ua.json rings.npy >ua.npy 2>ua.err &&
	check_auto rings.npy ua.npy ua.json ua.err >ua.res &&
	grep -q "^li-reduce: auto: n_neighbors 15, min_dist 0.1 (default): trustworthiness 0.9" ua.err &&
	grep -q "^li-reduce: auto: n_neighbors 5, min_dist 0.1: trustworthiness 0.9" ua.err &&
	grep -q "^li-reduce: umap (exact kNN) of 600 x 16 to 2-D, trustworthiness@10 0.9" ua.err &&
	$PY - <<-\PY
	import json
	import numpy as np
	from sklearn.neighbors import NearestNeighbors
	d, a = json.load(open("ud.json")), json.load(open("ua.json"))
	assert a["params"]["n_neighbors"] < 15 and d["params"]["n_neighbors"] == 15
	assert a["params"]["auto"]["rows"] == 600
	def ring_kept(y):
	    """how many of each point s two nearest on the map are its ring neighbours"""
	    nb = NearestNeighbors(n_neighbors=3).fit(y).kneighbors(y)[1][:, 1:]
	    i = np.arange(len(y))[:, None]
	    s = np.abs(nb % 20 - i % 20)
	    return np.mean((nb // 20 == i // 20) & (np.minimum(s, 20 - s) == 1))
	td, ta = d["quality"]["trustworthiness"], a["quality"]["trustworthiness"]
	kd, ka = ring_kept(np.load("ud.npy")), ring_kept(np.load("ua.npy"))
	print("UMAP rings: trustworthiness default %.4f, --auto %.4f; ring order kept "
	      "%.3f, %.3f" % (td, ta, kd, ka))
	assert ta > td and ka > kd + 0.15, (td, ta, kd, ka)
	PY
'

test_expect_success 'UMAP: --neighbors given is the base candidate' '
	li-reduce --method umap --auto --neighbors 8 --epochs 50 --report u8.json rings.npy \
		>u8.npy 2>u8.err &&
	check_auto rings.npy u8.npy u8.json u8.err >/dev/null &&
	grep -q "^li-reduce: auto: n_neighbors 8, min_dist 0.1 (default): " u8.err &&
	grep -q "^li-reduce: auto: n_neighbors 15, min_dist 0.1: " u8.err
'

test_expect_success 'PCA: whitening off and on; more rows than the sample' '
	li-reduce --auto --report p.json rings.npy >p.npy 2>p.err &&
	check_auto rings.npy p.npy p.json p.err >/dev/null &&
	grep -q "^li-reduce: auto: whitening off (default): trustworthiness 0\.[0-9]*$" p.err &&
	grep -q "^li-reduce: auto: whitening on: trustworthiness 0\.[0-9]*$" p.err &&
	li-reduce --auto --whiten --report pw.json big.npy >pw.npy 2>pw.err &&
	grep -q "^li-reduce: auto: whitening on (default): " pw.err &&
	grep -q "(tuned on 2000 of 2500 rows)$" pw.err &&
	$PY -c "import json; a = json.load(open(\"pw.json\"))[\"params\"][\"auto\"]; assert a[\"rows\"] == 2000 and len(a[\"candidates\"]) == 2"
'

test_expect_success 'same seed, same bytes, at 1 and 2 threads; another seed differs' '
	li-reduce --method umap --auto --threads 1 -q rings.npy >u1.npy &&
	cmp u1.npy ua.npy &&
	li-reduce --method tsne --auto --threads 2 -q t60.npy >a2.npy &&
	cmp a.npy a2.npy &&
	li-reduce --auto --seed 5 -q big.npy >b1.npy &&
	li-reduce --auto --seed 5 --threads 1 -q big.npy >b2.npy && cmp b1.npy b2.npy
'

test_expect_success 'the doc/maps.md example of --auto runs as written' '
	sed -n "/^## Self-tuning/,/^## /p" "$LI_TOP/doc/maps.md" | grep "^    li-reduce --" |
		sed "s/^    //" >ex.sh &&
	test "$(wc -l <ex.sh)" -eq 1 && cp rings.npy latent.npy && bash -e ex.sh 2>ex.err &&
	grep -q "^li-reduce: auto: chose n_neighbors 5, min_dist 0.5 scored 0\.99[0-9]*, the default 0\.99[0-9]* (tuned on 600 of 600 rows)$" ex.err &&
	test -s auto.json && cmp xy.npy ua.npy
'

test_expect_success 'bad use: --auto with --transform; too few rows' '
	li-reduce --save pm.h5 -q big.npy >/dev/null &&
	must_fail 2 li-reduce --transform pm.h5 --auto big.npy 2>err >/dev/null &&
	head -1 err >first &&
	printf "li-reduce: error: --transform takes none of the fitting options (try \047li-reduce --help\047)\n" >want &&
	cmp want first &&
	$PY -c "import numpy as np; np.save(\"three.npy\", np.eye(3, 4, dtype=np.float32))" &&
	expect_err "li-reduce: error: three.npy: --auto needs at least 4 rows, got 3" \
		li-reduce --auto three.npy
'

test_done
