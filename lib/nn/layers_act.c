/*
 * Activation layers: Activation (any activation by name), ReLU (max_value,
 * negative_slope, threshold), LeakyReLU, ELU, ThresholdedReLU, Softmax (axis) and PReLU
 * (a learned slope per element, shared along shared_axes). All but PReLU are one li_act
 * applied to a copy of the input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "layers_internal.h"

static int act_store(li_layer *l, const li_act *a, li_err *err)
{
	li_act *p = malloc(sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	*p = *a;
	l->p = p;
	return 0;
}

static int activation_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			    const li_origin *o, li_err *err)
{
	li_act a;
	if (li_weights_none(l, n_w, err) < 0)
		return LI_EDATA;
	(void)w;
	if (!li_cfg_get(c, "activation"))
		return li_layer_fail(l, err, "option 'activation' is missing");
	if (li_act_parse(li_cfg_get(c, "activation"), o, &a, err) < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	return act_store(l, &a, err);
}

/*
 * ReLU layer: Keras 2/3 max_value (null: none), negative_slope, threshold; TF.js writes
 * max_value only.
 */
static int relu_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		      const li_origin *o, li_err *err)
{
	li_act a;
	double maxv, slope, thr;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 ||
	    li_cfg_num(l, c, "max_value", INFINITY, &maxv, err) < 0 ||
	    li_cfg_num(l, c, "negative_slope", 0, &slope, err) < 0 ||
	    li_cfg_num(l, c, "threshold", 0, &thr, err) < 0)
		return LI_EDATA;
	if (maxv < 0)
		return li_layer_fail(l, err, "option 'max_value' must not be negative");
	li_act_init(&a, LI_ACT_RELU);
	a.max_value = (float)maxv;
	a.alpha = (float)slope;
	a.threshold = (float)thr;
	return act_store(l, &a, err);
}

/* LeakyReLU: slope "alpha" (Keras 1/2, TF.js) or "negative_slope" (Keras 3), default 0.3. */
static int leaky_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	li_act a;
	double slope;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 ||
	    li_cfg_num(l, c, "negative_slope|alpha", 0.3, &slope, err) < 0)
		return LI_EDATA;
	li_act_init(&a, LI_ACT_LEAKY_RELU);
	a.alpha = (float)slope;
	return act_store(l, &a, err);
}

static int elu_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		     const li_origin *o, li_err *err)
{
	li_act a;
	double alpha;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 || li_cfg_num(l, c, "alpha", 1.0, &alpha, err) < 0)
		return LI_EDATA;
	li_act_init(&a, LI_ACT_ELU);
	a.alpha = (float)alpha;
	return act_store(l, &a, err);
}

static int thresholded_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			     const li_origin *o, li_err *err)
{
	li_act a;
	double theta;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 || li_cfg_num(l, c, "theta", 1.0, &theta, err) < 0)
		return LI_EDATA;
	li_act_init(&a, LI_ACT_THRESHOLDED);
	a.threshold = (float)theta;
	return act_store(l, &a, err);
}

/*
 * Softmax layer: axis defaults to -1 in Keras; TF.js's default is 1 (ORACLE-NOTES), but
 * TF.js always writes the axis it used. A list of several axes is not supported.
 */
static int softmax_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			 const li_origin *o, li_err *err)
{
	li_act a;
	int64_t axis;
	(void)w;
	if (li_weights_none(l, n_w, err) < 0 ||
	    li_cfg_int(l, c, "axis", o->tfjs ? 1 : -1, &axis, err) < 0)
		return LI_EDATA;
	li_act_init(&a, LI_ACT_SOFTMAX);
	a.axis = (int)axis;
	return act_store(l, &a, err);
}

static int act_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			 li_err *err)
{
	const li_act *a = l->p;
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (!li_act_elementwise(a) && li_axis_row(a->axis, in[0].rank) < 0)
		return li_layer_fail(l, err, "axis %d does not fit an input of rank %d", a->axis,
				     in[0].rank + 1);
	*out = in[0];
	return 0;
}

