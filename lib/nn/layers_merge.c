/*
 * Merge layers: elementwise Add, Subtract, Multiply, Average, Maximum, Minimum (with
 * numpy-style broadcasting of the per-row shapes, as Keras' _Merge does after expanding
 * lower-rank inputs at axis 1), Concatenate along an axis, and Dot (batch_dot along one
 * axis of each input, optionally of l2-normalised inputs), and Keras 1's Merge(mode=...).
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"

enum { OP_ADD, OP_SUB, OP_MUL, OP_AVG, OP_MAX, OP_MIN };

static const struct {
	const char *name;
	int op;
} merge_names[] = {
	{ "Add", OP_ADD }, { "Subtract", OP_SUB }, { "Multiply", OP_MUL },
	{ "Average", OP_AVG }, { "Maximum", OP_MAX }, { "Minimum", OP_MIN },
};

static void free_p(li_layer *l)
{
	free(l->p);
	l->p = NULL;
}

/* ---- elementwise merges ---- */

static int merge_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	(void)c, (void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0)
		return LI_EDATA;
	int *op = malloc(sizeof *op);
	if (!op)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = op;
	for (size_t i = 0; i < sizeof merge_names / sizeof merge_names[0]; i++)
		if (!strcmp(l->class_name, merge_names[i].name))
			*op = merge_names[i].op;
	return 0;
}

static int merge_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			   li_err *err)
{
	int op = *(const int *)l->p;
	if (op == OP_SUB ? n_in != 2 : n_in < 1)
		return li_layer_fail(l, err, "expected %s inputs, got %d",
				     op == OP_SUB ? "2" : "1 or more", n_in);
	int r = 0;
	for (int k = 0; k < n_in; k++)
		if (in[k].rank > r)
			r = in[k].rank;
	out->rank = r;
	for (int i = 0; i < r; i++)
		out->dim[i] = 1;
	for (int k = 0; k < n_in; k++) {
		int shift = r - in[k].rank;
		for (int i = 0; i < in[k].rank; i++) {
			int64_t d = in[k].dim[i], *o = &out->dim[i + shift];
			if (d == 1)
				continue;
			if (*o == 1 || *o == d) {
				*o = d;
			} else if (d < 0 || *o < 0) {
				*o = -1;
			} else {
				char a[200], b[200];
				li_shape_text(&in[0], a, sizeof a);
				li_shape_text(&in[k], b, sizeof b);
				return li_layer_fail(l, err, "input shapes %s and %s do not broadcast",
						     a, b);
			}
		}
	}
	return 0;
}

static inline float combine(int op, float a, float b)
{
	switch (op) {
	case OP_SUB: return a - b;
	case OP_MUL: return a * b;
	case OP_MAX: return fmaxf(a, b);
	case OP_MIN: return fminf(a, b);
	default: return a + b; /* ADD, AVG */
	}
}

static int merge_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			 const float *const *in, const li_shape *out_shape, float *out,
			 li_err *err)
{
	int op = *(const int *)l->p;
	const li_shape *os = out_shape;
	if (li_shape_known(l, os, err) < 0)
		return LI_EDATA;
	int64_t m = li_shape_elems(os);
	for (int k = 0; k < n_in; k++) {
		if (li_shape_known(l, &in_shape[k], err) < 0)
			return LI_EDATA;
		const li_shape *s = &in_shape[k];
		int64_t mk = li_shape_elems(s);
		if (mk == m) { /* same element count: the same shape after broadcasting */
			for (int64_t e = 0; e < n * m; e++)
				out[e] = k ? combine(op, out[e], in[k][e]) : in[k][e];
			continue;
		}
		/* broadcast: strides of input k over the output's axes, 0 where it has 1 */
		int64_t st[LI_MAX_RANK] = { 0 }, idx[LI_MAX_RANK], t = 1;
		int shift = os->rank - s->rank;
		for (int i = s->rank - 1; i >= 0; i--) {
			st[i + shift] = s->dim[i] == 1 ? 0 : t;
			t *= s->dim[i];
		}
		for (int64_t b = 0; b < n; b++) {
			const float *x = in[k] + b * mk;
			float *y = out + b * m;
			int64_t off = 0;
			memset(idx, 0, sizeof idx);
			for (int64_t e = 0; e < m; e++) {
				y[e] = k ? combine(op, y[e], x[off]) : x[off];
				for (int i = os->rank - 1; i >= 0; i--) {
					off += st[i];
					if (++idx[i] < os->dim[i])
						break;
					off -= st[i] * os->dim[i];
					idx[i] = 0;
				}
			}
		}
	}
	if (op == OP_AVG)
		for (int64_t e = 0; e < n * m; e++)
			out[e] /= (float)n_in;
	return 0;
}

