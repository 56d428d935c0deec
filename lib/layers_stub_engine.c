/*
 * TEMPORARY stand-in for lib/layers.c (the layer families are built on another branch).
 * Provides li_layer_find / li_layer_init / li_layer_release / li_shape_elems for
 * InputLayer, Dense (linear or relu) and Add only, so that the graph code can be built
 * and tested. The lead deletes this file when the layer branch is merged.
 */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "layer.h"

int64_t li_shape_elems(const li_shape *s)
{
	int64_t n = 1;
	for (int i = 0; i < s->rank; i++) {
		if (s->dim[i] < 0 || li_mul_i64(n, s->dim[i], &n))
			return -1;
	}
	return n;
}

/* InputLayer: identity. */
static int in_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		    const li_origin *o, li_err *err)
{
	(void)l, (void)c, (void)w, (void)n_w, (void)o, (void)err;
	return 0;
}

static int same_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
		      li_err *err)
{
	if (n_in < 1)
		return li_err_set(err, LI_EDATA, "layer '%s' needs an input", l->name);
	for (int i = 1; i < n_in; i++) {
		if (in[i].rank != in[0].rank ||
		    memcmp(in[i].dim, in[0].dim, sizeof(int64_t) * (size_t)in[0].rank))
			return li_err_set(err, LI_EDATA, "layer '%s' (%s): inputs differ in shape",
					  l->name, l->class_name);
	}
	*out = in[0];
	return 0;
}

static int in_forward(const li_layer *l, int64_t n, int n_in, const li_shape *is,
		      const float *const *in, const li_shape *os, float *out, li_err *err)
{
	(void)l, (void)n_in, (void)os, (void)err;
	memcpy(out, in[0], sizeof(float) * (size_t)(n * li_shape_elems(&is[0])));
	return 0;
}

static void no_free(li_layer *l)
{
	(void)l;
}

/* Dense: y = act(x W + b) on the last axis. */
typedef struct dense_p {
	int64_t in, units;
	int relu, has_bias;
	float *w, *b;
} dense_p;

static int dense_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	(void)o;
	json_t *u = json_object_get(c, "units");
	json_t *a = json_object_get(c, "activation");
	json_t *ub = json_object_get(c, "use_bias");
	const char *act = json_is_string(a) ? json_string_value(a) : "linear";
	if (!json_is_integer(u) || json_integer_value(u) < 1)
		return li_err_set(err, LI_EDATA, "layer '%s' (Dense): bad 'units'", l->name);
	if (strcmp(act, "linear") && strcmp(act, "relu"))
		return li_err_set(err, LI_EDATA, "layer '%s' (Dense): activation '%s' is not yet "
				  "supported", l->name, act);
	int has_bias = !json_is_false(ub);
	if (n_w != 1 + has_bias)
		return li_err_set(err, LI_EDATA, "layer '%s' (Dense): expected %d weights, found %d",
				  l->name, 1 + has_bias, n_w);
	int64_t units = json_integer_value(u);
	if (w[0].a.rank != 2 || w[0].a.shape[1] != units)
		return li_err_set(err, LI_EDATA, "layer '%s' (Dense): kernel shape does not match "
				  "units %lld", l->name, (long long)units);
	if (has_bias && (w[1].a.rank != 1 || w[1].a.shape[0] != units))
		return li_err_set(err, LI_EDATA, "layer '%s' (Dense): bias shape does not match "
				  "units %lld", l->name, (long long)units);
	dense_p *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	p->in = w[0].a.shape[0];
	p->units = units;
	p->relu = !strcmp(act, "relu");
	p->has_bias = has_bias;
	size_t nk = (size_t)(p->in * units);
	p->w = malloc(sizeof(float) * (nk ? nk : 1));
	p->b = calloc((size_t)units, sizeof(float));
	if (!p->w || !p->b) {
		free(p->w), free(p->b), free(p);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	memcpy(p->w, w[0].a.data, sizeof(float) * nk);
	if (has_bias)
		memcpy(p->b, w[1].a.data, sizeof(float) * (size_t)units);
	l->p = p;
	return 0;
}

