/*
 * Attention layers at inference: MultiHeadAttention, Attention (Luong, dot or concat
 * scores) and AdditiveAttention (Bahdanau). Their inputs come in the role order of
 * their call signature (layers.c, li_layer_call_sig): query, value, key (the key is the
 * value when the call gives none), then MultiHeadAttention's attention_mask when given.
 * They take the Keras masks of their inputs (hooks->forward_masks) and their output
 * carries the query's mask, as Keras does.
 *
 * MultiHeadAttention (tf.keras 2.4-2.15, Keras 3): the projections are EinsumDense
 * kernels (d, heads, key_dim) with biases (heads, key_dim), the output kernel (heads,
 * value_dim, *output_shape): each is a matrix product over the flattened trailing axes.
 * Per head: softmax(q k^T / sqrt(key_dim) + adder) v, where adder is -1e9 at masked
 * pairs (Keras' Softmax layer with a mask: a query row with every key masked gets the
 * same weight on every key, as Keras' -1e9 bias and Keras >= 3.6's fused path both give
 * for scores of ordinary size). Attention is over every axis between the batch and the
 * features (Keras' default attention_axes); other attention_axes are refused. Dropout
 * does nothing at inference.
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keras3.h"
#include "layers_internal.h"

/* Keras' Softmax mask bias for float32 (keras/src/layers/activations/softmax.py). */
#define MASK_BIAS (-1e9f)

/* y[r] = x[r] W + b for rows r of x [rows, n_in], W [n_in, n_out]; b may be NULL. */
static int project(const li_layer *l, const float *x, int64_t rows, int64_t n_in,
		   const float *w, const float *b, int64_t n_out, float *y, li_err *err)
{
	if (rows == 0)
		return 0;
	if (rows > INT_MAX || n_in > INT_MAX || n_out > INT_MAX)
		return li_layer_fail(l, err, "batch of %lld rows is too large", (long long)rows);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n_out, (int)n_in,
		    1.0f, x, (int)n_in, w, (int)n_out, 0.0f, y, (int)n_out);
	if (b)
		for (int64_t r = 0; r < rows; r++)
			for (int64_t j = 0; j < n_out; j++)
				y[r * n_out + j] += b[j];
	return 0;
}

/* Softmax of each of t rows of s scores in place. */
static void softmax_rows(float *x, int64_t t, int64_t s)
{
	for (int64_t i = 0; i < t; i++) {
		float *r = x + i * s, mx = r[0];
		for (int64_t j = 1; j < s; j++)
			mx = r[j] > mx ? r[j] : mx;
		double sum = 0;
		for (int64_t j = 0; j < s; j++) {
			r[j] = expf(r[j] - mx);
			sum += r[j];
		}
		for (int64_t j = 0; j < s; j++)
			r[j] = (float)(r[j] / sum);
	}
}

/* Steps of a per-row shape: every axis but the last (the features), as one sequence. */
static int64_t steps_of(const li_shape *s)
{
	int64_t t = 1;
	for (int i = 0; i + 1 < s->rank; i++)
		t *= s->dim[i];
	return t;
}

/*
 * The mask of one batch row: m[t * S + s] = 1 where query step t may attend to key step
 * s. qm, vm, km: the Keras masks of the row's query and value/key steps (or NULL); am:
 * the row's attention_mask values [am_t, am_s] (1 broadcasts) or NULL. Returns 1 when
 * some pair is masked, 0 when none (no bias needed).
 */
static int row_mask(unsigned char *m, int64_t T, int64_t S, const unsigned char *qm,
		    const unsigned char *vm, const unsigned char *km, int causal, const float *am,
		    int64_t am_t, int64_t am_s)
{
	int any = 0;
	for (int64_t t = 0; t < T; t++)
		for (int64_t s = 0; s < S; s++) {
			int keep = (!qm || qm[t]) && (!vm || vm[s]) && (!km || km[s]) &&
				   (!causal || t >= s);
			if (keep && am)
				keep = am[(am_t == 1 ? 0 : t) * am_s + (am_s == 1 ? 0 : s)] != 0.0f;
			m[t * S + s] = (unsigned char)keep;
			any |= !keep;
		}
	return any;
}

