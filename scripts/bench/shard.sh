#!/usr/bin/env bash
# Sharding benchmark (SPEC 8): rows/s of li-embed on one process against the same work
# split into shards run by scripts/shard-run (GNU parallel) with 2 local jobs, joined by
# li-cat, on one machine in one run. Model and data: tests/tools/shard_model.py (a small
# MNIST-shaped conv encoder, 28x28x1 -> 16, about 0.6 MFLOP a row; ROWS rows [60000]).
# Every process uses one BLAS thread (--threads 1), so 2 jobs use 2 cores; the outputs
# are checked to be the same bytes. Best of REPEAT [3] runs, wall time. The join (li-cat
# of the parts) is timed on its own too. On a shared or 2-core machine the speedup is
# bounded by the cores really free; `nproc` and the load average are printed with it, and
# the CPU time (user + system of every process) shows what sharding costs in work.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
LI_BIN=${LI_BIN:-$top/bin}
REPEAT=${REPEAT:-3} ROWS=${ROWS:-60000}
export PATH="$LI_BIN:$PATH"
if ! command -v parallel >/dev/null 2>&1; then
	echo "shard: skipped (GNU parallel is not installed; scripts/deps)"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/li-bench-shard.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
/usr/bin/python3 "$top/tests/tools/shard_model.py" "$ROWS"
li-split -q --at latent model.h5 --head head.h5 --tail tail.h5

best() { # best NAME CMD...: best wall time and best CPU time (user + system, children
	# included) of REPEAT runs into $NAME and ${NAME}_cpu
	local name=$1 _b="" _c="" _r _u _s _t
	shift
	for _ in $(seq "$REPEAT"); do
		TIMEFORMAT='%R %U %S'
		{ time "$@" 2>/dev/null; } 2>"$work/time"
		read -r _r _u _s <"$work/time"
		_t=$(echo "$_u + $_s" | bc -l)
		if [ -z "$_b" ] || [ "$(echo "$_r < $_b" | bc -l)" = 1 ]; then _b=$_r; fi
		if [ -z "$_c" ] || [ "$(echo "$_t < $_c" | bc -l)" = 1 ]; then _c=$_t; fi
	done
	printf -v "$name" '%s' "$_b"
	printf -v "${name}_cpu" '%s' "$_c"
}
rate() { echo "scale=0; $ROWS / $1" | bc -l; }

best t1 li-embed -q --threads 1 head.h5 x.npy -o one.npy
best t2 "$top/scripts/shard-run" -j 2 -n 2 -o two.npy -- li-embed -q --threads 1 head.h5 x.npy
best t4 "$top/scripts/shard-run" -j 2 -n 4 -o four.npy -- li-embed -q --threads 1 head.h5 x.npy
cmp one.npy two.npy && cmp one.npy four.npy
li-embed -q --threads 1 --shard 0/2 head.h5 x.npy -o p0.npy
li-embed -q --threads 1 --shard 1/2 head.h5 x.npy -o p1.npy
best tc li-cat p0.npy p1.npy -o cat.npy
best tp parallel -j 2 true ::: 0 1
bytes=$(stat -c %s one.npy)

echo "data: $ROWS rows of 28x28x1 float32 ($(stat -c %s x.npy) bytes) -> $ROWS x 16 latent" \
	"($bytes bytes); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); best of $REPEAT"
echo "wall time, rows/s of wall time, speedup; CPU time (user + system), rows per CPU second"
printf 'li-embed, 1 process, 1 thread:          %6.2f s  %7d rows/s               %6.2f s CPU  %7d rows/CPU-s\n' \
	"$t1" "$(rate "$t1")" "$t1_cpu" "$(rate "$t1_cpu")"
printf 'shard-run -j 2, 2 shards (+ li-cat):    %6.2f s  %7d rows/s  speedup %.2f  %6.2f s CPU  %7d rows/CPU-s\n' \
	"$t2" "$(rate "$t2")" "$(echo "$t1 / $t2" | bc -l)" "$t2_cpu" "$(rate "$t2_cpu")"
printf 'shard-run -j 2, 4 shards (+ li-cat):    %6.2f s  %7d rows/s  speedup %.2f  %6.2f s CPU  %7d rows/CPU-s\n' \
	"$t4" "$(rate "$t4")" "$(echo "$t1 / $t4" | bc -l)" "$t4_cpu" "$(rate "$t4_cpu")"
printf 'li-cat of the 2 parts alone:            %6.3f s  (%d bytes)\n' "$tc" "$bytes"
printf 'GNU parallel start, 2 empty jobs:       %6.3f s\n' "$tp"
