/*
 * Dense: y = act(x W + b) on the last axis of an input of any rank, as Keras applies it
 * (tensordot over the last axis). The forward pass is one cblas_sgemm over every row of
 * the batch (all leading axes flattened), then bias and activation in one pass per row
 * while the row is in cache (darknet's forward_connected_layer).
 * Keras 1 spells units "output_dim", the bias flag "bias" and the weights W and b.
 */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "layers_internal.h"

typedef struct dense {
	int64_t n_in, units;
	float *kernel;          /* [n_in, units] */
	float *bias;            /* [units] or NULL */
	li_act act;
} dense;

static int dense_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	int64_t units;
	int use_bias;
	li_act act;
	if (li_cfg_int(l, c, "units|output_dim", -1, &units, err) < 0 ||
	    li_cfg_bool(l, c, "use_bias|bias", 1, &use_bias, err) < 0 ||
	    li_cfg_refuse(l, c, "lora_rank", NULL, err) < 0 ||
	    li_cfg_refuse(l, c, "quantization_config", NULL, err) < 0)
		return LI_EDATA;
	if (units <= 0)
		return li_layer_fail(l, err, "option 'units' must be a positive integer");
	const li_weight *x[2];
	if (li_act_kernel_bias(l, c, o, w, n_w, use_bias, &act, x, err) < 0)
		return LI_EDATA;
	int64_t n_in = x[0]->a.rank >= 1 && x[0]->a.shape[0] > 0 ? x[0]->a.shape[0] : 1;
	int64_t ks[2] = { n_in, units };
	if (li_weight_check(l, x[0], 2, ks, err) < 0)
		return LI_EDATA;
	dense *d = calloc(1, sizeof *d);
	if (!d)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = d;
	d->n_in = n_in;
	d->units = units;
	d->act = act;
	if (!(d->kernel = li_floats_dup(&x[0]->a)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return use_bias ? li_bias_copy(l, x[1], units, &d->bias, err) : 0;
}

static int dense_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			   li_err *err)
{
	const dense *d = l->p;
	char t[200];
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	li_shape_text(&in[0], t, sizeof t);
	if (in[0].rank < 1 || in[0].dim[in[0].rank - 1] != d->n_in)
		return li_layer_fail(l, err, "input shape %s does not fit the kernel's %lld inputs",
				     t, (long long)d->n_in);
	*out = in[0];
	out->dim[out->rank - 1] = d->units;
	return 0;
}

static int dense_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			 const float *const *in, const li_shape *out_shape, float *out,
			 li_err *err)
{
	const dense *d = l->p;
	(void)n_in;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	if (in_shape[0].rank < 1 || in_shape[0].dim[in_shape[0].rank - 1] != d->n_in)
		return li_layer_fail(l, err, "input does not fit the kernel's %lld inputs",
				     (long long)d->n_in);
	int64_t rows = n * (li_shape_elems(&in_shape[0]) / d->n_in);
	if (rows == 0)
		return 0;
	if (rows > INT_MAX)
		return li_layer_fail(l, err, "batch of %lld rows is too large", (long long)rows);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)d->units,
		    (int)d->n_in, 1.0f, in[0], (int)d->n_in, d->kernel, (int)d->units, 0.0f, out,
		    (int)d->units);
	int elementwise = li_act_elementwise(&d->act);
	if (d->bias || (elementwise && d->act.kind != LI_ACT_LINEAR)) {
		for (int64_t r = 0; r < rows; r++) {
			float *y = out + r * d->units;
			if (d->bias)
				for (int64_t j = 0; j < d->units; j++)
					y[j] += d->bias[j];
			if (elementwise)
				li_act_apply_elems(&d->act, y, d->units);
		}
	}
	if (!elementwise && li_act_apply(&d->act, out, n, out_shape, err) < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	return 0;
}

static void dense_free(li_layer *l)
{
	dense *d = l->p;
	if (!d)
		return;
	free(d->kernel);
	free(d->bias);
	free(d);
	l->p = NULL;
}

static const char *const dense_classes[] = { "Dense", NULL };
const li_layer_ops li_dense_ops = {
	dense_classes, dense_parse, dense_out_shape, dense_forward, dense_free,
};