/* ---- MultiHeadAttention ---- */

typedef struct mha {
	int64_t heads, key_dim, value_dim;
	int64_t dq, dk, dv;          /* feature sizes of query, key, value */
	int64_t n_out;               /* product of the output's feature shape */
	int out_rank;                /* rank of the output's feature shape */
	int64_t out_dims[LI_MAX_RANK];
	int causal;
	int n_ax;                    /* attention_axes as configured (0: the default) */
	int64_t ax[LI_MAX_RANK];
	float *wq, *wk, *wv, *wo;    /* [dq, heads*key_dim] ... [heads*value_dim, n_out] */
	float *bq, *bk, *bv, *bo;    /* or NULL without use_bias */
} mha;

static void mha_free(li_layer *l)
{
	mha *p = l->p;
	if (!p)
		return;
	free(p->wq);
	free(p->wk);
	free(p->wv);
	free(p->wo);
	free(p->bq);
	free(p->bk);
	free(p->bv);
	free(p->bo);
	free(p);
	l->p = NULL;
}

/*
 * attention_axes: absent or null (Keras' default), or a list that names every axis
 * between the batch and the features of the query, checked in out_shape (Keras 3 counts
 * a negative axis from the query's rank; tf.keras 2 uses it as it is, which means
 * another axis, so negative axes are refused for files older than Keras 3).
 */
static int mha_axes(const li_layer *l, const json_t *c, const li_origin *o, int64_t *ax,
		    int *n_ax, li_err *err)
{
	if (li_cfg_ints(l, c, "attention_axes", ax, LI_MAX_RANK, n_ax, err) < 0)
		return LI_EDATA;
	for (int i = 0; i < *n_ax; i++)
		if (ax[i] < 0 && o->keras_major < 3)
			return li_layer_fail(l, err, "option 'attention_axes' with negative axes is "
					     "not supported for Keras %d files", o->keras_major);
	return 0;
}

static const li_layer_hooks mha_hooks;

