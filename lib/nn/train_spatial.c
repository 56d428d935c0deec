/*
 * Backward passes of the spatial layers a trained tail may hold (train.h): Conv1D/2D,
 * Conv1D/2DTranspose, Max/AveragePooling1D/2D, the global poolings and UpSampling1D/2D
 * (nearest), channels_last. The forward passes are the engine's own (layer.h): a
 * convolution runs through a linear copy of its layer rebuilt from the current weights
 * (the activation is applied by train.c, which keeps the pre-activation), pooling and
 * upsampling through the model's layer.
 *
 * Geometry is the engine's (layers_spatial.h): grids of three spatial dims and channels
 * last, TensorFlow's padding. A convolution's input cell for output cell o and tap t is
 * o * s - before + t * d on each axis; im2col gathers those cells into one row of taps *
 * channels per output cell, so dW = col^T dz and dcol = dz W^T (then scattered back,
 * col2im). A transposed convolution is the adjoint of that convolution from its output
 * grid to its input grid: col = im2col(dz over the output grid), dx = col W, dW = col^T x.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

static int64_t cells(const li_grid *g)
{
	return g->dim[0] * g->dim[1] * g->dim[2];
}

/*
 * The receptive fields, one walk for both directions: for each output cell q and kernel
 * tap t, column slot col[q][t] (c values) and source cell q * s - before + t * d of x.
 * gather (im2col): col[q][t] = x there, zero outside x; otherwise (col2im, the adjoint)
 * x there += col[q][t], taps outside x dropped. x is only read when gathering.
 */
static void patches(const tl *l, const li_grid *src, const li_grid *dst, float *x,
		    float *col, int gather)
{
	int64_t c = src->c;
	for (int64_t q0 = 0; q0 < dst->dim[0]; q0++)
	for (int64_t q1 = 0; q1 < dst->dim[1]; q1++)
	for (int64_t q2 = 0; q2 < dst->dim[2]; q2++)
	for (int64_t t0 = 0; t0 < l->k[0]; t0++) {
		int64_t i0 = q0 * l->s[0] - l->before[0] + t0 * l->d[0];
		for (int64_t t1 = 0; t1 < l->k[1]; t1++) {
			int64_t i1 = q1 * l->s[1] - l->before[1] + t1 * l->d[1];
			for (int64_t t2 = 0; t2 < l->k[2]; t2++, col += c) {
				int64_t i2 = q2 * l->s[2] - l->before[2] + t2 * l->d[2];
				int out = i0 < 0 || i0 >= src->dim[0] || i1 < 0 ||
					  i1 >= src->dim[1] || i2 < 0 || i2 >= src->dim[2];
				float *p = out ? NULL :
					x + ((i0 * src->dim[1] + i1) * src->dim[2] + i2) * c;
				if (gather && p)
					memcpy(col, p, sizeof(float) * (size_t)c);
				else if (gather)
					memset(col, 0, sizeof(float) * (size_t)c);
				else
					for (int64_t j = 0; p && j < c; j++)
						p[j] += col[j];
			}
		}
	}
}

/* Row-wise gather: col[q][t][c] = src[q * s - before + t * d] (zero outside src). */
static void im2col(const tl *l, const li_grid *src, const li_grid *dst, const float *x,
		   float *col)
{
	patches(l, src, dst, (float *)x, col, 1);       /* read only when gathering */
}

/* The adjoint of im2col: x[...] += col[...] (x zeroed by the caller). */
static void col2im(const tl *l, const li_grid *src, const li_grid *dst, const float *col,
		   float *x)
{
	patches(l, src, dst, x, (float *)col, 0);       /* col only read when scattering */
}

/* Kernel, strides, dilation and padding of a convolution; the window's "before" on each
 * axis from the grid the window slides over (a transposed convolution's output). */
