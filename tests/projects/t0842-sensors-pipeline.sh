#!/usr/bin/env bash
# projects/sensors end to end from its Makefile, in a copy of the project: data, split at
# the bottleneck, embed, UMAP map, probe, inversion of points inside the data and out of
# bounds, decoding, pictures. Fixed before looking at results: the probe's accuracy on
# the held-out subjects is at least 0.8; the reconstruction error of the held-out
# windows is reported, finite and below the variance of the data. Then: a second make
# does nothing, a change rebuilds only what depends on it, and rebuilt files are the
# same bytes.
. "$(dirname "$0")/../lib.sh"

export OPENBLAS_NUM_THREADS=1
cp -r "$LI_TOP/projects/sensors" p && make -s -C p clean >/dev/null

test_expect_success 'the pipeline runs from the Makefile' '
	{ make -C p LI="$LI_BIN" >make.out 2>&1 || { tail -20 make.out; exit 1; }; } &&
	for f in head.h5 tail.h5 latent.npy map.h5 xy.npy probe.h5 inside-decoded.npy \
		outside-decoded.npy map.png inside.png outside.png recon.png; do
		test -s p/$f || { echo "missing: $f"; exit 1; }
	done &&
	for f in map inside outside recon; do
		head -c 8 p/$f.png | od -An -c | grep -q "P   N   G" || exit 1
	done
'

test_expect_success 'the probe reaches 0.8 on the held-out subjects' '
	$PY -c "
import json, sys
acc = json.load(open(\"p/probe.json\"))[\"validation\"][\"accuracy\"]
print(\"validation accuracy\", acc)
sys.exit(0 if acc >= 0.8 else 1)
"
'

test_expect_success 'the reconstruction error is reported, finite and below the variance' '
	grep "^reconstruction MSE on 1008 held-out windows: " make.out &&
	$PY -c "
import json, math, sys
r = json.load(open(\"p/recon.json\"))
sys.exit(0 if math.isfinite(r[\"mse\"]) and r[\"mse\"] < r[\"variance\"] else 1)
"
'

test_expect_success 'points inside and out of bounds decode to windows with probe names' '
	test $(wc -l <p/inside-titles.txt) -eq 7 &&
	test $(wc -l <p/outside-titles.txt) -eq 4 &&
	li-info p/outside-decoded.npy 2>&1 | grep -F "(4, 100, 6)" &&
	grep -c "^out of bounds [1-4]; probe: [a-z]" p/outside-titles.txt | grep -qx 4
'

test_expect_success 'project.json names the files the pipeline uses' '
	$PY -c "
import json, os
j = json.load(open(\"p/project.json\"))
files = [j[k] for k in (\"model\", \"data\", \"labels\", \"classes\")] + list(j[\"validation\"].values())
missing = [f for f in files if not os.path.isfile(os.path.join(\"p\", f))]
assert not missing, missing
assert j[\"render\"][\"channels\"] == open(\"p/data/channels.txt\").read().split()
" &&
	li-layers p/model.h5 | grep -q " bottleneck "
'

test_expect_success 'a second make does nothing' '
	make -q -C p LI="$LI_BIN"
'

test_expect_success 'a change rebuilds only what depends on it' '
	touch p/pick-points.py &&
	make -n -C p LI="$LI_BIN" >plan &&
	grep -q pick-points.py plan &&
	! grep -E "li-(embed|reduce|split|train-lr)|gen-data" plan
'

test_expect_success 'rebuilt files are the same bytes' '
	mkdir keep && cp p/head.h5 p/latent.npy p/map.h5 p/xy.npy p/probe.h5 keep/ &&
	rm p/head.h5 p/latent.npy p/map.h5 p/xy.npy p/probe.h5 &&
	make -s -C p LI="$LI_BIN" head.h5 xy.npy probe.h5 >/dev/null 2>&1 &&
	for f in head.h5 latent.npy map.h5 xy.npy probe.h5; do cmp keep/$f p/$f || exit 1; done
'

test_done