/* ---- Concatenate ---- */

static int concat_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			const li_origin *o, li_err *err)
{
	int64_t axis;
	(void)w, (void)o;
	/* Keras 1's Merge(mode='concat') spells it concat_axis */
	if (li_weights_none(l, n_w, err) < 0 ||
	    li_cfg_int(l, c, "axis|concat_axis", -1, &axis, err) < 0)
		return LI_EDATA;
	int64_t *p = malloc(sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	*p = axis;
	l->p = p;
	return 0;
}

static int concat_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			    li_err *err)
{
	int64_t axis = *(const int64_t *)l->p;
	if (n_in < 1)
		return li_layer_fail(l, err, "expected 1 or more inputs, got %d", n_in);
	int ax = li_axis_row(axis, in[0].rank);
	if (ax < 0)
		return li_layer_fail(l, err, "axis %lld does not fit an input of rank %d",
				     (long long)axis, in[0].rank + 1);
	*out = in[0];
	for (int k = 1; k < n_in; k++) {
		int ok = in[k].rank == in[0].rank;
		for (int i = 0; ok && i < in[0].rank; i++)
			ok = i == ax || in[k].dim[i] == in[0].dim[i] || in[k].dim[i] < 0 ||
			     in[0].dim[i] < 0;
		if (!ok) {
			char a[200], b[200];
			li_shape_text(&in[0], a, sizeof a);
			li_shape_text(&in[k], b, sizeof b);
			return li_layer_fail(l, err,
					     "input shapes %s and %s differ off the concatenation axis",
					     a, b);
		}
		if (out->dim[ax] >= 0)
			out->dim[ax] = in[k].dim[ax] < 0 ? -1 : out->dim[ax] + in[k].dim[ax];
	}
	return 0;
}

static int concat_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			  const float *const *in, const li_shape *out_shape, float *out,
			  li_err *err)
{
	int ax = li_axis_row(*(const int64_t *)l->p, in_shape[0].rank);
	if (li_shape_known(l, out_shape, err) < 0)
		return LI_EDATA;
	int64_t outer = n, inner = 1;
	for (int i = 0; i < ax; i++)
		outer *= out_shape->dim[i];
	for (int i = ax + 1; i < out_shape->rank; i++)
		inner *= out_shape->dim[i];
	int64_t width = out_shape->dim[ax] * inner, at = 0;
	for (int k = 0; k < n_in; k++) {
		int64_t wk = in_shape[k].dim[ax] * inner;
		for (int64_t o = 0; o < outer; o++)
			memcpy(out + o * width + at, in[k] + o * wk, (size_t)wk * sizeof *out);
		at += wk;
	}
	return 0;
}

/* ---- Dot ---- */

typedef struct dot {
	int64_t axes[2];     /* Keras axes (counting the batch axis; negative from the end) */
	int normalize;
} dot;

static int dot_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		     const li_origin *o, li_err *err)
{
	int64_t a[2];
	int n;
	(void)w, (void)o;
	dot *d = calloc(1, sizeof *d);
	if (!d)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = d;
	if (li_weights_none(l, n_w, err) < 0 || li_cfg_ints(l, c, "axes", a, 2, &n, err) < 0 ||
	    li_cfg_bool(l, c, "normalize", 0, &d->normalize, err) < 0)
		return LI_EDATA;
	if (n == 0)
		return li_layer_fail(l, err, "option 'axes' is missing");
	d->axes[0] = a[0];
	d->axes[1] = n == 2 ? a[1] : a[0];
	return 0;
}

