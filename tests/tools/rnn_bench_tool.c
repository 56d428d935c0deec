/*
 * Times the forward pass of one recurrent layer (for scripts/bench/rnn.sh; never a test):
 *
 *   rnn_bench_tool CLASS ROWS STEPS FEATURES UNITS REPEATS
 *
 * CLASS is SimpleRNN, LSTM or GRU (GRU with reset_after true, as tf.keras saves it);
 * weights and inputs are fixed pseudo-random values. Prints the best wall time of REPEATS
 * calls in milliseconds and the rows per second it gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "li.h"
#include "layer.h"

static float frand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return ((float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f) * 0.2f;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: rnn_bench_tool CLASS ROWS STEPS FEATURES UNITS REPEATS\n");
		return 2;
	}
	const char *cls = argv[1];
	int64_t n = atoll(argv[2]), T = atoll(argv[3]), F = atoll(argv[4]), U = atoll(argv[5]);
	int reps = atoi(argv[6]);
	int64_t G = !strcmp(cls, "LSTM") ? 4 : !strcmp(cls, "GRU") ? 3 : 1;
	int gru = G == 3;
	unsigned seed = 1;
	li_weight w[3] = { { "kernel", { 0 } }, { "recurrent_kernel", { 0 } }, { "bias", { 0 } } };
	int64_t ks[2] = { F, G * U }, rs[2] = { U, G * U }, bs[2] = { 2, G * U };
	li_err err;
	li_err_clear(&err);
	if (li_array_alloc(&w[0].a, LI_DTYPE_F32, 2, ks, &err) < 0 ||
	    li_array_alloc(&w[1].a, LI_DTYPE_F32, 2, rs, &err) < 0 ||
	    li_array_alloc(&w[2].a, LI_DTYPE_F32, gru ? 2 : 1, gru ? bs : bs + 1, &err) < 0) {
		fprintf(stderr, "rnn_bench_tool: %s\n", err.msg);
		return 1;
	}
	for (int k = 0; k < 3; k++)
		for (int64_t i = 0; i < li_array_count(&w[k].a); i++)
			((float *)w[k].a.data)[i] = frand(&seed);
	json_t *c = json_pack("{s:I, s:s, s:b}", "units", (json_int_t)U, "recurrent_activation",
			      "sigmoid", "reset_after", 1);
	li_origin o = { .keras_major = 2, .keras_minor = 11 };
	li_layer l;
	if (li_layer_init(&l, cls, "bench", c, w, 3, &o, &err) < 0) {
		fprintf(stderr, "rnn_bench_tool: %s\n", err.msg);
		return 1;
	}
	float *x = malloc((size_t)(n * T * F) * sizeof *x), *y = malloc((size_t)(n * U) * sizeof *y);
	if (!x || !y)
		return 1;
	for (int64_t i = 0; i < n * T * F; i++)
		x[i] = frand(&seed) * 5;
	li_shape in = { 2, { T, F } }, out;
	const float *xp = x;
	double best = -1;
	if (l.ops->out_shape(&l, 1, &in, &out, &err) < 0)
		return 1;
	for (int r = 0; r < reps; r++) {
		double t0 = now_ms();
		if (l.ops->forward(&l, n, 1, &in, &xp, &out, y, &err) < 0) {
			fprintf(stderr, "rnn_bench_tool: %s\n", err.msg);
			return 1;
		}
		double t = now_ms() - t0;
		if (best < 0 || t < best)
			best = t;
	}
	printf("%.2f ms %.0f rows/s (checksum %.6g)\n", best, n / (best / 1e3), (double)y[0]);
	li_layer_release(&l);
	json_decref(c);
	free(x), free(y);
	for (int k = 0; k < 3; k++)
		li_array_release(&w[k].a);
	return 0;
}
