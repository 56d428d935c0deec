#!/usr/bin/env bash
# Benchmark: Conv2D forward (batch 256, 28x28x32 -> 3x3x64, 'same', bias + relu; the
# second convolution of an MNIST/CIFAR-sized CNN) in our layer family, TensorFlow.js
# (wasm backend: one thread on Node) and PyTorch CPU (python3-torch, when installed) at
# 1 and 2 threads; ours with the distribution's OpenBLAS core detection and, where
# OpenBLAS 0.3.21 does not recognise the CPU and falls back to slow generic kernels, with
# the kernel the CPU can run (blas-core: SkylakeX with AVX-512, Haswell with AVX2). Prints
# each timing (best of REPEATS; wall and process CPU time, the latter steadier on a shared
# machine) and our speed-up ratios.
# Run from the repository root after `make`: scripts/bench/conv-layers.sh [BATCH] [REPEATS]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tools=${LI_TOOLS:-$top/build/tools}
B=${1:-256} R=${2:-3}
H=28 W=28 C=32 F=64
cfg='{"filters":64,"kernel_size":[3,3],"padding":"same","activation":"relu"}'
ms() { sed -n 's/.*best \([0-9.]*\) ms.*/\1/p'; }
cpu() { sed -n 's/.*(cpu \([0-9.]*\) ms).*/\1/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "n/a" }'; }

echo "Conv2D ${H}x${W}x${C} -> 3x3x${F} same relu, batch $B, best of $R"
. "$top/scripts/bench/blas-core"
cores=$(blas_cores)
declare -A ours ourc
for ct in $cores; do
	for t in 1 2; do
		if [ "$ct" = default ]; then
			line=$(OPENBLAS_NUM_THREADS=$t "$tools/conv_bench" Conv2D "$cfg" $H $W $C "$B" "$R")
		else
			line=$(OPENBLAS_CORETYPE=$ct OPENBLAS_NUM_THREADS=$t "$tools/conv_bench" Conv2D "$cfg" $H $W $C "$B" "$R")
		fi
		echo "li (OpenBLAS $ct, $t thread(s)): $line"
		ours[$ct,$t]=$(echo "$line" | ms)
		ourc[$ct,$t]=$(echo "$line" | cpu)
	done
done
tfjs=
if [ -d "$top/scripts/tfjs/node_modules/@tensorflow/tfjs-backend-wasm" ]; then
	line=$(node "$top/scripts/tfjs/conv-bench.js" wasm $H $W $C $F "$B" "$R" 2>/dev/null | grep '^tfjs')
	echo "$line"
	tfjs=$(echo "$line" | ms) tfjc=$(echo "$line" | cpu)
else
	echo "tfjs-wasm: not installed (scripts/tfjs/setup)"
fi
declare -A torch torc
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	for t in 1 2; do
		line=$(/usr/bin/python3 "$top/scripts/bench/conv-torch.py" $t $H $W $C $F "$B" "$R")
		echo "$line"
		torch[$t]=$(echo "$line" | ms) torc[$t]=$(echo "$line" | cpu)
	done
else
	echo "torch: python3-torch is not installed"
fi
echo "speed-up of li (time of peer / time of li; > 1 means li is faster), wall and CPU time:"
for ct in $cores; do
	[ -n "$tfjs" ] && echo "  vs tfjs-wasm, 1 thread, OpenBLAS $ct: wall $(ratio "${ours[$ct,1]}" "$tfjs"), cpu $(ratio "${ourc[$ct,1]}" "$tfjc")"
	for t in 1 2; do
		[ -n "${torch[$t]:-}" ] &&
			echo "  vs torch, $t thread(s), OpenBLAS $ct: wall $(ratio "${ours[$ct,$t]}" "${torch[$t]}"), cpu $(ratio "${ourc[$ct,$t]}" "${torc[$t]}")"
	done
done
exit 0
