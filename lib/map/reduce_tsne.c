/*
 * t-SNE as a reduction method (the ops record li_tsne_ops, listed in reduce.c): the fit
 * (exact kNN graph of 3 x perplexity neighbours, PCA initialisation, li_tsne_fit with
 * openTSNE's defaults), --auto (li_tsne_auto on a sample, scored by trustworthiness@10),
 * placing new rows (li_tsne_transform), the approximate inverse (li_tsne_inverse with
 * the 10 nearest embedded training points), and the map file's datasets.
 *
 * Map datasets: `training_rows` (n x d float32, the rows fitted), `embedding` (n x dims
 * float32, their coordinates: what li-reduce wrote), `beta` (n float64: each training
 * row's Gaussian precision from the perplexity calibration on its k nearest neighbours,
 * p_{j|i} proportional to exp(-beta_i d_ij^2)). params hold the perplexity asked and used,
 * k, the optimisation settings and the gradient method; quality holds kl_divergence (KL(P
 * || Q) of the final embedding; Z exact up to 1,000 rows, Barnes-Hut's estimate above).
 */
#include "reduce_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "rng.h"
#include "tsne.h"

#define INVERSE_K 10
#define AUTO_ROWS 2000
/* a stream apart from the trustworthiness sample's ("tsneauto" in ASCII) */
#define AUTO_STREAM 0x74736e656175746fULL

typedef struct tsne_state {
	li_tsne_model *model;
	double *beta; /* n */
} tsne_state;

static void tsne_free(void *p)
{
	tsne_state *s = p;
	if (!s)
		return;
	li_tsne_model_free(s->model);
	free(s->beta);
	free(s);
}

/* Appends one line to m->note. */
static void note(li_map *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(li_map *m, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	size_t old = m->note ? strlen(m->note) : 0;
	char *s = realloc(m->note, old + strlen(line) + 2);
	if (!s)
		return; /* a note is not worth failing for */
	if (old)
		s[old++] = '\n';
	strcpy(s + old, line);
	m->note = s;
}

/*
 * t-SNE's 3 x perplexity neighbours are many for NN-descent, whose cost grows with k^2,
 * while the exact search's GEMM and selection cost n^2 (d + ~30) whatever k. Measured
 * on Fashion-MNIST at k 91, two threads, CPU seconds: 70,000 x 50 exact 17.6, NN-descent
 * 34.9. So t-SNE searches exactly while n^2 d stays at or below 70,000^2 x 64 (10,000 x
 * 784 and 70,000 x 50 included, 70,000 x 784 not), approximately above.
 */
#define TSNE_EXACT_KNN_WORK (70000.0 * 70000.0 * 64.0)

static int knn_method(int64_t n, int64_t d)
{
	if (n <= LI_KNN_EXACT_MAX || (double)n * (double)n * (double)d <= TSNE_EXACT_KNN_WORK)
		return LI_KNN_EXACT;
	return LI_KNN_APPROX;
}

/*
 * The kNN graph of the n rows x among themselves for a fit (k neighbours, self left
 * out), through knn.h: exact or NN-descent as knn_method says. knn.h lists
 * each row first in its own list (a duplicate row follows it at distance 0 and counts as
 * a neighbour), so k + 1 are asked and the row itself is dropped. *idx, *dist: freed by
 * the caller; *used gets LI_KNN_EXACT or LI_KNN_APPROX.
 */
static int graph_fit(const float *x, int64_t n, int64_t d, int k, int threads, uint64_t seed,
		     li_tsne_knn *g, int64_t **idx, float **dist, int *used, li_err *err)
{
	size_t nk = (size_t)n * (size_t)k, nk1 = (size_t)n * (size_t)(k + 1);
	int32_t *ii = malloc(nk1 * sizeof *ii);
	float *dd = malloc(nk1 * sizeof *dd);
	*idx = malloc((nk ? nk : 1) * sizeof **idx);
	*dist = malloc((nk ? nk : 1) * sizeof **dist);
	int rc = 0;
	if (!ii || !dd || !*idx || !*dist) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the nearest-neighbour graph");
		goto out;
	}
	li_knn_opts ko = {.k = k + 1, .method = knn_method(n, d), .threads = threads,
			   .seed = seed};
	if ((rc = li_knn_graph(x, n, d, &ko, ii, dd, used, err)) < 0)
		goto out;
	for (int64_t i = 0; i < n; i++) {
		const int32_t *ri = ii + i * (k + 1);
		const float *rd = dd + i * (k + 1);
		int m = 0;
		/* the row itself is first; should a search ever miss it, the last one goes */
		for (int a = 0; a <= k && m < k; a++) {
			if (ri[a] == i || ri[a] < 0)
				continue;
			(*idx)[i * k + m] = ri[a];
			(*dist)[i * k + m] = rd[a];
			m++;
		}
		if (m < k) {
			rc = li_err_set(err, LI_EDATA, "the neighbour search found %d of %d "
					"neighbours for row %lld", m, k, (long long)i);
			goto out;
		}
	}
	*g = (li_tsne_knn){.n = n, .k = k, .idx = *idx, .dist = *dist};
out:
	free(ii);
	free(dd);
	return rc;
}

