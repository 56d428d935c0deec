/*
 * Times one layer's forward pass through the layer families, for scripts/bench:
 *
 *   conv_bench CLASS 'CONFIG-JSON' H W C BATCH REPEATS
 *
 * Builds the layer with seeded weights (shapes from the kernel_size/filters of the config;
 * Conv2D-like layers only), runs BATCH rows of H x W x C REPEATS times after one warm-up,
 * and prints "CLASS batch B: best MS ms, ROWS rows/s, GFLOPS GFLOP/s (cpu MS ms)" (2 *
 * multiply-adds of a dense convolution; cpu: the best process CPU time, steadier than
 * wall time on a shared machine). Threads: OpenBLAS' own (OPENBLAS_NUM_THREADS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "li.h"
#include "layer.h"

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: conv_bench CLASS CONFIG H W C BATCH REPEATS\n");
		return 2;
	}
	json_error_t je;
	json_t *cfg = json_loads(argv[2], 0, &je);
	int64_t H = atoll(argv[3]), W = atoll(argv[4]), C = atoll(argv[5]);
	int64_t n = atoll(argv[6]);
	int reps = atoi(argv[7]);
	if (!cfg || H < 1 || W < 1 || C < 1 || n < 1 || reps < 1) {
		fprintf(stderr, "conv_bench: bad arguments\n");
		return 2;
	}
	int64_t f = json_integer_value(json_object_get(cfg, "filters"));
	const json_t *ks = json_object_get(cfg, "kernel_size");
	int64_t kh = json_integer_value(json_array_get(ks, 0)), kw = json_integer_value(json_array_get(ks, 1));
	li_err err;
	li_err_clear(&err);
	li_weight w[2];
	int64_t kshape[4] = { kh, kw, C, f };
	if (li_array_alloc(&w[0].a, LI_DTYPE_F32, 4, kshape, &err) < 0 ||
	    li_array_alloc(&w[1].a, LI_DTYPE_F32, 1, &f, &err) < 0)
		return 1;
	w[0].name = "kernel";
	w[1].name = "bias";
	srand(1);
	for (int k = 0; k < 2; k++)
		for (int64_t i = 0; i < li_array_count(&w[k].a); i++)
			((float *)w[k].a.data)[i] = (float)rand() / RAND_MAX - 0.5f;
	li_layer l;
	if (li_layer_init(&l, argv[1], "bench", cfg, w, 2, NULL, &err) < 0) {
		fprintf(stderr, "conv_bench: %s\n", err.msg);
		return 1;
	}
	li_shape in = { 3, { H, W, C } }, out;
	if (l.ops->out_shape(&l, 1, &in, &out, &err) < 0) {
		fprintf(stderr, "conv_bench: %s\n", err.msg);
		return 1;
	}
	int64_t mi = H * W * C, mo = li_shape_elems(&out);
	float *x = malloc((size_t)(n * mi) * sizeof *x), *y = malloc((size_t)(n * mo) * sizeof *y);
	if (!x || !y)
		return 1;
	for (int64_t i = 0; i < n * mi; i++)
		x[i] = (float)rand() / RAND_MAX;
	const float *ins[1] = { x };
	double best = 1e30, cpu = 1e30;
	for (int r = 0; r <= reps; r++) {
		double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		if (l.ops->forward(&l, n, 1, &in, ins, &out, y, &err) < 0) {
			fprintf(stderr, "conv_bench: %s\n", err.msg);
			return 1;
		}
		double t = clock_s(CLOCK_MONOTONIC) - t0, c = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (r > 0 && t < best)
			best = t;
		if (r > 0 && c < cpu)
			cpu = c;
	}
	double flops = 2.0 * (double)n * (double)(mo / f) * (double)(kh * kw * C) * (double)f;
	printf("%s batch %lld: best %.2f ms, %.0f rows/s, %.1f GFLOP/s (cpu %.2f ms)\n", argv[1],
	       (long long)n, best * 1e3, (double)n / best, flops / best * 1e-9, cpu * 1e3);
	li_layer_release(&l);
	li_array_release(&w[0].a);
	li_array_release(&w[1].a);
	free(x);
	free(y);
	json_decref(cfg);
	return 0;
}
