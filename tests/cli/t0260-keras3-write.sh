#!/usr/bin/env bash
# Writing .keras: li-split writes the parts in the input's format (a .keras gives .keras
# parts, an .h5 gives .h5 parts; --format or the names choose otherwise); the same input
# gives the same bytes, with fixed member times and date_saved (SOURCE_DATE_EPOCH when
# set); the members are Keras' three, stored, in Keras' order; li-convert goes both ways;
# a cut before a custom class writes both parts (the class kept as it came, by name);
# meaning a Keras 3 config cannot say is refused for .keras with one line, .h5 keeps it;
# a probe saved as .keras carries its class names (li-propagate --names, li-check --model).
. "$(dirname "$0")/../lib.sh"
FX=$LI_TOP/tests/fixtures/keras3
MN=$FX/mnist-cnn-keras3.1.1-moonflower
EN=$FX/encoder-custom-l2norm-keras3.5.0-deepcluster

test_expect_success 'setup' '
	cp "$MN/model.keras" m.keras && cp "$MN/sibling_different_weights.h5" s.h5 &&
	cp "$EN/model.keras" enc.keras &&
	$PY "$LI_TOP/tests/tools/keras3_cases.py" cases
'

test_expect_success 'li-split: a .keras gives .keras parts, an .h5 gives .h5 parts' '
	li-split m.keras --at 4 && test -f m.head.keras && test -f m.tail.keras &&
	li-layers m.head.keras | grep -q "format keras-zip" &&
	li-split s.h5 --at 4 && test -f s.head.h5 && test -f s.tail.h5 &&
	li-layers s.tail.h5 | grep -q "format keras-h5"
'

test_expect_success 'li-split --format and output names choose the format' '
	li-split m.keras --at 4 --format h5 && test -f m.head.h5 && test -f m.tail.h5 &&
	li-split s.h5 --at 4 --format keras && test -f s.head.keras &&
	li-split s.h5 --at 4 --head hh.keras --tail tt.h5 &&
	li-layers hh.keras | grep -q "format keras-zip" && li-layers tt.h5 | grep -q "format keras-h5" &&
	must_fail 2 li-split m.keras --at 4 --format zip 2>err.txt &&
	grep -q "^li-split: error: --format: .h5. or .keras., not .zip." err.txt
'

test_expect_success 'the parts of a .keras give the whole model, in either format' '
	li-embed -q m.head.keras "$MN/input.npy" | li-propagate -q m.tail.keras -o a.npy &&
	li-embed -q m.keras "$MN/input.npy" -o whole.npy && cmp a.npy whole.npy &&
	li-embed -q m.head.h5 "$MN/input.npy" | li-propagate -q m.tail.h5 -o b.npy &&
	cmp b.npy whole.npy
'

test_expect_success 'same input, same bytes; SOURCE_DATE_EPOCH sets the time' '
	li-split m.keras --at 4 --head h1.keras --tail t1.keras &&
	li-split m.keras --at 4 --head h2.keras --tail t2.keras &&
	cmp h1.keras h2.keras && cmp t1.keras t2.keras &&
	SOURCE_DATE_EPOCH=1700000000 li-split m.keras --at 4 --head h3.keras --tail t3.keras &&
	! cmp -s h1.keras h3.keras &&
	unzip -p h3.keras metadata.json | grep -q "\"date_saved\": \"2023-11-14@22:13:20\"" &&
	unzip -p h1.keras metadata.json | grep -q "\"date_saved\": \"1980-01-01@00:00:00\""
'

test_expect_success 'the zip is laid out as Keras writes it' '
	$PY - h1.keras "$MN/model.keras" <<-PYEOF
	import sys, zipfile
	ours, theirs = (zipfile.ZipFile(p) for p in sys.argv[1:3])
	names = [i.filename for i in ours.infolist()]
	assert names == [i.filename for i in theirs.infolist()], names
	for i, j in zip(ours.infolist(), theirs.infolist()):
	    assert i.compress_type == j.compress_type == zipfile.ZIP_STORED, i.filename
	    assert (i.create_system, i.external_attr) == (j.create_system, j.external_attr), i
	    assert i.date_time == (1980, 1, 1, 0, 0, 0), i.date_time
	PYEOF
