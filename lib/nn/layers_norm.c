/*
 * Normalisation layers at inference: Rescaling (x * scale + offset), Normalization
 * (fixed mean and variance over kept axes), BatchNormalization (moving statistics) and
 * LayerNormalization (statistics of each sample over the given axes).
 *
 * A parameter spans the kept axes of a row (BatchNormalization's "axis", Normalization's
 * "axis", LayerNormalization's "axis"); param_index maps each element of a row to its
 * parameter, in C order over the kept axes in ascending order, which is how Keras
 * reshapes a parameter to its broadcast shape.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"

/* Keras axes as configured (counting the batch axis; negative from the end). */
typedef struct axes {
	int n;
	int64_t v[LI_MAX_RANK];
} axes;

/*
 * Resolves Keras axes against a row of rank r into sorted per-row axes. keep[i] says
 * whether row axis i is kept. Fails naming the layer when an axis is the batch axis,
 * out of range or repeated.
 */
static int resolve(const li_layer *l, const axes *a, int r, int *keep, li_err *err)
{
	memset(keep, 0, sizeof(int) * LI_MAX_RANK);
	for (int i = 0; i < a->n; i++) {
		int k = li_axis_row(a->v[i], r);
		if (k < 0 || keep[k]++)
			return li_layer_fail(l, err, "axis %lld does not fit an input of rank %d",
					     (long long)a->v[i], r + 1);
	}
	return 0;
}

/* Product of the kept dims. */
static int64_t kept_count(const li_shape *s, const int *keep)
{
	int64_t c = 1;
	for (int i = 0; i < s->rank; i++)
		if (keep[i])
			c *= s->dim[i];
	return c;
}

/*
 * For each element of a row of shape s: the C-order index over the kept axes (want = 1)
 * or over the other axes (want = 0). Caller frees.
 */
static int64_t *axis_index(const li_shape *s, const int *keep, int want)
{
	int64_t m = li_shape_elems(s), stride[LI_MAX_RANK], idx[LI_MAX_RANK] = { 0 }, st = 1;
	for (int i = s->rank - 1; i >= 0; i--) {
		stride[i] = (!!keep[i] == want) ? st : 0;
		if (!!keep[i] == want)
			st *= s->dim[i];
	}
	int64_t *p = malloc((size_t)(m > 0 ? m : 1) * sizeof *p), off = 0;
	if (!p)
		return NULL;
	for (int64_t e = 0; e < m; e++) {
		p[e] = off;
		for (int i = s->rank - 1; i >= 0; i--) {
			off += stride[i];
			if (++idx[i] < s->dim[i])
				break;
			off -= stride[i] * s->dim[i];
			idx[i] = 0;
		}
	}
	return p;
}

static int same_shape_out(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			  li_err *err)
{
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	*out = in[0];
	return 0;
}

/* A number or a list of numbers from the config, into a malloc'd vector (*n values). */
static int cfg_vector(const li_layer *l, const json_t *c, const char *key, double def,
		      float **v, int64_t *n, li_err *err)
{
	const json_t *x = li_cfg_get(c, key);
	size_t k = x && json_is_array(x) ? json_array_size(x) : 1;
	*v = malloc((k ? k : 1) * sizeof **v);
	*n = (int64_t)k;
	if (!*v)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	if (!x) {
		(*v)[0] = (float)def;
		return 0;
	}
	if (json_is_number(x)) {
		(*v)[0] = (float)json_number_value(x);
		return 0;
	}
	for (size_t i = 0; json_is_array(x) && i < k; i++) {
		const json_t *e = json_array_get(x, i);
		if (!json_is_number(e))
			goto bad;
		(*v)[i] = (float)json_number_value(e);
	}
	if (json_is_array(x) && k > 0)
		return 0;
bad:
	return li_layer_fail(l, err, "option '%s' must be a number or a list of numbers", key);
}

/* ---- Rescaling ---- */

typedef struct rescale {
	float *scale, *offset;
	int64_t n_scale, n_offset;   /* 1, or the size of the last axis */
} rescale;

