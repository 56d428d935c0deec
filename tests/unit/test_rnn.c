/*
 * Unit tests of the recurrent layers' carried state (hooks->carry_state, the Keras
 * stateful behaviour that li-embed/li-propagate --carry-state uses) and of the mask hooks.
 * The references are the layers' own outputs under an identity that Keras' equations
 * guarantee, never stored numbers: a stateful layer called on x and then on x again ends
 * where one call on x followed by x (twice as many steps) ends; without carrying, every
 * call is the same. The values themselves are checked in tests/conform (TF.js, numpy,
 * PyTorch, real Keras).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"
#include "layer.h"

#define T 4
#define F 3
#define U 2

static li_origin k2 = { .keras_major = 2, .keras_minor = 1 }; /* GRU reset_after false */

static float frand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static li_weight weight(const char *name, int rank, int64_t d0, int64_t d1, unsigned *seed)
{
	li_weight w = { name, { 0 } };
	int64_t shape[2] = { d0, d1 };
	if (li_array_alloc(&w.a, LI_DTYPE_F32, rank, shape, NULL) == 0)
		for (int64_t i = 0; i < li_array_count(&w.a); i++)
			((float *)w.a.data)[i] = frand(seed);
	return w;
}

/* An LSTM (4 gates) or GRU (3) of U units on F features. */
static int build(li_layer *l, const char *cls, int gates, int seq, li_err *err)
{
	unsigned seed = 7;
	li_weight w[3] = { weight("kernel", 2, F, gates * U, &seed),
			   weight("recurrent_kernel", 2, U, gates * U, &seed),
			   weight("bias", 1, gates * U, 0, &seed) };
	char cfg[200];
	snprintf(cfg, sizeof cfg, "{\"units\": %d, \"return_sequences\": %s}", U,
		 seq ? "true" : "false");
	json_t *c = json_loads(cfg, 0, NULL);
	int rc = li_layer_init(l, cls, "r", c, w, 3, &k2, err);
	json_decref(c);
	for (int i = 0; i < 3; i++)
		li_array_release(&w[i].a);
	return rc;
}

static int run(li_layer *l, int64_t n, int64_t steps, const float *x, float *y, li_err *err)
{
	li_shape in = { 2, { steps, F } }, out;
	if (l->ops->out_shape(l, 1, &in, &out, err) < 0)
		return -1;
	return l->ops->forward(l, n, 1, &in, &x, &out, y, err);
}

static int same(const float *a, const float *b, int n)
{
	for (int i = 0; i < n; i++)
		if (fabsf(a[i] - b[i]) > 1e-6f * (1 + fabsf(b[i])))
			return 0;
	return 1;
}

static void carry(const char *cls, int gates)
{
	li_layer l;
	li_err err;
	unsigned seed = 11;
	float x[2 * T * F], xx[2 * 2 * T * F], y1[2 * U], y2[2 * U], ylong[2 * U], y0[2 * U];
	for (int i = 0; i < 2 * T * F; i++)
		x[i] = frand(&seed);
	/* xx: each row's steps twice over */
	for (int b = 0; b < 2; b++)
		for (int k = 0; k < 2; k++)
			memcpy(xx + (b * 2 * T + k * T) * F, x + b * T * F, T * F * sizeof(float));
	li_err_clear(&err);
	if (build(&l, cls, gates, 0, &err) < 0) {
		CHECK(0, "%s builds: %s", cls, err.msg);
		return;
	}
	CHECK(run(&l, 2, T, x, y1, &err) == 0 && run(&l, 2, T, x, y2, &err) == 0,
	      "%s runs twice", cls);
	CHECK(same(y1, y2, 2 * U), "%s without carried state: both calls agree", cls);
	CHECK(run(&l, 2, 2 * T, xx, ylong, &err) == 0, "%s runs on the doubled sequence", cls);
	CHECK(li_layer_carry_state(&l, 1, &err) == 0, "%s carries state", cls);
	CHECK(run(&l, 2, T, x, y1, &err) == 0 && run(&l, 2, T, x, y2, &err) == 0,
	      "%s runs twice carrying state", cls);
	CHECK(same(y2, ylong, 2 * U) && !same(y1, y2, 2 * U),
	      "%s: the second carried call ends where x then x ends (Keras stateful)", cls);
	/* a larger batch: the new row starts from zero, the old rows go on */
	float x3[3 * T * F], y3[3 * U];
	memcpy(x3, x, sizeof x);
	memcpy(x3 + 2 * T * F, x, T * F * sizeof(float));
	CHECK(run(&l, 3, T, x3, y3, &err) == 0, "%s grows the kept state", cls);
	CHECK(same(y3 + 2 * U, y1, U), "%s: a new row starts from zero", cls);
	CHECK(li_layer_carry_state(&l, 1, &err) == 0 && run(&l, 2, T, x, y0, &err) == 0 &&
	      same(y0, y1, 2 * U), "%s: setting carry again drops the kept state", cls);
	CHECK(li_layer_carry_state(&l, 0, &err) == 0 && run(&l, 2, T, x, y0, &err) == 0 &&
	      same(y0, y1, 2 * U), "%s: carry off starts from zero again", cls);
	li_layer_release(&l);
}

