#!/usr/bin/env bash
# li-plot images, curves and mosaic; the map file's title and extent (map files written
# by h5py as li-map(5) lays them out).
. "$(dirname "$0")/../lib.sh"

cat >pngcheck.py <<'PYEOF'
import sys, struct
from PIL import Image
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = open(path, 'rb').read()
assert raw[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
assert struct.unpack('>II', raw[16:24]) == (w, h), struct.unpack('>II', raw[16:24])
im = Image.open(path).convert('RGB')
assert len(im.getcolors(maxcolors=1 << 20)) > 2, 'blank picture'
PYEOF

# blobs FILE: the number of connected regions of near-black pixels (the drawn images,
# whose pixels are all 0 here, against the white page)
cat >blobs.py <<'PYEOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('L')
W, H = im.size
px = im.load()
seen = set()
n = 0
for y in range(H):
    for x in range(W):
        if px[x, y] < 40 and (x, y) not in seen:
            n += 1
            stack = [(x, y)]
            seen.add((x, y))
            while stack:
                a, b = stack.pop()
                for c, d in ((a+1, b), (a-1, b), (a, b+1), (a, b-1)):
                    if 0 <= c < W and 0 <= d < H and (c, d) not in seen and px[c, d] < 40:
                        seen.add((c, d)); stack.append((c, d))
print(n)
PYEOF

# has_color FILE R,G,B: some pixel has exactly that color
cat >has_color.py <<'PYEOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB')
want = tuple(int(v) for v in sys.argv[2].split(','))
assert any(c == want for _, c in im.getcolors(maxcolors=1 << 22)), 'no pixel of ' + sys.argv[2]
PYEOF

$PY -c "
import numpy as np, h5py, json
im = np.zeros((5, 12, 12), 'f4'); im[:, 0, 0] = 1      # black squares with one white pixel
np.save('im.npy', im)
np.save('flat.npy', im.reshape(5, 144))
np.save('odd.npy', np.zeros((2, 10), 'f4'))
rgb = np.zeros((2, 8, 8, 3), 'f4'); rgb[0, ..., 0] = 1; rgb[1, ..., 2] = 1
np.save('rgb.npy', rgb)
t = np.linspace(0, 6, 40)
np.save('cur.npy', np.stack([np.stack([np.sin(t + i), np.cos(t)], -1) for i in range(3)]).astype('f4'))
np.save('cur1.npy', np.sin(np.stack([t, 2 * t])).astype('f4'))
xs, ys = np.linspace(-3, 3, 4), np.linspace(-2, 2, 3)
X, Y = np.meshgrid(xs, ys)
np.save('g.npy', np.stack([X.ravel(), Y.ravel()], 1).astype('f4'))
np.save('gim.npy', np.random.default_rng(0).random((12, 8, 8)).astype('f4'))
np.save('xy.npy', np.random.default_rng(1).normal(size=(200, 2)).astype('f4'))
def mapfile(path, version=1, fmt='li-map', quality=None, extent=[[-2.0, -1.0], [2.0, 1.0]]):
    with h5py.File(path, 'w') as f:
        f.attrs['li_format'] = fmt
        f.attrs['li_version'] = np.int64(version)
        f.attrs['method'] = 'umap'
        f.attrs['params'] = json.dumps({'n_neighbors': 15})
        if quality is not None:
            f.attrs['quality'] = json.dumps(quality)
        f.attrs['row_shape'] = np.array([32], 'i8')
        f.attrs['extent'] = np.array(extent, 'f8')
mapfile('map.h5', quality={'trustworthiness': 0.9531})
mapfile('v2.h5', version=2)
mapfile('other.h5', fmt='something')
mapfile('noq.h5')
mapfile('map3.h5', extent=[[0, 0, 0], [1, 1, 1]])
"

test_expect_success 'images: a PNG with one drawn image per row' '
	li-plot images im.npy --grid 2x3 --size 360x240 -o im.png &&
	$PY pngcheck.py im.png 360 240 &&
	test "$($PY blobs.py im.png)" -eq 5
'

test_expect_success 'images: --grid limits the images drawn' '
	li-plot images im.npy --grid 1x2 -o im2.png && test "$($PY blobs.py im2.png)" -eq 2
'

test_expect_success 'images: flat rows of a square count are reshaped; --shape' '
	li-plot images flat.npy -o flat.png && test "$($PY blobs.py flat.png)" -eq 5 &&
	li-plot images flat.npy --shape 12,12 -o flat2.png && cmp flat.png flat2.png &&
	li-plot images flat.npy --shape 6,24 -o wide.png && $PY pngcheck.py wide.png 400 260
'

test_expect_success 'images: RGB when the last axis is 3' '
	li-plot images rgb.npy -o rgb.png &&
	$PY has_color.py rgb.png 255,0,0 && $PY has_color.py rgb.png 0,0,255
'

test_expect_success 'images: titles in the SVG, quoted' '
	printf "%s\n" "seven" "it'"'"'s \"8\"" >titles.txt &&
	li-plot images im.npy --titles titles.txt -o im.svg &&
	grep -q ">seven<" im.svg && grep -q "it&#39;s &quot;8&quot;\|it'"'"'s \"8\"" im.svg
'