static int rescaling_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			   const li_origin *o, li_err *err)
{
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0)
		return LI_EDATA;
	rescale *r = calloc(1, sizeof *r);
	if (!r)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = r;
	if (!li_cfg_get(c, "scale"))
		return li_layer_fail(l, err, "option 'scale' is missing");
	if (cfg_vector(l, c, "scale", 1, &r->scale, &r->n_scale, err) < 0 ||
	    cfg_vector(l, c, "offset", 0, &r->offset, &r->n_offset, err) < 0)
		return LI_EDATA;
	return 0;
}

static int rescaling_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			       li_err *err)
{
	const rescale *r = l->p;
	if (same_shape_out(l, n_in, in, out, err) < 0)
		return LI_EDATA;
	int64_t last = in[0].rank ? in[0].dim[in[0].rank - 1] : 1;
	if ((r->n_scale != 1 && r->n_scale != last) || (r->n_offset != 1 && r->n_offset != last))
		return li_layer_fail(l, err, "scale or offset does not fit the last axis (%lld)",
				     (long long)last);
	return 0;
}

static int rescaling_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			     const float *const *in, const li_shape *out_shape, float *out,
			     li_err *err)
{
	const rescale *r = l->p;
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	int64_t count = n * li_shape_elems(&in_shape[0]);
	int64_t last = in_shape[0].rank ? in_shape[0].dim[in_shape[0].rank - 1] : 1;
	for (int64_t e = 0; e < count; e++) {
		int64_t j = last > 0 ? e % last : 0;
		out[e] = in[0][e] * r->scale[r->n_scale == 1 ? 0 : j] +
			 r->offset[r->n_offset == 1 ? 0 : j];
	}
	return 0;
}

static void rescaling_free(li_layer *l)
{
	rescale *r = l->p;
	if (!r)
		return;
	free(r->scale);
	free(r->offset);
	free(r);
	l->p = NULL;
}

/* ---- shared by Normalization, BatchNormalization, LayerNormalization ---- */

typedef struct norm {
	axes ax;
	int64_t n_par;          /* parameter count: the product of the kept dims (or 1) */
	float *mean, *mul, *add; /* y = (x - mean) * mul + add (mean NULL: 0; add NULL: 0) */
	double eps;
	int center, scale, rms, invert;
	int divide;             /* Normalization: y = (x - mean) / mul, as Keras rounds it */
	int scalar_ok;          /* Normalization: one mean/variance may serve every element */
} norm;

static void norm_free(li_layer *l)
{
	norm *p = l->p;
	if (!p)
		return;
	free(p->mean);
	free(p->mul);
	free(p->add);
	free(p);
	l->p = NULL;
}

static int norm_axes(li_layer *l, const json_t *c, int64_t def, norm *p, li_err *err)
{
	if (!li_cfg_get(c, "axis")) {
		/* Normalization's axis=None means one mean and variance for everything. */
		const json_t *v = json_object_get(c, "axis");
		p->ax.n = v && json_is_null(v) && !strcmp(l->class_name, "Normalization") ? 0 : 1;
		p->ax.v[0] = def;
		return 0;
	}
	return li_cfg_ints(l, c, "axis", p->ax.v, LI_MAX_RANK, &p->ax.n, err);
}

/* Checks the kept axes against the input and the parameter count. */
static int norm_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			  li_err *err)
{
	const norm *p = l->p;
	int keep[LI_MAX_RANK];
	if (same_shape_out(l, n_in, in, out, err) < 0 ||
	    resolve(l, &p->ax, in[0].rank, keep, err) < 0)
		return LI_EDATA;
	int64_t k = kept_count(&in[0], keep);
	if (k >= 0 && li_shape_elems(&in[0]) >= 0 && p->n_par != k && !(p->scalar_ok && p->n_par == 1)) {
		char t[200];
		li_shape_text(&in[0], t, sizeof t);
		return li_layer_fail(l, err, "parameters of %lld values do not fit input %s on its axis",
				     (long long)p->n_par, t);
	}
	return 0;
}

/*
 * The start of a forward pass over rows of shape s: checks that s is known and that the
 * axes fit it, fills keep, and gives each element's parameter index in *pi (all 0 when one
 * parameter serves every element; caller frees). 0 or negative.
 */
