/*
 * Normalisations by statistics of each sample (beside LayerNormalization in
 * layers_norm.c):
 *   GroupNormalization (tf.keras 2.11+, Keras 3): the channel axis split into `groups`
 *     groups (-1: one per channel); per sample and group, mean and variance over the
 *     group's channels and every other axis; y = (x - mean) * rsqrt(var + epsilon) *
 *     gamma + beta, as keras/src/layers/normalization/group_normalization.py computes it.
 *   UnitNormalization (tf.keras 2.9+, Keras 3): y = x / ||x|| over the given axes:
 *     Keras 3 ops.normalize: x * min(rsqrt(sum x^2), 1e12); tf.keras 2 l2_normalize:
 *     x * rsqrt(max(sum x^2, 1e-12)).
 *   RMSNormalization (Keras 3.9+): y = x * rsqrt(mean x^2 + epsilon) * scale over the
 *     given axes (ops.rms_normalization), scale spanning those axes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"

static int same_out(const li_layer *l, int n_in, const li_shape *in, li_shape *out, li_err *err)
{
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	*out = in[0];
	return 0;
}

/* ---- GroupNormalization ---- */

typedef struct group_norm {
	int64_t groups;       /* -1: one per channel */
	int64_t axis;         /* Keras axis */
	double eps;
	int64_t channels;     /* from the weights, -1 without any */
	float *gamma, *beta;  /* or NULL */
} group_norm;

static void group_norm_free(li_layer *l)
{
	group_norm *p = l->p;
	if (!p)
		return;
	free(p->gamma);
	free(p->beta);
	free(p);
	l->p = NULL;
}

static int group_norm_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			    const li_origin *o, li_err *err)
{
	int center, scale;
	(void)o;
	group_norm *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	if (li_cfg_int(l, c, "groups", 32, &p->groups, err) < 0 ||
	    li_cfg_int(l, c, "axis", -1, &p->axis, err) < 0 ||
	    li_cfg_num(l, c, "epsilon", 1e-3, &p->eps, err) < 0 ||
	    li_cfg_bool(l, c, "center", 1, &center, err) < 0 ||
	    li_cfg_bool(l, c, "scale", 1, &scale, err) < 0)
		return LI_EDATA;
	if (p->groups == 0 || p->groups < -1)
		return li_layer_fail(l, err, "option 'groups' must be positive or -1");
	if (p->eps < 0)
		return li_layer_fail(l, err, "option 'epsilon' must not be negative");
	const char *want[2];
	int k = 0;
	if (scale)
		want[k++] = "gamma";
	if (center)
		want[k++] = "beta";
	const li_weight *x[2];
	if (li_weights_pick(l, w, n_w, want, k, x, err) < 0)
		return LI_EDATA;
	p->channels = k && x[0]->a.rank == 1 ? x[0]->a.shape[0] : -1;
	for (int i = 0; i < k; i++)
		if (li_weight_check(l, x[i], 1, &p->channels, err) < 0)
			return LI_EDATA;
	if ((scale && !(p->gamma = li_floats_dup(&x[0]->a))) ||
	    (center && !(p->beta = li_floats_dup(&x[k - 1]->a))))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

static int group_norm_shape(const li_layer *l, const li_shape *s, int *ax, int64_t *groups,
			    li_err *err)
{
	const group_norm *p = l->p;
	char t[200];
	li_shape_text(s, t, sizeof t);
	*ax = li_axis_row(p->axis, s->rank);
	if (*ax < 0)
		return li_layer_fail(l, err, "axis %lld does not fit input shape %s",
				     (long long)p->axis, t);
	int64_t ch = s->dim[*ax];
	*groups = p->groups == -1 ? ch : p->groups;
	if (ch >= 0 && ((p->channels >= 0 && ch != p->channels) || ch < *groups ||
			ch % *groups != 0))
		return li_layer_fail(l, err, "input shape %s does not split into %lld groups%s", t,
				     (long long)*groups, p->channels >= 0 ? " of the weights' "
				     "channels" : "");
	return 0;
}

static int group_norm_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
				li_err *err)
{
	int ax;
	int64_t g;
	if (same_out(l, n_in, in, out, err) < 0 || group_norm_shape(l, &in[0], &ax, &g, err) < 0)
		return LI_EDATA;
	return 0;
}

static int group_norm_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			      const float *const *in, const li_shape *out_shape, float *out,
			      li_err *err)
{
	const group_norm *p = l->p;
	const li_shape *s = &in_shape[0];
	int ax;
	int64_t groups;
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, s, err) < 0 || group_norm_shape(l, s, &ax, &groups, err) < 0)
		return LI_EDATA;
	int64_t outer = 1, inner = 1, ch = s->dim[ax], m = li_shape_elems(s);
	for (int i = 0; i < ax; i++)
		outer *= s->dim[i];
	for (int i = ax + 1; i < s->rank; i++)
		inner *= s->dim[i];
	int64_t cg = groups ? ch / groups : 0, count = outer * cg * inner;
	for (int64_t r = 0; r < n; r++) {
		const float *x = in[0] + r * m;
		float *y = out + r * m;
		for (int64_t g = 0; g < groups; g++) {
			double sum = 0, sq = 0;
			for (int64_t o = 0; o < outer; o++)
				for (int64_t c = g * cg; c < (g + 1) * cg; c++)
					for (int64_t i = 0; i < inner; i++)
						sum += x[(o * ch + c) * inner + i];
			double mean = count ? sum / (double)count : 0;
			for (int64_t o = 0; o < outer; o++)
				for (int64_t c = g * cg; c < (g + 1) * cg; c++)
					for (int64_t i = 0; i < inner; i++) {
						double d = x[(o * ch + c) * inner + i] - mean;
						sq += d * d;
					}
			double inv = 1.0 / sqrt((count ? sq / (double)count : 0) + p->eps);
			for (int64_t o = 0; o < outer; o++)
				for (int64_t c = g * cg; c < (g + 1) * cg; c++) {
					double a = inv * (p->gamma ? p->gamma[c] : 1.0);
					double b = (p->beta ? p->beta[c] : 0.0) - mean * a;
					for (int64_t i = 0; i < inner; i++) {
						int64_t e = (o * ch + c) * inner + i;
						y[e] = (float)(x[e] * a + b);
					}
				}
		}
	}
	return 0;
}

