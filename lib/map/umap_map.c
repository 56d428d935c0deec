/*
 * UMAP as a reduction method (reduce_internal.h): the ops record that puts umap.h
 * behind li-reduce --method umap, li-reduce --transform and li-invert.
 *
 * The map file (li-map(5)) holds, beside the shared root attributes:
 *   x          float32 n x d   the training rows
 *   embedding  float32 n x dims
 *   sigmas     float32 n       smooth-kNN scales
 *   rhos       float32 n       distance to each row's nearest neighbour
 *   a, b       float64 scalars the fitted curve 1 / (1 + a d^(2b))
 *   graph/     the fuzzy union in CSR form: indptr (int64 n + 1), indices (int32 nnz),
 *              data (float32 nnz), as scipy.sparse.csr_matrix((data, indices, indptr))
 * and the params JSON carries every li_umap_params field transform and inverse use
 * (n_neighbors as used, min_dist, spread, n_epochs, learning_rate, ...) plus "knn":
 * "exact" or "approximate". A loaded map is the same model the fit made, so transform
 * and inverse give the same bytes before and after a save.
 */
#include "reduce_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "umap.h"

static void umap_free_state(void *p)
{
	li_umap_free(p);
}

/* float64 rows into a new float32 buffer; NULL when out of memory. */
static float *to_f32(const double *x, int64_t n, int64_t d)
{
	size_t nd;
	if (li_mul_size((size_t)n, (size_t)d, &nd))
		return NULL;
	float *f = malloc((nd ? nd : 1) * sizeof *f);
	if (f)
		li_convert(f, LI_DTYPE_F32, x, LI_DTYPE_F64, nd);
	return f;
}

static void put_params(json_t *j, const li_umap_model *u, int n_neighbors_asked)
{
	const li_umap_params *p = &u->params;
	json_object_set_new(j, "n_neighbors", json_integer(p->n_neighbors));
	if (n_neighbors_asked != p->n_neighbors)
		json_object_set_new(j, "n_neighbors_asked", json_integer(n_neighbors_asked));
	json_object_set_new(j, "min_dist", json_real(p->min_dist));
	json_object_set_new(j, "spread", json_real(p->spread));
	json_object_set_new(j, "n_epochs", json_integer(p->n_epochs)); /* 0: by row count */
	json_object_set_new(j, "epochs_run", json_integer(u->n_epochs));
	json_object_set_new(j, "learning_rate", json_real(p->learning_rate));
	json_object_set_new(j, "negative_sample_rate", json_integer(p->negative_sample_rate));
	json_object_set_new(j, "repulsion_strength", json_real(p->repulsion_strength));
	json_object_set_new(j, "local_connectivity", json_real(p->local_connectivity));
	json_object_set_new(j, "set_op_mix_ratio", json_real(p->set_op_mix_ratio));
	json_object_set_new(j, "a", json_real(p->a));
	json_object_set_new(j, "b", json_real(p->b));
	json_object_set_new(j, "knn", json_string(u->knn_used == LI_KNN_EXACT ? "exact"
										: "approximate"));
}

/* umap-learn's options from o into p; 0 or LI_EUSAGE. */
static int fit_params(const li_map *m, const li_reduce_opts *o, li_umap_params *p,
		      li_err *err)
{
	li_umap_params_default(p);
	p->n_components = m->dims;
	p->seed = o->seed;
	p->threads = o->threads;
	p->progress = o->progress;
	if (o->neighbors)
		p->n_neighbors = o->neighbors;
	if (o->min_dist_set)
		p->min_dist = o->min_dist;
	if (o->spread)
		p->spread = o->spread;
	p->n_epochs = o->epochs;
	if (p->n_neighbors < 2 || p->n_neighbors > 1024)
		return li_err_set(err, LI_EUSAGE, "n_neighbors %d is not between 2 and 1024",
				  p->n_neighbors);
	if (!(p->spread > 0) || !isfinite(p->spread))
		return li_err_set(err, LI_EUSAGE, "spread %g is not a positive number", p->spread);
	if (!(p->min_dist >= 0) || !isfinite(p->min_dist))
		return li_err_set(err, LI_EUSAGE, "min_dist %g is negative", p->min_dist);
	if (p->min_dist > p->spread)
		return li_err_set(err, LI_EUSAGE, "min_dist %g is larger than spread %g",
				  p->min_dist, p->spread);
	if (p->n_epochs < 0)
		return li_err_set(err, LI_EUSAGE, "epochs %d is negative", p->n_epochs);
	return 0;
}