static int conv_geometry(li_model *m, const li_node *d, tl *t, int rank, int transpose,
			 li_err *err)
{
	const li_layer *l = t->layer;
	int64_t k[3], s[3], dl[3], groups, op[3];
	int pad;
	if (li_sp_kernel_size(l, d->config, rank, k, err) < 0 ||
	    li_sp_strides_dilation(l, d->config, rank, s, dl, err) < 0 ||
	    li_sp_padding(l, d->config, !transpose && rank == 1, &pad, err) < 0 ||
	    li_cfg_int(l, d->config, "groups", 1, &groups, err) < 0 ||
	    li_sp_ints(l, d->config, "output_padding", rank, -1, 0, op, err) < 0)
		return LI_EDATA;
	if (groups != 1)
		return li_tl_fail(d, err, "has groups > 1, which cannot be trained");
	if (m->origin.keras_major < 2 || li_cfg_get(d->config, "output_shape"))
		return li_tl_fail(d, err, "is a Keras 1 convolution, which cannot be trained");
	li_sp_three(rank, k, t->k);
	li_sp_three(rank, s, t->s);
	li_sp_three(rank, dl, t->d);
	const li_grid *slide = transpose ? &t->go : &t->gi, *fit = transpose ? &t->gi : &t->go;
	for (int i = 0; i < 3; i++) {
		int64_t keff = (t->k[i] - 1) * t->d[i] + 1, out;
		if (transpose) {
			/* layers_conv_transpose.c: the inverted convolution's padding before */
			int64_t total = (fit->dim[i] - 1) * t->s[i] + keff - slide->dim[i];
			t->before[i] = pad == LI_PAD_SAME && total > 0 ? total / 2 : 0;
			continue;
		}
		if (li_sp_window(pad, slide->dim[i], t->k[i], t->s[i], t->d[i], &out,
				 &t->before[i]) < 0 || out != fit->dim[i])
			return li_tl_fail(d, err, "has a window that does not fit its shapes");
	}
	return 0;
}

/* The linear copy of a convolution the forward runs through. */
static int own_layer(tl *t, li_err *err)
{
	li_layer_release(&t->own);
	memset(&t->own, 0, sizeof t->own);
	return li_layer_init(&t->own, t->node->class_name, t->node->name, t->own_cfg,
			     t->node->raw, t->node->n_raw, t->origin, err);
}

static int setup_conv(li_model *m, const li_node *d, tl *t, int rank, int transpose,
		      li_err *err)
{
	t->kind = transpose ? T_TCONV : T_CONV;
	if (li_act_parse(json_object_get(d->config, "activation"), &m->origin, &t->act, err))
		return li_tl_fail(d, err, "has an activation that is not known");
	if (conv_geometry(m, d, t, rank, transpose, err))
		return LI_EDATA;
	for (int i = 0; i < m->n_nodes; i++)
		if (&m->nodes[i] != d && m->nodes[i].kind == LI_NODE_LAYER &&
		    m->nodes[i].layer == d->layer)
			return li_tl_fail(d, err, "is called more than once and cannot be trained alone");
	static const char *const want[] = { "kernel|W", "bias|b" };
	const li_weight *x[2];
	int nw = d->n_raw >= 2 ? 2 : 1;
	if (li_weights_pick(t->layer, d->raw, d->n_raw, want, nw, x, err) < 0)
		return LI_EDATA;
	int64_t taps = t->k[0] * t->k[1] * t->k[2], cin = t->gi.c, cout = t->go.c;
	if (li_shape_count(x[0]->a.rank, x[0]->a.shape) != taps * cin * cout ||
	    (nw == 2 && li_shape_count(x[1]->a.rank, x[1]->a.shape) != cout))
		return li_tl_fail(d, err, "has weights that do not fit its shapes");
	t->n_var = nw;
	t->var[0].w = x[0]->a.data;
	t->var[0].n = taps * cin * cout;
	if (nw == 2) {
		t->var[1].w = x[1]->a.data;
		t->var[1].n = cout;
	}
	t->own_cfg = json_deep_copy(d->config);
	int64_t ncol = transpose ? cells(&t->gi) * taps * cout : cells(&t->go) * taps * cin;
	t->col = malloc(sizeof(float) * (size_t)ncol);
	if (!t->own_cfg || !t->col ||
	    json_object_set_new(t->own_cfg, "activation", json_string("linear")))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return own_layer(t, err);
}

static int setup_pool(const li_node *d, tl *t, int rank, li_err *err)
{
	const char *c = d->class_name;
	t->kind = T_POOL;
	t->avg = strstr(c, "Average") || strstr(c, "Avg");
	for (int i = 0; i < 3; i++)
		t->d[i] = 1;
	if (!strncmp(c, "Global", 6)) {
		for (int i = 0; i < 3; i++)
			t->k[i] = t->s[i] = t->gi.dim[i];
		return 0;
	}
	int64_t k[3], s[3], out;
	int pad;
	if (li_sp_ints(t->layer, d->config, "pool_size|pool_length", rank, 2, 1, k, err) < 0 ||
	    li_sp_padding(t->layer, d->config, 0, &pad, err) < 0)
		return LI_EDATA;
	if (li_cfg_get(d->config, "strides|stride")) {
		if (li_sp_ints(t->layer, d->config, "strides|stride", rank, 1, 1, s, err) < 0)
			return LI_EDATA;
	} else {
		memcpy(s, k, sizeof s);
	}
	li_sp_three(rank, k, t->k);
	li_sp_three(rank, s, t->s);
	for (int i = 0; i < 3; i++)
		if (li_sp_window(pad, t->gi.dim[i], t->k[i], t->s[i], 1, &out, &t->before[i]) < 0 ||
		    out != t->go.dim[i])
			return li_tl_fail(d, err, "has a window that does not fit its shapes");
	return 0;
}