static int mha_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		     const li_origin *o, li_err *err)
{
	int64_t heads, key_dim, value_dim, ax[LI_MAX_RANK], os[LI_MAX_RANK];
	int use_bias, causal, n_ax, n_os;
	if (li_cfg_int(l, c, "num_heads", -1, &heads, err) < 0 ||
	    li_cfg_int(l, c, "key_dim", -1, &key_dim, err) < 0 ||
	    li_cfg_int(l, c, "value_dim", 0, &value_dim, err) < 0 ||
	    li_cfg_bool(l, c, "use_bias", 1, &use_bias, err) < 0 ||
	    li_cfg_bool(l, c, "use_causal_mask", 0, &causal, err) < 0 ||
	    li_cfg_ints(l, c, "output_shape", os, LI_MAX_RANK - 1, &n_os, err) < 0 ||
	    mha_axes(l, c, o, ax, &n_ax, err) < 0 ||
	    li_cfg_refuse(l, c, "lora_rank", NULL, err) < 0)
		return LI_EDATA;
	if (heads <= 0 || heads > 65536 || key_dim <= 0 || key_dim > (1 << 20))
		return li_layer_fail(l, err, "options 'num_heads' and 'key_dim' must be positive");
	if (value_dim <= 0)
		value_dim = key_dim; /* Keras: value_dim if value_dim else key_dim */
	if (value_dim > (1 << 20))
		return li_layer_fail(l, err, "option 'value_dim' is too large");
	/* the weights by their tf.keras 2 names, in the order of the sub-layer table */
	const k3_sub_table *t = k3_subs("MultiHeadAttention");
	char names[8][64];
	const char *want[8];
	int n_want = 0;
	for (int i = 0; i < t->n; i++)
		for (int j = 0; j < (use_bias ? 2 : 1); j++) {
			snprintf(names[n_want], sizeof names[n_want], "%s/%s", t->sub[i].k2,
				 j ? "bias" : "kernel");
			want[n_want] = names[n_want];
			n_want++;
		}
	const li_weight *x[8];
	if (li_weights_pick(l, w, n_w, want, n_want, x, err) < 0)
		return LI_EDATA;
	const li_weight *k[4], *b[4] = { NULL, NULL, NULL, NULL };
	for (int i = 0, j = 0; i < 4; i++) {
		k[i] = x[j++];
		if (use_bias)
			b[i] = x[j++];
	}
	/* query, key, value kernels (d, heads, dim) and biases (heads, dim) */
	int64_t in_d[3];
	for (int i = 0; i < 3; i++) {
		int64_t hd = i == 2 ? value_dim : key_dim;
		in_d[i] = k[i]->a.rank == 3 && k[i]->a.shape[0] > 0 ? k[i]->a.shape[0] : 1;
		int64_t ks[3] = { in_d[i], heads, hd }, bs[2] = { heads, hd };
		if (li_weight_check(l, k[i], 3, ks, err) < 0 ||
		    (b[i] && li_weight_check(l, b[i], 2, bs, err) < 0))
			return LI_EDATA;
	}
	/* output kernel (heads, value_dim, *output_shape), bias (*output_shape); without
	 * output_shape the output has the query's features */
	int64_t okd[LI_MAX_RANK + 2] = { heads, value_dim };
	int out_rank = n_os > 0 ? n_os : 1;
	if (n_os == 0)
		os[0] = in_d[0];
	int64_t n_out = 1;
	for (int i = 0; i < out_rank; i++) {
		if (os[i] <= 0 || os[i] > (1 << 24) || li_mul_i64(n_out, os[i], &n_out) < 0)
			return li_layer_fail(l, err, "option 'output_shape' must hold positive sizes");
		okd[2 + i] = os[i];
	}
	if (2 + out_rank > LI_MAX_RANK)
		return li_layer_fail(l, err, "option 'output_shape' has too many axes");
	if (li_weight_check(l, k[3], 2 + out_rank, okd, err) < 0 ||
	    (b[3] && li_weight_check(l, b[3], out_rank, os, err) < 0))
		return LI_EDATA;
	mha *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	l->hooks = &mha_hooks;
	p->heads = heads;
	p->key_dim = key_dim;
	p->value_dim = value_dim;
	p->dq = in_d[0];
	p->dk = in_d[1];
	p->dv = in_d[2];
	p->n_out = n_out;
	p->out_rank = out_rank;
	memcpy(p->out_dims, os, sizeof(int64_t) * (size_t)out_rank);
	p->causal = causal;
	float **kw[4] = { &p->wq, &p->wk, &p->wv, &p->wo }, **bw[4] = { &p->bq, &p->bk, &p->bv, &p->bo };
	for (int i = 0; i < 4; i++) {
		if (!(*kw[i] = li_floats_dup(&k[i]->a)) || (b[i] && !(*bw[i] = li_floats_dup(&b[i]->a))))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	p->n_ax = n_ax;
	memcpy(p->ax, ax, sizeof(int64_t) * (size_t)n_ax);
	return 0;
}

static int mha_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			 li_err *err)
{
	const mha *p = l->p;
	char t[200];
	if (n_in != 3 && n_in != 4)
		return li_layer_fail(l, err, "expected query, value, key and an optional "
				     "attention_mask, got %d inputs", n_in);
	const int64_t d[3] = { p->dq, p->dv, p->dk };
	const li_shape *q = &in[0], *v = &in[1], *k = &in[2];
	for (int i = 0; i < 3; i++) {
		li_shape_text(&in[i], t, sizeof t);
		if (in[i].rank < 2 || in[i].dim[in[i].rank - 1] != d[i])
			return li_layer_fail(l, err, "%s shape %s does not fit its kernel (%lld "
					     "features, and steps before them)",
					     i == 0 ? "query" : i == 1 ? "value" : "key", t,
					     (long long)d[i]);
	}
	if (v->rank != k->rank)
		return li_layer_fail(l, err, "value and key must have the same steps");
	for (int i = 0; i + 1 < v->rank; i++)
		if (v->dim[i] != k->dim[i])
			return li_layer_fail(l, err, "value and key must have the same steps");
	if (p->n_ax > 0) {
		/* every axis 1 .. r-2 of the query (r with the batch axis) once; Keras 3 counts
		 * a negative axis from the query's rank */
		int64_t r = q->rank + 1;
		unsigned seen = 0;
		int ok = p->n_ax == r - 2;
		for (int i = 0; ok && i < p->n_ax; i++) {
			int64_t a = p->ax[i] < 0 ? p->ax[i] + r : p->ax[i];
			ok = a >= 1 && a <= r - 2 && !(seen & (1u << a));
			if (ok)
				seen |= 1u << a;
		}
		if (!ok)
			return li_layer_fail(l, err, "option 'attention_axes' is not supported: only "
					     "attention over every axis between the batch and the "
					     "features (the default) is implemented");
	}
	if (p->causal && (q->rank != 2 || v->rank != 2))
		return li_layer_fail(l, err, "use_causal_mask is implemented for sequences "
				     "(steps, features) only");
	if (n_in == 4) {
		const li_shape *m = &in[3];
		int ok = m->rank == q->rank - 1 + v->rank - 1;
		for (int i = 0; ok && i + 1 < q->rank; i++)
			ok = m->dim[i] == q->dim[i] || m->dim[i] == 1;
		for (int i = 0; ok && i + 1 < v->rank; i++)
			ok = m->dim[q->rank - 1 + i] == v->dim[i] || m->dim[q->rank - 1 + i] == 1;
		if (ok && q->rank != 2 && li_shape_elems(m) != steps_of(q) * steps_of(v))
			ok = 0; /* broadcasting only along a sequence's two axes */
		li_shape_text(m, t, sizeof t);
		if (!ok)
			return li_layer_fail(l, err, "attention_mask shape %s does not fit the query "
					     "and value steps", t);
	}
	if (q->rank - 1 + p->out_rank > LI_MAX_RANK)
		return li_layer_fail(l, err, "output rank is too large");
	out->rank = q->rank - 1 + p->out_rank;
	for (int i = 0; i + 1 < q->rank; i++)
		out->dim[i] = q->dim[i];
	for (int i = 0; i < p->out_rank; i++)
		out->dim[q->rank - 1 + i] = p->out_dims[i];
	return 0;
}