static int param_index(const li_layer *l, const li_shape *s, int *keep, int64_t **pi,
		       li_err *err)
{
	const norm *p = l->p;
	*pi = NULL;
	if (li_shape_known(l, s, err) < 0 || resolve(l, &p->ax, s->rank, keep, err) < 0)
		return LI_EDATA;
	int64_t m = li_shape_elems(s);
	*pi = p->n_par == 1 ? calloc((size_t)(m > 0 ? m : 1), sizeof **pi) : axis_index(s, keep, 1);
	return *pi ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
}

/* Applies y = (x - mean) * mul + add (or, with divide, (x - mean) / mul) with the
 * per-element parameter index. */
static int affine_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			  const float *const *in, const li_shape *out_shape, float *out,
			  li_err *err)
{
	const norm *p = l->p;
	int keep[LI_MAX_RANK];
	int64_t *pi, m = li_shape_elems(&in_shape[0]);
	int rc = param_index(l, &in_shape[0], keep, &pi, err);
	(void)n_in, (void)out_shape;
	if (rc < 0)
		return rc;
	for (int64_t r = 0; r < n; r++) {
		const float *x = in[0] + r * m;
		float *y = out + r * m;
		for (int64_t e = 0; e < m; e++) {
			int64_t j = pi[e];
			float v = x[e];
			if (p->mean)
				v -= p->mean[j];
			if (p->divide)
				y[e] = v / p->mul[j];
			else
				y[e] = v * p->mul[j] + (p->add ? p->add[j] : 0.0f);
		}
	}
	free(pi);
	return 0;
}

/* ---- Normalization ---- */

/*
 * Keras 2.x / 3: y = (x - mean) / max(sqrt(variance), 1e-7); Keras 3 invert=True gives
 * mean + x * max(sqrt(variance), 1e-7). mean and variance come from the config when it
 * holds them, otherwise from the weights "mean", "variance" (and an unused "count").
 */
