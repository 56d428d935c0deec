/*
 * The reducers' front door: the method table, li_reduce_fit (checks shared by every
 * method, the fit itself, the extent, the quality measured for every method) and the
 * transform/inverse dispatch, plus the --report document and the summary line.
 *
 * Quality: trustworthiness@10 on a seeded sample of at most 5,000 rows (the sample's
 * own generator stream, independent of the method's), stored with the sample size; a
 * method adds its own measures (PCA: explained variance ratios) to the same object.
 */
#include "reduce_internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define TRUST_K 10
#define TRUST_ROWS 5000
/* a stream of the seed apart from the one the method draws from ("trust" in ASCII) */
#define TRUST_STREAM 0x7472757374ULL

static const li_reduce_method methods[] = {
	{"pca", &li_pca_ops, NULL, NULL},
	{"umap", &li_umap_ops, NULL, NULL},
	{"tsne", &li_tsne_ops,
	 "t-SNE has no inverse: its embedding is not a function of the latent space that "
	 "could be reversed (--approx gives a neighbour-weighted estimate; PCA maps invert "
	 "exactly)",
	 NULL},
};

const li_reduce_method *li_reduce_find(const char *name)
{
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}

int li_reduce_opts_check(const li_reduce_opts *o, li_err *err)
{
	const char *method = o->method ? o->method : "pca", *why;
	double spread = o->spread ? o->spread : 1.0;
	if (o->min_dist_set && o->min_dist > spread)
		return li_err_set(err, LI_EUSAGE, "--min-dist %g is larger than --spread %g",
				  o->min_dist, spread);
	if (strcmp(method, "umap") && (o->neighbors || o->min_dist_set || o->spread || o->epochs))
		return li_err_set(err, LI_EUSAGE, "--neighbors, --min-dist, --spread and --epochs "
				  "are UMAP options");
	if (!li_reduce_available(method, &why))
		return li_err_set(err, LI_EUSAGE, "--method: '%s' %s", method, why);
	if (strcmp(method, "tsne") && (o->perplexity || o->early_iter || o->iterations))
		return li_err_set(err, LI_EUSAGE, "--perplexity and --iterations are t-SNE options "
				  "(--method tsne)");
	return 0;
}

int li_reduce_available(const char *name, const char **why)
{
	const li_reduce_method *m = li_reduce_find(name);
	if (m && m->ops)
		return 1;
	*why = m ? "is not built yet" : "is not pca, umap or tsne";
	return 0;
}

/* The first row of x (n x d) holding a NaN or an infinity, or -1. */
static int64_t first_bad_row(const double *x, int64_t n, int64_t d)
{
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < d; j++)
			if (!isfinite(x[i * d + j]))
				return i;
	return -1;
}

static int64_t first_bad_row_f32(const float *x, int64_t n, int64_t d)
{
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < d; j++)
			if (!isfinite(x[i * d + j]))
				return i;
	return -1;
}

/* trustworthiness@k on a seeded sample of the rows (x float64, or xf float32 when x is
 * NULL), into m->quality. 0 or negative. */
static int measure_trust(li_map *m, const li_reduce_opts *o, const double *x, const float *xf,
			 int64_t n, const double *y, li_err *err)
{
	int64_t d = m->n_features, dims = m->dims;
	int64_t want = o->trust_rows ? o->trust_rows : TRUST_ROWS;
	if (o->trust_rows < 0)
		return 0;
	int64_t s = n < want ? n : want;
	json_object_set_new(m->quality, "trustworthiness_k", json_integer(TRUST_K));
	json_object_set_new(m->quality, "trustworthiness_rows", json_integer(s));
	if (!(TRUST_K < s / 2.0)) {
		/* sklearn's definition needs k < n / 2 */
		json_object_set_new(m->quality, "trustworthiness", json_null());
		return 0;
	}
	int64_t *idx = malloc((size_t)s * sizeof *idx);
	double *xs = NULL, *ys = NULL;
	int rc = 0;
	li_rng rng = li_rng_stream(o->seed, TRUST_STREAM);
	if (!idx || !(xs = malloc((size_t)s * (size_t)d * sizeof *xs)) ||
	    !(ys = malloc((size_t)s * (size_t)dims * sizeof *ys))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_rng_sample(&rng, n, s, idx);
	for (int64_t i = 0; i < s; i++) {
		if (x)
			memcpy(xs + i * d, x + idx[i] * d, (size_t)d * sizeof *xs);
		else
			li_convert(xs + i * d, LI_DTYPE_F64, xf + idx[i] * d, LI_DTYPE_F32, (size_t)d);
		memcpy(ys + i * dims, y + idx[i] * dims, (size_t)dims * sizeof *ys);
	}
	double t = li_trust(xs, s, d, ys, (int)dims, TRUST_K, err);
	if (t < 0) {
		rc = (int)t;
		goto out;
	}
	json_object_set_new(m->quality, "trustworthiness", json_real(t));
out:
	free(idx);
	free(xs);
	free(ys);
	return rc;
}

/*
 * Finite inputs can still overflow: values near float32's limit (3e38) make squared
 * distances infinite (UMAP, t-SNE: NaN rows) and PCA coordinates too large for the
 * float32 files they go to; far float64 map coordinates invert to latent rows beyond it.
 * Every result is checked here, so that none of them writes a NaN or an infinity the
 * input did not have: the call fails naming the first row.
 */
static int check_out(const double *v, int64_t n, int64_t d, const char *what, li_err *err)
{
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < d; j++)
			if (!(fabs(v[i * d + j]) <= FLT_MAX))
				return li_err_set(err, LI_EDATA, "row %lld: the %s overflow (not finite "
						  "in float32): the values are too large; scale them "
						  "down", (long long)i, what);
	return 0;
}