static int mha_forward_masks(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			     const float *const *in, const unsigned char *const *masks,
			     const li_shape *out_shape, float *out, li_err *err)
{
	const mha *p = l->p;
	for (int i = 0; i < n_in; i++) {
		if (li_shape_known(l, &in_shape[i], err) < 0)
			return LI_EDATA;
		if (i < 3 && masks[i] && in_shape[i].rank != 2)
			return li_layer_fail(l, err, "a Keras mask on an input that is not a sequence "
					     "(steps, features) is not supported");
	}
	const int64_t T = steps_of(&in_shape[0]), S = steps_of(&in_shape[1]);
	const int64_t H = p->heads, dk = p->key_dim, dv = p->value_dim;
	int64_t am_t = 1, am_s = 1;
	if (n_in == 4 && in_shape[3].rank == 2) {
		am_t = in_shape[3].dim[0];
		am_s = in_shape[3].dim[1];
	} else if (n_in == 4) {
		am_t = T;
		am_s = S;
	}
	(void)out_shape;
	int64_t nq, nk, nv, nc, nm;
	if (li_mul_i64(n * T, H * dk, &nq) < 0 || li_mul_i64(n * S, H * dk, &nk) < 0 ||
	    li_mul_i64(n * S, H * dv, &nv) < 0 || li_mul_i64(n * T, H * dv, &nc) < 0 ||
	    li_mul_i64(T, S, &nm) < 0 || T * S > INT_MAX)
		return li_layer_fail(l, err, "batch is too large");
	float *q = malloc(sizeof(float) * (size_t)(nq ? nq : 1));
	float *k = malloc(sizeof(float) * (size_t)(nk ? nk : 1));
	float *v = malloc(sizeof(float) * (size_t)(nv ? nv : 1));
	float *ctx = malloc(sizeof(float) * (size_t)(nc ? nc : 1));
	float *sc = malloc(sizeof(float) * (size_t)(nm ? nm : 1));
	unsigned char *m = malloc((size_t)(nm ? nm : 1));
	int rc = 0;
	if (!q || !k || !v || !ctx || !sc || !m) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (project(l, in[0], n * T, p->dq, p->wq, p->bq, H * dk, q, err) < 0 ||
	    project(l, in[2], n * S, p->dk, p->wk, p->bk, H * dk, k, err) < 0 ||
	    project(l, in[1], n * S, p->dv, p->wv, p->bv, H * dv, v, err) < 0) {
		rc = LI_EDATA;
		goto out;
	}
	/* Keras scales the projected query */
	const float scale = (float)(1.0 / sqrt((double)dk));
	for (int64_t i = 0; i < nq; i++)
		q[i] *= scale;
	for (int64_t b = 0; b < n; b++) {
		const float *am = n_in == 4 ? in[3] + b * am_t * am_s : NULL;
		int masked = row_mask(m, T, S, masks[0] ? masks[0] + b * T : NULL,
				      masks[1] ? masks[1] + b * S : NULL,
				      masks[2] ? masks[2] + b * S : NULL, p->causal, am, am_t, am_s);
		for (int64_t h = 0; h < H; h++) {
			const float *qb = q + b * T * H * dk + h * dk;
			const float *kb = k + b * S * H * dk + h * dk;
			const float *vb = v + b * S * H * dv + h * dv;
			float *cb = ctx + b * T * H * dv + h * dv;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)S, (int)dk,
				    1.0f, qb, (int)(H * dk), kb, (int)(H * dk), 0.0f, sc, (int)S);
			if (masked)
				for (int64_t i = 0; i < T * S; i++)
					if (!m[i])
						sc[i] += MASK_BIAS;
			softmax_rows(sc, T, S);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)dv, (int)S,
				    1.0f, sc, (int)S, vb, (int)(H * dv), 0.0f, cb, (int)(H * dv));
		}
	}
	if (project(l, ctx, n * T, H * dv, p->wo, p->bo, p->n_out, out, err) < 0)
		rc = LI_EDATA;