static int dense_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
		       li_err *err)
{
	const dense_p *p = l->p;
	if (n_in != 1 || in[0].rank < 1 || in[0].dim[in[0].rank - 1] != p->in)
		return li_err_set(err, LI_EDATA, "layer '%s' (Dense): input's last axis must be "
				  "%lld", l->name, (long long)p->in);
	*out = in[0];
	out->dim[out->rank - 1] = p->units;
	return 0;
}

static int dense_forward(const li_layer *l, int64_t n, int n_in, const li_shape *is,
			 const float *const *in, const li_shape *os, float *out, li_err *err)
{
	(void)n_in, (void)os, (void)err;
	const dense_p *p = l->p;
	int64_t rows = n * (li_shape_elems(&is[0]) / p->in);
	for (int64_t r = 0; r < rows; r++)
		memcpy(out + r * p->units, p->b, sizeof(float) * (size_t)p->units);
	if (rows > 0)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)p->units,
			    (int)p->in, 1.0f, in[0], (int)p->in, p->w, (int)p->units, 1.0f, out,
			    (int)p->units);
	if (p->relu)
		for (int64_t i = 0; i < rows * p->units; i++)
			out[i] = out[i] > 0 ? out[i] : 0;
	return 0;
}

static void dense_free(li_layer *l)
{
	dense_p *p = l->p;
	if (p) {
		free(p->w);
		free(p->b);
		free(p);
	}
	l->p = NULL;
}

static int add_forward(const li_layer *l, int64_t n, int n_in, const li_shape *is,
		       const float *const *in, const li_shape *os, float *out, li_err *err)
{
	(void)l, (void)os, (void)err;
	int64_t m = n * li_shape_elems(&is[0]);
	memcpy(out, in[0], sizeof(float) * (size_t)m);
	for (int k = 1; k < n_in; k++)
		for (int64_t i = 0; i < m; i++)
			out[i] += in[k][i];
	return 0;
}

static const char *const in_names[] = {"InputLayer", NULL};
static const char *const dense_names[] = {"Dense", NULL};
static const char *const add_names[] = {"Add", NULL};
static const li_layer_ops ops_in = {in_names, in_parse, same_shape, in_forward, no_free};
static const li_layer_ops ops_dense = {dense_names, dense_parse, dense_shape, dense_forward,
				       dense_free};
static const li_layer_ops ops_add = {add_names, in_parse, same_shape, add_forward, no_free};
static const li_layer_ops *const table[] = {&ops_in, &ops_dense, &ops_add};

const li_layer_ops *li_layer_find(const char *class_name)
{
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		for (const char *const *c = table[i]->classes; *c; c++)
			if (!strcmp(*c, class_name))
				return table[i];
	return NULL;
}

int li_layer_init(li_layer *l, const char *class_name, const char *name, const json_t *config,
		  const li_weight *w, int n_w, const li_origin *o, li_err *err)
{
	memset(l, 0, sizeof *l);
	if (!strcmp(class_name, "Lambda"))
		return li_err_set(err, LI_EDATA, "layer '%s' (Lambda) cannot be run: it holds "
				  "Python code", name);
	const li_layer_ops *ops = li_layer_find(class_name);
	if (!ops)
		return li_err_set(err, LI_EDATA, "layer '%s' (%s) is not yet supported", name,
				  class_name);
	l->ops = ops;
	l->name = strdup(name);
	l->class_name = strdup(class_name);
	if (!l->name || !l->class_name) {
		li_layer_release(l);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (ops->parse(l, config, w, n_w, o, err)) {
		li_layer_release(l);
		return err->code ? err->code : LI_EDATA;
	}
	return 0;
}

void li_layer_release(li_layer *l)
{
	if (!l)
		return;
	if (l->ops && l->ops->free)
		l->ops->free(l);
	free(l->name);
	free(l->class_name);
	memset(l, 0, sizeof *l);
}