static int normalization_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			       const li_origin *o, li_err *err)
{
	(void)o;
	norm *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	if (norm_axes(l, c, -1, p, err) < 0 || li_cfg_bool(l, c, "invert", 0, &p->invert, err) < 0)
		return LI_EDATA;
	float *mean = NULL, *var = NULL;
	int64_t n_mean, n_var;
	int rc = LI_EDATA;
	if (li_cfg_get(c, "mean") || li_cfg_get(c, "variance")) {
		if (!li_cfg_get(c, "mean") || !li_cfg_get(c, "variance")) {
			li_layer_fail(l, err, "options 'mean' and 'variance' must be given together");
			goto out;
		}
		if (li_weights_none(l, n_w, err) < 0 ||
		    cfg_vector(l, c, "mean", 0, &mean, &n_mean, err) < 0 ||
		    cfg_vector(l, c, "variance", 1, &var, &n_var, err) < 0)
			goto out;
	} else {
		static const char *const want[] = { "mean", "variance", "count" };
		const li_weight *x[3];
		if (li_weights_pick(l, w, n_w, want, n_w == 3 ? 3 : 2, x, err) < 0)
			goto out;
		n_mean = li_array_count(&x[0]->a);
		if (li_weight_check(l, x[0], x[0]->a.rank, x[0]->a.shape, err) < 0 ||
		    li_weight_check(l, x[1], x[0]->a.rank, x[0]->a.shape, err) < 0)
			goto out;
		mean = li_floats_dup(&x[0]->a);
		var = li_floats_dup(&x[1]->a);
		n_var = n_mean;
		if (!mean || !var) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (n_mean != n_var) {
		li_layer_fail(l, err, "mean has %lld values, variance %lld", (long long)n_mean,
			      (long long)n_var);
		goto out;
	}
	p->n_par = n_mean;
	p->scalar_ok = 1;
	/* mul = max(sqrt(variance), epsilon): divided by, or for invert multiplied by */
	for (int64_t i = 0; i < n_var; i++)
		var[i] = fmaxf(sqrtf(var[i]), 1e-7f);
	p->mul = var;
	var = NULL;
	/* Keras divides by the standard deviation; so do we, for the same rounding */
	if (p->invert)
		p->add = mean;
	else
		p->mean = mean, p->divide = 1;
	mean = NULL;
	rc = 0;
out:
	free(mean);
	free(var);
	return rc;
}

/*
 * The start of BatchNormalization and LayerNormalization: the params (into l->p and *out,
 * so that norm_free frees them on any failure), the axes, epsilon, center and scale.
 * 0 or negative.
 */
static int scaled_norm_start(li_layer *l, const json_t *c, norm **out, li_err *err)
{
	norm *p = *out = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	if (norm_axes(l, c, -1, p, err) < 0 || li_cfg_num(l, c, "epsilon", 1e-3, &p->eps, err) < 0 ||
	    li_cfg_bool(l, c, "center", 1, &p->center, err) < 0 ||
	    li_cfg_bool(l, c, "scale", 1, &p->scale, err) < 0)
		return LI_EDATA;
	return 0;
}

/* The weight names that scale and center ask for, "gamma" then "beta", into want; *ig and
 * *ib get their places (-1 when not asked for). Returns how many were put. */
static int gamma_beta_names(const norm *p, const char **want, int *ig, int *ib)
{
	int k = 0;
	*ig = *ib = -1;
	if (p->scale)
		*ig = k, want[k++] = "gamma";
	if (p->center)
		*ib = k, want[k++] = "beta";
	return k;
}

/* ---- BatchNormalization ---- */

/*
 * y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta. Weights in
 * order gamma (scale=true), beta (center=true), moving_mean, moving_variance; Keras 1
 * names them running_mean and running_std, and running_std holds the variance.
 * Keras 1's mode 1 and 2 normalise with batch statistics at test time: refused.
 */
static int batch_norm_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			    const li_origin *o, li_err *err)
{
	(void)o;
	norm *p;
	if (scaled_norm_start(l, c, &p, err) < 0 || li_cfg_refuse(l, c, "mode", "0", err) < 0 ||
	    li_cfg_refuse(l, c, "renorm", "false", err) < 0)
		return LI_EDATA;
	const char *want[4];
	int ig, ib, k = gamma_beta_names(p, want, &ig, &ib);
	want[k++] = "moving_mean|running_mean";
	want[k++] = "moving_variance|running_std";
	const li_weight *x[4];
	if (li_weights_pick(l, w, n_w, want, k, x, err) < 0)
		return LI_EDATA;
	const li_weight *mean = x[k - 2];
	for (int i = 0; i < k; i++)
		if (li_weight_check(l, x[i], mean->a.rank, mean->a.shape, err) < 0)
			return LI_EDATA;
	int64_t n = li_array_count(&mean->a);
	p->n_par = n;
	p->mean = li_floats_dup(&mean->a);
	p->mul = li_floats_dup(&x[k - 1]->a);
	p->add = ib >= 0 ? li_floats_dup(&x[ib]->a) : NULL;
	if (!p->mean || !p->mul || (ib >= 0 && !p->add))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	const float *gamma = ig >= 0 ? x[ig]->a.data : NULL;
	for (int64_t i = 0; i < n; i++)
		p->mul[i] = (float)((gamma ? gamma[i] : 1.0) / sqrt((double)p->mul[i] + p->eps));
	return 0;
}

/* ---- LayerNormalization ---- */

/*
 * Per sample: mean and variance over the kept axes, then
 * y = (x - mean) / sqrt(var + epsilon) * gamma + beta (Keras 2, Keras 3, TF.js).
 * Keras 3 rms_scaling=true: y = x / sqrt(var + epsilon) * gamma (variance, not the mean
 * square, as keras/src/layers/normalization/layer_normalization.py computes it), with
 * gamma only.
 */