/* Long sequences run in chunks of rows (the input projection buffer is bounded): a
 * batch of 5 rows whose projections do not fit together gives what each row alone gives,
 * also with carried state. */
static void chunks(void)
{
	enum { N = 5, LT = 1700, LU = 128 };
	unsigned seed = 13;
	li_weight w[3] = { weight("kernel", 2, F, 4 * LU, &seed),
			   weight("recurrent_kernel", 2, LU, 4 * LU, &seed),
			   weight("bias", 1, 4 * LU, 0, &seed) };
	for (int k = 0; k < 3; k++)
		for (int64_t i = 0; i < li_array_count(&w[k].a); i++)
			((float *)w[k].a.data)[i] *= 0.1f;
	json_t *c = json_pack("{s:i}", "units", LU);
	li_layer l;
	li_err err;
	li_err_clear(&err);
	float *x = malloc(N * LT * F * sizeof *x), *y = malloc(N * LU * sizeof *y),
	      *y1 = malloc(LU * sizeof *y1);
	int ok = x && y && y1 && li_layer_init(&l, "LSTM", "big", c, w, 3, &k2, &err) == 0;
	CHECK(ok, "a long LSTM builds");
	for (int i = 0; ok && i < N * LT * F; i++)
		x[i] = frand(&seed);
	for (int pass = 0; ok && pass < 2; pass++) {
		li_shape in = { 2, { LT, F } }, out;
		const float *xp = x;
		int good = l.ops->out_shape(&l, 1, &in, &out, &err) == 0 &&
			   l.ops->forward(&l, N, 1, &in, &xp, &out, y, &err) == 0;
		for (int b = 0; good && b < N; b++) {
			li_layer one;
			const float *xb = x + b * LT * F;
			good = li_layer_init(&one, "LSTM", "one", c, w, 3, &k2, &err) == 0;
			if (good && pass)
				good = li_layer_carry_state(&one, 1, &err) == 0 &&
				       one.ops->forward(&one, 1, 1, &in, &xb, &out, y1, &err) == 0;
			good = good && one.ops->forward(&one, 1, 1, &in, &xb, &out, y1, &err) == 0 &&
			       same(y + b * LU, y1, LU);
			li_layer_release(&one);
		}
		CHECK(good, "rows run in chunks agree with each row alone%s %s",
		      pass ? " (second carried call)" : "", err.msg);
		if (!pass) /* the second pass: carried state, the second of two calls */
			ok = li_layer_carry_state(&l, 1, &err) == 0 &&
			     l.ops->forward(&l, N, 1, &in, &xp, &out, y, &err) == 0;
	}
	if (ok)
		li_layer_release(&l);
	json_decref(c);
	free(x), free(y), free(y1);
	for (int k = 0; k < 3; k++)
		li_array_release(&w[k].a);
}

/*
 * Junk for every class of the family: configs and weights of every wrong kind either
 * build or fail with LI_EDATA, and what builds runs (also masked) on a few shapes,
 * inputs with NaN, negative and huge values included, without a crash (ASan/UBSan).
 */