/* ---- UnitNormalization ---- */

typedef struct unit_norm {
	int n_ax;
	int64_t ax[LI_MAX_RANK];
	int keras3;
	int rms;              /* RMSNormalization */
	double eps;
	float *scale;         /* RMSNormalization: over the axes, C order */
	int64_t n_scale;
} unit_norm;

static int unit_norm_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			   const li_origin *o, li_err *err)
{
	unit_norm *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	p->keras3 = o->keras_major >= 3;
	p->rms = !strcmp(l->class_name, "RMSNormalization");
	if (li_cfg_ints(l, c, "axis", p->ax, LI_MAX_RANK, &p->n_ax, err) < 0 ||
	    li_cfg_num(l, c, "epsilon", 1e-6, &p->eps, err) < 0)
		return LI_EDATA;
	if (!p->rms && li_weights_none(l, n_w, err) < 0)
		return LI_EDATA;
	if (p->rms) {
		static const char *const want[] = { "scale" };
		const li_weight *x[1];
		if (li_weights_pick(l, w, n_w, want, 1, x, err) < 0)
			return LI_EDATA;
		if (x[0]->a.dtype != LI_DTYPE_F32)
			return li_layer_fail(l, err, "weight 'scale' is not float32");
		p->n_scale = li_array_count(&x[0]->a);
		if (!(p->scale = li_floats_dup(&x[0]->a)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (p->n_ax == 0) {
		p->ax[0] = -1;
		p->n_ax = 1;
	}
	return 0;
}

/* keep[i]: row axis i is normalised over. */
static int unit_axes(const li_layer *l, const li_shape *s, int *keep, li_err *err)
{
	const unit_norm *p = l->p;
	int64_t span = 1;
	memset(keep, 0, sizeof(int) * LI_MAX_RANK);
	for (int i = 0; i < p->n_ax; i++) {
		int k = li_axis_row(p->ax[i], s->rank);
		if (k < 0 || keep[k]++)
			return li_layer_fail(l, err, "axis %lld does not fit an input of rank %d",
					     (long long)p->ax[i], s->rank + 1);
		span *= s->dim[k];
	}
	if (p->scale && span >= 0 && span != p->n_scale)
		return li_layer_fail(l, err, "weight 'scale' has %lld values, the axes span %lld",
				     (long long)p->n_scale, (long long)span);
	return 0;
}

static int unit_norm_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			       li_err *err)
{
	int keep[LI_MAX_RANK];
	if (same_out(l, n_in, in, out, err) < 0 || unit_axes(l, &in[0], keep, err) < 0)
		return LI_EDATA;
	return 0;
}

static int unit_norm_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			     const float *const *in, const li_shape *out_shape, float *out,
			     li_err *err)
{
	const unit_norm *p = l->p;
	const li_shape *s = &in_shape[0];
	int keep[LI_MAX_RANK];
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, s, err) < 0 || unit_axes(l, s, keep, err) < 0)
		return LI_EDATA;
	/* rows of the kept axes moved last: permute, normalise, permute back */
	int perm[LI_MAX_RANK], back[LI_MAX_RANK], k = 0;
	int64_t span = 1, m = li_shape_elems(s);
	for (int i = 0; i < s->rank; i++)
		if (!keep[i])
			perm[k++] = i;
	for (int i = 0; i < s->rank; i++)
		if (keep[i]) {
			perm[k++] = i;
			span *= s->dim[i];
		}
	li_shape ps = { .rank = s->rank };
	for (int i = 0; i < s->rank; i++) {
		ps.dim[i] = s->dim[perm[i]];
		back[perm[i]] = i;
	}
	float *t = malloc(sizeof(float) * (size_t)(n * m > 0 ? n * m : 1));
	if (!t)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	li_permute_rows(in[0], t, n, s, perm);
	for (int64_t v = 0; span > 0 && v < n * m / span; v++) {
		float *x = t + v * span;
		double ss = 0;
		for (int64_t j = 0; j < span; j++)
			ss += (double)x[j] * x[j];
		double inv = p->rms ? 1.0 / sqrt(ss / (double)span + p->eps) :
			p->keras3 ? fmin(1.0 / sqrt(ss), 1e12) : 1.0 / sqrt(fmax(ss, 1e-12));
		for (int64_t j = 0; j < span; j++)
			x[j] = (float)(x[j] * inv * (p->scale ? p->scale[j] : 1.0));
	}
	li_permute_rows(t, out, n, &ps, back);
	free(t);
	return 0;
}

static void unit_norm_free(li_layer *l)
{
	unit_norm *p = l->p;
	if (p)
		free(p->scale);
	free(p);
	l->p = NULL;
}

static const char *const group_norm_classes[] = { "GroupNormalization", NULL };
const li_layer_ops li_group_norm_ops = {
	group_norm_classes, group_norm_parse, group_norm_out_shape, group_norm_forward,
	group_norm_free,
};
static const char *const unit_norm_classes[] = { "UnitNormalization", "RMSNormalization",
						   NULL };
const li_layer_ops li_unit_norm_ops = {
	unit_norm_classes, unit_norm_parse, unit_norm_out_shape, unit_norm_forward,
	unit_norm_free,
};
