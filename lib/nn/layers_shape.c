/*
 * Layers that move data without arithmetic: InputLayer, the Dropout family and noise
 * layers (identity at inference), Flatten (channels_first transposes to channels-last
 * first, as Keras does "to preserve weight ordering"), Reshape (one -1 allowed), Permute
 * (1-based axes) and RepeatVector.
 */
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"

/* ---- permutation of the axes of each row ---- */

void li_permute_rows(const float *in, float *out, int64_t n, const li_shape *s,
		     const int *perm)
{
	int r = s->rank;
	int64_t m = li_shape_elems(s), stride[LI_MAX_RANK], ostride[LI_MAX_RANK];
	int64_t idx[LI_MAX_RANK] = { 0 };
	/* stride of input axis perm[i], walked in output order */
	int64_t st = 1;
	for (int i = r - 1; i >= 0; i--) {
		stride[i] = st;
		st *= s->dim[i];
	}
	for (int i = 0; i < r; i++)
		ostride[i] = stride[perm[i]];
	int64_t odim[LI_MAX_RANK];
	for (int i = 0; i < r; i++)
		odim[i] = s->dim[perm[i]];
	for (int64_t b = 0; b < n; b++) {
		const float *x = in + b * m;
		float *y = out + b * m;
		int64_t off = 0;
		memset(idx, 0, sizeof idx);
		for (int64_t e = 0; e < m; e++) {
			y[e] = x[off];
			for (int i = r - 1; i >= 0; i--) {
				off += ostride[i];
				if (++idx[i] < odim[i])
					break;
				off -= ostride[i] * odim[i];
				idx[i] = 0;
			}
		}
	}
}

static int one_input(const li_layer *l, int n_in, li_err *err)
{
	return n_in == 1 ? 0 : li_layer_fail(l, err, "expected 1 input, got %d", n_in);
}

static void free_p(li_layer *l)
{
	free(l->p);
	l->p = NULL;
}

/* Copies the input (the layers here change only the shape). */
static int copy_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			const float *const *in, const li_shape *out_shape, float *out,
			li_err *err)
{
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	if (out != in[0])
		memcpy(out, in[0], (size_t)(n * li_shape_elems(&in_shape[0])) * sizeof *out);
	return 0;
}

/* The params of a layer that keeps a shape (InputLayer, Reshape): no weights, a zeroed
 * shape in l->p and *out. 0 or negative. */
static int shape_params(li_layer *l, int n_w, li_shape **out, li_err *err)
{
	if (li_weights_none(l, n_w, err) < 0)
		return LI_EDATA;
	li_shape *s = *out = calloc(1, sizeof *s);
	if (!s)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = s;
	return 0;
}

/*
 * Dimensions from the JSON list t, from entry skip on, into s: null is unknown (-1), an
 * integer must be at least min. 0; -1 when t is not a list of skip to skip + LI_MAX_RANK
 * entries (s untouched); -2 when an entry is not a dimension.
 */
static int json_dims(const json_t *t, size_t skip, int64_t min, li_shape *s)
{
	if (!json_is_array(t) || json_array_size(t) < skip ||
	    json_array_size(t) - skip > LI_MAX_RANK)
		return -1;
	s->rank = (int)(json_array_size(t) - skip);
	for (int i = 0; i < s->rank; i++) {
		const json_t *d = json_array_get(t, (size_t)i + skip);
		if (json_is_null(d))
			s->dim[i] = -1;
		else if (json_is_integer(d) && json_integer_value(d) >= min)
			s->dim[i] = json_integer_value(d);
		else
			return -2;
	}
	return 0;
}

/* ---- InputLayer ---- */

/*
 * The declared per-row shape from batch_input_shape (Keras 1/2, TF.js) or batch_shape
 * (Keras 3); null dims are unknown (-1). Without either, any shape is accepted.
 */
static int input_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	(void)w, (void)o;
	li_shape *s;
	if (shape_params(l, n_w, &s, err) < 0)
		return LI_EDATA;
	s->rank = -1;
	const json_t *b = li_cfg_get(c, "batch_shape|batch_input_shape");
	if (b && json_dims(b, 1, 0, s) < 0)
		return li_layer_fail(l, err, "option 'batch_shape' must be a list of dimensions");
	return 0;
}