/* The fit on float32 rows xf, which it takes (the model keeps them as its training
 * rows; freed on failure). */
static int umap_fit_f32(li_map *m, const li_reduce_opts *o, float *xf, int64_t n, double *y,
			li_err *err)
{
	li_umap_params p;
	int rc = fit_params(m, o, &p, err);
	if (rc == 0 && n <= m->dims + 1)
		rc = li_err_set(err, LI_EDATA, "only %lld rows: UMAP in %d-D needs at least %d",
				(long long)n, m->dims, m->dims + 2);
	if (rc < 0) {
		free(xf);
		return rc;
	}
	int asked = p.n_neighbors;
	li_umap_model *u = li_umap_fit_take(xf, n, m->n_features, &p, err);
	if (!u)
		return err->code ? err->code : LI_EDATA;
	for (int64_t i = 0; i < n * m->dims; i++)
		y[i] = u->embedding[i];
	m->state = u;
	put_params(m->params, u, asked);
	return 0;
}

static int umap_fit(li_map *m, const li_reduce_opts *o, const double *x, int64_t n,
		    double *y, li_err *err)
{
	float *xf = to_f32(x, n, m->n_features);
	if (!xf)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return umap_fit_f32(m, o, xf, n, y, err);
}

static int umap_transform(const li_map *m, const double *x, int64_t n, double *y,
			  li_err *err)
{
	const li_umap_model *u = m->state;
	if (n == 0)
		return 0;
	float *xf = to_f32(x, n, u->d);
	float *out = malloc((size_t)n * (size_t)u->dim * sizeof *out);
	int rc = 0;
	if (!xf || !out)
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
	else if (!(rc = li_umap_transform(u, xf, n, out, err)))
		for (int64_t i = 0; i < n * u->dim; i++)
			y[i] = out[i];
	free(xf);
	free(out);
	return rc;
}

static int umap_inverse_outside(const li_map *m, const double *y, int64_t n, double *x,
				uint8_t *outside, li_err *err)
{
	const li_umap_model *u = m->state;
	if (u->dim != 2)
		return li_err_set(err, LI_EDATA,
				  "UMAP maps invert in 2-D only; this map has %lld dimensions",
				  (long long)u->dim);
	if (n == 0)
		return 0;
	float *yf = to_f32(y, n, u->dim);
	float *out = malloc((size_t)n * (size_t)u->d * sizeof *out);
	int rc = 0;
	if (!yf || !out)
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
	else if (!(rc = li_umap_inverse(u, yf, n, out, outside, err)))
		for (int64_t i = 0; i < n * u->d; i++)
			x[i] = out[i];
	free(yf);
	free(out);
	return rc;
}

static int umap_inverse(const li_map *m, const double *y, int64_t n, double *x, li_err *err)
{
	return umap_inverse_outside(m, y, n, x, NULL, err);
}

