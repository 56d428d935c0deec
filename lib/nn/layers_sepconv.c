/*
 * DepthwiseConv1D/2D (each input channel convolved with depth_multiplier kernels of its
 * own; kernel (k..., in, multiplier), output channel ci * multiplier + m) and
 * SeparableConv1D/2D (a depthwise convolution without bias, then a 1x1 convolution to
 * filters with bias and activation; weights depthwise_kernel, pointwise_kernel, bias).
 * A depthwise kernel is a grouped convolution kernel with one input channel per group, in
 * the same memory order, so both run on the convolution core of layers_spatial.c.
 * Keras 1: SeparableConvolution2D (depthwise_kernel/pointwise_kernel or
 * depthwise_W/pointwise_W, b).
 */
#include <stdlib.h>
#include <string.h>

#include "layers_spatial.h"

typedef struct sepconv {
	int rank, cfirst, separable;
	li_conv dw;       /* groups = in, cout = in * multiplier */
	li_conv pw;       /* 1x1, only when separable */
} sepconv;

static int sep_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		     const li_origin *o, li_err *err)
{
	int rank = li_sp_rank(l->class_name), use_bias, cfirst, pad;
	int separable = !!strstr(l->class_name, "Separable");
	int64_t filters = 0, mult, k[3], s[3], d[3], ones[3] = { 1, 1, 1 };
	if (li_cfg_int(l, c, "depth_multiplier", 1, &mult, err) < 0 ||
	    (separable && li_cfg_int(l, c, "filters|nb_filter", -1, &filters, err) < 0) ||
	    li_cfg_bool(l, c, "use_bias|bias", 1, &use_bias, err) < 0 ||
	    li_sp_format(l, c, &cfirst, err) < 0 || li_sp_padding(l, c, 0, &pad, err) < 0 ||
	    li_sp_kernel_size(l, c, rank, k, err) < 0 ||
	    li_sp_strides_dilation(l, c, rank, s, d, err) < 0)
		return LI_EDATA;
	if (mult <= 0)
		return li_layer_fail(l, err, "option 'depth_multiplier' must be positive");
	if (separable && filters <= 0)
		return li_layer_fail(l, err, "option 'filters' must be a positive integer");
	li_act act;
	if (li_act_parse(li_cfg_get(c, "activation"), o, &act, err) < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	static const char *const want_sep[] = { "depthwise_kernel|depthwise_W",
						"pointwise_kernel|pointwise_W", "bias|b" };
	static const char *const want_dw[] = { "depthwise_kernel|depthwise_W|kernel|W", "bias|b" };
	const li_weight *x[3];
	if (separable ? li_weights_pick(l, w, n_w, want_sep, use_bias ? 3 : 2, x, err)
		      : li_weights_pick(l, w, n_w, want_dw, use_bias ? 2 : 1, x, err))
		return LI_EDATA;
	sepconv *v = calloc(1, sizeof *v);
	if (!v)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = v;
	v->rank = rank;
	v->cfirst = cfirst;
	v->separable = separable;
	li_sp_three(rank, k, v->dw.k);
	li_sp_three(rank, s, v->dw.s);
	li_sp_three(rank, d, v->dw.d);
	v->dw.pad = pad;
	int64_t cin;
	if (!(v->dw.kernel = li_sp_kernel(l, x[0], rank, k, mult, 0, &cin, err)))
		return LI_EDATA;
	v->dw.cin = v->dw.groups = cin;
	v->dw.cout = cin * mult;
	li_act_init(&v->dw.act, LI_ACT_LINEAR);
	li_conv *last = &v->dw;
	if (separable) {
		int64_t pin;
		for (int i = 0; i < 3; i++)
			v->pw.k[i] = v->pw.s[i] = v->pw.d[i] = 1;
		v->pw.pad = LI_PAD_VALID;
		v->pw.groups = 1;
		v->pw.cout = filters;
		if (!(v->pw.kernel = li_sp_kernel(l, x[1], rank, ones, filters, 0, &pin, err)))
			return LI_EDATA;
		if (pin != v->dw.cout)
			return li_layer_fail(l, err, "pointwise kernel takes %lld channels, the depthwise "
					     "kernel gives %lld", (long long)pin, (long long)v->dw.cout);
		v->pw.cin = pin;
		last = &v->pw;
	}
	last->act = act;
	return use_bias ? li_bias_copy(l, x[separable ? 2 : 1], last->cout, &last->bias, err) : 0;
}

static int sep_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			 li_err *err)
{
	const sepconv *v = l->p;
	li_grid go;
	if (li_conv_shape(l, n_in, in, v->rank, v->cfirst, &v->dw, &go, err) < 0)
		return LI_EDATA;
	if (v->separable)
		go.c = v->pw.cout;
	li_sp_shape(&go, v->rank, v->cfirst, out);
	return 0;
}

static int sep_core(const li_layer *l, int64_t n, const li_grid *gi, const float *x,
		    const li_grid *go, float *y, li_err *err)
{
	const sepconv *v = l->p;
	if (!v->separable)
		return li_conv_forward(&v->dw, n, gi, x, go, y, err);
	li_grid gm = *go;
	gm.c = v->dw.cout;
	float *mid = malloc((size_t)(n * gm.dim[0] * gm.dim[1] * gm.dim[2] * gm.c + 1) * sizeof *mid);
	if (!mid)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	int rc = li_conv_forward(&v->dw, n, gi, x, &gm, mid, err);
	if (rc == 0)
		rc = li_conv_forward(&v->pw, n, &gm, mid, go, y, err);
	free(mid);
	return rc;
}

static int sep_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
		       const float *const *in, const li_shape *out_shape, float *out,
		       li_err *err)
{
	const sepconv *v = l->p;
	li_shape want;
	(void)n_in;
	if (sep_out_shape(l, 1, in_shape, &want, err) < 0)
		return LI_EDATA;
	return li_sp_run(l, n, v->rank, v->cfirst, &in_shape[0], in[0], out_shape, out,
			 v->separable ? &v->pw.act : &v->dw.act, sep_core, err);
}

static void sep_free(li_layer *l)
{
	sepconv *v = l->p;
	if (!v)
		return;
	free(v->dw.kernel);
	free(v->dw.bias);
	free(v->pw.kernel);
	free(v->pw.bias);
	free(v);
	l->p = NULL;
}

static const char *const sep_classes[] = {
	"SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
	NULL,
};
static const char *const dw_classes[] = { "DepthwiseConv1D", "DepthwiseConv2D", NULL };
const li_layer_ops li_sepconv_ops = {
	sep_classes, sep_parse, sep_out_shape, sep_forward, sep_free,
};
const li_layer_ops li_depthwise_ops = {
	dw_classes, sep_parse, sep_out_shape, sep_forward, sep_free,
};
