/*
 * Embedding and Masking, the layers that start a Keras mask.
 *
 * Embedding: each input value is a token id (float32 here, cast to an integer by
 * truncation as Keras casts to int32) and becomes row id of the embeddings table
 * [input_dim, output_dim]; output shape = input shape + (output_dim). An id outside
 * [0, input_dim) is an error naming it (Keras on CPU fails the same way). mask_zero:
 * id 0 is masked (hooks->compute_mask; for a rank-1 input, one entry per step).
 * Keras 1: the table is "W", input_length is only a shape hint.
 *
 * Masking: a step (the vector along the last axis) equal to mask_value in every element
 * is masked: its output is zeros and the mask says 0; other steps pass unchanged.
 *
 * The mask itself travels beside the tensor: the graph takes it from compute_mask and
 * hands it to the next layer that consumes one (hooks->forward_masked in layers_rnn.c
 * and layers_wrap.c). Nothing is inferred from the values a later layer sees.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"

typedef struct embed {
	int64_t input_dim, output_dim;
	int mask_zero;
	float *table; /* [input_dim, output_dim] */
} embed;

static const li_layer_hooks embed_hooks;

static int embed_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	int64_t in_dim, out_dim;
	int mask_zero;
	(void)o;
	if (li_cfg_int(l, c, "input_dim", -1, &in_dim, err) < 0 ||
	    li_cfg_int(l, c, "output_dim", -1, &out_dim, err) < 0 ||
	    li_cfg_bool(l, c, "mask_zero", 0, &mask_zero, err) < 0 ||
	    li_cfg_refuse(l, c, "lora_rank", NULL, err) < 0 ||
	    li_cfg_refuse(l, c, "sparse", "false", err) < 0 ||
	    li_cfg_refuse(l, c, "quantization_config", NULL, err) < 0)
		return LI_EDATA;
	if (in_dim <= 0 || out_dim <= 0)
		return li_layer_fail(l, err, "options 'input_dim' and 'output_dim' must be positive");
	static const char *const want[] = { "embeddings|W" };
	const li_weight *x;
	int64_t ts[2] = { in_dim, out_dim };
	if (li_weights_pick(l, w, n_w, want, 1, &x, err) < 0 ||
	    li_weight_check(l, x, 2, ts, err) < 0)
		return LI_EDATA;
	embed *e = calloc(1, sizeof *e);
	if (!e)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = e;
	l->hooks = &embed_hooks;
	e->input_dim = in_dim;
	e->output_dim = out_dim;
	e->mask_zero = mask_zero;
	e->table = li_floats_dup(&x->a);
	return e->table ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
}

static int embed_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			   li_err *err)
{
	const embed *e = l->p;
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (in[0].rank + 1 > LI_MAX_RANK)
		return li_layer_fail(l, err, "input rank %d is too large", in[0].rank);
	*out = in[0];
	out->dim[out->rank++] = e->output_dim;
	return 0;
}

static int embed_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			 const float *const *in, const li_shape *out_shape, float *out,
			 li_err *err)
{
	const embed *e = l->p;
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	int64_t c = n * li_shape_elems(&in_shape[0]), d = e->output_dim;
	for (int64_t i = 0; i < c; i++) {
		float v = in[0][i];
		if (!(v > -1.0f && v < (float)e->input_dim))
			return li_layer_fail(l, err, "token id %g (row %lld) is outside [0, %lld)",
					     (double)v, (long long)(i / (c / n)),
					     (long long)e->input_dim);
		int64_t id = (int64_t)v; /* truncation, as Keras' cast to int32 */
		memcpy(out + i * d, e->table + id * d, (size_t)d * sizeof *out);
	}
	return 0;
}

static int embed_mask(const li_layer *l, int64_t n, const li_shape *in_shape, const float *in,
		      unsigned char *mask, li_err *err)
{
	const embed *e = l->p;
	if (!e->mask_zero)
		return 1;
	if (in_shape->rank != 1)
		return li_layer_fail(l, err, "mask_zero on a rank-%d input makes a mask that only "
					     "a rank-1 (steps) input can pass on", in_shape->rank);
	for (int64_t i = 0; i < n * in_shape->dim[0]; i++)
		mask[i] = (int64_t)in[i] != 0;
	return 0;
}

static void embed_free(li_layer *l)
{
	embed *e = l->p;
	if (!e)
		return;
	free(e->table);
	free(e);
	l->p = NULL;
}

static const li_layer_hooks embed_hooks = { .compute_mask = embed_mask };

static const char *const embed_classes[] = { "Embedding", NULL };
const li_layer_ops li_embedding_ops = {
	embed_classes, embed_parse, embed_out_shape, embed_forward, embed_free,
};

/* ---- Masking ---- */

typedef struct masking {
	float value;
} masking;

static const li_layer_hooks masking_hooks;

static int masking_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			 const li_origin *o, li_err *err)
{
	double v;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 || li_cfg_num(l, c, "mask_value", 0.0, &v, err) < 0)
		return LI_EDATA;
	masking *m = calloc(1, sizeof *m);
	if (!m)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	m->value = (float)v;
	l->p = m;
	l->hooks = &masking_hooks;
	return 0;
}

static int masking_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			     li_err *err)
{
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (in[0].rank < 1)
		return li_layer_fail(l, err, "input has no feature axis");
	*out = in[0];
	return 0;
}

/* Whether the vector x[0..k) is kept (some element differs from the mask value). */
static int kept(const float *x, int64_t k, float v)
{
	for (int64_t j = 0; j < k; j++)
		if (x[j] != v) /* NaN differs from everything, as in Keras' not_equal */
			return 1;
	return 0;
}

static int masking_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			   const float *const *in, const li_shape *out_shape, float *out,
			   li_err *err)
{
	const masking *m = l->p;
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	int64_t k = in_shape[0].dim[in_shape[0].rank - 1];
	int64_t vecs = k ? n * li_shape_elems(&in_shape[0]) / k : 0;
	for (int64_t i = 0; i < vecs; i++) {
		if (kept(in[0] + i * k, k, m->value))
			memcpy(out + i * k, in[0] + i * k, (size_t)k * sizeof *out);
		else
			memset(out + i * k, 0, (size_t)k * sizeof *out);
	}
	return 0;
}

static int masking_mask(const li_layer *l, int64_t n, const li_shape *in_shape, const float *in,
			unsigned char *mask, li_err *err)
{
	const masking *m = l->p;
	if (in_shape->rank != 2)
		return li_layer_fail(l, err, "a mask over a rank-%d input cannot be passed on "
					     "(only (steps, features) inputs)", in_shape->rank);
	int64_t k = in_shape->dim[1];
	for (int64_t i = 0; i < n * in_shape->dim[0]; i++)
		mask[i] = (unsigned char)kept(in + i * k, k, m->value);
	return 0;
}

static void masking_free(li_layer *l)
{
	free(l->p);
	l->p = NULL;
}

static const li_layer_hooks masking_hooks = { .compute_mask = masking_mask };

static const char *const masking_classes[] = { "Masking", NULL };
const li_layer_ops li_masking_ops = {
	masking_classes, masking_parse, masking_out_shape, masking_forward, masking_free,
};
