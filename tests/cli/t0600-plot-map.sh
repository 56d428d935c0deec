#!/usr/bin/env bash
# li-plot map: PNG/SVG/PDF/text pictures of 2-D points colored by class; points land at
# the pixels the fixed plot area predicts; names and file names never reach gnuplot as
# commands; bad inputs give one error line.
. "$(dirname "$0")/../lib.sh"

# pngcheck FILE W H: a PNG of that size, not blank (many colors or at least two)
cat >pngcheck.py <<'PYEOF'
import sys, struct
from PIL import Image
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = open(path, 'rb').read()
assert raw[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
assert raw[12:16] == b'IHDR', 'no IHDR'
assert struct.unpack('>II', raw[16:24]) == (w, h), struct.unpack('>II', raw[16:24])
im = Image.open(path).convert('RGB')
assert im.size == (w, h)
colors = im.getcolors(maxcolors=1 << 20)
assert colors and len(colors) > 2, 'blank picture'
PYEOF

# centroid FILE R,G,B XMAXFRAC: centroid of the pixels of exactly that color left of
# XMAXFRAC * width (the legend lies to the right), as "x y"
cat >centroid.py <<'PYEOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB')
want = tuple(int(v) for v in sys.argv[2].split(','))
W, H = im.size
xs = ys = n = 0
px = im.load()
for y in range(H):
    for x in range(int(W * float(sys.argv[3]))):
        if px[x, y] == want:
            xs += x; ys += y; n += 1
assert n > 0, 'color not found'
print('%.1f %.1f' % (xs / n + 0.5, ys / n + 0.5))
PYEOF

# near "x y" X Y: within 2 pixels
near() {
	$PY -c "import sys; g=[float(v) for v in sys.argv[1].split()]; w=[float(sys.argv[2]), float(sys.argv[3])]
assert all(abs(a-b) <= 2 for a,b in zip(g,w)), (g, w)" "$@"
}

$PY -c "
import numpy as np
rng = np.random.default_rng(1)
c = rng.integers(0, 3, 300)
xy = (rng.normal(size=(300, 2)) + np.array([[0, 0], [4, 0], [2, 3]])[c]).astype('f4')
np.save('xy.npy', xy); np.save('y.npy', c); np.save('y32.npy', c.astype('i4'))
open('y.txt', 'w').write(''.join('%d\n' % v for v in c))
names = ['zero', 'one', 'two']
open('ynames.txt', 'w').write(''.join(names[v] + '\n' for v in c))
open('classes.txt', 'w').write('zero\none\ntwo\n')
np.save('mark.npy', np.array([[2, 1.5], [0, 0]], 'f4'))
np.save('pts.npy', np.array([[0.25, 0.75], [0.8, 0.2]], 'f4'))
np.save('pl.npy', np.array([0, 1]))
np.save('one.npy', np.array([[0.5, 0.5]], 'f4'))
np.save('flat.npy', np.zeros(4, 'f4'))
np.save('xyz.npy', np.zeros((3, 1), 'f4'))
"

test_expect_success 'map to PNG: valid, of the requested size, not blank' '
	li-plot map xy.npy --labels y.npy --classes classes.txt --mark mark.npy \
		--size 640x480 -o map.png &&
	$PY pngcheck.py map.png 640 480
'

test_expect_success 'the default PNG size is 800x600' '
	li-plot map xy.npy -o plain.png && $PY pngcheck.py plain.png 800 600
'

test_expect_success 'points land where the axes predict (legend: plot area 10%..80%)' '
	li-plot map pts.npy --labels pl.npy --xrange 0:1 --yrange 0:1 --size 400x300 -o p.png &&
	# class 0 is #1f77b4, class 1 #ff7f0e; x = W*(0.10+0.70x), y = H - H*(0.10+0.80y)
	near "$($PY centroid.py p.png 31,119,180 0.8)" 110 90 &&
	near "$($PY centroid.py p.png 255,127,14 0.8)" 264 222
'

test_expect_success 'without a legend the plot area spans 10%..95%' '
	li-plot map one.npy --xrange 0:2 --yrange 0:1 --size 500x400 -o q.png &&
	near "$($PY centroid.py q.png 31,119,180 1)" 156.25 200
'

test_expect_success 'SVG legend holds the class names' '
	li-plot map xy.npy --labels y.npy --classes classes.txt --mark mark.npy -o map.svg &&
	grep -q "<svg" map.svg &&
	for n in zero one two marked; do grep -q ">$n<" map.svg || exit 1; done
'

test_expect_success 'labels as names (text) give the same legend as integers' '
	li-plot map xy.npy --labels ynames.txt -o names.svg &&
	for n in zero one two; do grep -q ">$n<" names.svg || exit 1; done
'

test_expect_success 'labels as text integers and int32 .npy' '
	li-plot map xy.npy --labels y.txt --term dumb >a.txt &&
	li-plot map xy.npy --labels y32.npy --term dumb >b.txt &&
	li-plot map xy.npy --labels y.npy --term dumb >c.txt &&
	cmp a.txt c.txt && cmp b.txt c.txt
'

test_expect_success 'PDF by extension' '
	li-plot map xy.npy -o map.pdf && head -c 5 map.pdf | grep -q "%PDF-"
'