/* With no input: the declared shape. With one: it must fit the declared shape. */
static int input_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			   li_err *err)
{
	const li_shape *s = l->p;
	if (n_in == 0) {
		if (s->rank < 0)
			return li_layer_fail(l, err, "the input shape is not declared");
		*out = *s;
		return 0;
	}
	if (one_input(l, n_in, err) < 0)
		return LI_EDATA;
	int ok = s->rank < 0 || s->rank == in[0].rank;
	for (int i = 0; ok && s->rank >= 0 && i < s->rank; i++)
		ok = s->dim[i] < 0 || in[0].dim[i] < 0 || s->dim[i] == in[0].dim[i];
	if (!ok) {
		char a[200], b[200];
		li_shape_text(&in[0], a, sizeof a);
		li_shape_text(s, b, sizeof b);
		return li_layer_fail(l, err, "input shape %s does not fit the declared %s", a, b);
	}
	*out = in[0];
	for (int i = 0; s->rank >= 0 && i < s->rank; i++)
		if (out->dim[i] < 0)
			out->dim[i] = s->dim[i];
	return 0;
}

/* ---- identity: the Dropout family, noise layers, ActivityRegularization ---- */

static int identity_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			  const li_origin *o, li_err *err)
{
	(void)c, (void)w, (void)o;
	return li_weights_none(l, n_w, err);
}

static int identity_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			      li_err *err)
{
	if (one_input(l, n_in, err) < 0)
		return LI_EDATA;
	*out = in[0];
	return 0;
}

/* ---- Flatten ---- */

static int flatten_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			 const li_origin *o, li_err *err)
{
	const char *df;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 ||
	    li_cfg_str(l, c, "data_format", "channels_last", &df, err) < 0)
		return LI_EDATA;
	int first = !strcmp(df, "channels_first");
	if (!first && strcmp(df, "channels_last"))
		return li_layer_fail(l, err, "option 'data_format' = '%s' is not supported", df);
	int *p = malloc(sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	*p = first;
	l->p = p;
	return 0;
}

static int flatten_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			     li_err *err)
{
	if (one_input(l, n_in, err) < 0)
		return LI_EDATA;
	out->rank = 1;
	out->dim[0] = li_shape_elems(&in[0]);
	return 0;
}

static int flatten_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			   const float *const *in, const li_shape *out_shape, float *out,
			   li_err *err)
{
	const li_shape *s = &in_shape[0];
	if (!*(const int *)l->p || s->rank < 2)
		return copy_forward(l, n, n_in, in_shape, in, out_shape, out, err);
	if (li_shape_known(l, s, err) < 0)
		return LI_EDATA;
	/* channels_first (C, d1, ..., dk) -> (d1, ..., dk, C), then flat */
	int perm[LI_MAX_RANK];
	for (int i = 0; i < s->rank - 1; i++)
		perm[i] = i + 1;
	perm[s->rank - 1] = 0;
	if (out == in[0])
		return li_layer_fail(l, err, "cannot run in place");
	li_permute_rows(in[0], out, n, s, perm);
	return 0;
}

/* ---- Reshape ---- */

static int reshape_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			 const li_origin *o, li_err *err)
{
	(void)w, (void)o;
	li_shape *s;
	if (shape_params(l, n_w, &s, err) < 0)
		return LI_EDATA;
	int rc = json_dims(li_cfg_get(c, "target_shape|dims"), 0, -1, s), unknown = 0;
	if (rc == -1)
		return li_layer_fail(l, err, "option 'target_shape' must be a list of dimensions");
	for (int i = 0; rc == 0 && i < s->rank; i++)
		if (s->dim[i] == 0 || (s->dim[i] == -1 && unknown++))
			rc = -2;
	if (rc < 0)
		return li_layer_fail(l, err, "option 'target_shape' must hold positive dimensions and at most one -1");
	return 0;
}

static int reshape_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			     li_err *err)
{
	const li_shape *t = l->p;
	if (one_input(l, n_in, err) < 0)
		return LI_EDATA;
	*out = *t;
	int64_t have = li_shape_elems(&in[0]), known = 1;
	int free_at = -1;
	for (int i = 0; i < t->rank; i++) {
		if (t->dim[i] < 0)
			free_at = i;
		else if (li_mul_i64(known, t->dim[i], &known) < 0)
			return li_layer_fail(l, err, "target shape is too large");
	}
	if (have < 0)
		return 0; /* unknown input: the -1 stays unknown */
	char a[200], b[200];
	li_shape_text(&in[0], a, sizeof a);
	li_shape_text(t, b, sizeof b);
	if (free_at >= 0) {
		if (have % known)
			return li_layer_fail(l, err, "cannot reshape input %s to %s", a, b);
		out->dim[free_at] = have / known;
	} else if (have != known) {
		return li_layer_fail(l, err, "cannot reshape input %s to %s", a, b);
	}
	return 0;
}