static int act_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
		       const float *const *in, const li_shape *out_shape, float *out, li_err *err)
{
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	int64_t count = n * li_shape_elems(&in_shape[0]);
	if (out != in[0])
		memcpy(out, in[0], (size_t)count * sizeof *out);
	if (li_act_apply(l->p, out, n, &in_shape[0], err) < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	return 0;
}

static void free_p(li_layer *l)
{
	free(l->p);
	l->p = NULL;
}

/* ---- PReLU ---- */

typedef struct prelu {
	li_array alpha;        /* the weight's shape: the input's, 1 along shared axes */
	int64_t shared[LI_MAX_RANK];
	int n_shared;
} prelu;

static int prelu_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	static const char *const want[] = { "alpha|alphas" };
	const li_weight *x;
	(void)o;
	prelu *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	if (li_cfg_ints(l, c, "shared_axes", p->shared, LI_MAX_RANK, &p->n_shared, err) < 0 ||
	    li_weights_pick(l, w, n_w, want, 1, &x, err) < 0)
		return LI_EDATA;
	if (x->a.dtype != LI_DTYPE_F32 || x->a.rank < 1)
		return li_layer_fail(l, err, "weight 'alpha' must be a float32 array");
	for (int i = 0; i < p->n_shared; i++)
		if (p->shared[i] < 1 || p->shared[i] > x->a.rank)
			return li_layer_fail(l, err, "shared axis %lld does not fit weight 'alpha' of rank %d",
					     (long long)p->shared[i], x->a.rank);
	p->alpha = x->a;
	p->alpha.data = li_floats_dup(&x->a);
	if (!p->alpha.data)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

static int is_shared(const prelu *p, int row_axis)
{
	for (int i = 0; i < p->n_shared; i++)
		if (p->shared[i] == row_axis + 1)
			return 1;
	return 0;
}

static int prelu_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			   li_err *err)
{
	const prelu *p = l->p;
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	int ok = p->alpha.rank == in[0].rank;
	for (int i = 0; ok && i < in[0].rank; i++)
		ok = p->alpha.shape[i] == (is_shared(p, i) ? 1 : in[0].dim[i]);
	if (!ok) {
		char a[160], t[160];
		li_shape_format(p->alpha.rank, p->alpha.shape, a, sizeof a);
		li_shape_text(&in[0], t, sizeof t);
		return li_layer_fail(l, err, "weight 'alpha' has shape %s, which does not fit input %s",
				     a, t);
	}
	*out = in[0];
	return 0;
}

static int prelu_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			 const float *const *in, const li_shape *out_shape, float *out,
			 li_err *err)
{
	const prelu *p = l->p;
	const li_shape *s = &in_shape[0];
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, s, err) < 0)
		return LI_EDATA;
	if (s->rank != p->alpha.rank)
		return li_layer_fail(l, err, "weight 'alpha' does not fit the input");
	int64_t m = li_shape_elems(s);
	/* The slope of every element of a row, expanded once per call. */
	float *slope = malloc((size_t)(m > 0 ? m : 1) * sizeof *slope);
	if (!slope)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	const float *alpha = p->alpha.data;
	int64_t idx[LI_MAX_RANK] = { 0 };
	for (int64_t e = 0; e < m; e++) {
		int64_t off = 0;
		for (int i = 0; i < s->rank; i++)
			off = off * p->alpha.shape[i] + (p->alpha.shape[i] == 1 ? 0 : idx[i]);
		slope[e] = alpha[off];
		for (int i = s->rank - 1; i >= 0; i--) {
			if (++idx[i] < s->dim[i])
				break;
			idx[i] = 0;
		}
	}
	for (int64_t r = 0; r < n; r++) {
		const float *x = in[0] + r * m;
		float *y = out + r * m;
		for (int64_t e = 0; e < m; e++)
			y[e] = x[e] >= 0 ? x[e] : slope[e] * x[e];
	}
	free(slope);
	return 0;
}

static void prelu_free(li_layer *l)
{
	prelu *p = l->p;
	if (!p)
		return;
	li_array_release(&p->alpha);
	free(p);
	l->p = NULL;
}

/* The layers that are one li_act, and the parse that reads each one's config (in the same
 * order). */
static const char *const act_classes[] = {
	"Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "Softmax", NULL,
};
static int (*const act_parsers[])(li_layer *l, const json_t *c, const li_weight *w, int n_w,
				  const li_origin *o, li_err *err) = {
	activation_parse, relu_parse, leaky_parse, elu_parse, thresholded_parse, softmax_parse,
};

static int act_layer_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			   const li_origin *o, li_err *err)
{
	for (size_t i = 0; i < sizeof act_parsers / sizeof *act_parsers; i++)
		if (!strcmp(act_classes[i], l->class_name))
			return act_parsers[i](l, c, w, n_w, o, err);
	return li_layer_fail(l, err, "not an activation layer");
}

static const char *const prelu_classes[] = { "PReLU", NULL };

const li_layer_ops li_activation_ops = {
	act_classes, act_layer_parse, act_out_shape, act_forward, free_p,
};
const li_layer_ops li_prelu_ops = {
	prelu_classes, prelu_parse, prelu_out_shape, prelu_forward, prelu_free,
};