test_expect_success 'text picture: frame, tics, a letter per class and the legend' '
	li-plot map pts.npy --labels pl.npy --classes classes.txt --xrange 0:1 --yrange 0:1 \
		--size 60x20 >t.txt &&
	test "$(wc -l <t.txt)" -eq 20 &&
	grep -q "A zero" t.txt && grep -q "B one" t.txt && ! grep -q "two" t.txt &&
	grep -q "+------" t.txt &&
	test "$(grep -o "[AB]" t.txt | wc -l)" -ge 4 &&
	li-plot map pts.npy --xrange 0:1 --yrange 0:1 -o t2.txt && test "$(wc -l <t2.txt)" -eq 24
'

test_expect_success 'map from standard input; --term png to a pipe' '
	li-plot map --term png <xy.npy | cat >piped.png && $PY pngcheck.py piped.png 800 600
'

test_expect_success 'names with quotes, newlines and system() stay text' '
	printf "%s\n" "it'"'"'s" "say \"hi\"; system(\"touch pwned1\")" "\`touch pwned2\` @x" \
		>evil.txt &&
	li-plot map xy.npy --labels y.npy --classes evil.txt \
		--title "$(printf "a\nsystem(\"touch pwned3\")\n'"'"'b")" -o evil.svg &&
	! ls pwned* 2>/dev/null &&
	grep -q "it&#39;s\|it'"'"'s" evil.svg &&
	grep -q "system(&quot;touch pwned1&quot;)\|system(\"touch pwned1\")" evil.svg &&
	grep -q "touch pwned2" evil.svg
'

test_expect_success 'an output name with quotes and semicolons' '
	name="o'"'"'ut\"; system(\"touch pwned4\"); x.png" &&
	li-plot map xy.npy -o "$name" && $PY pngcheck.py "$name" 800 600 &&
	! ls pwned* 2>/dev/null
'

test_expect_success 'a temporary folder with quotes in its name' '
	mkdir "tmp'"'"'\"; x" && TMPDIR="$PWD/tmp'"'"'\"; x" li-plot map xy.npy -o tq.png &&
	$PY pngcheck.py tq.png 800 600 && test -z "$(ls "tmp'"'"'\"; x")"
'

test_expect_success 'no points, or only NaN points: an empty frame' '
	$PY -c "import numpy as np; np.save(\"e.npy\", np.zeros((0, 2), \"f4\")); np.save(\"n.npy\", np.full((3, 2), np.nan, \"f4\"))" &&
	li-plot map e.npy -o e.png && li-plot map n.npy -o n.png &&
	test -s e.png && test -s n.png
'

test_expect_success 'a missing gnuplot names the package; no output file' '
	expect_err "li-plot: error: gnuplot not found; install the package '"'"'gnuplot-nox'"'"' (or '"'"'gnuplot'"'"')" \
		env LI_GNUPLOT=/nonexistent/gnuplot li-plot map xy.npy -o none.png &&
	test ! -e none.png && ! ls none.png.tmp* 2>/dev/null
'

test_expect_success 'bad inputs: one line, status 1, no output file' '
	head -c 200 xy.npy >trunc.npy &&
	expect_err "li-plot: error: trunc.npy: shape claims 2400 bytes of data but the file holds 72" li-plot map trunc.npy -o x.png &&
	expect_err "li-plot: error: flat.npy: points of shape (4,); expected N x 2" \
		li-plot map flat.npy -o x.png &&
	expect_err "li-plot: error: xyz.npy: points of shape (3, 1); expected N x 2" \
		li-plot map xyz.npy -o x.png &&
	expect_err "li-plot: error: pl.npy: 2 labels for 300 points" \
		li-plot map xy.npy --labels pl.npy -o x.png &&
	expect_err "li-plot: error: missing.npy: No such file or directory" \
		li-plot map missing.npy -o x.png &&
	printf "0\n1\n" >two.txt && printf "0\n5\n" >bad.txt &&
	expect_err "li-plot: error: bad.txt: label 5 of row 1 is not a class of the class list" \
		li-plot map pts.npy --labels bad.txt --classes two.txt -o x.png &&
	test ! -e x.png
'

test_expect_success 'bad usage: status 2' '
	must_fail 2 li-plot 2>err && grep -q "which picture" err &&
	must_fail 2 li-plot draw xy.npy 2>err && grep -q "unknown picture .draw." err &&
	must_fail 2 li-plot map xy.npy -o x.gif 2>err && grep -q "unknown picture format" err &&
	must_fail 2 li-plot map xy.npy --term gif 2>/dev/null &&
	must_fail 2 li-plot map xy.npy --size 0x5 2>/dev/null &&
	must_fail 2 li-plot map xy.npy --xrange 1:0 2>/dev/null &&
	must_fail 2 li-plot map xy.npy --shape 2,2 --labels y.npy --coords xy.npy 2>/dev/null &&
	must_fail 2 li-plot images xy.npy --labels y.npy 2>/dev/null &&
	must_fail 2 li-plot map a.npy b.npy 2>/dev/null &&
	test ! -e x.gif
'

test_expect_success '--help and --version' '
	li-plot --help | grep -q "^usage: li-plot map" &&
	li-plot --version | grep -q "^li-plot (Latent Inspector)"
'

test_done