/* Per-row contraction axes of the two inputs, or -1. */
static int dot_axes(const dot *d, const li_shape *in, int *ax)
{
	for (int k = 0; k < 2; k++) {
		int64_t a = d->axes[k];
		/* Keras takes a negative axis modulo the full rank (batch included) */
		if (a < 0)
			a += in[k].rank + 1;
		ax[k] = li_axis_row(a, in[k].rank);
		if (ax[k] < 0)
			return -1;
	}
	return 0;
}

static int dot_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			 li_err *err)
{
	const dot *d = l->p;
	int ax[2];
	char a[200], b[200];
	if (n_in != 2)
		return li_layer_fail(l, err, "expected 2 inputs, got %d", n_in);
	li_shape_text(&in[0], a, sizeof a);
	li_shape_text(&in[1], b, sizeof b);
	if (dot_axes(d, in, ax) < 0 || in[0].dim[ax[0]] != in[1].dim[ax[1]])
		return li_layer_fail(l, err, "axes (%lld, %lld) do not fit input shapes %s and %s",
				     (long long)d->axes[0], (long long)d->axes[1], a, b);
	out->rank = 0;
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < in[k].rank; i++)
			if (i != ax[k])
				out->dim[out->rank++] = in[k].dim[i];
	if (out->rank == 0)
		out->dim[out->rank++] = 1;
	return 0;
}

/* Moves per-row axis ax of n rows of shape s to the end, into dst. */
static void axis_last(const float *src, float *dst, int64_t n, const li_shape *s, int ax)
{
	int perm[LI_MAX_RANK], j = 0;
	for (int i = 0; i < s->rank; i++)
		if (i != ax)
			perm[j++] = i;
	perm[j] = ax;
	li_permute_rows(src, dst, n, s, perm);
}

/*
 * batch_dot: with X (Mx x K) and Y (My x K), each row's axis moved last, out = X Y^T.
 * normalize: each K-vector divided by sqrt(max(sum of squares, 1e-12)), as Keras'
 * l2_normalize.
 */
static int dot_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
		       const float *const *in, const li_shape *out_shape, float *out,
		       li_err *err)
{
	const dot *d = l->p;
	int ax[2];
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0 || li_shape_known(l, &in_shape[1], err) < 0)
		return LI_EDATA;
	if (dot_axes(d, in_shape, ax) < 0)
		return li_layer_fail(l, err, "axes do not fit the inputs");
	int64_t K = in_shape[0].dim[ax[0]];
	int64_t m0 = li_shape_elems(&in_shape[0]), m1 = li_shape_elems(&in_shape[1]);
	int64_t M0 = K ? m0 / K : 0, M1 = K ? m1 / K : 0;
	if (M0 > INT_MAX || M1 > INT_MAX || K > INT_MAX)
		return li_layer_fail(l, err, "inputs are too large");
	float *x = malloc((size_t)(n * m0 + 1) * sizeof *x);
	float *y = malloc((size_t)(n * m1 + 1) * sizeof *y);
	if (!x || !y) {
		free(x);
		free(y);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	axis_last(in[0], x, n, &in_shape[0], ax[0]);
	axis_last(in[1], y, n, &in_shape[1], ax[1]);
	if (d->normalize) {
		float *v[2] = { x, y };
		int64_t rows[2] = { n * M0, n * M1 };
		for (int k = 0; k < 2; k++)
			for (int64_t r = 0; r < rows[k]; r++) {
				float *p = v[k] + r * K;
				double s = 0;
				for (int64_t j = 0; j < K; j++)
					s += (double)p[j] * p[j];
				float inv = (float)(1.0 / sqrt(fmax(s, 1e-12)));
				for (int64_t j = 0; j < K; j++)
					p[j] *= inv;
			}
	}
	for (int64_t b = 0; b < n; b++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M0, (int)M1, (int)K, 1.0f,
			    x + b * m0, (int)K, y + b * m1, (int)K, 0.0f, out + b * M0 * M1,
			    (int)M1);
	free(x);
	free(y);
	return 0;
}

