#!/usr/bin/env bash
# projects/mnist/train.js (what `make -C projects/mnist model` runs) is seeded: a short run
# twice gives the same weights, and li-convert makes the same Keras file of them; the
# model it builds has the committed model's layers. The same for --classifier and the
# committed classifier.h5.
. "$(dirname "$0")/../lib.sh"

project=$LI_TOP/projects/mnist
require_tfjs 'MNIST training'

test_expect_success 'one short epoch twice: the same weights, the same .h5' '
	make -s -C "$project" LI="$LI_BIN" data &&
	node "$project/train.js" "$project/data" a --rows 512 --epochs 1 2>a.log &&
	node "$project/train.js" "$project/data" b --rows 512 --epochs 1 2>b.log &&
	grep -q "^epoch 1/1: cross-entropy [0-9.]*, validation mse [0-9.]*" a.log &&
	cmp a/weights.bin b/weights.bin &&
	li-convert a/model.json -o a.h5 && li-convert b/model.json -o b.h5 && cmp a.h5 b.h5
'

test_expect_success 'it builds the layers of the committed model' '
	li-layers a.h5 | cut -c1-60 >trained.txt &&
	li-layers "$project/model.h5" | cut -c1-60 >committed.txt &&
	cmp committed.txt trained.txt
'

test_expect_success '--classifier: seeded too, and the committed classifier'"'"'s layers' '
	node "$project/train.js" "$project/data" c --classifier --rows 512 --epochs 1 2>c.log &&
	node "$project/train.js" "$project/data" d --classifier --rows 512 --epochs 1 2>d.log &&
	grep -q "^epoch 1/1: cross-entropy [0-9.]*, validation accuracy 0\.[0-9]*" c.log &&
	cmp c/weights.bin d/weights.bin &&
	li-convert c/model.json -o c.h5 &&
	li-layers c.h5 | cut -c1-60 >trained-c.txt &&
	li-layers "$project/classifier.h5" | cut -c1-60 >committed-c.txt &&
	cmp committed-c.txt trained-c.txt
'

test_expect_success 'bad arguments: usage, exit 2' '
	must_fail 2 node "$project/train.js" "$project/data" 2>err &&
	grep -q "^usage: node train.js" err &&
	must_fail 2 node "$project/train.js" "$project/data" c --epochs 0 2>err
'

test_done
