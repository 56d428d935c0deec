#!/usr/bin/env bash
# li-grid: grid coordinates equal numpy's meshgrid of linspace, cast to float32, byte
# for byte; map extents widened by --margin; bad usage and bad map files.
. "$(dirname "$0")/../lib.sh"

# ref OUT A B NX C D NY: numpy's grid, x fastest
ref() {
	$PY -c "
import sys, numpy as np
o, a, b, nx, c, d, ny = sys.argv[1:]
X, Y = np.meshgrid(np.linspace(float(a), float(b), int(nx)), np.linspace(float(c), float(d), int(ny)))
np.save(o, np.stack([X.ravel(), Y.ravel()], 1).astype(np.float32))" "$@"
}

$PY -c "
import numpy as np, h5py, json
def mapfile(path, extent, version=1):
    with h5py.File(path, 'w') as f:
        f.attrs['li_format'] = 'li-map'
        f.attrs['li_version'] = np.int64(version)
        f.attrs['method'] = 'pca'
        f.attrs['params'] = '{}'
        f.attrs['quality'] = json.dumps({'explained_variance': 0.8})
        f.attrs['row_shape'] = np.array([8, 4], 'i8')
        f.attrs['extent'] = np.array(extent, 'f8')
mapfile('map.h5', [[-1.5, 2.0], [4.5, 3.0]])
mapfile('map3.h5', [[0, 0, 0], [1, 1, 1]])
mapfile('v9.h5', [[0, 0], [1, 1]], version=9)
with h5py.File('noext.h5', 'w') as f:
    f.attrs['li_format'] = 'li-map'; f.attrs['li_version'] = 1; f.attrs['method'] = 'umap'
    f.attrs['params'] = '{}'; f.attrs['row_shape'] = np.array([8], 'i8')
with h5py.File('badext.h5', 'w') as f:
    f.attrs['li_format'] = 'li-map'; f.attrs['li_version'] = 1; f.attrs['method'] = 'umap'
    f.attrs['params'] = '{}'; f.attrs['row_shape'] = np.array([8], 'i8')
    f.attrs['extent'] = np.array([[0, 1], [1, float('nan')]], 'f8')
"

# x range, nx, y range, ny: one grid per line
while read -r a b nx c d ny; do
	test_expect_success "grid --x $a:$b --y $c:$d --n ${nx}x$ny equals numpy" "
		li-grid --x $a:$b --y $c:$d --n ${nx}x$ny -o got.npy &&
		ref want.npy $a $b $nx $c $d $ny && cmp got.npy want.npy
	"
done <<'TABLE'
-2 2 5 -1 1 3
0 1 15 0 1 15
-3.7 11.2 7 0.1 0.3 11
5 -5 4 2 2 1
0.1 0.7 1 -1e6 1e6 3
TABLE

test_expect_success '--n N means NxN; default 10x10; standard output' '
	li-grid --x 0:1 --y 0:2 --n 4 >g4.npy && ref w4.npy 0 1 4 0 2 4 && cmp g4.npy w4.npy &&
	li-grid --x 0:1 --y 0:2 | cat >g10.npy && ref w10.npy 0 1 10 0 2 10 && cmp g10.npy w10.npy
'

test_expect_success '--map: the extent widened by --margin on each side' '
	li-grid --map map.h5 --n 5x4 -o m0.npy && ref w0.npy -1.5 4.5 5 2 3 4 && cmp m0.npy w0.npy &&
	li-grid --map map.h5 --margin 0.25 --n 7x3 -o m1.npy &&
	ref w1.npy -3 6 7 1.75 3.25 3 && cmp m1.npy w1.npy &&
	li-grid --map map.h5 --margin 0.25 --x 0:1 --n 2 -o m2.npy &&
	ref w2.npy 0 1 2 1.75 3.25 2 && cmp m2.npy w2.npy
'

test_expect_success 'bad map files: one line, status 1, no output' '
	expect_err "li-grid: error: map3.h5: the map has 3 dimensions; li-grid makes 2-D grids" \
		li-grid --map map3.h5 -o x.npy &&
	expect_err "li-grid: error: v9.h5: map file version 9 is newer than this program reads (1)" \
		li-grid --map v9.h5 -o x.npy &&
	expect_err "li-grid: error: noext.h5: no '"'"'extent'"'"' attribute" \
		li-grid --map noext.h5 -o x.npy &&
	expect_err "li-grid: error: badext.h5: the extent of dimension 1 is not a range" \
		li-grid --map badext.h5 -o x.npy &&
	expect_err "li-grid: error: missing.h5: No such file or directory" li-grid --map missing.h5 -o x.npy &&
	test ! -e x.npy
'

test_expect_success 'bad usage: status 2' '
	must_fail 2 li-grid 2>err && grep -q "give --x and --y, or --map" err &&
	must_fail 2 li-grid --x 0:1 2>/dev/null &&
	must_fail 2 li-grid --x 0 --y 0:1 2>/dev/null &&
	must_fail 2 li-grid --x 0:1 --y 0:1 --n 0x3 2>/dev/null &&
	must_fail 2 li-grid --x 0:1 --y 0:1 --n 3x3x3 2>/dev/null &&
	must_fail 2 li-grid --x 0:1 --y 0:1 --margin 0.1 2>/dev/null &&
	must_fail 2 li-grid --map map.h5 --margin -1 2>/dev/null &&
	must_fail 2 li-grid --x 0:nan --y 0:1 2>/dev/null &&
	must_fail 2 li-grid --x 0:1 --y 0:1 map.h5 2>/dev/null
'

test_done
