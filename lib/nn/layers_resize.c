/*
 * Layers that change the spatial extent without weights: UpSampling1D/2D/3D (nearest:
 * each cell repeated; 2D bilinear), ZeroPadding1D/2D/3D and Cropping1D/2D/3D, both data
 * formats (1D layers are channels-last only, as in Keras).
 *
 * Bilinear sampling follows the framework that saved the model (ORACLE-NOTES): TF.js and
 * Keras <= 2.2 (TF1's resize_bilinear) take src = dst * in / out; tf.keras >= 2.3 and
 * Keras 3 (TF2's resize) take half-pixel centres src = (dst + 0.5) * in / out - 0.5. Both
 * then interpolate as TensorFlow does: lower = max(floor(src), 0), upper =
 * min(ceil(src), in - 1), weight src - floor(src).
 *
 * Padding and cropping amounts: an int (every side), a list of rank ints (both sides of
 * each axis; for 1D a pair is before/after), a list of rank pairs, or Keras 1's flat list
 * of 2 * rank ints.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers_spatial.h"

enum { UPSAMPLE, ZEROPAD, CROP };

typedef struct resize {
	int kind, rank, cfirst, bilinear, half_pixel;
	int64_t size[3];         /* upsampling factors, 3-D normalised */
	int64_t before[3], after[3];
} resize;

/* Padding/cropping amounts into before/after (rank entries). */
static int amounts(const li_layer *l, const json_t *c, const char *key, int rank, int64_t def,
		   int64_t *before, int64_t *after, li_err *err)
{
	const json_t *v = li_cfg_get(c, key);
	int n = v ? (json_is_array(v) ? (int)json_array_size(v) : 1) : 0;
	int64_t flat[6];
	int nf = 0, ok = 1;
	if (!v) {
		for (int i = 0; i < rank; i++)
			before[i] = after[i] = def;
		return 0;
	}
	if (json_is_integer(v)) {
		for (int i = 0; i < rank; i++)
			before[i] = after[i] = json_integer_value(v);
	} else if (json_is_array(v)) {
		for (int i = 0; i < n && ok; i++) {
			const json_t *e = json_array_get(v, i);
			if (json_is_integer(e) && nf < 6)
				flat[nf++] = json_integer_value(e);
			else if (json_is_array(e) && json_array_size(e) == 2 && nf < 5 &&
				 json_is_integer(json_array_get(e, 0)) &&
				 json_is_integer(json_array_get(e, 1))) {
				flat[nf++] = json_integer_value(json_array_get(e, 0));
				flat[nf++] = json_integer_value(json_array_get(e, 1));
			} else
				ok = 0;
		}
		if (ok && nf == 2 * rank && (rank == 1 || n == rank || n == 2 * rank)) {
			for (int i = 0; i < rank; i++)
				before[i] = flat[2 * i], after[i] = flat[2 * i + 1];
		} else if (ok && nf == rank && n == rank) {
			for (int i = 0; i < rank; i++)
				before[i] = after[i] = flat[i];
		} else
			ok = 0;
	} else
		ok = 0;
	for (int i = 0; ok && i < rank; i++)
		ok = before[i] >= 0 && after[i] >= 0 && before[i] <= LI_SP_MAX && after[i] <= LI_SP_MAX;
	if (!ok)
		return li_layer_fail(l, err, "option '%s' must be an int, %d ints or %d pairs of "
				     "ints from 0 to %lld", key, rank, rank, (long long)LI_SP_MAX);
	return 0;
}

static int resize_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			const li_origin *o, li_err *err)
{
	(void)w;
	resize *r = calloc(1, sizeof *r);
	if (!r)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = r;
	const char *cls = l->class_name;
	r->rank = li_sp_rank(cls);
	r->kind = !strncmp(cls, "UpSampling", 10) ? UPSAMPLE
		: !strncmp(cls, "ZeroPadding", 11) ? ZEROPAD : CROP;
	if (li_weights_none(l, n_w, err) < 0)
		return LI_EDATA;
	if (r->rank > 1 && li_sp_format(l, c, &r->cfirst, err) < 0)
		return LI_EDATA;
	int64_t b[3], a[3];
	for (int i = 0; i < 3; i++)
		r->size[i] = 1, r->before[i] = r->after[i] = 0;
	if (r->kind == UPSAMPLE) {
		const char *interp;
		if (li_sp_ints(l, c, "size|length", r->rank, 2, 1, b, err) < 0 ||
		    li_cfg_str(l, c, "interpolation", "nearest", &interp, err) < 0)
			return LI_EDATA;
		li_sp_three(r->rank, b, r->size);
		if (!strcmp(interp, "bilinear") && r->rank == 2) {
			r->bilinear = 1;
			r->half_pixel = !o->tfjs && (o->keras_major >= 3 ||
						     (o->keras_major == 2 && o->keras_minor >= 3));
		} else if (strcmp(interp, "nearest"))
			return li_layer_fail(l, err, "option 'interpolation' = '%s' is not supported",
					     interp);
		return 0;
	}
	/* Keras defaults: ZeroPadding 1, Cropping1D (1, 1), Cropping2D/3D 0 */
	if (amounts(l, c, r->kind == ZEROPAD ? "padding" : "cropping", r->rank,
		    r->kind == ZEROPAD || r->rank == 1 ? 1 : 0, b, a, err) < 0)
		return LI_EDATA;
	for (int i = 0; i < r->rank; i++) {
		r->before[3 - r->rank + i] = b[i];
		r->after[3 - r->rank + i] = a[i];
	}
	return 0;
}

