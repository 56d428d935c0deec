/*
 * BatchNormalization and Embedding in a trained tail (train.h).
 *
 * BatchNormalization on the last axis, gamma and beta trained. By default the moving
 * statistics stay frozen (inference mode: y = (x - mean) / sqrt(var + eps) gamma + beta,
 * the engine's formula). With batch statistics (li-finetune --bn-train) a training
 * forward normalises with the batch's mean and biased variance over every row and cell
 * of a channel, the backward passes through them, and after the step the moving
 * statistics follow Keras 3's rule: moving = moving * momentum + batch * (1 - momentum),
 * the variance biased (keras/src/layers/normalization/batch_normalization.py).
 *
 * Embedding: the rows hold ids (Keras casts the floats to int; an id outside the table
 * is an error), the table is trained (dE[id] += dy); nothing flows back to the ids, so
 * an Embedding must be the first layer after the cut.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

static int setup_bn(li_model *m, const li_node *d, tl *t, li_err *err)
{
	const li_layer *l = t->layer;
	int scale, center;
	int64_t axis[LI_MAX_RANK];
	int n_axis;
	t->kind = T_BN;
	if (li_cfg_num(l, d->config, "epsilon", 1e-3, &t->eps, err) < 0 ||
	    li_cfg_num(l, d->config, "momentum", 0.99, &t->momentum, err) < 0 ||
	    li_cfg_bool(l, d->config, "scale", 1, &scale, err) < 0 ||
	    li_cfg_bool(l, d->config, "center", 1, &center, err) < 0 ||
	    li_cfg_ints(l, d->config, "axis", axis, LI_MAX_RANK, &n_axis, err) < 0)
		return LI_EDATA;
	int rank = t->in_shape.rank;
	if (n_axis > 1 || (n_axis == 1 && li_axis_row(axis[0], rank) != rank - 1))
		return li_tl_fail(d, err, "normalises an axis other than the last, which cannot "
				  "be trained");
	if (m->origin.keras_major < 2)
		return li_tl_fail(d, err, "is a Keras 1 BatchNormalization, which cannot be trained");
	const char *want[4];
	const li_weight *x[4];
	int k = 0;
	t->ig = t->ib = -1;
	if (scale)
		t->ig = k, want[k++] = "gamma";
	if (center)
		t->ib = k, want[k++] = "beta";
	want[k++] = "moving_mean";
	want[k++] = "moving_variance";
	if (li_weights_pick(l, d->raw, d->n_raw, want, k, x, err) < 0)
		return LI_EDATA;
	for (int i = 0; i < k; i++)
		if (li_shape_count(x[i]->a.rank, x[i]->a.shape) != t->width)
			return li_tl_fail(d, err, "has weights that do not fit its last axis");
	t->n_var = k - 2;
	for (int i = 0; i < t->n_var; i++) {
		t->var[i].w = x[i]->a.data;
		t->var[i].n = t->width;
	}
	t->mmean = x[k - 2]->a.data;
	t->mvar = x[k - 1]->a.data;
	t->bmean = calloc((size_t)t->width, sizeof(float));
	t->bvar = calloc((size_t)t->width, sizeof(float));
	t->binv = calloc((size_t)t->width, sizeof(float));
	if (!t->bmean || !t->bvar || !t->binv)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

static int setup_embed(const li_node *d, tl *t, li_err *err)
{
	const li_layer *l = t->layer;
	int mask_zero;
	t->kind = T_EMBED;
	if (li_cfg_bool(l, d->config, "mask_zero", 0, &mask_zero, err) < 0)
		return LI_EDATA;
	if (mask_zero)
		return li_tl_fail(d, err, "has mask_zero, which cannot be trained");
	static const char *const want[] = { "embeddings|W" };
	const li_weight *x[1];
	if (li_weights_pick(l, d->raw, d->n_raw, want, 1, x, err) < 0)
		return LI_EDATA;
	if (x[0]->a.rank != 2 || x[0]->a.shape[1] != t->width ||
	    t->out_elems != t->in_elems * t->width)
		return li_tl_fail(d, err, "has a table that does not fit its shapes");
	t->vocab = x[0]->a.shape[0];
	t->n_var = 1;
	t->var[0].w = x[0]->a.data;
	t->var[0].n = t->vocab * t->width;
	return 0;
}

int li_tl_norm_setup(li_model *m, int r, tl *t, li_err *err)
{
	const li_node *d = &m->nodes[r];
	t->layer = &m->layers[d->layer];
	if (!strcmp(d->class_name, "BatchNormalization"))
		return setup_bn(m, d, t, err);
	if (!strcmp(d->class_name, "Embedding"))
		return setup_embed(d, t, err);
	return 1;
}

/* The batch's mean and biased variance per channel (two passes, in double). */
static void batch_moments(tl *t, int64_t rows, const float *x)
{
	int64_t c = t->width;
	for (int64_t j = 0; j < c; j++) {
		double s = 0, q = 0;
		for (int64_t r = 0; r < rows; r++)
			s += x[r * c + j];
		double mu = s / (double)rows;
		for (int64_t r = 0; r < rows; r++) {
			double e = x[r * c + j] - mu;
			q += e * e;
		}
		t->bmean[j] = (float)mu;
		t->bvar[j] = (float)(q / (double)rows);
		t->binv[j] = (float)(1 / sqrt(q / (double)rows + t->eps));
	}
}