test_expect_success 'curves: a panel per row, channel names in the legend' '
	printf "%s\n" "accel x" "accel y" >ch.txt && printf "%s\n" walk run jump >rt.txt &&
	li-plot curves cur.npy --channels ch.txt --titles rt.txt -o cur.svg &&
	for s in "accel x" "accel y" walk run jump; do grep -q ">$s<" cur.svg || exit 1; done &&
	li-plot curves cur.npy -o cur.png && $PY pngcheck.py cur.png 400 520 &&
	li-plot curves cur1.npy --grid 1x2 --size 100x20 >cur.txt &&
	test "$(wc -l <cur.txt)" -eq 20 && grep -q " 0 " cur.txt && grep -q " 1 " cur.txt
'

test_expect_success 'mosaic: images at grid points, with the data underneath' '
	li-plot mosaic --coords g.npy gim.npy --data xy.npy -o mos.png &&
	$PY pngcheck.py mos.png 800 800
'

test_expect_success 'mosaic --map: the data extent drawn as a red box' '
	li-plot mosaic --map map.h5 --coords g.npy gim.npy -o mosm.png &&
	$PY has_color.py mosm.png 214,39,40 &&
	li-plot mosaic --coords g.npy gim.npy -o nomap.png &&
	! $PY has_color.py nomap.png 214,39,40 2>/dev/null
'

test_expect_success 'mosaic: a tile lands where the axes predict' '
	$PY -c "
import numpy as np
np.save(\"g1.npy\", np.array([[1, 1], [3, 3]], \"f4\"))
np.save(\"t1.npy\", np.stack([np.zeros((4, 4)), np.ones((4, 4))]).astype(\"f4\"))" &&
	li-plot mosaic --coords g1.npy t1.npy --xrange -2:6 --yrange -2:6 --size 400x400 -o tile.png &&
	# the black tile (value 0) is centred at (1, 1): x = 400*(0.10+0.85*3/8), y = 400 - 400*(0.10+0.80*3/8)
	$PY -c "
from PIL import Image
im = Image.open(\"tile.png\").convert(\"L\"); W, H = im.size; px = im.load()
pts = [(x, y) for y in range(55, 345) for x in range(55, 365) if px[x, y] < 10]
cx = sum(p[0] for p in pts) / len(pts) + 0.5; cy = sum(p[1] for p in pts) / len(pts) + 0.5
assert abs(cx - 167.5) <= 2 and abs(cy - 240) <= 2, (cx, cy)
# the tile is 0.92 of the grid spacing (2): 0.92 * 2 / 8 * 0.85 * 400 pixels wide
w = max(p[0] for p in pts) - min(p[0] for p in pts) + 1
assert abs(w - 78.2) <= 3, w"
'

test_expect_success 'map --map: method and quality in the title' '
	li-plot map xy.npy --map map.h5 -o m.svg && grep -q ">umap map, trustworthiness 0.953<" m.svg &&
	li-plot map xy.npy --map noq.h5 -o m2.svg && grep -q ">umap map<" m2.svg &&
	li-plot map xy.npy --map map.h5 --title mine -o m3.svg && grep -q ">mine<" m3.svg
'

test_expect_success 'bad inputs: one line, status 1, no output file' '
	expect_err "li-plot: error: odd.npy: cannot draw an array of shape (2, 10) as images; give --shape" \
		li-plot images odd.npy -o x.png &&
	expect_err "li-plot: error: odd.npy: rows of 10 values do not make images of 3x3x1" \
		li-plot images odd.npy --shape 3,3 -o x.png &&
	expect_err "li-plot: error: g.npy: 12 grid points for 5 outputs" \
		li-plot mosaic --coords g.npy im.npy -o x.png &&
	expect_err "li-plot: error: v2.h5: map file version 2 is newer than this program reads (1)" \
		li-plot map xy.npy --map v2.h5 -o x.png &&
	expect_err "li-plot: error: other.h5: not a map file (li_format is '"'"'something'"'"')" \
		li-plot map xy.npy --map other.h5 -o x.png &&
	expect_err "li-plot: error: xy.npy: not an HDF5 file" \
		li-plot map xy.npy --map xy.npy -o x.png &&
	test ! -e x.png
'

test_expect_success 'empty batches draw; shapes without pixels are refused' '
	$PY -c "
import numpy as np
np.save(\"e.npy\", np.zeros((0, 4, 4), \"f4\")); np.save(\"z.npy\", np.zeros((2, 0, 3), \"f4\"))
n = np.random.default_rng(0).random((2, 4, 4)).astype(\"f4\"); n[0, 0, 0] = np.nan; np.save(\"nan.npy\", n)" &&
	li-plot images e.npy -o e.png && li-plot images nan.npy -o nan.png && test -s nan.png &&
	expect_err "li-plot: error: z.npy: images of shape (2, 0, 3) hold no pixels" \
		li-plot images z.npy -o x.png &&
	expect_err "li-plot: error: z.npy: curves need N x T x C or N x T with T, C >= 1, not (2, 0, 3)" \
		li-plot curves z.npy -o x.png
'

test_expect_success 'mosaic needs --coords' '
	must_fail 2 li-plot mosaic gim.npy -o x.png 2>err && grep -q "mosaic needs --coords" err
'

test_done
