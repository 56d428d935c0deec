#!/usr/bin/env bash
# Benchmark: whole-model inference at batch 256 on three models (SPEC 9, issues 5 and 24),
# ours against PyTorch CPU (the distribution's python3-torch, /usr/bin/python3) at 1 and
# 2 threads, run alternately in one run (ROUNDS rounds of: PyTorch, then ours, each the
# best of REPEATS batches):
#   dense   autoencoder 784-512-256-32-256-512-784, 2.2 MFLOP a row
#   convae  convolutional autoencoder on 28x28x1: 3x3 convolutions of 64 filters, 2x2
#           max pooling and upsampling, 64 -> 1 sigmoid; 34.3 MFLOP a row
#   cnn     Keras' mnist_cnn: 3x3 convolutions of 32 and 64 filters, 2x2 max pooling,
#           Dense 128 and 10 (softmax); 24.0 MFLOP a row
# scripts/bench/model-torch.py builds each model in PyTorch and writes it as a layer case
# file (Keras configs and layouts, its weights, one batch and PyTorch's output for it);
# tests/tools/model_bench runs the same layers through our layer families, checks its
# output against PyTorch's (1e-4) and times them. Times are process CPU time (steady on a
# shared machine) and wall time; at 1 thread the ratio is of CPU times, at 2 threads of
# wall times (CPU time does not show what a second thread saves), so the 2-thread ratios
# are only as good as the machine's load lets them be: the load is printed. Also: the
# OpenBLAS sgemm peak (2048^3, 1 thread, per CPU second), each convolutional model's share
# of it (direct convolution FLOPs, 2 x multiply-adds, per CPU second) and the dense
# model's share of cblas_sgemm alone on its layers' shapes. One OpenBLAS kernel for both
# (as in umap.sh: scripts/bench/blas-core). Rows go to the summary of `make bench`
# (scripts/bench/summary).
# Run from the repository root after `make`: scripts/bench/models.sh [BATCH] [REPEATS] [ROUNDS]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tools=${LI_TOOLS:-$top/build/tools}
B=${1:-256} R=${2:-3} ROUNDS=${3:-2}
. "$top/scripts/bench/summary"
. "$top/scripts/bench/blas-core"
# both sides get the environment's kernel, else OpenBLAS' own, else (where 0.3.21 falls
# back to a generic one) the kernel the CPU can run, never one it lacks
fast=$(blas_fast_core)
[ -n "$fast" ] && export OPENBLAS_CORETYPE=$fast
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	echo "models.sh: skipped: python3-torch is not installed (scripts/deps --bench)" >&2
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wall() { sed -n 's/.*best \([0-9.]*\) ms.*/\1/p'; }
cpu() { sed -n 's/.*(cpu \([0-9.]*\) ms).*/\1/p'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || (b != "" && b + 0 < a + 0)) ? b : a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "n/a" }'; }
met() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "n/a" && r + 0 >= g) ? "yes" : "no" }'; }
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
	"OpenBLAS core ${OPENBLAS_CORETYPE:-(its own pick)}; torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)');" \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
peak=$(OPENBLAS_NUM_THREADS=1 "$tools/model_bench" --peak 2048)
echo "$peak (1 thread)"
peak_cpu=$(echo "$peak" | sed -n 's/.*(\([0-9.]*\) per CPU second).*/\1/p')
echo "batch $B, best of $R, $ROUNDS rounds alternating PyTorch and li; times in ms"
for m in dense convae cnn; do
	echo "== $m"
	/usr/bin/python3 "$top/scripts/bench/model-torch.py" $m 1 "$B" 1 "$tmp/$m.json" >/dev/null
	declare -A pw=() pc=() lw=() lc=() lg=()
	gemm=
	for round in $(seq "$ROUNDS"); do
		for th in 1 2; do
			p=$(/usr/bin/python3 "$top/scripts/bench/model-torch.py" $m $th "$B" "$R")
			[ $m = dense ] && [ $th = 1 ] && gemm=--gemm || gemm=
			l=$(OPENBLAS_NUM_THREADS=$th "$tools/model_bench" "$tmp/$m.json" "$R" $gemm)
			echo "  round $round, $th thread(s): $p"
			echo "  round $round, $th thread(s): $(echo "$l" | sed -n 1p)"
			pw[$th]=$(min "${pw[$th]:-}" "$(echo "$p" | wall)")
			pc[$th]=$(min "${pc[$th]:-}" "$(echo "$p" | cpu)")
			lw[$th]=$(min "${lw[$th]:-}" "$(echo "$l" | sed -n 1p | wall)")
			lc[$th]=$(min "${lc[$th]:-}" "$(echo "$l" | sed -n 1p | cpu)")
			if [ -n "$gemm" ]; then
				echo "  round $round, 1 thread: $(echo "$l" | sed -n 2p)"
				lg[1]=$(min "${lg[1]:-}" "$(echo "$l" | sed -n 2p | cpu)")
			fi
		done
	done
	r1=$(ratio "${lc[1]}" "${pc[1]}") r2=$(ratio "${lw[2]}" "${pw[2]}")
	echo "  1 thread:  PyTorch cpu ${pc[1]} ms, li cpu ${lc[1]} ms: ratio $r1 (wall $(ratio "${lw[1]}" "${pw[1]}"))"
	echo "  2 threads: PyTorch wall ${pw[2]} ms, li wall ${lw[2]} ms: ratio $r2 (cpu $(ratio "${lc[2]}" "${pc[2]}"))"
	case $m in
	dense)
		bench_row dense-1 "torch cpu ${pc[1]} ms" "li cpu ${lc[1]} ms" "$r1" "-"
		bench_row dense-2 "torch wall ${pw[2]} ms" "li wall ${lw[2]} ms" "$r2" "-"
		share=$(awk -v g="${lg[1]}" -v l="${lc[1]}" 'BEGIN { printf "%.2f", g / l }')
		echo "  dense: cblas_sgemm alone on the same shapes cpu ${lg[1]} ms = $share of li's time"
		bench_row dense-gemm "sgemm cpu ${lg[1]} ms" "li cpu ${lc[1]} ms" "$share" "$(met "$share" 0.85)" ;;
	*)
		mf=$([ $m = convae ] && echo 34.3 || echo 24.0)
		share=$(awk -v b="$B" -v f="$mf" -v c="${lc[1]}" -v p="$peak_cpu" 'BEGIN { printf "%.2f", b * f * 1e6 / (c * 1e-3) / 1e9 / p }')
		echo "  $m: $(awk -v b="$B" -v f="$mf" -v c="${lc[1]}" 'BEGIN { printf "%.1f", b * f / c }') GFLOP/s per CPU second = $share of the sgemm peak ($peak_cpu)"
		bench_row $m-1 "torch cpu ${pc[1]} ms" "li cpu ${lc[1]} ms" "$r1" "$(met "$r1" 1.5)"
		bench_row $m-2 "torch wall ${pw[2]} ms" "li wall ${lw[2]} ms" "$r2" "$(met "$r2" 1.5)"
		bench_row $m-peak "sgemm $peak_cpu GFLOP/s" "li $(awk -v b="$B" -v f="$mf" -v c="${lc[1]}" 'BEGIN { printf "%.1f", b * f / c }') GFLOP/s" "$share" "$(met "$share" 0.60)" ;;
	esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
