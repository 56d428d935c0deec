/*
 * Pooling: Max/AveragePooling1D/2D/3D (pool_size, strides defaulting to pool_size, padding
 * valid / same, both data formats) and Global{Max,Average}Pooling1D/2D/3D (keepdims).
 * 'same' pooling follows TensorFlow: the window is clipped to the input, so a max never
 * sees padding (as if padded with -inf) and an average divides by the cells inside only.
 * Keras 1 names: pool_length, stride (1D), border_mode, dim_ordering.
 * Channels-last windows are walked per output cell with the channel vector innermost, so
 * every inner loop is over contiguous floats.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers_spatial.h"

/* Channel-vector accumulation, written for the vectoriser (the ternary max is a
 * compare-and-blend once vectorised; as a scalar loop it branched on random data). */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORISE __attribute__((noinline, optimize("tree-vectorize")))
#else
#define VECTORISE
#endif
VECTORISE static void acc_max(float *restrict y, const float *restrict x, int64_t c)
{
	for (int64_t j = 0; j < c; j++)
		y[j] = x[j] > y[j] ? x[j] : y[j];
}

VECTORISE static void acc_add(float *restrict y, const float *restrict x, int64_t c)
{
	for (int64_t j = 0; j < c; j++)
		y[j] += x[j];
}

typedef struct pool {
	int rank, cfirst, avg, global, keepdims, pad;
	int64_t k[3], s[3];
} pool;

static int pool_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		      const li_origin *o, li_err *err)
{
	(void)o;
	pool *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	const char *cls = l->class_name;
	p->rank = li_sp_rank(cls);
	p->avg = strstr(cls, "Average") || strstr(cls, "Avg");
	p->global = !strncmp(cls, "Global", 6);
	if (li_weights_none(l, n_w, err) < 0 || li_sp_format(l, c, &p->cfirst, err) < 0)
		return LI_EDATA;
	(void)w;
	if (p->global)
		return li_cfg_bool(l, c, "keepdims", 0, &p->keepdims, err);
	int64_t k[3], s[3];
	if (li_sp_ints(l, c, "pool_size|pool_length", p->rank, 2, 1, k, err) < 0 ||
	    li_sp_padding(l, c, 0, &p->pad, err) < 0)
		return LI_EDATA;
	if (li_cfg_get(c, "strides|stride"))
		if (li_sp_ints(l, c, "strides|stride", p->rank, 1, 1, s, err) < 0)
			return LI_EDATA;
	if (!li_cfg_get(c, "strides|stride"))
		memcpy(s, k, sizeof s);
	li_sp_three(p->rank, k, p->k);
	li_sp_three(p->rank, s, p->s);
	return 0;
}

static int pool_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			  li_err *err)
{
	const pool *p = l->p;
	li_grid gi, go;
	char t[200];
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (li_sp_in_grid(l, &in[0], p->rank, p->cfirst, &gi, err) < 0)
		return LI_EDATA;
	if (p->global) {
		if (p->keepdims) {
			go = gi;
			go.dim[0] = go.dim[1] = go.dim[2] = 1;
			li_sp_shape(&go, p->rank, p->cfirst, out);
		} else {
			out->rank = 1;
			out->dim[0] = gi.c;
		}
		return 0;
	}
	int64_t before;
	go.c = gi.c;
	for (int i = 0; i < 3; i++)
		if (li_sp_window(p->pad, gi.dim[i], p->k[i], p->s[i], 1, &go.dim[i], &before) < 0) {
			li_shape_text(&in[0], t, sizeof t);
			return li_layer_fail(l, err, "pool size %lld is larger than the input %s "
					     "(padding 'valid')", (long long)p->k[i], t);
		}
	li_sp_shape(&go, p->rank, p->cfirst, out);
	return 0;
}