out:
	free(q);
	free(k);
	free(v);
	free(ctx);
	free(sc);
	free(m);
	return rc;
}

static int mha_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
		       const float *const *in, const li_shape *out_shape, float *out, li_err *err)
{
	const unsigned char *none[4] = { NULL, NULL, NULL, NULL };
	return mha_forward_masks(l, n, n_in, in_shape, in, none, out_shape, out, err);
}

static const li_layer_hooks mha_hooks = { .forward_masks = mha_forward_masks };

/* ---- Attention, AdditiveAttention ---- */

/*
 * Keras 3 (keras/src/layers/attention/attention.py) and tf.keras 2 (dense_attention.py):
 *   dot:      scores = scale * q k^T              (scale: the "scale" weight, or 1)
 *   concat:   scores = w * sum_d tanh(scale * (q_t + k_s))  (w: "concat_score_weight")
 *   additive: scores = sum_d scale_d * tanh(q_t + k_s)      (AdditiveAttention)
 * then scores - 1e9 where the value's mask or the causal mask (t >= s) says no, softmax
 * over s, times v; rows of a masked query step are zero.
 */
enum { SCORE_DOT, SCORE_CONCAT, SCORE_ADDITIVE };

typedef struct attn {
	int mode;
	int causal;
	float scale;          /* dot / concat: the scale weight (1 without use_scale) */
	float concat_w;       /* concat: the concat_score_weight */
	float *scale_v;       /* additive: [dim] or NULL (scale 1) */
	int64_t dim;          /* additive with use_scale: the query's features */
} attn;