'

test_expect_success 'li-convert: .h5 -> .keras -> .h5 keeps the outputs' '
	li-convert s.h5 -o s.keras && li-convert s.keras -o s2.h5 &&
	li-embed -q s.h5 "$MN/input.npy" -o o1.npy && li-embed -q s.keras "$MN/input.npy" -o o2.npy &&
	li-embed -q s2.h5 "$MN/input.npy" -o o3.npy && cmp o1.npy o2.npy && cmp o1.npy o3.npy &&
	must_fail 2 li-convert s.h5 -o s.zip 2>err.txt &&
	grep -q "a model converts to a Keras .h5 or .keras file, not .s.zip." err.txt
'

test_expect_success 'a cut before a custom class: both parts, the class kept by name' '
	li-split enc.keras --at dense_1 &&
	li-embed -q enc.head.keras "$EN/input.npy" -o e.npy &&
	li-embed -q enc.keras "$EN/input.npy" --at dense_1 -o e2.npy && cmp e.npy e2.npy &&
	unzip -p enc.tail.keras config.json >tail.json &&
	grep -q "\"module\": \"src.model.util\", \"class_name\": \"L2NormLayer\"" tail.json &&
	grep -q "\"registered_name\": \"Custom>L2NormLayer\"" tail.json &&
	must_fail 1 li-propagate -q enc.tail.keras e.npy -o never.npy 2>err.txt &&
	grep -q "(L2NormLayer) cannot be run: a custom class" err.txt && test ! -e never.npy
'

test_expect_success 'Keras 2 hard_sigmoid: refused for .keras (one line), kept in .h5' '
	expect_err "li-convert: error: hs.keras: layer '\''d'\'' (Dense) cannot be written to .keras: it uses Keras 2'\''s hard_sigmoid, clip(0.2x + 0.5, 0, 1), which a Keras 3 config cannot state (Keras 3'\''s is relu6(x + 3) / 6); write .h5 instead" \
		li-convert cases/hsig.h5 -o hs.keras &&
	test ! -e hs.keras && li-convert cases/hsig.h5 -o hs.h5 &&
	li-embed -q cases/hsig.h5 cases/hsig.x.npy -o y1.npy &&
	li-embed -q hs.h5 cases/hsig.x.npy -o y2.npy && cmp y1.npy y2.npy
'

test_expect_success 'li-train-lr -o probe.keras, class names in metadata.json' '
	$PY -c "
import numpy as np
r = np.random.default_rng(2); x = r.normal(size=(40, 3)).astype(np.float32)
np.save(\"x.npy\", x); np.save(\"y.npy\", (x[:, 2] > 0).astype(np.int64))" &&
	printf "no\nyes\n" >classes.txt &&
	li-train-lr -q x.npy y.npy --classes classes.txt -o probe.keras &&
	li-train-lr -q x.npy y.npy --classes classes.txt -o probe.h5 &&
	unzip -p probe.keras metadata.json | grep -q "\"li_class_names\": \[\"no\", \"yes\"\]" &&
	li-propagate -q probe.keras x.npy --names >n1.txt &&
	li-propagate -q probe.h5 x.npy --names >n2.txt && cmp n1.txt n2.txt &&
	li-propagate -q probe.keras x.npy -o p.npy &&
	li-check --model probe.keras --argmax "$(head -1 n1.txt)" --rows 0:1 p.npy 2>/dev/null &&
	must_fail 1 li-check --model m.keras --argmax yes p.npy 2>err.txt &&
	grep -q "^li-check: error: m.keras: the model has no class names (li_class_names)$" err.txt
'
test_done
