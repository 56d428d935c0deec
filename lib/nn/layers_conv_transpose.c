/*
 * Conv1DTranspose / Conv2DTranspose / Conv3DTranspose (and Keras 1 Deconvolution2D): the
 * gradient of a convolution with respect to its input, as TensorFlow computes it. Kernel
 * layout (k..., filters, in). Output length per axis, with k_eff = (k - 1) * d + 1:
 * output_padding absent: valid (in - 1) * s + max(k_eff, s), same in * s; output_padding p:
 * (in - 1) * s + k_eff - 2 * (same ? k_eff / 2 : 0) + p (Keras' deconv_output_length;
 * Keras 1 Deconvolution2D states its output_shape). The forward convolution that this
 * inverts pads before by TensorFlow's rule for 'same' on the output length.
 *
 * Forward: one sgemm per chunk of rows gives, for every input cell, its contribution to
 * each kernel tap ([cells, in] x [in, taps * filters]); col2im adds them into the output,
 * then bias and activation.
 */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "layers_spatial.h"

#define COL_LIMIT ((int64_t)1 << 16)  /* floats of scratch per GEMM: cache-sized, as in the convolution */

typedef struct tconv {
	int rank, cfirst, pad;
	int64_t k[3], s[3], d[3], op[3];  /* op: output_padding, -1 when absent */
	int64_t fixed[3];                 /* Keras 1 output_shape, 0 when absent */
	int64_t cin, cout;
	float *wt;                        /* [cin][taps * cout] */
	float *bias;
	li_act act;
} tconv;

static int tconv_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	int rank = li_sp_rank(l->class_name), use_bias, cfirst, pad;
	int64_t filters, k[3], s[3], d[3], op[3];
	if (li_cfg_int(l, c, "filters|nb_filter", -1, &filters, err) < 0 ||
	    li_cfg_bool(l, c, "use_bias|bias", 1, &use_bias, err) < 0 ||
	    li_sp_format(l, c, &cfirst, err) < 0 || li_sp_padding(l, c, 0, &pad, err) < 0 ||
	    li_sp_kernel_size(l, c, rank, k, err) < 0 ||
	    li_sp_strides_dilation(l, c, rank, s, d, err) < 0 ||
	    li_sp_ints(l, c, "output_padding", rank, -1, 0, op, err) < 0)
		return LI_EDATA;
	if (filters <= 0)
		return li_layer_fail(l, err, "option 'filters' must be a positive integer");
	for (int i = 0; i < rank; i++)
		if (op[i] >= 0 && op[i] >= s[i])
			return li_layer_fail(l, err, "output_padding %lld must be smaller than the "
					     "stride %lld", (long long)op[i], (long long)s[i]);
	li_act act;
	const li_weight *x[2];
	if (li_act_kernel_bias(l, c, o, w, n_w, use_bias, &act, x, err) < 0)
		return LI_EDATA;
	tconv *t = calloc(1, sizeof *t);
	if (!t)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = t;
	t->rank = rank;
	t->cfirst = cfirst;
	t->pad = pad;
	t->cout = filters;
	t->act = act;
	li_sp_three(rank, k, t->k);
	li_sp_three(rank, s, t->s);
	li_sp_three(rank, d, t->d);
	for (int i = 0; i < 3; i++)
		t->op[i] = -1;
	for (int i = 0; i < rank; i++)
		t->op[3 - rank + i] = op[i];
	const json_t *os = li_cfg_get(c, "output_shape");
	if (os && json_is_array(os) && (int)json_array_size(os) == rank + 2) {
		/* Keras 1: (batch, rows, cols, filters) or th (batch, filters, rows, cols) */
		for (int i = 0; i < rank; i++) {
			int64_t v = json_integer_value(json_array_get(os, (size_t)(cfirst ? i + 2 : i + 1)));
			if (v < 1 || v > LI_SP_MAX_DIM)
				return li_layer_fail(l, err, "option 'output_shape' holds %lld", (long long)v);
			t->fixed[3 - rank + i] = v;
		}
	}
	/* the kernel is (k..., filters, in): read it as a convolution kernel of filters
	 * "inputs" and in "outputs", then transpose to [in][taps * filters] */
	const li_array *a = &x[0]->a;
	int64_t taps = t->k[0] * t->k[1] * t->k[2];
	int ok = a->dtype == LI_DTYPE_F32 && a->rank == rank + 2 && a->shape[rank] == filters;
	for (int i = 0; ok && i < rank; i++)
		ok = a->shape[i] == k[i];
	if (!ok || a->shape[rank + 1] <= 0) {
		char got[160];
		li_shape_format(a->rank, a->shape, got, sizeof got);
		return li_layer_fail(l, err, "weight '%s' has shape %s, the config needs (kernel "
				     "size..., %lld filters, input channels)",
				     x[0]->name ? x[0]->name : "?", got, (long long)filters);
	}
	t->cin = a->shape[rank + 1];
	t->wt = malloc((size_t)(taps * filters * t->cin) * sizeof *t->wt);
	if (!t->wt)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	const float *src = a->data;
	for (int64_t tp = 0; tp < taps; tp++)
		for (int64_t f = 0; f < filters; f++)
			for (int64_t ci = 0; ci < t->cin; ci++)
				t->wt[ci * taps * filters + tp * filters + f] =
					src[(tp * filters + f) * t->cin + ci];
	return use_bias ? li_bias_copy(l, x[1], filters, &t->bias, err) : 0;
}