/* The exact kNN of the n_q rows q among the n_ref rows ref (nothing left out). */
static int graph_query(const float *ref, int64_t n_ref, const float *q, int64_t n_q,
		       int64_t d, int k, int threads, li_tsne_knn *g, int64_t **idx,
		       float **dist, li_err *err)
{
	size_t nk = (size_t)n_q * (size_t)k;
	int32_t *ii = malloc((nk ? nk : 1) * sizeof *ii);
	*idx = malloc((nk ? nk : 1) * sizeof **idx);
	*dist = malloc((nk ? nk : 1) * sizeof **dist);
	int rc = 0;
	if (!ii || !*idx || !*dist) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the nearest-neighbour graph");
		goto out;
	}
	if ((rc = li_knn_query(ref, n_ref, q, n_q, d, k, threads, ii, *dist, err)) < 0)
		goto out;
	for (size_t e = 0; e < nk; e++)
		(*idx)[e] = ii[e];
	*g = (li_tsne_knn){.n = n_q, .k = k, .idx = *idx, .dist = *dist};
out:
	free(ii);
	return rc;
}

/* --auto's score: trustworthiness@10 of the tuning rows (k lowered for tiny sets). */
typedef struct score_ctx {
	const double *x;
	int64_t d;
} score_ctx;

static int score_trust(void *ctx, const float *Y, int64_t n, int dims, double *score,
		       li_err *err)
{
	score_ctx *c = ctx;
	int k = 10;
	if (!(k < n / 2.0))
		k = (int)((n - 1) / 2);
	if (k < 1)
		return li_err_set(err, LI_EDATA, "too few rows to score a t-sne embedding");
	double *y = malloc((size_t)n * (size_t)dims * sizeof *y);
	if (!y)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t i = 0; i < n * dims; i++)
		y[i] = Y[i];
	double t = li_trust(c->x, n, c->d, y, dims, k, err);
	free(y);
	if (t < 0)
		return (int)t;
	*score = t;
	return 0;
}

/*
 * --auto: tunes the perplexity on a seeded sample of at most AUTO_ROWS rows (all rows
 * when there are no more), writes the candidates and the choice into m->params and
 * m->note, and returns the chosen perplexity in *perp. When the sample is every row,
 * the chosen candidate's embedding goes to Yout (*have_y = 1): it is exactly what a
 * fit with that perplexity gives, so it is not fitted again.
 */