static int layer_norm_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			    const li_origin *o, li_err *err)
{
	(void)o;
	norm *p;
	if (scaled_norm_start(l, c, &p, err) < 0 ||
	    li_cfg_bool(l, c, "rms_scaling", 0, &p->rms, err) < 0)
		return LI_EDATA;
	if (p->rms)
		p->scale = 1, p->center = 0;
	const char *want[2];
	int ig, ib, k = gamma_beta_names(p, want, &ig, &ib);
	const li_weight *x[2];
	if (li_weights_pick(l, w, n_w, want, k, x, err) < 0)
		return LI_EDATA;
	p->n_par = k ? li_array_count(&x[0]->a) : 1;
	for (int i = 1; i < k; i++)
		if (li_weight_check(l, x[i], x[0]->a.rank, x[0]->a.shape, err) < 0)
			return LI_EDATA;
	if (k && li_weight_check(l, x[0], x[0]->a.rank, x[0]->a.shape, err) < 0)
		return LI_EDATA;
	if (ig >= 0) {
		p->mul = li_floats_dup(&x[ig]->a);
	} else {
		p->mul = malloc((size_t)p->n_par * sizeof *p->mul);
		for (int64_t i = 0; p->mul && i < p->n_par; i++)
			p->mul[i] = 1.0f;
	}
	p->add = ib >= 0 ? li_floats_dup(&x[ib]->a) : NULL;
	if (!p->mul || (ib >= 0 && !p->add))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

static int layer_norm_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			      const float *const *in, const li_shape *out_shape, float *out,
			      li_err *err)
{
	const norm *p = l->p;
	const li_shape *s = &in_shape[0];
	int keep[LI_MAX_RANK];
	int64_t *pi;
	(void)n_in, (void)out_shape;
	int rc = param_index(l, s, keep, &pi, err);
	if (rc < 0)
		return rc;
	int64_t m = li_shape_elems(s), k = kept_count(s, keep), groups = k ? m / k : 0;
	int64_t *gi = axis_index(s, keep, 0);
	double *sum = calloc((size_t)(groups > 0 ? groups : 1), sizeof *sum);
	double *sq = calloc((size_t)(groups > 0 ? groups : 1), sizeof *sq);
	float *mu = malloc((size_t)(groups > 0 ? groups : 1) * sizeof *mu);
	float *inv = malloc((size_t)(groups > 0 ? groups : 1) * sizeof *inv);
	if (!gi || !sum || !sq || !mu || !inv) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t r = 0; r < n; r++) {
		const float *x = in[0] + r * m;
		float *y = out + r * m;
		memset(sum, 0, (size_t)groups * sizeof *sum);
		memset(sq, 0, (size_t)groups * sizeof *sq);
		for (int64_t e = 0; e < m; e++)
			sum[gi[e]] += x[e];
		for (int64_t g = 0; g < groups; g++)
			mu[g] = (float)(sum[g] / (double)k);
		for (int64_t e = 0; e < m; e++) {
			double d = (double)x[e] - mu[gi[e]];
			sq[gi[e]] += d * d;
		}
		for (int64_t g = 0; g < groups; g++)
			inv[g] = (float)(1.0 / sqrt(sq[g] / (double)k + p->eps));
		for (int64_t e = 0; e < m; e++) {
			int64_t g = gi[e], j = pi[e];
			if (p->rms)
				y[e] = x[e] * inv[g] * p->mul[j];
			else
				y[e] = (x[e] - mu[g]) * inv[g] * p->mul[j] + (p->add ? p->add[j] : 0.0f);
		}
	}
out:
	free(pi);
	free(gi);
	free(sum);
	free(sq);
	free(mu);
	free(inv);
	return rc;
}

static const char *const rescaling_classes[] = { "Rescaling", NULL };
static const char *const normalization_classes[] = { "Normalization", NULL };
static const char *const batch_norm_classes[] = { "BatchNormalization", NULL };
static const char *const layer_norm_classes[] = { "LayerNormalization", NULL };

const li_layer_ops li_rescaling_ops = {
	rescaling_classes, rescaling_parse, rescaling_out_shape, rescaling_forward, rescaling_free,
};
const li_layer_ops li_normalization_ops = {
	normalization_classes, normalization_parse, norm_out_shape, affine_forward, norm_free,
};
const li_layer_ops li_batch_norm_ops = {
	batch_norm_classes, batch_norm_parse, norm_out_shape, affine_forward, norm_free,
};
const li_layer_ops li_layer_norm_ops = {
	layer_norm_classes, layer_norm_parse, norm_out_shape, layer_norm_forward, norm_free,
};