static void junk(void)
{
	static const char *const classes[] = { "SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional",
					       "TimeDistributed", "Embedding", "Masking", "CuDNNLSTM",
					       "CuDNNGRU" };
	static const char *const configs[] = {
		"{}", "{\"units\": 2}", "{\"units\": -1}", "{\"units\": 1e30}", "{\"units\": \"2\"}",
		"{\"units\": 2, \"return_sequences\": true, \"go_backwards\": 1}",
		"{\"units\": 2, \"activation\": null, \"recurrent_activation\": \"nope\"}",
		"{\"units\": 2, \"reset_after\": true}", "{\"output_dim\": 2, \"inner_activation\": 3}",
		"{\"cell\": {\"class_name\": \"GRUCell\", \"config\": {\"units\": 2}}}",
		"{\"cell\": {\"class_name\": \"LSTMCell\"}}", "{\"cell\": 5}",
		"{\"layer\": {\"class_name\": \"LSTM\", \"config\": {\"units\": 2}}}",
		"{\"layer\": {\"class_name\": \"GRU\", \"config\": {\"units\": 2, \"return_sequences\": true}}, \"merge_mode\": \"mul\"}",
		"{\"layer\": {\"class_name\": \"Dense\", \"config\": {\"units\": 2}}}",
		"{\"layer\": {\"class_name\": \"TimeDistributed\", \"config\": {\"layer\": 1}}}",
		"{\"layer\": \"LSTM\"}", "{\"merge_mode\": 3}",
		"{\"input_dim\": 4, \"output_dim\": 2}", "{\"input_dim\": 4, \"output_dim\": 2, \"mask_zero\": true}",
		"{\"input_dim\": 0, \"output_dim\": 2}", "{\"mask_value\": \"x\"}", "{\"mask_value\": 1}",
	};
	unsigned seed = 17;
	/* weight sets: none; right for 2 units on 3 features (G = 1, 3, 4; GRU both biases);
	 * wrong ranks and sizes; an embedding table */
	int64_t sets[][3][2] = {
		{ { 3, 2 }, { 2, 2 }, { 2, 0 } }, { { 3, 6 }, { 2, 6 }, { 6, 0 } },
		{ { 3, 6 }, { 2, 6 }, { 2, 6 } }, { { 3, 8 }, { 2, 8 }, { 8, 0 } },
		{ { 3, 8 }, { 2, 7 }, { 8, 0 } }, { { 0, 0 }, { 2, 2 }, { 2, 0 } }, { { 4, 2 }, { 0, 0 }, { 0, 0 } },
		{ { 3, 8 }, { 2, 8 }, { 16, 0 } }, { { 3, 6 }, { 2, 6 }, { 12, 0 } },
	};
	const char *names[3] = { "kernel", "recurrent_kernel", "bias" };
	li_shape shapes[] = { { 2, { 4, 3 } }, { 1, { 3 } }, { 3, { 2, 2, 3 } }, { 2, { 0, 3 } },
			      { 1, { 4 } } };
	float x[64];
	for (int i = 0; i < 64; i++)
		x[i] = i % 7 == 0 ? 0.0f : frand(&seed) * 6;
	x[5] = NAN, x[9] = -3, x[11] = 1e30f, x[13] = 3.9f;
	int built = 0, ran = 0, bad = 0;
	li_err err;
	for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++)
		for (size_t j = 0; j < sizeof configs / sizeof configs[0]; j++)
			for (size_t k = 0; k <= sizeof sets / sizeof sets[0]; k++) {
				li_weight w[6];
				int n_w = 0;
				for (int q = 0; k > 0 && q < 3; q++) {
					const int64_t *d = sets[k - 1][q];
					if (!d[0])
						continue;
					w[n_w] = weight(names[q], d[1] ? 2 : 1, d[0], d[1], &seed);
					n_w++;
				}
				if (!strcmp(classes[c], "Bidirectional")) /* the same set for both copies */
					for (int q = 0, m = n_w; q < m; q++) {
						w[n_w] = w[q];
						w[n_w].a.data = NULL;
						if (li_array_alloc(&w[n_w].a, LI_DTYPE_F32, w[q].a.rank,
								   w[q].a.shape, NULL) == 0)
							memcpy(w[n_w].a.data, w[q].a.data,
							       (size_t)li_array_count(&w[q].a) * sizeof(float));
						n_w++;
					}
				json_t *cfg = json_loads(configs[j], 0, NULL);
				li_layer l;
				li_err_clear(&err);
				int rc = li_layer_init(&l, classes[c], "j", cfg, w, n_w, &k2, &err);
				json_decref(cfg);
				for (int q = 0; q < n_w; q++)
					li_array_release(&w[q].a);
				if (rc != 0 && rc != LI_EDATA)
					bad++;
				if (rc)
					continue;
				built++;
				for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
					li_shape o;
					const float *xs = x;
					float y[512];
					unsigned char mk[16];
					if (l.ops->out_shape(&l, 1, &shapes[sh], &o, &err) < 0 ||
					    li_shape_elems(&o) < 0 || li_shape_elems(&o) * 2 > 512)
						continue;
					for (int m = 0; m < 2; m++) {
						li_err_clear(&err);
						rc = l.ops->forward(&l, 2, 1, &shapes[sh], &xs, &o, y, &err);
						if (rc == 0 && l.hooks && l.hooks->forward_masked &&
						    shapes[sh].rank >= 1) {
							for (int q = 0; q < 16; q++)
								mk[q] = (unsigned char)(q % 3 != 1);
							rc = l.hooks->forward_masked(&l, 2, 1, &shapes[sh], &xs, mk,
										     &o, y, &err);
						}
						if (rc == 0 && l.hooks && l.hooks->compute_mask &&
						    shapes[sh].dim[0] <= 8)
							rc = l.hooks->compute_mask(&l, 2, &shapes[sh], x, mk, &err) < 0
								     ? LI_EDATA : 0;
						if (rc != 0 && rc != LI_EDATA)
							bad++;
						ran++;
						if (li_layer_carry_state(&l, 1, &err) < 0) /* stateless: next */
							break;
					}
				}
				li_layer_release(&l);
			}
	CHECK(bad == 0 && built > 30 && ran > 60,
	      "junk configs and weights: %d built, %d ran, %d not refused cleanly", built, ran, bad);
}

