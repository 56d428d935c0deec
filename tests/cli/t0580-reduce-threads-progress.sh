#!/usr/bin/env bash
# t-SNE on every core by default with the same bytes as one thread (exact and Barnes-Hut
# gradients), and the fit's progress: on a terminal (script(1) gives one) li-reduce says
# each stage and counts epochs or iterations, with t-SNE's KL every 50 iterations; a pipe
# or -q gets none of it.
. "$(dirname "$0")/../lib.sh"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

test_expect_success 'blobs: 1,200 rows of 16 numbers' '
	$PY - <<-\PY
	import numpy as np
	from sklearn.datasets import make_blobs
	x, _ = make_blobs(1200, 16, centers=5, cluster_std=2.0, random_state=7)
	np.save("x.npy", x.astype(np.float32)); np.save("x600.npy", x[:600].astype(np.float32))
	PY
'
# 1,200 rows use Barnes-Hut, 600 the exact gradient; the default is one worker per core
test_expect_success 't-SNE: default threads, 1, 2 and 3 give the same bytes' '
	for f in x x600; do
		li-reduce -q --method tsne --iterations 200 --save d$f.h5 $f.npy >d$f.npy &&
		li-reduce -q --method tsne --iterations 200 --threads 1 --save o$f.h5 $f.npy >o$f.npy &&
		li-reduce -q --method tsne --iterations 200 --threads 2 $f.npy >t$f.npy &&
		li-reduce -q --method tsne --iterations 200 --threads 3 $f.npy >h$f.npy &&
		cmp d$f.npy o$f.npy && cmp o$f.npy t$f.npy && cmp o$f.npy h$f.npy || exit 1
	done &&
	li-reduce --transform dx.h5 x600.npy >pd.npy &&
	li-reduce --transform dx.h5 --threads 1 x600.npy >p1.npy && cmp pd.npy p1.npy &&
	li-invert --approx dx.h5 pd.npy >id.npy &&
	li-invert --approx --threads 1 dx.h5 pd.npy >i1.npy && cmp id.npy i1.npy
'
test_expect_success 'the default is every online core (--help says so)' '
	li-reduce --help >help &&
	grep -q "UMAP.s and t-SNE.s worker threads \[all$" help &&
	! grep -q "t-SNE workers 1" help
'

# script -qc CMD /dev/null runs CMD on a pseudo-terminal; its output is the terminal's
if command -v script >/dev/null; then
test_expect_success 't-SNE on a terminal: stages, iterations of all, KL every 50' '
	script -qc "li-reduce --method tsne --iterations 200 -o ty.npy x.npy" /dev/null >tty.out &&
	tr "\r" "\n" <tty.out >tty.txt &&
	grep -q "^t-SNE kNN graph \.\.\." tty.txt &&
	grep -q "^t-SNE affinities \.\.\." tty.txt &&
	for i in 50 100 150 200 250 300 350 400 450; do
		grep -q "^t-SNE iterations, KL [0-9]*\.[0-9]\{4\}: $i/450" tty.txt || exit 1
	done &&
	grep -q "^trustworthiness \.\.\." tty.txt &&
	grep -q "^li-reduce: tsne .*KL divergence" tty.txt &&
	cmp ty.npy ox.npy
'
test_expect_success 'the last KL shown is the one of the final embedding, near the report' '
	last=$(grep "^t-SNE iterations, KL" tty.txt | tail -1 | sed "s/.*KL \([0-9.]*\):.*/\1/") &&
	rep=$(sed -n "s/.*KL divergence \([0-9.]*\),.*/\1/p" tty.txt) &&
	$PY -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); assert abs(a - b) < 0.02 * b, (a, b)" "$last" "$rep"
'
test_expect_success 'UMAP and PCA on a terminal: stages and epochs' '
	script -qc "li-reduce --method umap --epochs 30 -o uy.npy x.npy" /dev/null >u.out &&
	tr "\r" "\n" <u.out >u.txt &&
	grep -q "^UMAP kNN graph \.\.\." u.txt &&
	grep -q "^UMAP fuzzy graph \.\.\." u.txt &&
	grep -q "^UMAP spectral start \.\.\." u.txt &&
	grep -q "^UMAP epochs: 1/30" u.txt && grep -q "^UMAP epochs: 30/30" u.txt &&
	li-reduce --method umap --epochs 30 x.npy >uy2.npy 2>/dev/null && cmp uy.npy uy2.npy &&
	script -qc "li-reduce -o py.npy x.npy" /dev/null >p.out &&
	tr "\r" "\n" <p.out | grep -q "^PCA \.\.\."
'
test_expect_success '-q on a terminal: nothing at all' '
	script -qc "li-reduce -q --method tsne --iterations 200 -o qy.npy x.npy" /dev/null >q.out &&
	test ! -s q.out && cmp qy.npy ox.npy
'
else
	test_skip 'progress on a terminal' 'script(1) (util-linux) is not installed'
fi
test_expect_success 'a pipe or a log gets no progress, only the summary' '
	li-reduce --method tsne --iterations 200 x.npy 2>err.log >/dev/null &&
	li-reduce --method umap --epochs 30 x.npy 2>uerr.log >/dev/null &&
	! grep -q "iterations\|epochs\|kNN graph\|\.\.\." err.log uerr.log &&
	test -z "$(tr -dc "\r\033" <err.log)" && test -z "$(tr -dc "\r\033" <uerr.log)" &&
	test $(wc -l <err.log) -eq 1 && grep -q "^li-reduce: tsne" err.log
'
test_done