static int tune(li_map *m, const li_tsne_params *base, const double *x, const float *xf,
		int64_t n, int64_t d, uint64_t seed, double *perp, float *Yout, int *have_y,
		li_err *err)
{
	int64_t s = n < AUTO_ROWS ? n : AUTO_ROWS;
	int64_t *pick = NULL, *idx = NULL;
	double *xs = NULL;
	float *xsf = NULL, *init = NULL, *dist = NULL;
	int rc = 0;
	li_tsne_auto_result res;
	li_tsne_knn g;
	if (s < 4)
		return li_err_set(err, LI_EDATA, "--auto needs at least 4 rows, got %lld",
				  (long long)n);
	if (!(pick = malloc((size_t)s * sizeof *pick)) ||
	    !(xs = malloc((size_t)s * (size_t)d * sizeof *xs)) ||
	    !(xsf = malloc((size_t)s * (size_t)d * sizeof *xsf)) ||
	    !(init = malloc((size_t)s * (size_t)base->dims * sizeof *init))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for --auto");
		goto out;
	}
	li_rng rng = li_rng_stream(seed, AUTO_STREAM);
	if (s < n)
		li_rng_sample(&rng, n, s, pick);
	else
		for (int64_t i = 0; i < n; i++)
			pick[i] = i;
	for (int64_t i = 0; i < s; i++) {
		memcpy(xs + i * d, x + pick[i] * d, (size_t)d * sizeof *xs);
		memcpy(xsf + i * d, xf + pick[i] * d, (size_t)d * sizeof *xsf);
	}
	int k = li_tsne_auto_neighbors(s, base->perplexity);
	if ((rc = graph_fit(xsf, s, d, k, base->threads, seed, &g, &idx, &dist, NULL, err)) < 0)
		goto out;
	if ((rc = li_tsne_pca_init(xsf, s, d, base->dims, init, err)) < 0)
		goto out;
	score_ctx sc = {xs, d};
	if ((rc = li_tsne_auto(base, &g, init, score_trust, &sc, &res, s == n ? Yout : NULL,
			       err)) < 0)
		goto out;
	*perp = res.perplexity[res.chosen];
	*have_y = s == n;
	json_t *a = json_object(), *pc = json_array(), *sc_ = json_array(), *kl = json_array();
	for (int c = 0; c < res.n_cand; c++) {
		json_array_append_new(pc, json_real(res.perplexity[c]));
		json_array_append_new(sc_, json_real(res.score[c]));
		json_array_append_new(kl, json_real(res.kl[c]));
		note(m, "auto: perplexity %.4g%s: trustworthiness %.4f, KL divergence %.4f",
		     res.perplexity[c], res.is_default[c] ? " (default)" : "", res.score[c],
		     res.kl[c]);
	}
	note(m, "auto: chose %s (tuned on %lld of %lld rows)", res.why, (long long)s,
	     (long long)n);
	json_object_set_new(a, "rows", json_integer(s));
	json_object_set_new(a, "perplexities", pc);
	json_object_set_new(a, "scores", sc_);
	json_object_set_new(a, "kl_divergences", kl);
	json_object_set_new(a, "chosen", json_real(*perp));
	json_object_set_new(a, "why", json_string(res.why));
	json_object_set_new(m->params, "auto", a);
out:
	free(pick);
	free(xs);
	free(xsf);
	free(init);
	free(idx);
	free(dist);
	return rc;
}

static const char *gradient_name(int method)
{
	return method == LI_TSNE_EXACT ? "exact" : method == LI_TSNE_BH ? "barnes-hut" : "fft";
}