/* ---- Keras 1 Merge(mode=...) ---- */

/*
 * Keras 1's one merge layer: mode "sum", "mul", "ave", "max" (elementwise, same shapes),
 * "concat" (concat_axis) or "dot" (dot_axes); it runs through the families above. "cos"
 * and Python function modes are refused.
 */
typedef struct merge1 {
	const li_layer_ops *ops;   /* the family that runs it */
	void *p;                   /* that family's params */
} merge1;

static li_layer view(const li_layer *l)
{
	const merge1 *m = l->p;
	li_layer v = *l;
	v.ops = m->ops;
	v.p = m->p;
	return v;
}

static int merge1_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			const li_origin *o, li_err *err)
{
	const char *mode, *type;
	static const struct { const char *mode; int op; } ops[] = {
		{ "sum", OP_ADD }, { "mul", OP_MUL }, { "ave", OP_AVG }, { "max", OP_MAX },
	};
	if (li_weights_none(l, n_w, err) < 0 ||
	    li_cfg_str(l, c, "mode", "sum", &mode, err) < 0 ||
	    li_cfg_str(l, c, "mode_type", "raw", &type, err) < 0)
		return LI_EDATA;
	if (strcmp(type, "raw"))
		return li_err_set(err, LI_EDATA, "layer '%s' (%s) cannot be run: it holds Python code",
				  l->name, l->class_name);
	merge1 *m = calloc(1, sizeof *m);
	if (!m)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = m;
	li_layer v = *l;
	v.p = NULL;
	int rc;
	if (!strcmp(mode, "concat")) {
		m->ops = &li_concatenate_ops;
		rc = concat_parse(&v, c, w, n_w, o, err);
	} else if (!strcmp(mode, "dot")) {
		const json_t *da = li_cfg_get(c, "dot_axes");
		json_t *dc = da ? json_pack("{s:O}", "axes", da) : json_pack("{s:i}", "axes", -1);
		if (!dc)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		m->ops = &li_dot_ops;
		rc = dot_parse(&v, dc, w, n_w, o, err);
		json_decref(dc);
	} else {
		int op = -1;
		for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
			if (!strcmp(mode, ops[i].mode))
				op = ops[i].op;
		if (op < 0)
			return li_layer_fail(l, err, "option 'mode' = '%s' is not supported", mode);
		int *p = malloc(sizeof *p);
		if (!p)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		*p = op;
		m->ops = &li_merge_ops;
		v.p = p;
		rc = 0;
	}
	m->p = v.p;
	return rc;
}

static int merge1_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			    li_err *err)
{
	li_layer v = view(l);
	return v.ops->out_shape(&v, n_in, in, out, err);
}

static int merge1_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			  const float *const *in, const li_shape *out_shape, float *out,
			  li_err *err)
{
	li_layer v = view(l);
	return v.ops->forward(&v, n, n_in, in_shape, in, out_shape, out, err);
}

static void merge1_free(li_layer *l)
{
	merge1 *m = l->p;
	if (!m)
		return;
	free(m->p);
	free(m);
	l->p = NULL;
}

static const char *const merge_classes[] = {
	"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", NULL,
};
static const char *const concat_classes[] = { "Concatenate", NULL };
static const char *const dot_classes[] = { "Dot", NULL };

const li_layer_ops li_merge_ops = {
	merge_classes, merge_parse, merge_out_shape, merge_forward, free_p,
};
const li_layer_ops li_concatenate_ops = {
	concat_classes, concat_parse, concat_out_shape, concat_forward, free_p,
};
const li_layer_ops li_dot_ops = {
	dot_classes, dot_parse, dot_out_shape, dot_forward, free_p,
};
static const char *const merge1_classes[] = { "Merge", NULL };
const li_layer_ops li_merge1_ops = {
	merge1_classes, merge1_parse, merge1_out_shape, merge1_forward, merge1_free,
};
