#!/usr/bin/env bash
# li-convert --rows/--shard that skip rows together with --scale/--offset on integer data
# (as projects/fashion takes held-out images from an IDX file): the skipped rows are read
# in the output type, and the result is numpy's x[a:b] * scale + offset in float32.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'setup: uint8 images as .npy and as gzipped IDX' '
	$PY -c "
import gzip, struct, numpy as np
x = np.random.RandomState(3).randint(0, 256, (9, 4, 5)).astype(np.uint8)
np.save(\"x.npy\", x)
with gzip.open(\"x-idx3-ubyte.gz\", \"wb\") as f:
    f.write(struct.pack(\">IIII\", 0x803, 9, 4, 5) + x.tobytes())
"
'

while IFS='|' read -r opts want; do
	for f in x.npy x-idx3-ubyte.gz; do
		test_expect_success "li-convert $f $opts" '
			li-convert -q '"$f $opts"' -o got.npy &&
			$PY -c "
import numpy as np
x = np.load(\"x.npy\").astype(np.float32)
want = ('"$want"').astype(np.float32)
got = np.load(\"got.npy\")
assert got.dtype == np.float32 and got.shape == want.shape, (got.dtype, got.shape, want.shape)
assert (got == want).all(), np.abs(got - want).max()
"
		'
	done
done <<'CASES'
--rows 2:5 --scale 0.5|x[2:5] * np.float32(0.5)
--rows -3: --scale 2 --offset 1|x[-3:] * np.float32(2) + np.float32(1)
--shard 1/3 --dtype float32 --offset -128|x[3:6] + np.float32(-128)
--rows 4:6 --dtype float32 --scale 0.00392156862745098|x[4:6] * np.float32(0.00392156862745098)
CASES

test_done
