/*
 * Conv1D / Conv2D / Conv3D: y = act(correlate(x, kernel) + bias) with strides, dilation,
 * padding valid / same (TensorFlow's split: the odd cell after) / causal (1D: dilation *
 * (k - 1) zeros before), groups, channels_last and channels_first. The arithmetic is the
 * im2col + sgemm core of layers_spatial.c.
 *
 * Keras 1 spellings: Convolution1D (nb_filter, filter_length, subsample_length), Convolution2D
 * (nb_row, nb_col, subsample, border_mode, dim_ordering), Convolution3D (kernel_dim1..3),
 * AtrousConvolution1D/2D (atrous_rate); weights W and b. A "th" (Theano) kernel is stored
 * (filters, in, k...) and Theano convolved (flipped kernel): it is transposed and flipped.
 * Keras rejects strides > 1 together with dilation > 1, and so do we.
 */
#include <stdlib.h>
#include <string.h>

#include "layers_spatial.h"

typedef struct conv {
	int rank, cfirst;
	li_conv c;
} conv;

/* 1, 2 or 3 from a class name holding "1D", "2D" or "3D" (Conv2DTranspose). */
int li_sp_rank(const char *cls)
{
	for (const char *p = cls; *p && p[1]; p++)
		if (p[1] == 'D' && *p >= '1' && *p <= '3')
			return *p - '0';
	return 0;
}

/* kernel_size, or Keras 1's per-axis names. */
int li_sp_kernel_size(const li_layer *l, const json_t *c, int rank, int64_t *k, li_err *err)
{
	static const char *const k1[3][3] = {
		{ "filter_length", NULL, NULL },
		{ "nb_row", "nb_col", NULL },
		{ "kernel_dim1", "kernel_dim2", "kernel_dim3" },
	};
	if (li_cfg_get(c, "kernel_size"))
		return li_sp_ints(l, c, "kernel_size", rank, 1, 1, k, err);
	for (int i = 0; i < rank; i++) {
		if (li_cfg_int(l, c, k1[rank - 1][i], -1, &k[i], err) < 0)
			return LI_EDATA;
		if (k[i] < 1 || k[i] > LI_SP_MAX)
			return li_layer_fail(l, err, "option 'kernel_size' is missing or out of range");
	}
	return 0;
}

/* strides/dilation_rate and their Keras 1 names; refuses both above 1 as Keras does. */
int li_sp_strides_dilation(const li_layer *l, const json_t *c, int rank, int64_t *s,
			   int64_t *d, li_err *err)
{
	if (li_sp_ints(l, c, "strides|subsample|subsample_length", rank, 1, 1, s, err) < 0 ||
	    li_sp_ints(l, c, "dilation_rate|atrous_rate", rank, 1, 1, d, err) < 0)
		return LI_EDATA;
	int sb = 0, db = 0;
	for (int i = 0; i < rank; i++)
		sb |= s[i] > 1, db |= d[i] > 1;
	if (sb && db)
		return li_layer_fail(l, err, "strides > 1 together with dilation_rate > 1 is not "
				     "allowed (Keras refuses it)");
	return 0;
}

/* Puts rank per-axis values into 3-D normalised form (leading 1s). */
void li_sp_three(int rank, const int64_t *v, int64_t *out3)
{
	for (int i = 0; i < 3; i++)
		out3[i] = 1;
	for (int i = 0; i < rank; i++)
		out3[3 - rank + i] = v[i];
}

static int conv_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		      const li_origin *o, li_err *err)
{
	int rank = li_sp_rank(l->class_name), use_bias, pad, cfirst;
	int64_t filters, groups, k[3], s[3], d[3];
	const char *dim_ordering;
	if (li_cfg_int(l, c, "filters|nb_filter", -1, &filters, err) < 0 ||
	    li_cfg_int(l, c, "groups", 1, &groups, err) < 0 ||
	    li_cfg_bool(l, c, "use_bias|bias", 1, &use_bias, err) < 0 ||
	    li_cfg_str(l, c, "dim_ordering", "", &dim_ordering, err) < 0 ||
	    li_sp_format(l, c, &cfirst, err) < 0 ||
	    li_sp_padding(l, c, rank == 1, &pad, err) < 0 ||
	    li_sp_kernel_size(l, c, rank, k, err) < 0 ||
	    li_sp_strides_dilation(l, c, rank, s, d, err) < 0 ||
	    li_cfg_refuse(l, c, "lora_rank", NULL, err) < 0)
		return LI_EDATA;
	if (filters <= 0)
		return li_layer_fail(l, err, "option 'filters' must be a positive integer");
	if (groups <= 0 || filters % groups)
		return li_layer_fail(l, err, "option 'groups' = %lld must divide filters = %lld",
				     (long long)groups, (long long)filters);
	li_act act;
	const li_weight *x[2];
	if (li_act_kernel_bias(l, c, o, w, n_w, use_bias, &act, x, err) < 0)
		return LI_EDATA;
	conv *v = calloc(1, sizeof *v);
	if (!v)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = v;
	v->rank = rank;
	v->cfirst = cfirst;
	li_sp_three(rank, k, v->c.k);
	li_sp_three(rank, s, v->c.s);
	li_sp_three(rank, d, v->c.d);
	v->c.pad = pad;
	v->c.cout = filters;
	v->c.groups = groups;
	v->c.act = act;
	int64_t cin_g;
	v->c.kernel = li_sp_kernel(l, x[0], rank, k, filters, !strcmp(dim_ordering, "th"),
				   &cin_g, err);
	if (!v->c.kernel)
		return LI_EDATA;
	v->c.cin = cin_g * groups;
	if (li_wino_prepare(&v->c) < 0)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return use_bias ? li_bias_copy(l, x[1], filters, &v->c.bias, err) : 0;
}

static int conv_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			  li_err *err)
{
	const conv *v = l->p;
	li_grid go;
	if (li_conv_shape(l, n_in, in, v->rank, v->cfirst, &v->c, &go, err) < 0)
		return LI_EDATA;
	li_sp_shape(&go, v->rank, v->cfirst, out);
	return 0;
}

static int conv_core(const li_layer *l, int64_t n, const li_grid *gi, const float *x,
		     const li_grid *go, float *y, li_err *err)
{
	const conv *v = l->p;
	return li_conv_forward(&v->c, n, gi, x, go, y, err);
}

static int conv_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			const float *const *in, const li_shape *out_shape, float *out,
			li_err *err)
{
	const conv *v = l->p;
	li_shape want;
	(void)n_in;
	if (conv_out_shape(l, 1, in_shape, &want, err) < 0)
		return LI_EDATA;
	return li_sp_run(l, n, v->rank, v->cfirst, &in_shape[0], in[0], out_shape, out,
			 &v->c.act, conv_core, err);
}

static void conv_free(li_layer *l)
{
	conv *v = l->p;
	if (!v)
		return;
	free(v->c.kernel);
	free(v->c.wino);
	free(v->c.bias);
	free(v);
	l->p = NULL;
}

static const char *const conv_classes[] = {
	"Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
	"AtrousConvolution1D", "AtrousConvolution2D", NULL,
};
const li_layer_ops li_conv_ops = {
	conv_classes, conv_parse, conv_out_shape, conv_forward, conv_free,
};