static int umap_save(const li_map *m, hid_t f, li_err *err)
{
	const li_umap_model *u = m->state;
	int64_t nd[2] = {u->n, u->d}, ne[2] = {u->n, u->dim}, np1 = u->n + 1;
	int rc = li_mapfile_write(f, "x", LI_DTYPE_F32, 2, nd, u->x, err);
	if (!rc)
		rc = li_mapfile_write(f, "embedding", LI_DTYPE_F32, 2, ne, u->embedding, err);
	if (!rc)
		rc = li_mapfile_write(f, "sigmas", LI_DTYPE_F32, 1, &u->n, u->sigmas, err);
	if (!rc)
		rc = li_mapfile_write(f, "rhos", LI_DTYPE_F32, 1, &u->n, u->rhos, err);
	if (!rc)
		rc = li_mapfile_write(f, "a", LI_DTYPE_F64, 0, NULL, &u->params.a, err);
	if (!rc)
		rc = li_mapfile_write(f, "b", LI_DTYPE_F64, 0, NULL, &u->params.b, err);
	if (rc)
		return rc;
	hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE), g = -1;
	if (gcpl >= 0 && H5Pset_obj_track_times(gcpl, 0) >= 0)
		g = H5Gcreate2(f, "graph", H5P_DEFAULT, gcpl, H5P_DEFAULT);
	if (g < 0)
		rc = li_err_set(err, LI_EIO, "cannot create group 'graph'");
	if (!rc)
		rc = li_mapfile_write(g, "indptr", LI_DTYPE_I64, 1, &np1, u->graph.indptr, err);
	if (!rc)
		rc = li_mapfile_write(g, "indices", LI_DTYPE_I32, 1, &u->graph.nnz,
				      u->graph.indices, err);
	if (!rc)
		rc = li_mapfile_write(g, "data", LI_DTYPE_F32, 1, &u->graph.nnz,
				      u->graph.weights, err);
	if (g >= 0)
		H5Gclose(g);
	if (gcpl >= 0)
		H5Pclose(gcpl);
	return rc;
}

/* A number from the params JSON into *v; 0, or LI_EDATA naming it. */
static int get_num(const json_t *params, const char *key, double *v, li_err *err)
{
	json_t *j = json_object_get(params, key);
	if (!json_is_number(j) || !isfinite(json_number_value(j)))
		return li_err_set(err, LI_EDATA, "params: '%s' is missing or not a number", key);
	*v = json_number_value(j);
	return 0;
}

static int params_from_json(const li_map *m, li_umap_params *p, li_err *err)
{
	static const char *keys[] = {"n_neighbors", "min_dist", "spread", "n_epochs",
				     "learning_rate", "negative_sample_rate", "repulsion_strength",
				     "local_connectivity", "set_op_mix_ratio", "a", "b"};
	double v[11];
	for (int i = 0; i < 11; i++)
		if (get_num(m->params, keys[i], &v[i], err))
			return LI_EDATA;
	li_umap_params_default(p);
	if (v[0] < 1 || v[0] > 1024 || v[3] < 0 || v[3] > 1e6 || v[5] < 0 || v[5] > 1000)
		return li_err_set(err, LI_EDATA, "params: n_neighbors, n_epochs or "
				  "negative_sample_rate out of range");
	p->n_neighbors = (int)v[0];
	p->n_components = m->dims;
	p->min_dist = v[1];
	p->spread = v[2];
	p->n_epochs = (int)v[3];
	p->learning_rate = v[4];
	p->negative_sample_rate = (int)v[5];
	p->repulsion_strength = v[6];
	p->local_connectivity = v[7];
	p->set_op_mix_ratio = v[8];
	p->a = v[9];
	p->b = v[10];
	json_t *s = json_object_get(m->params, "seed");
	if (json_is_integer(s))
		p->seed = (uint64_t)json_integer_value(s);
	else if (json_is_string(s))
		p->seed = strtoull(json_string_value(s), NULL, 10);
	else
		return li_err_set(err, LI_EDATA, "params: 'seed' is missing");
	return 0;
}