static int tsne_fit(li_map *m, const li_reduce_opts *o, const double *x, int64_t n, double *y,
		    li_err *err)
{
	int64_t d = m->n_features;
	int dims = m->dims, rc = 0, have_y = 0, knn_used = LI_KNN_EXACT;
	li_tsne_params p;
	li_tsne_params_init(&p);
	p.dims = dims;
	p.perplexity = o->perplexity ? o->perplexity : 30;
	p.threads = o->threads;
	p.progress = o->progress;
	if (o->early_iter)
		p.early_iter = o->early_iter;
	if (o->iterations)
		p.n_iter = o->iterations;
	if (!(p.perplexity > 0) || isinf(p.perplexity))
		return li_err_set(err, LI_EUSAGE, "perplexity must be a positive number");
	if (n < 4)
		return li_err_set(err, LI_EDATA, "t-SNE needs at least 4 rows, got %lld (the "
				  "perplexity is at most (rows - 1) / 3, and below 1 means nothing)",
				  (long long)n);
	size_t nd = (size_t)n * (size_t)d, ny = (size_t)n * (size_t)dims;
	float *xf = malloc(nd * sizeof *xf), *Y = malloc(ny * sizeof *Y), *dist = NULL;
	int64_t *idx = NULL;
	double *C = NULL, *beta = malloc((size_t)n * sizeof *beta);
	tsne_state *s = calloc(1, sizeof *s);
	li_tsne_knn g;
	li_tsne_info info;
	if (!xf || !Y || !beta || !s) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for t-sne of %lld rows", (long long)n);
		goto out;
	}
	for (size_t i = 0; i < nd; i++)
		xf[i] = (float)x[i];
	double asked = p.perplexity;
	if (o->auto_tune)
		li_progress_say(&p.progress, "t-SNE choosing the perplexity (--auto)", -1, -1);
	if (o->auto_tune && (rc = tune(m, &p, x, xf, n, d, o->seed, &p.perplexity, Y, &have_y,
				       err)) < 0)
		goto out;
	double perp;
	int k = li_tsne_neighbors(n, p.perplexity, &perp);
	if (perp < p.perplexity)
		note(m, "note: perplexity %.4g lowered to %.4g: %lld rows give at most %lld "
		     "neighbours each (3 x perplexity)", p.perplexity, perp, (long long)n,
		     (long long)(n - 1));
	li_progress_say(&p.progress, "t-SNE kNN graph", -1, -1);
	if ((rc = graph_fit(xf, n, d, k, p.threads, o->seed, &g, &idx, &dist, &knn_used,
			       err)) < 0)
		goto out;
	if (!have_y && (rc = li_tsne_pca_init(xf, n, d, dims, Y, err)) < 0)
		goto out;
	if (have_y) {
		/* the chosen candidate of --auto: its KL from the same optimisation */
		info.perplexity = perp;
		info.k = k;
		info.method = li_tsne_method(&p, n);
		info.kl = NAN;
		json_t *a = json_object_get(m->params, "auto");
		json_t *kls = json_object_get(a, "kl_divergences"), *ps = json_object_get(a, "perplexities");
		for (size_t c = 0; c < json_array_size(ps); c++)
			if (json_real_value(json_array_get(ps, c)) == p.perplexity)
				info.kl = json_real_value(json_array_get(kls, c));
	} else if ((rc = li_tsne_fit(&p, &g, Y, &info, err)) < 0) {
		goto out;
	}
	if (!(C = malloc((size_t)n * (size_t)k * sizeof *C))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for t-sne of %lld rows", (long long)n);
		goto out;
	}
	if ((rc = li_tsne_conditional(&g, k, perp, p.threads, C, beta, err)) < 0)
		goto out;
	if (!(s->model = li_tsne_model_new(n, d, dims, xf, Y, perp, err))) {
		rc = LI_ENOMEM;
		goto out;
	}
	s->beta = beta;
	beta = NULL;
	m->state = s;
	s = NULL;
	for (size_t i = 0; i < ny; i++)
		y[i] = Y[i];
	json_object_set_new(m->params, "perplexity", json_real(o->auto_tune ? p.perplexity : asked));
	json_object_set_new(m->params, "perplexity_used", json_real(perp));
	json_object_set_new(m->params, "neighbors", json_integer(k));
	json_object_set_new(m->params, "knn", json_string(knn_used == LI_KNN_EXACT ?
							     "exact" : "approximate"));
	json_object_set_new(m->params, "init", json_string("pca"));
	json_object_set_new(m->params, "early_exaggeration", json_real(p.early_exag));
	json_object_set_new(m->params, "early_iterations", json_integer(p.early_iter));
	json_object_set_new(m->params, "iterations", json_integer(p.n_iter));
	json_object_set_new(m->params, "learning_rate", json_string("auto"));
	json_object_set_new(m->params, "theta", json_real(p.theta));
	json_object_set_new(m->params, "gradient", json_string(gradient_name(info.method)));
	json_object_set_new(m->quality, "kl_divergence",
			    isfinite(info.kl) ? json_real(info.kl) : json_null());
	json_object_set_new(m->quality, "kl_z", json_string(info.method == LI_TSNE_EXACT ?
							     "exact" : gradient_name(info.method)));
out:
	free(xf);
	free(Y);
	free(idx);
	free(dist);
	free(C);
	free(beta);
	tsne_free(s);
	return rc;
}

static int tsne_transform(const li_map *m, const double *x, int64_t n, double *y, li_err *err)
{
	const tsne_state *s = m->state;
	const li_tsne_model *md = s->model;
	li_tsne_place_params p;
	li_tsne_place_params_init(&p);
	p.threads = m->threads;
	if (n == 0)
		return 0;
	/* as many neighbours as li_tsne_transform needs: max(init_k, 3 x perplexity), at most n */
	int k = p.init_k > (int)floor(3 * p.perplexity) ? p.init_k : (int)floor(3 * p.perplexity);
	if (k > md->n)
		k = (int)md->n;
	int64_t *idx = NULL;
	float *dist = NULL, *Y = malloc((size_t)n * (size_t)md->dims * sizeof *Y);
	li_tsne_knn g;
	float *xq = malloc((size_t)n * (size_t)md->d * sizeof *xq);
	int rc = 0;
	if (!Y || !xq)
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
	if (!rc) {
		for (int64_t i = 0; i < n * md->d; i++)
			xq[i] = (float)x[i];
		rc = graph_query(md->x, md->n, xq, n, md->d, k, p.threads, &g, &idx, &dist, err);
	}
	if (!rc)
		rc = li_tsne_transform(md, &g, &p, Y, err);
	if (!rc)
		for (int64_t i = 0; i < n * md->dims; i++)
			y[i] = Y[i];
	free(idx);
	free(dist);
	free(Y);
	free(xq);
	return rc;
}