static int resize_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			    li_err *err)
{
	const resize *r = l->p;
	li_grid g;
	char t[200];
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (li_sp_in_grid(l, &in[0], r->rank, r->cfirst, &g, err) < 0)
		return LI_EDATA;
	for (int i = 0; i < 3; i++) {
		if (r->kind == UPSAMPLE)
			g.dim[i] *= r->size[i];
		else if (r->kind == ZEROPAD)
			g.dim[i] += r->before[i] + r->after[i];
		else
			g.dim[i] -= r->before[i] + r->after[i];
		if (g.dim[i] < 1) {
			li_shape_text(&in[0], t, sizeof t);
			return li_layer_fail(l, err, "cropping leaves nothing of input %s", t);
		}
	}
	li_sp_shape(&g, r->rank, r->cfirst, out);
	return 0;
}

/* Source cell and weight of output cell i along an axis of in cells upsampled by f. */
static void bilinear_src(const resize *r, int64_t i, int64_t in, int64_t f, int64_t *lo,
			 int64_t *hi, float *w)
{
	float scale = (float)in / (float)(in * f);
	float s = r->half_pixel ? ((float)i + 0.5f) * scale - 0.5f : (float)i * scale;
	float fl = floorf(s);
	*lo = fl > 0 ? (int64_t)fl : 0;
	*hi = (int64_t)ceilf(s) < in - 1 ? (int64_t)ceilf(s) : in - 1;
	if (*hi < 0)
		*hi = 0;
	*w = s - fl;
}

static int resize_core(const li_layer *l, int64_t n, const li_grid *gi, const float *x,
		       const li_grid *go, float *y, li_err *err)
{
	const resize *r = l->p;
	int64_t C = gi->c;
	int64_t in_row = gi->dim[0] * gi->dim[1] * gi->dim[2] * C;
	size_t cb = (size_t)C * sizeof(float);
	(void)err;
	for (int64_t b = 0; b < n; b++) {
		const float *xb = x + b * in_row;
		for (int64_t o0 = 0; o0 < go->dim[0]; o0++)
		for (int64_t o1 = 0; o1 < go->dim[1]; o1++)
		for (int64_t o2 = 0; o2 < go->dim[2]; o2++, y += C) {
			if (r->bilinear) {
				int64_t y0, y1, x0, x1;
				float wy, wx;
				bilinear_src(r, o1, gi->dim[1], r->size[1], &y0, &y1, &wy);
				bilinear_src(r, o2, gi->dim[2], r->size[2], &x0, &x1, &wx);
				const float *p00 = xb + (y0 * gi->dim[2] + x0) * C;
				const float *p01 = xb + (y0 * gi->dim[2] + x1) * C;
				const float *p10 = xb + (y1 * gi->dim[2] + x0) * C;
				const float *p11 = xb + (y1 * gi->dim[2] + x1) * C;
				for (int64_t j = 0; j < C; j++) {
					float top = p00[j] + (p01[j] - p00[j]) * wx;
					float bot = p10[j] + (p11[j] - p10[j]) * wx;
					y[j] = top + (bot - top) * wy;
				}
				continue;
			}
			int64_t oo[3] = { o0, o1, o2 }, ii[3];
			int inside = 1;
			for (int i = 0; i < 3; i++) {
				if (r->kind == UPSAMPLE)
					ii[i] = oo[i] / r->size[i];
				else if (r->kind == ZEROPAD)
					ii[i] = oo[i] - r->before[i];
				else
					ii[i] = oo[i] + r->before[i];
				inside &= ii[i] >= 0 && ii[i] < gi->dim[i];
			}
			if (inside)
				memcpy(y, xb + ((ii[0] * gi->dim[1] + ii[1]) * gi->dim[2] + ii[2]) * C, cb);
			else
				memset(y, 0, cb);
		}
	}
	return 0;
}

static int resize_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			  const float *const *in, const li_shape *out_shape, float *out,
			  li_err *err)
{
	const resize *r = l->p;
	li_shape want;
	(void)n_in;
	if (resize_out_shape(l, 1, in_shape, &want, err) < 0)
		return LI_EDATA;
	return li_sp_run(l, n, r->rank, r->cfirst, &in_shape[0], in[0], out_shape, out, NULL,
			 resize_core, err);
}

static void resize_free(li_layer *l)
{
	free(l->p);
	l->p = NULL;
}

static const char *const resize_classes[] = {
	"UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
	"ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D", NULL,
};
const li_layer_ops li_resize_ops = {
	resize_classes, resize_parse, resize_out_shape, resize_forward, resize_free,
};