static int pool_core(const li_layer *l, int64_t n, const li_grid *gi, const float *x,
		     const li_grid *go, float *y, li_err *err)
{
	const pool *p = l->p;
	int64_t pad[3], o, C = gi->c;
	int64_t in_row = gi->dim[0] * gi->dim[1] * gi->dim[2] * C;
	(void)err;
	for (int i = 0; i < 3; i++)
		li_sp_window(p->pad, gi->dim[i], p->k[i], p->s[i], 1, &o, &pad[i]);
	for (int64_t b = 0; b < n; b++) {
		const float *xb = x + b * in_row;
		for (int64_t o0 = 0; o0 < go->dim[0]; o0++)
		for (int64_t o1 = 0; o1 < go->dim[1]; o1++)
		for (int64_t o2 = 0; o2 < go->dim[2]; o2++, y += C) {
			int64_t lo[3], hi[3], oo[3] = { o0, o1, o2 };
			for (int i = 0; i < 3; i++) {
				lo[i] = oo[i] * p->s[i] - pad[i];
				hi[i] = lo[i] + p->k[i];
				if (lo[i] < 0)
					lo[i] = 0;
				if (hi[i] > gi->dim[i])
					hi[i] = gi->dim[i];
			}
			for (int64_t j = 0; j < C; j++)
				y[j] = p->avg ? 0.0f : -INFINITY;
			for (int64_t i0 = lo[0]; i0 < hi[0]; i0++)
			for (int64_t i1 = lo[1]; i1 < hi[1]; i1++)
			for (int64_t i2 = lo[2]; i2 < hi[2]; i2++) {
				const float *xp = xb + ((i0 * gi->dim[1] + i1) * gi->dim[2] + i2) * C;
				if (p->avg)
					acc_add(y, xp, C);
				else
					acc_max(y, xp, C);
			}
			if (p->avg) {
				float inv = 1.0f / (float)((hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]));
				for (int64_t j = 0; j < C; j++)
					y[j] *= inv;
			}
		}
	}
	return 0;
}

/* Global pooling: one vector of C per row, in either layout (no transposition needed). */
static void global_pool(const pool *p, int64_t n, const li_grid *g, const float *x, float *y)
{
	int64_t C = g->c, P = g->dim[0] * g->dim[1] * g->dim[2];
	for (int64_t b = 0; b < n; b++, x += P * C, y += C) {
		if (p->cfirst) {
			for (int64_t j = 0; j < C; j++) {
				const float *xp = x + j * P;
				float a = p->avg ? 0.0f : -INFINITY;
				for (int64_t q = 0; q < P; q++)
					a = p->avg ? a + xp[q] : (xp[q] > a ? xp[q] : a);
				y[j] = p->avg ? a / (float)P : a;
			}
			continue;
		}
		for (int64_t j = 0; j < C; j++)
			y[j] = p->avg ? 0.0f : -INFINITY;
		for (int64_t q = 0; q < P; q++) {
			const float *xp = x + q * C;
			if (p->avg)
				acc_add(y, xp, C);
			else
				acc_max(y, xp, C);
		}
		if (p->avg)
			for (int64_t j = 0; j < C; j++)
				y[j] /= (float)P;
	}
}

static int pool_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			const float *const *in, const li_shape *out_shape, float *out,
			li_err *err)
{
	const pool *p = l->p;
	li_shape want;
	(void)n_in;
	if (pool_out_shape(l, 1, in_shape, &want, err) < 0)
		return LI_EDATA;
	if (p->global) {
		li_grid g;
		li_sp_grid(&in_shape[0], p->rank, p->cfirst, &g);
		global_pool(p, n, &g, in[0], out);
		return 0;
	}
	return li_sp_run(l, n, p->rank, p->cfirst, &in_shape[0], in[0], out_shape, out, NULL,
			 pool_core, err);
}

static void pool_free(li_layer *l)
{
	free(l->p);
	l->p = NULL;
}

static const char *const pool_classes[] = {
	"MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
	"AveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D",
	"AvgPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
	"GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
	"GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
	"GlobalAvgPool2D", "GlobalAvgPool3D", NULL,
};
const li_layer_ops li_pool_ops = {
	pool_classes, pool_parse, pool_out_shape, pool_forward, pool_free,
};