static int umap_load(li_map *m, hid_t f, li_err *err)
{
	li_umap_params p;
	if (params_from_json(m, &p, err))
		return LI_EDATA;
	int rank;
	int64_t dims[LI_MAX_RANK], n, d = m->n_features, dim = m->dims, nnz;
	if (li_mapfile_shape(f, "x", &rank, dims, err))
		return LI_EDATA;
	if (rank != 2 || dims[1] != d || dims[0] < 3)
		return li_err_set(err, LI_EDATA, "dataset 'x' has the wrong shape");
	n = dims[0];
	if (H5Lexists(f, "graph", H5P_DEFAULT) <= 0)
		return li_err_set(err, LI_EDATA, "no 'graph' group");
	hid_t g = H5Gopen2(f, "graph", H5P_DEFAULT);
	if (g < 0)
		return li_err_set(err, LI_EDATA, "cannot open group 'graph'");
	if (li_mapfile_shape(g, "indices", &rank, dims, err)) {
		H5Gclose(g);
		return LI_EDATA;
	}
	if (rank != 1) {
		H5Gclose(g);
		return li_err_set(err, LI_EDATA, "dataset 'graph/indices' has the wrong rank");
	}
	nnz = dims[0];
	int rc = 0;
	int64_t nd[2] = {n, d}, ne[2] = {n, dim}, np1 = n + 1;
	float *x = malloc((size_t)(n * d) * sizeof *x);
	float *e = malloc((size_t)(n * dim) * sizeof *e);
	float *sig = malloc((size_t)n * sizeof *sig), *rho = malloc((size_t)n * sizeof *rho);
	int64_t *ip = malloc((size_t)np1 * sizeof *ip);
	int32_t *ix = malloc((size_t)(nnz ? nnz : 1) * sizeof *ix);
	float *w = malloc((size_t)(nnz ? nnz : 1) * sizeof *w);
	if (!x || !e || !sig || !rho || !ip || !ix || !w)
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
	if (!rc)
		rc = li_mapfile_read(f, "x", LI_DTYPE_F32, 2, nd, x, err);
	if (!rc)
		rc = li_mapfile_read(f, "embedding", LI_DTYPE_F32, 2, ne, e, err);
	if (!rc)
		rc = li_mapfile_read(f, "sigmas", LI_DTYPE_F32, 1, &n, sig, err);
	if (!rc)
		rc = li_mapfile_read(f, "rhos", LI_DTYPE_F32, 1, &n, rho, err);
	if (!rc)
		rc = li_mapfile_read(g, "indptr", LI_DTYPE_I64, 1, &np1, ip, err);
	if (!rc)
		rc = li_mapfile_read(g, "indices", LI_DTYPE_I32, 1, &nnz, ix, err);
	if (!rc)
		rc = li_mapfile_read(g, "data", LI_DTYPE_F32, 1, &nnz, w, err);
	if (!rc)
		rc = li_mapfile_read(f, "a", LI_DTYPE_F64, 0, NULL, &p.a, err);
	if (!rc)
		rc = li_mapfile_read(f, "b", LI_DTYPE_F64, 0, NULL, &p.b, err);
	if (!rc && (!(p.a > 0) || !(p.b > 0) || !isfinite(p.a) || !isfinite(p.b)))
		rc = li_err_set(err, LI_EDATA, "datasets 'a' and 'b' must be positive numbers");
	H5Gclose(g);
	li_umap_model *u = NULL;
	if (!rc && !(u = li_umap_model_from_arrays(&p, n, d, dim, x, e, sig, rho, nnz, ip, ix, w,
						     err)))
		rc = err->code ? err->code : LI_EDATA;
	if (!rc) {
		json_t *er = json_object_get(m->params, "epochs_run");
		u->n_epochs = json_is_integer(er) ? (int)json_integer_value(er) : p.n_epochs;
		json_t *k = json_object_get(m->params, "knn");
		u->knn_used = json_is_string(k) && !strcmp(json_string_value(k), "approximate")
				      ? LI_KNN_APPROX : LI_KNN_EXACT;
		m->state = u;
	}
	free(x);
	free(e);
	free(sig);
	free(rho);
	free(ip);
	free(ix);
	free(w);
	return rc;
}

const li_reduce_ops li_umap_ops = {
	.name = "umap",
	.fit = umap_fit,
	.fit_f32 = umap_fit_f32,
	.transform = umap_transform,
	.inverse = umap_inverse,
	.save = umap_save,
	.load = umap_load,
	.free_state = umap_free_state,
	.inverse_outside = umap_inverse_outside,
};