int li_tl_norm_forward(tl *t, int64_t n, const float *x, int batch_stats, li_err *err)
{
	int64_t c = t->width, rows = n * t->in_elems / c;
	if (t->kind == T_EMBED) {
		const float *tab = t->var[0].w;
		for (int64_t i = 0; i < n * t->in_elems; i++) {
			if (!(x[i] > -1 && x[i] < (float)t->vocab))
				return li_err_set(err, LI_EDATA, "layer '%s' (Embedding): id %g is "
						  "outside [0, %lld)", t->node->name, (double)x[i],
						  (long long)t->vocab);
			memcpy(t->y + i * c, tab + (int64_t)x[i] * c, sizeof(float) * (size_t)c);
		}
		return 0;
	}
	const float *gamma = t->ig >= 0 ? t->var[t->ig].w : NULL;
	const float *beta = t->ib >= 0 ? t->var[t->ib].w : NULL;
	t->batch_stats = batch_stats;
	if (batch_stats)
		batch_moments(t, rows, x);
	for (int64_t j = 0; j < c; j++) {
		float mu = batch_stats ? t->bmean[j] : t->mmean[j];
		float inv = batch_stats ? t->binv[j] : (float)(1 / sqrt((double)t->mvar[j] + t->eps));
		float gm = gamma ? gamma[j] : 1.0f, bt = beta ? beta[j] : 0.0f;
		for (int64_t r = 0; r < rows; r++)
			t->y[r * c + j] = (x[r * c + j] - mu) * inv * gm + bt;
	}
	return 0;
}

void li_tl_norm_backward(tl *t, int64_t n, const float *x, const float *g, float *dx)
{
	int64_t c = t->width;
	if (t->kind == T_EMBED) {
		float *dt = t->var[0].g;
		memset(dt, 0, sizeof(float) * (size_t)t->var[0].n);
		for (int64_t i = 0; i < n * t->in_elems; i++)
			for (int64_t j = 0; j < c; j++)
				dt[(int64_t)x[i] * c + j] += g[i * c + j];
		return;
	}
	int64_t rows = n * t->in_elems / c;
	const float *gamma = t->ig >= 0 ? t->var[t->ig].w : NULL;
	for (int64_t j = 0; j < c; j++) {
		double mu = t->batch_stats ? t->bmean[j] : t->mmean[j];
		double inv = t->batch_stats ? t->binv[j] : 1 / sqrt((double)t->mvar[j] + t->eps);
		double sg = 0, sgx = 0, gm = gamma ? gamma[j] : 1.0;
		for (int64_t r = 0; r < rows; r++) {
			double gr = g[r * c + j];
			sg += gr;
			sgx += gr * (x[r * c + j] - mu) * inv;
		}
		if (t->ig >= 0)
			t->var[t->ig].g[j] = (float)sgx;
		if (t->ib >= 0)
			t->var[t->ib].g[j] = (float)sg;
		if (!dx)
			continue;
		for (int64_t r = 0; r < rows; r++) {
			double gr = g[r * c + j];
			if (t->batch_stats) {
				double xh = (x[r * c + j] - mu) * inv;
				gr = gr - sg / (double)rows - xh * sgx / (double)rows;
			}
			dx[r * c + j] = (float)(gr * gm * inv);
		}
	}
}

void li_tl_norm_after_step(tl *t)
{
	if (t->kind != T_BN || !t->batch_stats)
		return;
	float m = (float)t->momentum;
	for (int64_t j = 0; j < t->width; j++) {
		t->mmean[j] = t->mmean[j] * m + t->bmean[j] * (1 - m);
		t->mvar[j] = t->mvar[j] * m + t->bvar[j] * (1 - m);
	}
}

void li_tl_norm_free(tl *t)
{
	free(t->bmean);
	free(t->bvar);
	free(t->binv);
}
