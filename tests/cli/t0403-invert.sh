#!/usr/bin/env bash
# li-invert's inputs: .npy or text coordinates ("x y", "x,y", tabs, CRLF, comments,
# blank lines) from a file or standard input, any number of rows (text is spooled),
# the latent's row shape restored; expected values from scikit-learn's inverse_transform.
. "$(dirname "$0")/../lib.sh"

test_expect_success 'fit a PCA map on a rank-3 latent' '
	$PY -c "
import numpy as np
r = np.random.default_rng(5)
np.save(\"x.npy\", (r.normal(size=(200, 6)) @ r.normal(size=(6, 6))).reshape(200, 2, 3))
" &&
	li-reduce -q --save m.h5 x.npy >y.npy &&
	li-reduce -q --whiten --save w.h5 x.npy >yw.npy
'

cat >expect.py <<'PY'
import sys
import numpy as np
from sklearn.decomposition import PCA
x = np.load("x.npy").reshape(200, -1)
pts = np.array(eval(sys.argv[2]), np.float64).reshape(-1, 2)
p = PCA(2, svd_solver="full", whiten=sys.argv[1] == "w").fit(x)
got = np.load(sys.argv[3])
assert got.dtype == np.float32 and got.shape == (len(pts), 2, 3), got.shape
want = p.inverse_transform(pts).reshape(-1, 2, 3)
assert np.abs(got - want).max() <= 1e-4 * max(1, np.abs(want).max()), np.abs(got - want).max()
PY

# format | text fed to li-invert (printf format) | the points it means
while IFS='|' read -r what text pts; do
	test_expect_success "text coordinates: $what" "
		printf '$text' >in.txt &&
		li-invert m.h5 in.txt >a.npy && \$PY expect.py p '$pts' a.npy &&
		li-invert m.h5 <in.txt >b.npy && cmp a.npy b.npy &&
		li-invert w.h5 - <in.txt >c.npy && \$PY expect.py w '$pts' c.npy
	"
done <<'TABLE'
spaces|1.5 -2\n|[1.5, -2]
commas|1.5,-2\n0,0\n|[1.5, -2, 0, 0]
comma and spaces, tabs|1 , 2\n\t3\t4\n|[1, 2, 3, 4]
CRLF lines, no final newline|1 2\r\n3e2 -4.5e-1|[1, 2, 300, -0.45]
blank and comment lines|# x y\n\n1 2\n   \n# end\n|[1, 2]
far outside the data|1e6 -1e6\n|[1e6, -1e6]
TABLE

test_expect_success 'no points at all: an empty array of the row shape' '
	li-invert m.h5 </dev/null >e.npy &&
	$PY -c "import numpy as np; a = np.load(\"e.npy\"); assert a.shape == (0, 2, 3) and a.dtype == np.float32"
'
test_expect_success '10,000 text points (more than one batch) equal the .npy route' '
	$PY -c "
import numpy as np
p = np.random.default_rng(1).normal(size=(10000, 2)) * 4
np.save(\"p.npy\", p)
np.savetxt(\"p.txt\", p, fmt=\"%.17g\")
" &&
	li-invert m.h5 <p.txt >t.npy && li-invert m.h5 p.npy >n.npy && cmp t.npy n.npy &&
	cat p.npy | li-invert m.h5 >s.npy && cmp s.npy n.npy &&
	$PY -c "
import numpy as np
from sklearn.decomposition import PCA
p = PCA(2, svd_solver=\"full\").fit(np.load(\"x.npy\").reshape(200, -1))
w = p.inverse_transform(np.load(\"p.npy\")).reshape(-1, 2, 3)
assert np.abs(np.load(\"n.npy\") - w).max() < 1e-4 * np.abs(w).max()
"
'
test_expect_success 'float32 and int coordinates as .npy; -o writes atomically' '
	$PY -c "import numpy as np; np.save(\"i.npy\", np.array([[1, 2], [3, -4]], np.int16))" &&
	li-invert -o i-out.npy m.h5 i.npy && $PY expect.py p "[1, 2, 3, -4]" i-out.npy &&
	! ls i-out.npy.tmp.* 2>/dev/null
'
test_expect_success 'the inverse of fitted coordinates is the PCA projection (whitened too)' '
	li-invert w.h5 yw.npy >bw.npy && li-invert m.h5 y.npy >b.npy &&
	$PY -c "
import numpy as np
a, b = np.load(\"b.npy\"), np.load(\"bw.npy\")
assert np.abs(a - b).max() < 1e-4 * np.abs(a).max()
"
'
test_done
