/*
 * Times a chain of layers (a Sequential model) through the layer families, for
 * scripts/bench/models.sh, until li-embed can run whole model files:
 *
 *   model_bench CASES.json REPEATS [--gemm]
 *                                     the first case of a layer case file (the format of
 *                                     scripts/tfjs/layer-oracle.js; model-bench.js and
 *                                     scripts/bench/model-torch.py write one per benchmark
 *                                     model); its input is the batch
 *   model_bench --peak N              cblas_sgemm on N x N x N, GFLOP/s
 *
 * Layers are built once; buffers for every layer's output are allocated once and reused
 * across repeats. Prints "li MODEL batch B: best MS ms (cpu MS ms), R rows/s, F GFLOP/s
 * (C per CPU second)" where F counts the multiply-adds (x 2) of the Dense and
 * convolution layers, a convolution's as the direct one's (kernel size times output
 * cells), whatever algorithm runs. Also checks the output against the case's expected
 * values (1e-4), so a timing of wrong arithmetic is never printed. LI_BENCH_LAYERS=1 adds
 * each layer's CPU time. --gemm also times cblas_sgemm alone on the Dense layers' shapes
 * (what the Dense layers would take with no bias, activation or anything else): "sgemm
 * same shapes: best MS ms (cpu MS ms)".
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "li.h"
#include "layer.h"

#define MAX_L 64

static double clock_s(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int to_array(const json_t *v, li_array *a, li_err *err)
{
	const json_t *sh = json_object_get(v, "shape"), *d = json_object_get(v, "data");
	int64_t shape[LI_MAX_RANK];
	size_t r = json_array_size(sh);
	if (!json_is_array(d) || r < 1 || r > LI_MAX_RANK)
		return li_err_set(err, LI_EDATA, "array needs shape and data");
	for (size_t i = 0; i < r; i++)
		shape[i] = json_integer_value(json_array_get(sh, i));
	if (li_array_alloc(a, LI_DTYPE_F32, (int)r, shape, err) < 0)
		return LI_EDATA;
	if ((size_t)li_array_count(a) != json_array_size(d))
		return li_err_set(err, LI_EDATA, "data does not fit the shape");
	for (size_t i = 0; i < json_array_size(d); i++)
		((float *)a->data)[i] = (float)json_number_value(json_array_get(d, i));
	return 0;
}

static int peak(int n)
{
	float *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b);
	float *c = malloc((size_t)n * n * sizeof *c);
	if (!a || !b || !c)
		return 1;
	for (size_t i = 0; i < (size_t)n * n; i++)
		a[i] = b[i] = (float)(i % 7) * 0.1f;
	double best = 1e30, cpu = 1e30;
	for (int r = 0; r < 4; r++) {
		double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n,
			    0.0f, c, n);
		double t = clock_s(CLOCK_MONOTONIC) - t0, cu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (r > 0 && t < best)
			best = t;
		if (r > 0 && cu < cpu)
			cpu = cu;
	}
	double f = 2.0 * n * n * (double)n;
	printf("sgemm %dx%dx%d: %.1f GFLOP/s (%.1f per CPU second)\n", n, n, n, f / best * 1e-9,
	       f / cpu * 1e-9);
	free(a);
	free(b);
	free(c);
	return 0;
}

/* cblas_sgemm alone on the Dense layers' shapes (n x k by k x m), best of reps. */
static void gemm_alone(int64_t n, int ng, const int64_t *k, const int64_t *m, int reps)
{
	int64_t big = 0;
	for (int i = 0; i < ng; i++)
		big = k[i] > big ? k[i] : big, big = m[i] > big ? m[i] : big;
	float *a = calloc((size_t)(n * big), sizeof *a), *b = calloc((size_t)(big * big), sizeof *b);
	float *c = calloc((size_t)(n * big), sizeof *c);
	if (!a || !b || !c)
		goto out;
	for (int64_t i = 0; i < n * big; i++)
		a[i] = (float)(i % 7) * 0.1f;
	for (int64_t i = 0; i < big * big; i++)
		b[i] = (float)(i % 5) * 0.1f;
	double best = 1e30, cpu = 1e30;
	for (int r = 0; r <= reps; r++) {
		double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		for (int i = 0; i < ng; i++)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)m[i],
				    (int)k[i], 1.0f, a, (int)k[i], b, (int)m[i], 0.0f, c, (int)m[i]);
		double t = clock_s(CLOCK_MONOTONIC) - t0, cu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (r > 0 && t < best)
			best = t;
		if (r > 0 && cu < cpu)
			cpu = cu;
	}
	printf("sgemm same shapes: best %.2f ms (cpu %.2f ms)\n", best * 1e3, cpu * 1e3);