/* Output length of axis i for in cells; the padding before of the inverted convolution. */
static int64_t tconv_len(const tconv *t, int i, int64_t in, int64_t *before)
{
	int64_t keff = (t->k[i] - 1) * t->d[i] + 1, s = t->s[i], out;
	if (t->fixed[i] > 0)
		out = t->fixed[i];
	else if (t->op[i] < 0)
		out = t->pad == LI_PAD_SAME ? in * s : (in - 1) * s + (keff > s ? keff : s);
	else
		out = (in - 1) * s + keff - (t->pad == LI_PAD_SAME ? 2 * (keff / 2) : 0) + t->op[i];
	int64_t total = (in - 1) * s + keff - out;
	*before = t->pad == LI_PAD_SAME && total > 0 ? total / 2 : 0;
	return out;
}

static int tconv_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			   li_err *err)
{
	const tconv *t = l->p;
	li_grid g;
	char s[200];
	int64_t before;
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (li_sp_in_grid(l, &in[0], t->rank, t->cfirst, &g, err) < 0)
		return LI_EDATA;
	li_shape_text(&in[0], s, sizeof s);
	if (g.c != t->cin)
		return li_layer_fail(l, err, "input shape %s has %lld channels, the kernel needs %lld",
				     s, (long long)g.c, (long long)t->cin);
	for (int i = 0; i < 3; i++)
		if ((g.dim[i] = tconv_len(t, i, g.dim[i], &before)) < 1)
			return li_layer_fail(l, err, "output_shape is not positive");
	g.c = t->cout;
	li_sp_shape(&g, t->rank, t->cfirst, out);
	return 0;
}