static void attn_free(li_layer *l)
{
	attn *p = l->p;
	if (!p)
		return;
	free(p->scale_v);
	free(p);
	l->p = NULL;
}

static const li_layer_hooks attn_hooks;

static int attn_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		      const li_origin *o, li_err *err)
{
	int additive = !strcmp(l->class_name, "AdditiveAttention");
	int use_scale, causal, causal_old;
	const char *mode;
	(void)o;
	if (li_cfg_bool(l, c, "use_scale", additive, &use_scale, err) < 0 ||
	    li_cfg_bool(l, c, "use_causal_mask", 0, &causal, err) < 0 ||
	    li_cfg_bool(l, c, "causal", 0, &causal_old, err) < 0 || /* tf.keras < 2.10 */
	    li_cfg_str(l, c, "score_mode", "dot", &mode, err) < 0)
		return LI_EDATA;
	attn *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	l->hooks = &attn_hooks;
	p->causal = causal || causal_old;
	p->scale = 1.0f;
	if (additive) {
		p->mode = SCORE_ADDITIVE;
		static const char *const want[] = { "scale" };
		const li_weight *x[1];
		if (li_weights_pick(l, w, n_w, want, use_scale, x, err) < 0)
			return LI_EDATA;
		if (use_scale) {
			p->dim = x[0]->a.rank == 1 ? x[0]->a.shape[0] : 0;
			if (li_weight_check(l, x[0], 1, &p->dim, err) < 0 || p->dim <= 0)
				return LI_EDATA;
			if (!(p->scale_v = li_floats_dup(&x[0]->a)))
				return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		return 0;
	}
	if (!strcmp(mode, "dot"))
		p->mode = SCORE_DOT;
	else if (!strcmp(mode, "concat"))
		p->mode = SCORE_CONCAT;
	else
		return li_layer_fail(l, err, "option 'score_mode' = \"%s\" is not dot or concat", mode);
	static const char *const want[] = { "scale", "concat_score_weight" };
	const li_weight *x[2];
	int n_want = use_scale + (p->mode == SCORE_CONCAT);
	if (li_weights_pick(l, w, n_w, use_scale ? want : want + 1, n_want, x, err) < 0)
		return LI_EDATA;
	for (int i = 0; i < n_want; i++)
		if (li_array_count(&x[i]->a) != 1 || x[i]->a.dtype != LI_DTYPE_F32)
			return li_layer_fail(l, err, "weight '%s' must hold one number", x[i]->name);
	if (use_scale)
		p->scale = ((const float *)x[0]->a.data)[0];
	if (p->mode == SCORE_CONCAT)
		p->concat_w = ((const float *)x[n_want - 1]->a.data)[0];
	return 0;
}

static int attn_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			  li_err *err)
{
	const attn *p = l->p;
	char a[200], b[200];
	if (n_in != 3)
		return li_layer_fail(l, err, "expected query, value and key, got %d inputs", n_in);
	const li_shape *q = &in[0], *v = &in[1], *k = &in[2];
	li_shape_text(q, a, sizeof a);
	li_shape_text(v, b, sizeof b);
	if (q->rank != 2 || v->rank != 2 || k->rank != 2)
		return li_layer_fail(l, err, "inputs must be sequences (steps, features): query "
				     "%s, value %s", a, b);
	if (k->dim[0] != v->dim[0])
		return li_layer_fail(l, err, "key and value must have the same steps");
	if (q->dim[1] != k->dim[1] && q->dim[1] >= 0 && k->dim[1] >= 0)
		return li_layer_fail(l, err, "query and key must have the same features");
	if (p->scale_v && q->dim[1] != p->dim && q->dim[1] >= 0)
		return li_layer_fail(l, err, "query shape %s does not fit the scale of %lld", a,
				     (long long)p->dim);
	out->rank = 2;
	out->dim[0] = q->dim[0];
	out->dim[1] = v->dim[1];
	return 0;
}