out:
	free(a);
	free(b);
	free(c);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--peak"))
		return peak(atoi(argv[2]));
	int gemm = argc == 4 && !strcmp(argv[3], "--gemm");
	if (argc != 3 && !gemm) {
		fprintf(stderr, "usage: model_bench CASES.json REPEATS [--gemm] | --peak N\n");
		return 2;
	}
	json_error_t je;
	li_err err;
	li_err_clear(&err);
	json_t *root = json_load_file(argv[1], 0, &je);
	const json_t *c = json_array_get(json_object_get(root, "cases"), 0);
	const json_t *layers = json_object_get(c, "layers");
	const char *name = json_string_value(json_object_get(c, "name"));
	li_origin o = { .keras_major = 2, .tfjs = 1 };
	li_layer l[MAX_L];
	li_shape shape[MAX_L + 1];
	float *buf[MAX_L + 1] = { 0 };
	li_array x = { 0 }, exp = { 0 };
	size_t nl = json_array_size(layers);
	int reps = atoi(argv[2]);
	int64_t gk[MAX_L], gn[MAX_L];
	int ngemm = 0;
	if (!c || nl == 0 || nl > MAX_L || reps < 1 ||
	    to_array(json_array_get(json_object_get(c, "inputs"), 0), &x, &err) < 0 ||
	    to_array(json_object_get(c, "expected"), &exp, &err) < 0) {
		fprintf(stderr, "model_bench: %s: %s\n", argv[1], err.msg[0] ? err.msg : "bad case file");
		return 1;
	}
	int64_t n = x.shape[0];
	double flops = 0;
	shape[0].rank = x.rank - 1;
	for (int i = 1; i < x.rank; i++)
		shape[0].dim[i - 1] = x.shape[i];
	buf[0] = x.data;
	for (size_t i = 0; i < nl; i++) {
		const json_t *L = json_array_get(layers, i), *ws = json_object_get(L, "weights");
		li_weight w[8];
		int nw = 0;
		for (size_t k = 0; k < json_array_size(ws) && k < 8; k++, nw++) {
			w[k].name = json_string_value(json_object_get(json_array_get(ws, k), "name"));
			if (to_array(json_array_get(ws, k), &w[k].a, &err) < 0)
				break;
		}
		int rc = err.msg[0] ? -1
			: li_layer_init(&l[i], json_string_value(json_object_get(L, "class_name")),
					json_string_value(json_object_get(L, "name")),
					json_object_get(L, "config"), w, nw, &o, &err);
		if (rc == 0)
			rc = l[i].ops->out_shape(&l[i], 1, &shape[i], &shape[i + 1], &err);
		if (rc == 0 && !strcmp(l[i].class_name, "Dense")) {
			flops += 2.0 * (double)n * (double)w[0].a.shape[0] * (double)w[0].a.shape[1];
			if (ngemm < MAX_L) {
				gk[ngemm] = w[0].a.shape[0];
				gn[ngemm++] = w[0].a.shape[1];
			}
		}
		if (rc == 0 && strstr(l[i].class_name, "Conv") && nw > 0) {
			/* direct convolution: every kernel weight once per output cell */
			int64_t cells = li_shape_elems(&shape[i + 1]) / w[0].a.shape[w[0].a.rank - 1];
			flops += 2.0 * (double)n * (double)li_array_count(&w[0].a) * (double)cells;
		}
		for (int k = 0; k < nw; k++)
			li_array_release(&w[k].a);
		if (rc < 0) {
			fprintf(stderr, "model_bench: %s\n", err.msg);
			return 1;
		}
		buf[i + 1] = malloc((size_t)(n * li_shape_elems(&shape[i + 1])) * sizeof(float));
		if (!buf[i + 1])
			return 1;
	}
	double best = 1e30, cpu = 1e30, per[MAX_L] = { 0 };
	int show = getenv("LI_BENCH_LAYERS") != NULL;
	for (int r = 0; r <= reps; r++) {
		double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		for (size_t i = 0; i < nl; i++) {
			const float *in[1] = { buf[i] };
			double li0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
			if (l[i].ops->forward(&l[i], n, 1, &shape[i], in, &shape[i + 1], buf[i + 1],
					      &err) < 0) {
				fprintf(stderr, "model_bench: %s\n", err.msg);
				return 1;
			}
			if (r > 0)
				per[i] += clock_s(CLOCK_PROCESS_CPUTIME_ID) - li0;
		}
		double t = clock_s(CLOCK_MONOTONIC) - t0, cu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (r > 0 && t < best)
			best = t;
		if (r > 0 && cu < cpu)
			cpu = cu;
	}
	const float *y = buf[nl], *e = exp.data;
	for (int64_t i = 0; i < li_array_count(&exp); i++)
		if (!(fabsf(y[i] - e[i]) <= 1e-4f * fmaxf(1.0f, fabsf(e[i])))) {
			fprintf(stderr, "model_bench: %s: output %lld is %g, TF.js gave %g\n", name,
				(long long)i, y[i], e[i]);
			return 1;
		}
	printf("li %s batch %lld: best %.2f ms (cpu %.2f ms), %.0f rows/s, %.1f GFLOP/s (%.1f per "
	       "CPU second)\n", name ? name : "?", (long long)n, best * 1e3, cpu * 1e3,
	       (double)n / best, flops / best * 1e-9, flops / cpu * 1e-9);
	if (gemm && ngemm > 0)
		gemm_alone(n, ngemm, gk, gn, reps);
	for (size_t i = 0; show && i < nl; i++)
		printf("  %-20s %-14s %8.2f cpu ms per batch\n", l[i].name, l[i].class_name,
		       per[i] / reps * 1e3);
	for (size_t i = 0; i < nl; i++) {
		li_layer_release(&l[i]);
		free(buf[i + 1]);
	}
	li_array_release(&x);
	li_array_release(&exp);
	json_decref(root);
	return 0;
}
