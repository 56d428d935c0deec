#!/usr/bin/env bash
# SPEC 8: every row-wise step run as N shards (--shard I/N, --rows A:B) and joined with
# li-cat gives the unsharded output byte for byte: li-embed (an encoder), li-propagate
# (the decoder, and a probe), li-reduce --transform (PCA, UMAP, t-SNE), li-invert (PCA,
# UMAP, t-SNE --approx). Shard counts that do not divide the rows, 1-row shards, empty
# shards and batches that straddle shard edges are all covered.
. "$(dirname "$0")/../lib.sh"

# runs "$@ --shard I/N -o part-I.npy" for I < N and joins the parts into joined.npy
shards() {
	n=$1
	shift
	rm -f part-*.npy joined.npy
	for i in $(seq 0 $((n - 1))); do
		"$@" --shard $i/$n -o part-$(printf %03d $i).npy || return 1
	done
	li-cat part-*.npy -o joined.npy
}

test_expect_success 'setup: model, 300 rows, encoder and decoder, probe, maps' '
	$PY "$LI_TOP/tests/tools/shard_model.py" 300 &&
	li-split -q --at latent model.h5 --head head.h5 --tail tail.h5 &&
	li-embed -q head.h5 x.npy -o lat.npy &&
	li-train-lr -q lat.npy y.npy -o probe.h5 &&
	li-reduce -q --method pca --save pca.h5 lat.npy -o pca.xy.npy &&
	li-reduce -q --method umap --sample 150 --seed 2 --save umap.h5 lat.npy -o /dev/null &&
	li-reduce -q --method tsne --sample 150 --seed 2 --iterations 250 --save tsne.h5 lat.npy -o /dev/null
'

test_expect_success 'li-embed: 7 shards (in batches of 256 and of 64) and --rows pieces' '
	shards 7 li-embed -q head.h5 x.npy && cmp joined.npy lat.npy &&
	li-embed -q --batch 64 head.h5 x.npy -o lat64.npy &&
	shards 7 li-embed -q --batch 64 head.h5 x.npy && cmp joined.npy lat64.npy &&
	li-embed -q head.h5 --rows :100 x.npy -o a.npy &&
	li-embed -q head.h5 --rows 100:-1 x.npy -o b.npy &&
	li-embed -q head.h5 --rows -1: x.npy -o c.npy &&
	li-cat a.npy b.npy c.npy -o abc.npy && cmp abc.npy lat.npy
'

test_expect_success 'li-embed: the data on a pipe skips to its shard too' '
	rm -f part-*.npy &&
	for i in 0 1 2; do cat x.npy | li-embed -q head.h5 --shard $i/3 -o part-$i.npy || exit 1; done &&
	li-cat part-0.npy part-1.npy part-2.npy | cmp - lat.npy
'

test_expect_success 'li-propagate: the decoder, 5 shards' '
	li-propagate -q tail.h5 lat.npy -o dec.npy &&
	shards 5 li-propagate -q tail.h5 lat.npy && cmp joined.npy dec.npy
'

test_expect_success 'li-propagate: the probe (probabilities, --argmax), 4 shards' '
	li-propagate -q probe.h5 lat.npy -o prob.npy &&
	shards 4 li-propagate -q probe.h5 lat.npy && cmp joined.npy prob.npy &&
	li-propagate -q --argmax probe.h5 lat.npy -o cls.npy &&
	shards 4 li-propagate -q --argmax probe.h5 lat.npy && cmp joined.npy cls.npy
'

for m in pca umap tsne; do
	test_expect_success "li-reduce --transform ($m): 3, 7 and 300 shards join to the whole" '
		li-reduce --transform '$m'.h5 lat.npy -o whole.npy &&
		for n in 3 7; do
			shards $n li-reduce --transform '$m'.h5 lat.npy && cmp joined.npy whole.npy || exit 1
		done
	'
done

test_expect_success 'li-reduce --transform: more shards than rows give empty parts that join' '
	li-convert --rows 100:105 lat.npy -o five.npy &&
	li-reduce --transform umap.h5 five.npy -o whole5.npy &&
	shards 8 li-reduce --transform umap.h5 five.npy && cmp joined.npy whole5.npy
'

test_expect_success 'li-invert: PCA and UMAP maps and t-SNE --approx, 6 shards' '
	li-reduce --transform umap.h5 lat.npy -o umap.xy.npy &&
	li-reduce --transform tsne.h5 lat.npy -o tsne.xy.npy &&
	li-invert pca.h5 pca.xy.npy -o inv.npy &&
	shards 6 li-invert pca.h5 pca.xy.npy && cmp joined.npy inv.npy &&
	li-invert -q umap.h5 umap.xy.npy -o inv.npy &&
	shards 6 li-invert -q umap.h5 umap.xy.npy && cmp joined.npy inv.npy &&
	li-invert --approx tsne.h5 tsne.xy.npy -o inv.npy &&
	shards 6 li-invert --approx tsne.h5 tsne.xy.npy && cmp joined.npy inv.npy
'

# The expected rows are cut from the same four points inverted as one batch, as --rows
# does: a batch of two would be a GEMM of another shape (not always the same bytes).
test_expect_success 'li-invert --rows on text: a range counted in points, blank lines and comments aside' '
	printf "# x y\n1 2\n\n3 4\n5,6\n7 8\n" >pts.txt &&
	printf "1 2\n3 4\n5 6\n7 8\n" | li-invert pca.h5 -o all4.npy &&
	li-invert --rows 1:3 pca.h5 pts.txt -o t13.npy &&
	li-convert --rows 1:3 all4.npy -o want.npy && cmp t13.npy want.npy &&
	li-invert --rows 2: pca.h5 pts.txt -o t2.npy &&
	li-convert --rows 2: all4.npy -o want.npy && cmp t2.npy want.npy
'

test_expect_success 'li-invert: a shard of text, or a bad --rows/--shard, is a usage error' '
	must_fail 2 li-invert --shard 0/2 pca.h5 pts.txt -o out.npy 2>err &&
	head -1 err | grep -qx "li-invert: error: --shard and negative --rows need a known row count: a .npy input, not text" &&
	must_fail 2 li-invert --rows -2: pca.h5 pts.txt -o out.npy &&
	must_fail 2 li-invert --shard 2/2 pca.h5 pca.xy.npy -o out.npy &&
	must_fail 2 li-invert --rows 1:2 --shard 0/2 pca.h5 pca.xy.npy -o out.npy &&
	! test -e out.npy
'

test_expect_success 'li-invert: a bad value in a shard is reported by its row in the whole input' '
	$PY -c "
import numpy as np
c = np.load(\"pca.xy.npy\"); c[250, 1] = np.nan; np.save(\"bad.npy\", c)
" &&
	expect_err "li-invert: error: bad.npy: row 250: not a finite number (NaN or infinity)" \
		li-invert --shard 4/5 pca.h5 bad.npy -o out.npy &&
	li-invert --shard 0/5 pca.h5 bad.npy -o out.npy
'

test_done