static int attn_forward_masks(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			      const float *const *in, const unsigned char *const *masks,
			      const li_shape *out_shape, float *out, li_err *err)
{
	const attn *p = l->p;
	(void)n_in;
	(void)out_shape;
	for (int i = 0; i < 3; i++)
		if (li_shape_known(l, &in_shape[i], err) < 0)
			return LI_EDATA;
	const int64_t T = in_shape[0].dim[0], S = in_shape[1].dim[0];
	const int64_t D = in_shape[0].dim[1], DV = in_shape[1].dim[1];
	if (T * S > INT_MAX || D > INT_MAX || DV > INT_MAX)
		return li_layer_fail(l, err, "inputs are too large");
	float *sc = malloc(sizeof(float) * (size_t)(T * S > 0 ? T * S : 1));
	unsigned char *m = malloc((size_t)(T * S > 0 ? T * S : 1));
	if (!sc || !m) {
		free(sc);
		free(m);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	for (int64_t b = 0; b < n; b++) {
		const float *q = in[0] + b * T * D, *v = in[1] + b * S * DV, *k = in[2] + b * S * D;
		float *y = out + b * T * DV;
		if (p->mode == SCORE_DOT) {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)S, (int)D,
				    1.0f, q, (int)D, k, (int)D, 0.0f, sc, (int)S);
			if (p->scale != 1.0f)
				for (int64_t i = 0; i < T * S; i++)
					sc[i] *= p->scale;
		} else {
			for (int64_t t = 0; t < T; t++)
				for (int64_t s = 0; s < S; s++) {
					float acc = 0;
					for (int64_t d = 0; d < D; d++) {
						float e = q[t * D + d] + k[s * D + d];
						if (p->mode == SCORE_CONCAT)
							acc += tanhf(p->scale * e);
						else
							acc += (p->scale_v ? p->scale_v[d] : 1.0f) * tanhf(e);
					}
					sc[t * S + s] = p->mode == SCORE_CONCAT ? p->concat_w * acc : acc;
				}
		}
		if (row_mask(m, T, S, NULL, masks[1] ? masks[1] + b * S : NULL, NULL, p->causal,
			     NULL, 1, 1))
			for (int64_t i = 0; i < T * S; i++)
				if (!m[i])
					sc[i] += MASK_BIAS;
		softmax_rows(sc, T, S);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)DV, (int)S, 1.0f,
			    sc, (int)S, v, (int)DV, 0.0f, y, (int)DV);
		if (masks[0])
			for (int64_t t = 0; t < T; t++)
				if (!masks[0][b * T + t])
					memset(y + t * DV, 0, sizeof(float) * (size_t)DV);
	}
	free(sc);
	free(m);
	return 0;
}

static int attn_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			const float *const *in, const li_shape *out_shape, float *out, li_err *err)
{
	const unsigned char *none[3] = { NULL, NULL, NULL };
	return attn_forward_masks(l, n, n_in, in_shape, in, none, out_shape, out, err);
}

static const li_layer_hooks attn_hooks = { .forward_masks = attn_forward_masks };

static const char *const mha_classes[] = { "MultiHeadAttention", NULL };
const li_layer_ops li_mha_ops = {
	mha_classes, mha_parse, mha_out_shape, mha_forward, mha_free,
};
static const char *const attn_classes[] = { "Attention", "AdditiveAttention", NULL };
const li_layer_ops li_attention_ops = {
	attn_classes, attn_parse, attn_out_shape, attn_forward, attn_free,
};