static int tconv_core(const li_layer *l, int64_t n, const li_grid *gi, const float *x,
		      const li_grid *go, float *y, li_err *err)
{
	const tconv *t = l->p;
	int64_t pad[3], taps = t->k[0] * t->k[1] * t->k[2], cout = t->cout;
	for (int i = 0; i < 3; i++)
		tconv_len(t, i, gi->dim[i], &pad[i]);
	int64_t pin = gi->dim[0] * gi->dim[1] * gi->dim[2];
	int64_t pout = go->dim[0] * go->dim[1] * go->dim[2];
	int64_t wide = taps * cout, chunk = pin * wide >= COL_LIMIT ? 1 : COL_LIMIT / (pin * wide);
	if (chunk > n)
		chunk = n;
	memset(y, 0, (size_t)(n * pout * cout) * sizeof *y);
	if (n == 0)
		return 0;
	if (chunk * pin > INT_MAX || wide > INT_MAX)
		return li_err_set(err, LI_EDATA, "transposed convolution too large for one GEMM");
	float *col = malloc((size_t)(chunk * pin * wide) * sizeof *col);
	if (!col)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t b0 = 0; b0 < n; b0 += chunk) {
		int64_t nb = n - b0 < chunk ? n - b0 : chunk;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(nb * pin), (int)wide,
			    (int)t->cin, 1.0f, x + b0 * pin * t->cin, (int)t->cin, t->wt, (int)wide,
			    0.0f, col, (int)wide);
		/* each input cell adds its taps' slices of col to the output cells they reach */
		for (int64_t b = b0; b < b0 + nb; b++) {
			const float *cb = col + (b - b0) * pin * wide;
			float *yb = y + b * pout * cout;
			int64_t lo[3], hi[3];
			for (int64_t i0 = 0; i0 < gi->dim[0]; i0++)
			for (int64_t i1 = 0; i1 < gi->dim[1]; i1++)
			for (int64_t i2 = 0; i2 < gi->dim[2]; i2++) {
				const int64_t ic[3] = { i0, i1, i2 };
				for (int a = 0; a < 3; a++)
					li_sp_taps(ic[a] * t->s[a] - pad[a], t->d[a], t->k[a], go->dim[a],
						   &lo[a], &hi[a]);
				const float *cp = cb + ((i0 * gi->dim[1] + i1) * gi->dim[2] + i2) * wide;
				for (int64_t k0 = lo[0]; k0 < hi[0]; k0++) {
					int64_t o0 = i0 * t->s[0] - pad[0] + k0 * t->d[0];
					for (int64_t k1 = lo[1]; k1 < hi[1]; k1++) {
						int64_t o1 = i1 * t->s[1] - pad[1] + k1 * t->d[1];
						int64_t o2 = i2 * t->s[2] - pad[2] + lo[2] * t->d[2];
						const float *tp = cp + ((k0 * t->k[1] + k1) * t->k[2] + lo[2]) * cout;
						float *yp = yb + ((o0 * go->dim[1] + o1) * go->dim[2] + o2) * cout;
						if (cout == 1)  /* a decoder's last layer: one value a tap */
							for (int64_t k2 = lo[2]; k2 < hi[2]; k2++, tp++,
							     yp += t->d[2])
								*yp += *tp;
						else
							for (int64_t k2 = lo[2]; k2 < hi[2]; k2++, tp += cout,
							     yp += t->d[2] * cout)
								for (int64_t j = 0; j < cout; j++)
									yp[j] += tp[j];
					}
				}
			}
		}
	}
	free(col);
	li_bias_act(y, n * pout, cout, t->bias, &t->act);
	return 0;
}

static int tconv_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			 const float *const *in, const li_shape *out_shape, float *out,
			 li_err *err)
{
	const tconv *t = l->p;
	li_shape want;
	(void)n_in;
	if (tconv_out_shape(l, 1, in_shape, &want, err) < 0)
		return LI_EDATA;
	return li_sp_run(l, n, t->rank, t->cfirst, &in_shape[0], in[0], out_shape, out, &t->act,
			 tconv_core, err);
}

static void tconv_free(li_layer *l)
{
	tconv *t = l->p;
	if (!t)
		return;
	free(t->wt);
	free(t->bias);
	free(t);
	l->p = NULL;
}

static const char *const tconv_classes[] = {
	"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
	"Convolution2DTranspose", "Convolution3DTranspose", "Deconvolution2D", "Deconvolution3D",
	NULL,
};
const li_layer_ops li_conv_transpose_ops = {
	tconv_classes, tconv_parse, tconv_out_shape, tconv_forward, tconv_free,
};