/* ---- Permute ---- */

typedef struct permute {
	int rank;
	int perm[LI_MAX_RANK];   /* 0-based per-row axes */
} permute;

static int permute_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			 const li_origin *o, li_err *err)
{
	int64_t d[LI_MAX_RANK];
	int n;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 ||
	    li_cfg_ints(l, c, "dims", d, LI_MAX_RANK, &n, err) < 0)
		return LI_EDATA;
	permute *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	p->rank = n;
	int seen[LI_MAX_RANK] = { 0 };
	for (int i = 0; i < n; i++) {
		if (d[i] < 1 || d[i] > n || seen[d[i] - 1]++)
			return li_layer_fail(l, err, "option 'dims' must be a permutation of 1..%d", n);
		p->perm[i] = (int)d[i] - 1;
	}
	if (n == 0)
		return li_layer_fail(l, err, "option 'dims' is missing");
	return 0;
}

static int permute_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			     li_err *err)
{
	const permute *p = l->p;
	if (one_input(l, n_in, err) < 0)
		return LI_EDATA;
	if (in[0].rank != p->rank)
		return li_layer_fail(l, err, "dims permute %d axes, the input has %d", p->rank,
				     in[0].rank);
	out->rank = p->rank;
	for (int i = 0; i < p->rank; i++)
		out->dim[i] = in[0].dim[p->perm[i]];
	return 0;
}

static int permute_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			   const float *const *in, const li_shape *out_shape, float *out,
			   li_err *err)
{
	const permute *p = l->p;
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	if (out == in[0])
		return li_layer_fail(l, err, "cannot run in place");
	li_permute_rows(in[0], out, n, &in_shape[0], p->perm);
	return 0;
}

/* ---- RepeatVector ---- */

static int repeat_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			const li_origin *o, li_err *err)
{
	int64_t times;
	(void)w, (void)o;
	if (li_weights_none(l, n_w, err) < 0 || li_cfg_int(l, c, "n", -1, &times, err) < 0)
		return LI_EDATA;
	if (times < 1)
		return li_layer_fail(l, err, "option 'n' must be a positive integer");
	int64_t *p = malloc(sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	*p = times;
	l->p = p;
	return 0;
}

static int repeat_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			    li_err *err)
{
	if (one_input(l, n_in, err) < 0)
		return LI_EDATA;
	if (in[0].rank != 1)
		return li_layer_fail(l, err, "expected an input of rank 2, got rank %d",
				     in[0].rank + 1);
	out->rank = 2;
	out->dim[0] = *(const int64_t *)l->p;
	out->dim[1] = in[0].dim[0];
	return 0;
}

static int repeat_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			  const float *const *in, const li_shape *out_shape, float *out,
			  li_err *err)
{
	int64_t times = *(const int64_t *)l->p, d = in_shape[0].dim[0];
	(void)n_in, (void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0)
		return LI_EDATA;
	if (out == in[0])
		return li_layer_fail(l, err, "cannot run in place");
	for (int64_t b = 0; b < n; b++)
		for (int64_t t = 0; t < times; t++)
			memcpy(out + (b * times + t) * d, in[0] + b * d, (size_t)d * sizeof *out);
	return 0;
}

static const char *const input_classes[] = { "InputLayer", NULL };
static const char *const identity_classes[] = {
	"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
	"GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity", NULL,
};
static const char *const flatten_classes[] = { "Flatten", NULL };
static const char *const reshape_classes[] = { "Reshape", NULL };
static const char *const permute_classes[] = { "Permute", NULL };
static const char *const repeat_classes[] = { "RepeatVector", NULL };

const li_layer_ops li_input_ops = {
	input_classes, input_parse, input_out_shape, copy_forward, free_p,
};
const li_layer_ops li_identity_ops = {
	identity_classes, identity_parse, identity_out_shape, copy_forward, NULL,
};
const li_layer_ops li_flatten_ops = {
	flatten_classes, flatten_parse, flatten_out_shape, flatten_forward, free_p,
};
const li_layer_ops li_reshape_ops = {
	reshape_classes, reshape_parse, reshape_out_shape, copy_forward, free_p,
};
const li_layer_ops li_permute_ops = {
	permute_classes, permute_parse, permute_out_shape, permute_forward, free_p,
};
const li_layer_ops li_repeat_vector_ops = {
	repeat_classes, repeat_parse, repeat_out_shape, repeat_forward, free_p,
};
