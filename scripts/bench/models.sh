#!/usr/bin/env bash
# Benchmark: whole-model inference at batch 256 on three models (SPEC 9, issue 5): a dense
# autoencoder 784-512-256-32-256-512-784, a convolutional autoencoder on 28x28x1
# (Conv2D/MaxPooling2D/UpSampling2D) and a small CNN classifier (Conv2D/MaxPooling2D/
# Flatten/Dense), side by side with TensorFlow.js (wasm backend: one thread on Node) and
# PyTorch CPU (python3-torch) at 1 and 2 threads. TF.js builds each model with seeded
# weights and exports it (config + weights + its output) for our side: until li-embed can
# run model files, tests/tools/model_bench runs the same layers through the layer families
# and checks its output against TF.js' before timing. Also: OpenBLAS sgemm peak and the
# dense model's share of it. Wall times are noisy on a shared machine; CPU times (process
# CPU, best of REPEATS) are printed beside them and the 1-thread ratios use both. Ours
# runs with OpenBLAS' own kernel and, where OpenBLAS falls back to a generic one, with the
# kernel the CPU can run (blas-core).
# Run from the repository root after `make`: scripts/bench/models.sh [BATCH] [REPEATS]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tools=${LI_TOOLS:-$top/build/tools}
B=${1:-256} R=${2:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wall() { sed -n 's/.*best \([0-9.]*\) ms.*/\1/p'; }
cpu() { sed -n 's/.*(cpu \([0-9.]*\) ms).*/\1/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "n/a" }'; }
have_tfjs=0 have_torch=0
[ -d "$top/scripts/tfjs/node_modules/@tensorflow/tfjs-backend-wasm" ] && have_tfjs=1
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1
if [ $have_tfjs = 0 ]; then
	echo "models.sh: TF.js is not installed (scripts/tfjs/setup): nothing to compare" >&2
	exit 0
fi
. "$top/scripts/bench/blas-core"
cores=$(blas_cores)
peak=$(OPENBLAS_NUM_THREADS=1 "$tools/model_bench" --peak 2048)
echo "$peak (1 thread)"
peak_cpu=$(echo "$peak" | sed -n 's/.*(\([0-9.]*\) per CPU second).*/\1/p')
echo "batch $B, best of $R; times in ms as wall/cpu; speed-up = peer time / li time"
for m in dense convae cnn; do
	t=$(node "$top/scripts/tfjs/model-bench.js" $m wasm "$B" "$R" "$tmp/$m.json" 2>/dev/null | grep '^tfjs')
	echo "== $m"
	echo "  $t"
	declare -A li=()
	for ct in $cores; do
		for th in 1 2; do
			if [ $ct = default ]; then
				line=$(OPENBLAS_NUM_THREADS=$th "$tools/model_bench" "$tmp/$m.json" "$R")
			else
				line=$(OPENBLAS_CORETYPE=$ct OPENBLAS_NUM_THREADS=$th "$tools/model_bench" "$tmp/$m.json" "$R")
			fi
			echo "  li (OpenBLAS $ct, $th thread(s)): ${line#li }"
			li[$ct$th]=$line
		done
	done
	tw=$(echo "$t" | wall) tc=$(echo "$t" | cpu)
	for ct in $cores; do
		lw=$(echo "${li[${ct}1]}" | wall) lc=$(echo "${li[${ct}1]}" | cpu)
		echo "  speed-up vs tfjs-wasm, 1 thread, OpenBLAS $ct: wall $(ratio "$lw" "$tw"), cpu $(ratio "$lc" "$tc")"
	done
	if [ $have_torch = 1 ]; then
		for th in 1 2; do
			p=$(/usr/bin/python3 "$top/scripts/bench/model-torch.py" $m $th "$B" "$R")
			echo "  $p"
			for ct in $cores; do
				lw=$(echo "${li[$ct$th]}" | wall) lc=$(echo "${li[$ct$th]}" | cpu)
				pw=$(echo "$p" | wall) pc=$(echo "$p" | cpu)
				echo "  speed-up vs torch, $th thread(s), OpenBLAS $ct: wall $(ratio "$lw" "$pw"), cpu $(ratio "$lc" "$pc")"
			done
		done
	fi
	if [ $m = dense ]; then
		lc=$(echo "${li[default1]}" | cpu)
		awk -v b="$B" -v c="$lc" -v p="$peak_cpu" 'BEGIN {
			f = 2 * b * (784*512 + 512*256 + 256*32 + 32*256 + 256*512 + 512*784)
			printf "  dense: %.1f GFLOP/s per CPU second = %.0f%% of sgemm peak (%.1f)\n", f / c / 1e6, 100 * f / c / 1e6 / p, p }'
	fi
done
echo "peak memory of li-embed on 10k and 100k rows: pending li-embed (the engine merge)"