int main(void)
{
	junk();
	chunks();
	li_err err;
	li_layer l;
	carry("LSTM", 4);
	carry("GRU", 3);

	/* a layer without state refuses to carry it, and accepts not carrying */
	unsigned seed = 3;
	li_weight w[2] = { weight("kernel", 2, F, U, &seed), weight("bias", 1, U, 0, &seed) };
	json_t *c = json_loads("{\"units\": 2}", 0, NULL);
	li_err_clear(&err);
	CHECK(li_layer_init(&l, "Dense", "d", c, w, 2, &k2, &err) == 0, "Dense builds");
	CHECK(li_layer_carry_state(&l, 0, &err) == 0, "Dense: carry off is fine");
	CHECK(li_layer_carry_state(&l, 1, &err) == LI_EDATA &&
	      !strcmp(err.msg, "layer 'd' (Dense): has no state to carry across calls"),
	      "Dense refuses to carry state: %s", err.msg);
	li_layer_release(&l);
	json_decref(c);
	li_array_release(&w[0].a);
	li_array_release(&w[1].a);

	/* masks: Masking marks all-mask_value steps, Embedding mask_zero marks id 0, an
	 * Embedding without mask_zero makes none; an all-masked sequence keeps zero state */
	c = json_loads("{\"mask_value\": 0.5}", 0, NULL);
	li_err_clear(&err);
	CHECK(li_layer_init(&l, "Masking", "m", c, NULL, 0, &k2, &err) == 0, "Masking builds");
	float xm[2 * 3 * 2] = { 0.5, 0.5, 0.5, 1, 0, 0, 2, 0.5, 0.5, 0.5, 0.5, 0.5 };
	unsigned char mk[6];
	li_shape s = { 2, { 3, 2 } };
	CHECK(l.hooks->compute_mask(&l, 2, &s, xm, mk, &err) == 0 && mk[0] == 0 && mk[1] == 1 &&
	      mk[2] == 1 && mk[3] == 1 && mk[4] == 0 && mk[5] == 0, "Masking's mask");
	li_layer_release(&l);
	json_decref(c);
	seed = 5;
	li_weight e = weight("embeddings", 2, 4, 2, &seed);
	for (int mz = 0; mz < 2; mz++) {
		c = json_pack("{s:i, s:i, s:b}", "input_dim", 4, "output_dim", 2, "mask_zero", mz);
		CHECK(li_layer_init(&l, "Embedding", "e", c, &e, 1, &k2, &err) == 0, "Embedding builds");
		float ids[4] = { 0, 3, 1, 0 };
		li_shape si = { 1, { 4 } };
		memset(mk, 7, sizeof mk);
		int rc = l.hooks->compute_mask(&l, 1, &si, ids, mk, &err);
		CHECK(mz ? rc == 0 && !mk[0] && mk[1] && mk[2] && !mk[3] : rc == 1 && mk[0] == 7,
		      "Embedding mask_zero=%d: %s", mz, mz ? "id 0 masked" : "no mask");
		li_layer_release(&l);
		json_decref(c);
	}
	li_array_release(&e.a);
	if (build(&l, "GRU", 3, 1, &err) < 0) {
		CHECK(0, "GRU with sequences builds: %s", err.msg);
		return check_done();
	}
	float xs[T * F], ys[T * U];
	unsigned char none[T] = { 0 };
	for (int i = 0; i < T * F; i++)
		xs[i] = 1.0f;
	li_shape in = { 2, { T, F } }, out;
	const float *xp = xs;
	CHECK(l.ops->out_shape(&l, 1, &in, &out, &err) == 0 &&
	      l.hooks->forward_masked(&l, 1, 1, &in, &xp, none, &out, ys, &err) == 0,
	      "GRU runs with an all-masked sequence");
	int zero = 1;
	for (int i = 0; i < T * U; i++)
		zero &= ys[i] == 0.0f;
	CHECK(zero, "all-masked steps output zeros (the state never moves)");
	li_layer_release(&l);
	return check_done();
}