static int tsne_inverse(const li_map *m, const double *y, int64_t n, double *x, li_err *err)
{
	const li_tsne_model *md = ((const tsne_state *)m->state)->model;
	size_t nd = (size_t)n * (size_t)md->d;
	float *pts = malloc(((size_t)n * (size_t)md->dims + 1) * sizeof *pts);
	float *X = malloc((nd + 1) * sizeof *X);
	int rc = 0;
	if (!pts || !X) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < n * md->dims; i++)
		pts[i] = (float)y[i];
	if ((rc = li_tsne_inverse(md, pts, n, INVERSE_K, m->threads, X,
				  err)) < 0)
		goto out;
	for (size_t i = 0; i < nd; i++)
		x[i] = X[i];
out:
	free(pts);
	free(X);
	return rc;
}

static int tsne_save(const li_map *m, hid_t f, li_err *err)
{
	const tsne_state *s = m->state;
	const li_tsne_model *md = s->model;
	int64_t xd[2] = {md->n, md->d}, yd[2] = {md->n, md->dims};
	int rc = li_mapfile_write(f, "training_rows", LI_DTYPE_F32, 2, xd, md->x, err);
	if (!rc)
		rc = li_mapfile_write(f, "embedding", LI_DTYPE_F32, 2, yd, md->y, err);
	if (!rc)
		rc = li_mapfile_write(f, "beta", LI_DTYPE_F64, 1, &md->n, s->beta, err);
	return rc;
}

static int tsne_load(li_map *m, hid_t f, li_err *err)
{
	int64_t d = m->n_features, dims[LI_MAX_RANK];
	int rank, rc;
	/* the row count comes from the file: allocate only once it is seen to hold the rows */
	if (li_mapfile_shape(f, "training_rows", &rank, dims, err))
		return LI_EDATA;
	if (rank != 2 || dims[1] != d || dims[0] < 2)
		return li_err_set(err, LI_EDATA, "dataset 'training_rows' has the wrong shape");
	int64_t n = dims[0], xd[2] = {n, d}, yd[2] = {n, m->dims};
	json_t *pu = json_object_get(m->params, "perplexity_used");
	if (!json_is_number(pu) || !(json_number_value(pu) > 0))
		return li_err_set(err, LI_EDATA, "params: 'perplexity_used' is not a positive number");
	float *x = malloc((size_t)n * (size_t)d * sizeof *x);
	float *y = malloc((size_t)n * (size_t)m->dims * sizeof *y);
	tsne_state *s = calloc(1, sizeof *s);
	if (!x || !y || !s || !(s->beta = malloc((size_t)n * sizeof *s->beta))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = li_mapfile_read(f, "training_rows", LI_DTYPE_F32, 2, xd, x, err)) ||
	    (rc = li_mapfile_read(f, "embedding", LI_DTYPE_F32, 2, yd, y, err)) ||
	    (rc = li_mapfile_read(f, "beta", LI_DTYPE_F64, 1, &n, s->beta, err)))
		goto out;
	for (int64_t i = 0; i < n * d; i++)
		if (!isfinite(x[i])) {
			rc = li_err_set(err, LI_EDATA, "dataset 'training_rows' is not finite");
			goto out;
		}
	for (int64_t i = 0; i < n * m->dims; i++)
		if (!isfinite(y[i])) {
			rc = li_err_set(err, LI_EDATA, "dataset 'embedding' is not finite");
			goto out;
		}
	if (!(s->model = li_tsne_model_new(n, d, m->dims, x, y, json_number_value(pu), err))) {
		rc = LI_EDATA;
		goto out;
	}
	m->state = s;
	s = NULL;
out:
	free(x);
	free(y);
	tsne_free(s);
	return rc;
}

const li_reduce_ops li_tsne_ops = {
	.name = "tsne",
	.fit = tsne_fit,
	.transform = tsne_transform,
	.inverse = tsne_inverse,
	.save = tsne_save,
	.load = tsne_load,
	.free_state = tsne_free,
};