/*
 * The fit behind li_reduce_fit (x float64, xf NULL) and li_reduce_fit_f32 (xf float32,
 * taken: the method keeps it or it is freed here; x NULL, and the method has fit_f32 and
 * no --auto).
 */
static li_map *fit_rows(const li_reduce_opts *o, const double *x, float *xf, int64_t n,
			int64_t d, int row_rank, const int64_t *row_shape, double *y, li_err *err)
{
	const char *name = o->method ? o->method : "pca";
	const li_reduce_method *meth = li_reduce_find(name);
	int dims = o->dims ? o->dims : 2;
	li_map *m = NULL;
	if (!meth) {
		li_err_set(err, LI_EUSAGE, "unknown method '%s' (pca, umap or tsne)", name);
		goto fail;
	}
	if (!meth->ops) {
		li_err_set(err, LI_EUSAGE, "method '%s' is not built yet", name);
		goto fail;
	}
	if (dims != 2 && dims != 3) {
		li_err_set(err, LI_EUSAGE, "dims must be 2 or 3, not %d", dims);
		goto fail;
	}
	if (n < 2) {
		li_err_set(err, LI_EDATA, n ? "only 1 row: at least 2 are needed to fit a map"
					    : "no rows: at least 2 are needed to fit a map");
		goto fail;
	}
	if (d < dims) {
		li_err_set(err, LI_EDATA, "%d dimensions asked, but rows have only %lld number%s",
			   dims, (long long)d, d == 1 ? "" : "s");
		goto fail;
	}
	if (n > INT32_MAX || d > INT32_MAX) {
		li_err_set(err, LI_EDATA, "too many rows or columns for BLAS (at most 2^31 - 1)");
		goto fail;
	}
	int64_t bad = x ? first_bad_row(x, n, d) : first_bad_row_f32(xf, n, d);
	if (bad >= 0) {
		li_err_set(err, LI_EDATA, "row %lld: not a finite number (NaN or infinity)",
			   (long long)bad);
		goto fail;
	}
	if (!(m = li_map_new(meth, err)))
		goto fail;
	m->dims = dims;
	m->n_features = d;
	m->rows = n;
	m->row_rank = row_rank;
	memcpy(m->row_shape, row_shape, (size_t)row_rank * sizeof *row_shape);
	json_object_set_new(m->params, "method", json_string(name));
	json_object_set_new(m->params, "dims", json_integer(dims));
	/* JSON integers are signed 64-bit here: a larger seed is kept exactly as text */
	if (o->seed <= INT64_MAX) {
		json_object_set_new(m->params, "seed", json_integer((json_int_t)o->seed));
	} else {
		char buf[24];
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
		json_object_set_new(m->params, "seed", json_string(buf));
	}
	json_object_set_new(m->params, "rows", json_integer(n));
	json_object_set_new(m->params, "features", json_integer(d));
	li_reduce_opts tuned;
	if (x && o->auto_tune && strcmp(name, "tsne")) {
		/* t-SNE tunes inside its fit; the others are tuned here (reduce_auto.c) */
		json_t *a = json_object();
		json_object_set_new(m->params, "auto", a);
		li_progress_say(&o->progress, "choosing parameters (--auto)", -1, -1);
		if (li_reduce_auto(meth, o, x, n, d, dims, &tuned, a, &m->note, err))
			goto fail;
		o = &tuned;
	}
	if (x ? meth->ops->fit(m, o, x, n, y, err) : meth->ops->fit_f32(m, o, xf, n, y, err)) {
		xf = NULL; /* fit_f32 took it */
		goto fail;
	}
	if (check_out(y, n, dims, "coordinates", err))
		goto fail_taken;
	for (int c = 0; c < dims; c++) {
		double lo = y[c], hi = y[c];
		for (int64_t i = 1; i < n; i++) {
			double v = y[i * dims + c];
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		m->extent[c] = lo;
		m->extent[dims + c] = hi;
	}
	/* xf, when given, is the method's now (its training rows), alive while m is */
	if (o->trust_rows >= 0)
		li_progress_say(&o->progress, "trustworthiness", -1, -1);
	if (measure_trust(m, o, x, xf, n, y, err) || li_map_finish_text(m, err))
		goto fail_taken;
	return m;
fail:
	free(xf);
fail_taken:
	li_map_free(m);
	return NULL;
}

li_map *li_reduce_fit(const li_reduce_opts *o, const double *x, int64_t n, int64_t d,
		      int row_rank, const int64_t *row_shape, double *y, li_err *err)
{
	return fit_rows(o, x, NULL, n, d, row_rank, row_shape, y, err);
}

int li_reduce_wants_f32(const li_reduce_opts *o)
{
	const li_reduce_method *meth = li_reduce_find(o->method ? o->method : "pca");
	return meth && meth->ops && meth->ops->fit_f32 && !o->auto_tune;
}

li_map *li_reduce_fit_f32(const li_reduce_opts *o, float *x, int64_t n, int64_t d,
			  int row_rank, const int64_t *row_shape, double *y, li_err *err)
{
	if (li_reduce_wants_f32(o))
		return fit_rows(o, NULL, x, n, d, row_rank, row_shape, y, err);
	/* the method works in float64: one converted copy */
	size_t nd;
	double *xd = NULL;
	if (!li_mul_size((size_t)(n > 0 ? n : 0), (size_t)(d > 0 ? d : 0), &nd))
		xd = malloc((nd ? nd : 1) * sizeof *xd);
	if (!xd) {
		free(x);
		li_err_set(err, LI_ENOMEM, "out of memory for %lld rows", (long long)n);
		return NULL;
	}
	li_convert(xd, LI_DTYPE_F64, x, LI_DTYPE_F32, nd);
	free(x);
	li_map *m = fit_rows(o, xd, NULL, n, d, row_rank, row_shape, y, err);
	free(xd);
	return m;
}

li_map *li_reduce_fit_array(const li_reduce_opts *o, li_array *x, double **y, li_err *err)
{
	*y = NULL;
	if (x->rank < 1) {
		li_err_set(err, LI_EDATA, "a 0-d array has no rows to fit");
		return NULL;
	}
	int64_t n = x->shape[0], d = li_shape_row_elems(x->rank, x->shape);
	if (!(*y = malloc((size_t)(n > 0 ? n : 1) * (size_t)o->dims * sizeof **y))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	li_map *m;
	if (x->dtype == LI_DTYPE_F32) {
		m = li_reduce_fit_f32(o, x->data, n, d, x->rank - 1, x->shape + 1, *y, err);
		x->data = NULL; /* taken */
	} else {
		m = li_reduce_fit(o, x->data, n, d, x->rank - 1, x->shape + 1, *y, err);
	}
	if (!m) {
		free(*y);
		*y = NULL;
	}
	return m;
}

int li_map_transform(const li_map *m, const double *x, int64_t n, double *y, li_err *err)
{
	const char *why;
	if (!li_map_can_transform(m, &why))
		return li_err_set(err, LI_EDATA, "%s", why);
	int64_t bad = first_bad_row(x, n, m->n_features);
	if (bad >= 0)
		return li_err_set(err, LI_EDATA, "row %lld: not a finite number (NaN or infinity)",
				  (long long)bad);
	return m->method->ops->transform(m, x, n, y, err) ||
	       check_out(y, n, m->dims, "coordinates", err) ? err->code : 0;
}

int li_map_inverse(const li_map *m, const double *y, int64_t n, double *x, li_err *err)
{
	return li_map_inverse_outside(m, y, n, x, NULL, err);
}

int li_map_inverse_outside(const li_map *m, const double *y, int64_t n, double *x,
			   uint8_t *outside, li_err *err)
{
	const char *why;
	if (!li_map_has_inverse(m, &why))
		return li_err_set(err, LI_EDATA, "%s", why);
	int64_t bad = first_bad_row(y, n, m->dims);
	if (bad >= 0)
		return li_err_set(err, LI_EDATA, "row %lld: not a finite number (NaN or infinity)",
				  (long long)bad);
	if (outside)
		memset(outside, 0, (size_t)n);
	int rc = m->method->ops->inverse_outside
			 ? m->method->ops->inverse_outside(m, y, n, x, outside, err)
			 : m->method->ops->inverse(m, y, n, x, err);
	return rc ? rc : check_out(x, n, m->n_features, "inverted rows", err);
}

int li_map_inverse_approx(const li_map *m, const double *y, int64_t n, double *x,
			  li_err *err)
{
	const char *why;
	if (!m->method->no_inverse)
		return li_map_inverse(m, y, n, x, err);
	if (!li_map_can_transform(m, &why))
		return li_err_set(err, LI_EDATA, "%s", why);
	if (!m->method->ops->inverse)
		return li_err_set(err, LI_EDATA, "%s", m->method->no_inverse);
	int64_t bad = first_bad_row(y, n, m->dims);
	if (bad >= 0)
		return li_err_set(err, LI_EDATA, "row %lld: not a finite number (NaN or infinity)",
				  (long long)bad);
	int rc = m->method->ops->inverse(m, y, n, x, err);
	return rc ? rc : check_out(x, n, m->n_features, "inverted rows", err);
}

/* The --report document as JSON (one reference, the caller's). */
static json_t *report_json(const li_map *m)
{
	json_t *r = json_object(), *rs = json_array(), *ex = json_array();
	for (int i = 0; i < m->row_rank; i++)
		json_array_append_new(rs, json_integer(m->row_shape[i]));
	for (int e = 0; e < 2; e++) {
		json_t *row = json_array();
		for (int c = 0; c < m->dims; c++)
			json_array_append_new(row, json_real(m->extent[e * m->dims + c]));
		json_array_append_new(ex, row);
	}
	json_object_set_new(r, "method", json_string(m->method->name));
	json_object_set_new(r, "rows", json_integer(m->rows));
	json_object_set_new(r, "features", json_integer(m->n_features));
	json_object_set_new(r, "dims", json_integer(m->dims));
	json_object_set_new(r, "row_shape", rs);
	json_object_set(r, "params", m->params);
	json_object_set(r, "quality", m->quality);
	json_object_set_new(r, "extent", ex);
	return r;
}

char *li_map_report(const li_map *m)
{
	return li_map_report_sample(m, 0, 0, 0);
}

char *li_map_report_sample(const li_map *m, int64_t rows, int64_t of, uint64_t seed)
{
	json_t *r = report_json(m);
	if (rows > 0)
		json_object_set_new(r, "sample", json_pack("{sIsIsI}", "rows", (json_int_t)rows,
							   "of", (json_int_t)of, "seed", (json_int_t)seed));
	char *s = json_dumps(r, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	json_decref(r);
	return s;
}

int64_t li_map_neighbors_asked(const li_map *m)
{
	json_t *a = json_object_get(m->params, "n_neighbors_asked");
	return json_is_integer(a) ? json_integer_value(a) : 0;
}

void li_map_summary(const li_map *m, char *buf, size_t n)
{
	size_t used = 0;
#define ADD(...) do { \
		int w_ = snprintf(buf + used, used < n ? n - used : 0, __VA_ARGS__); \
		if (w_ > 0) used += (size_t)w_; \
	} while (0)
	const char *solver = json_string_value(json_object_get(m->params, "solver"));
	const char *knn = json_string_value(json_object_get(m->params, "knn"));
	ADD("%s", m->method->name);
	if (knn)
		ADD(" (%s kNN)", knn);
	if (solver)
		ADD(" (%s%s)", solver, json_is_false(json_object_get(m->params, "exact")) ?
			", approximate" : "");
	json_t *perp = json_object_get(m->params, "perplexity_used");
	if (json_is_number(perp))
		ADD(" (perplexity %.4g, %s gradient)", json_number_value(perp),
		    json_string_value(json_object_get(m->params, "gradient")) ?
		    json_string_value(json_object_get(m->params, "gradient")) : "?");
	ADD(" of %lld x %lld to %d-D", (long long)m->rows, (long long)m->n_features, m->dims);
	json_t *evr = json_object_get(m->quality, "explained_variance_ratio");
	if (json_is_array(evr)) {
		size_t i;
		json_t *v;
		ADD(": explained variance");
		json_array_foreach(evr, i, v)
			ADD("%s%.4f", i ? " + " : " ", json_real_value(v));
		ADD(" = %.4f", json_real_value(json_object_get(m->quality,
							       "explained_variance_ratio_sum")));
	}
	json_t *kl = json_object_get(m->quality, "kl_divergence");
	if (json_is_number(kl))
		ADD(": KL divergence %.4f", json_number_value(kl));
	json_t *t = json_object_get(m->quality, "trustworthiness");
	if (json_is_real(t))
		ADD(", trustworthiness@%d %.4f (%lld rows)", TRUST_K, json_real_value(t),
		    (long long)json_integer_value(json_object_get(m->quality, "trustworthiness_rows")));
	else if (t)
		ADD(", trustworthiness not measured (too few rows)");
#undef ADD
	if (n)
		buf[used < n ? used : n - 1] = 0;
}