int li_tl_spatial_setup(li_model *m, int r, tl *t, li_err *err)
{
	const li_node *d = &m->nodes[r];
	const char *c = d->class_name;
	int rank = li_sp_rank(c), cfirst;
	int conv = !strcmp(c, "Conv1D") || !strcmp(c, "Conv2D");
	int tconv = !strcmp(c, "Conv1DTranspose") || !strcmp(c, "Conv2DTranspose");
	int up = !strcmp(c, "UpSampling1D") || !strcmp(c, "UpSampling2D");
	int pool = (strstr(c, "Pool") != NULL) && (rank == 1 || rank == 2);
	if (!conv && !tconv && !up && !pool)
		return 1;
	t->layer = &m->layers[d->layer];
	if (li_sp_format(t->layer, d->config, &cfirst, err) < 0)
		return LI_EDATA;
	if (cfirst)
		return li_tl_fail(d, err, "is channels_first, which cannot be trained");
	li_shape gs = d->shape;
	if (!strncmp(c, "Global", 6)) {  /* the output as a grid of 1 cell per axis */
		gs.rank = rank + 1;
		for (int i = 0; i < rank; i++)
			gs.dim[i] = 1;
		gs.dim[rank] = t->out_elems;
	}
	if (li_sp_grid(&t->in_shape, rank, 0, &t->gi) || li_sp_grid(&gs, rank, 0, &t->go))
		return li_tl_fail(d, err, "has a shape that is not known");
	if (conv || tconv)
		return setup_conv(m, d, t, rank, tconv, err);
	if (pool)
		return setup_pool(d, t, rank, err);
	const char *interp = "nearest";
	if (li_cfg_str(t->layer, d->config, "interpolation", "nearest", &interp, err) < 0)
		return LI_EDATA;
	if (strcmp(interp, "nearest"))
		return li_tl_fail(d, err, "has a bilinear interpolation, which cannot be trained");
	t->kind = T_UPSAMPLE;
	for (int i = 0; i < 3; i++)
		if (t->go.dim[i] % t->gi.dim[i])
			return li_tl_fail(d, err, "has a shape that is not known");
	return 0;
}

int li_tl_spatial_forward(tl *t, int64_t n, const float *x, li_err *err)
{
	li_shape out = t->node->shape;
	const li_layer *l = t->layer;
	if (t->kind == T_CONV || t->kind == T_TCONV) {
		/* the weights may have changed since the last forward: the copy takes them
		 * again (parse copies what it needs) */
		int rc = own_layer(t, err);
		if (rc < 0)
			return rc;
		l = &t->own;
	}
	const float *in[1] = { x };
	int rc = l->ops->forward(l, n, 1, &t->in_shape, in, &out, t->z, err);
	if (rc < 0)
		return rc;
	memcpy(t->y, t->z, sizeof(float) * (size_t)(n * t->out_elems));
	return 0;
}

/* Max pooling: each output's gradient goes to the first cell of its window holding the
 * maximum; average: spread over the window's cells inside the input (TensorFlow's
 * 'same' divides by those only). */
static void pool_backward(const tl *t, int64_t n, const float *x, const float *g, float *dx)
{
	const li_grid *gi = &t->gi, *go = &t->go;
	int64_t c = gi->c, pin = cells(gi), pout = cells(go);
	memset(dx, 0, sizeof(float) * (size_t)(n * pin * c));
	for (int64_t r = 0; r < n; r++)
	for (int64_t q = 0; q < pout; q++) {
		int64_t q0 = q / (go->dim[1] * go->dim[2]), q1 = q / go->dim[2] % go->dim[1],
			q2 = q % go->dim[2], lo[3], hi[3], qi[3] = { q0, q1, q2 };
		for (int a = 0; a < 3; a++) {
			lo[a] = qi[a] * t->s[a] - t->before[a];
			hi[a] = lo[a] + t->k[a];
			lo[a] = lo[a] < 0 ? 0 : lo[a];
			hi[a] = hi[a] > gi->dim[a] ? gi->dim[a] : hi[a];
		}
		const float *gq = g + (r * pout + q) * c, *yq = t->y + (r * pout + q) * c;
		float *dr = dx + r * pin * c;
		const float *xr = x + r * pin * c;
		double count = (double)((hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]));
		for (int64_t j = 0; j < c; j++) {
			int done = 0;
			for (int64_t i0 = lo[0]; i0 < hi[0] && !done; i0++)
			for (int64_t i1 = lo[1]; i1 < hi[1] && !done; i1++)
			for (int64_t i2 = lo[2]; i2 < hi[2] && !done; i2++) {
				int64_t e = ((i0 * gi->dim[1] + i1) * gi->dim[2] + i2) * c + j;
				if (t->avg) {
					dr[e] += (float)(gq[j] / count);
				} else if (xr[e] == yq[j]) {
					dr[e] += gq[j];
					done = 1;
				}
			}
		}
	}
}

