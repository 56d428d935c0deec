#!/usr/bin/env bash
# li-label: each bad input is one line on stderr, exit 1, and the data set unchanged.
. "$(dirname "$0")/../lib.sh"

$PY - <<'PY'
import numpy as np
np.save('x.npy', np.zeros((4, 2, 3), np.float32))
np.save('x3.npy', np.zeros((4, 3), np.float32))
np.save('x64.npy', np.zeros((4, 2, 3), np.float64))
np.save('p2.npy', np.array([[.5, .5], [2, 0], [1, 0], [0, 1]], np.float32))
np.save('p5.npy', np.full((5, 2), .5, np.float32))
np.save('p3.npy', np.full((4, 3), .3, np.float32))
np.save('lf.npy', np.zeros(4, np.float32))
np.save('l9.npy', np.array([0, 1, 9, 0]))
np.save('o3.npy', np.zeros((3, 2), np.float32))
np.save('o4.npy', np.zeros((4, 4), np.float32))
np.save('o43.npy', np.zeros((4, 3), np.float32))
open('trunc.npy', 'wb').write(open('x.npy', 'rb').read()[:-7])
PY
printf 'a\nb\n' >c.txt
printf 'a\na\n' >dup.txt
printf 'a\n\nb\n' >empty.txt
printf 'b\na\n' >swap.txt
printf 'a\n\001b\n' >ctrl.txt
printf '0\n1\n1\n' >l3.txt
printf 'a\nb\na\nb\n' >l4.txt
li-label -q ds --x x.npy --labels l4.txt --origin o4.npy 2>err || cat err

snap() {
	(find ds | sort && cat ds/current/*) | md5sum
}
snap >before

# expected stderr line <TAB> arguments after "li-label ds" (one case per line)
while IFS='	' read -r want args; do
	[ -n "$want" ] || continue
	eval "argv=($args)"
	test_expect_success "refused: $args" '
		expect_err "$want" li-label ds "${argv[@]}" && snap >after && cmp before after &&
		[ "$(ls ds | tr "\n" " ")" = "current gen-000001 " ]
	'
done <<'EOT'
li-label: error: ds: samples have rows of shape (3,) but the data set's are (2, 3)	--x x3.npy --label a
li-label: error: ds: samples are float64 but the data set's are float32	--x x64.npy --label a
li-label: error: ds: 3 labels for 4 samples	--x x.npy --labels l3.txt
li-label: error: ds: 5 labels for 4 samples	--x x.npy --prob p5.npy
li-label: error: ds: no sample 4 to relabel (4 samples)	--x x.npy --label a --set 4=b
li-label: error: dup.txt: line 2: class 'a' named twice	--x x.npy --label a --classes dup.txt
li-label: error: empty.txt: line 2: empty class name	--x x.npy --label a --classes empty.txt
li-label: error: ctrl.txt: line 2: control character in a class name	--x x.npy --label a --classes ctrl.txt
li-label: error: ds: class 0 is 'a' in the data set but 'b' in the class list	--x x.npy --label a --classes swap.txt
li-label: error: p2.npy: row 1: 2 is not a probability	--x x.npy --prob p2.npy
li-label: error: ds: labels imply 3 classes but the data set has 2	--x x.npy --prob p3.npy
li-label: error: lf.npy: labels are float32, not integers	--x x.npy --labels lf.npy
li-label: error: ds: label 9 of sample 2 is not a class (2 classes)	--x x.npy --labels l9.npy
li-label: error: ds: 3 origin rows for 4 samples	--x x.npy --label a --origin o3.npy
li-label: error: ds: origin rows have 3 values but the data set's have 4	--x x.npy --label a --origin o43.npy
li-label: error: trunc.npy: shape claims 96 bytes of data but the file holds 89	--x trunc.npy --label a
li-label: error: ds: class name ' a' begins or ends with a space	--x x.npy --label " a"
li-label: error: missing.npy: No such file or directory	--x missing.npy --label a
li-label: error: c.txt: line 1, column 0: 'a' is not a number	--x c.txt --label a
EOT

test_expect_success 'a name with a tab' '
	expect_err "li-label: error: ds: class name '"'"'a\\tb'"'"' holds a control character" li-label ds --x x.npy --label a --set "1=a	b" &&
	snap >after && cmp before after
'

test_expect_success 'a stream that ends early: refused, nothing left behind' '
	head -c 150 x.npy | must_fail 1 li-label ds --x - --label a 2>err &&
	grep -q "^li-label: error: ds: samples: " err && [ "$(wc -l <err)" -eq 1 ] &&
	snap >after && cmp before after && [ "$(ls ds | tr "\n" " ")" = "current gen-000001 " ]
'

test_expect_success 'not a data set' '
	touch file && mkdir other && touch other/f &&
	expect_err "li-label: error: file: not a labeled data set (not a folder)" li-label file --x x.npy --label a &&
	expect_err "li-label: error: file: not a labeled data set (not a folder)" li-label file --stats &&
	expect_err "li-label: error: nods: no such data set" li-label nods --stats &&
	expect_err "li-label: error: other: not a labeled data set (the folder holds '"'"'f'"'"')" li-label other --x x.npy --label a &&
	expect_err "li-label: error: other: not a labeled data set (no '"'"'current'"'"' link)" li-label other --export o.npy &&
	! [ -e o.npy ] && [ "$(ls other)" = f ]
'

test_expect_success 'a failed first append leaves no folder' '
	expect_err "li-label: error: new: 3 labels for 4 samples" li-label new --x x.npy --labels l3.txt &&
	! [ -e new ]
'

test_expect_success 'a damaged generation is reported, not read' '
	cp -r ds bad && rm bad/current/labels.npy &&
	expect_err "li-label: error: bad: '"'"'gen-000001'"'"': '"'"'labels.npy'"'"': missing" li-label bad --stats &&
	cp -r ds bad2 && printf "a\na\n" >bad2/current/classes.txt &&
	expect_err "li-label: error: bad2: '"'"'gen-000001'"'"': '"'"'classes.txt'"'"': line 2: class '"'"'a'"'"' named twice" li-label bad2 --x x.npy --label a
'

test_expect_success 'damaged files in the current generation are named' '
	for f in samples labels origin meta; do rm -rf d-$f && cp -r ds d-$f; done &&
	$PY -c "
import numpy as np
b = open(\"d-samples/current/samples.npy\", \"rb\").read(); open(\"d-samples/current/samples.npy\", \"wb\").write(b[:-5])
np.save(\"d-labels/current/labels.npy\", np.array([0, 1, 7, 0]))
np.save(\"d-origin/current/origin.npy\", np.zeros((3, 4), np.float32))
open(\"d-meta/current/meta.json\", \"w\").write(\"{\\\"count\\\": \")
" &&
	expect_err "li-label: error: d-samples: '"'"'gen-000001'"'"': '"'"'samples.npy'"'"': shape claims 96 bytes of data but the file holds 91" li-label d-samples --stats &&
	expect_err "li-label: error: d-labels: '"'"'gen-000001'"'"': '"'"'labels.npy'"'"': label 7 of sample 2 is not a class" li-label d-labels --export o.csv &&
	expect_err "li-label: error: d-origin: '"'"'gen-000001'"'"': '"'"'origin.npy'"'"' does not hold one row per sample" li-label d-origin --x x.npy --label a &&
	expect_err "li-label: error: d-meta: '"'"'gen-000001'"'"': '"'"'meta.json'"'"': not valid JSON (line 1)" li-label d-meta --stats &&
	! [ -e o.csv ] && [ "$(ls d-origin | tr "\n" " ")" = "current gen-000001 " ]
'

test_done