/* Nearest upsampling: each input cell's gradient is the sum over its block. */
static void upsample_backward(const tl *t, int64_t n, const float *g, float *dx)
{
	const li_grid *gi = &t->gi, *go = &t->go;
	int64_t c = gi->c, pin = cells(gi), pout = cells(go), f[3];
	for (int a = 0; a < 3; a++)
		f[a] = go->dim[a] / gi->dim[a];
	memset(dx, 0, sizeof(float) * (size_t)(n * pin * c));
	for (int64_t r = 0; r < n; r++)
		for (int64_t q = 0; q < pout; q++) {
			int64_t q0 = q / (go->dim[1] * go->dim[2]), q1 = q / go->dim[2] % go->dim[1],
				q2 = q % go->dim[2];
			int64_t i = ((q0 / f[0]) * gi->dim[1] + q1 / f[1]) * gi->dim[2] + q2 / f[2];
			float *d = dx + (r * pin + i) * c;
			const float *s = g + (r * pout + q) * c;
			for (int64_t j = 0; j < c; j++)
				d[j] += s[j];
		}
}

static void bias_grad(tl *t, int64_t rows, int64_t c, const float *g)
{
	if (t->n_var < 2)
		return;
	for (int64_t j = 0; j < c; j++) {
		double s = 0;
		for (int64_t r = 0; r < rows; r++)
			s += g[r * c + j];
		t->var[1].g[j] = (float)s;
	}
}

void li_tl_spatial_backward(tl *t, int64_t n, const float *x, const float *g, float *dx)
{
	int64_t taps = t->k[0] * t->k[1] * t->k[2], cin = t->gi.c, cout = t->go.c;
	int64_t pin = cells(&t->gi), pout = cells(&t->go);
	if (t->kind == T_POOL) {
		if (dx)
			pool_backward(t, n, x, g, dx);
		return;
	}
	if (t->kind == T_UPSAMPLE) {
		if (dx)
			upsample_backward(t, n, g, dx);
		return;
	}
	memset(t->var[0].g, 0, sizeof(float) * (size_t)t->var[0].n);
	bias_grad(t, n * pout, cout, g);
	if (dx)
		memset(dx, 0, sizeof(float) * (size_t)(n * pin * cin));
	int wide = (int)(taps * (t->kind == T_CONV ? cin : cout));
	for (int64_t r = 0; r < n; r++) {
		const float *xr = x + r * pin * cin, *gr = g + r * pout * cout;
		if (t->kind == T_CONV) {
			/* col: [pout][taps * cin]; dW += col^T dz; dcol = dz W^T */
			im2col(t, &t->gi, &t->go, xr, t->col);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, wide, (int)cout,
				    (int)pout, 1.0f, t->col, wide, gr, (int)cout, 1.0f, t->var[0].g,
				    (int)cout);
			if (!dx)
				continue;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)pout, wide,
				    (int)cout, 1.0f, gr, (int)cout, t->var[0].w, (int)cout, 0.0f,
				    t->col, wide);
			col2im(t, &t->gi, &t->go, t->col, dx + r * pin * cin);
		} else {
			/* col: [pin][taps * cout] from dz over the output grid; the kernel is
			 * [taps * cout][cin]: dW += col^T x; dx = col W */
			im2col(t, &t->go, &t->gi, gr, t->col);
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, wide, (int)cin,
				    (int)pin, 1.0f, t->col, wide, xr, (int)cin, 1.0f, t->var[0].g,
				    (int)cin);
			if (dx)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)pin,
					    (int)cin, wide, 1.0f, t->col, wide, t->var[0].w, (int)cin,
					    0.0f, dx + r * pin * cin, (int)cin);
		}
	}
}

void li_tl_spatial_free(tl *t)
{
	if (t->own.ops)
		li_layer_release(&t->own);
	json_decref(t->own_cfg);
	free(t->col);
}
