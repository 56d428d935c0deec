/*
 * Principal component analysis, written to agree with scikit-learn's PCA (1.2.1, the
 * distribution's) so that coordinates compare directly:
 *   mean = column means; components = the top-k right singular vectors of the centred
 *   data Xc; explained_variance = S^2 / (n - 1); ratio = variance / total variance;
 *   transform(x) = (x - mean) V^T [/ sqrt(variance) when whitening];
 *   inverse(y) = y [* sqrt(variance)] V + mean (exact, also when whitened).
 *
 * Three solvers, chosen by shape ("auto") and reported in the map's params:
 *   eig         columns <= 1000: eigendecomposition of the covariance Xc^T Xc / (n - 1)
 *               (LAPACK dsyevr, only the k largest pairs); cost n d^2, linear in rows.
 *   svd         more columns, at most 1000 rows or columns: thin SVD of Xc (dgesdd).
 *   randomized  otherwise (wide and large): Halko, Martinsson and Tropp, "Finding
 *               structure with randomness" (2011), Algorithm 4.4: a Gaussian test
 *               matrix from our seeded generator, k + 10 columns, power iterations
 *               re-orthonormalised by QR at each step (7 when k < min(n, d) / 10, else
 *               4, as scikit-learn's randomized_svd chooses), then an exact SVD of the
 *               small projected matrix.
 * Signs: scikit-learn 1.2.1's PCA calls svd_flip(U, Vt) with u_based_decision=True:
 * each component's sign makes the entry of largest magnitude in its column of U (the
 * training scores) positive, the first such row on ties. We do the same on the scores.
 */
#include "reduce_internal.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define EIG_MAX_COLS 1000
#define SVD_MAX_SIDE 1000
#define OVERSAMPLES 10
#define CHUNK 4096

typedef struct pca_state {
	int64_t k, d;
	int whiten;
	double *mean;   /* d */
	double *comp;   /* k x d, rows are components */
	double *var;    /* k, explained variance */
	double *sd;     /* k, sqrt(var) when whitening, else 1 */
} pca_state;

static void pca_free(void *p)
{
	pca_state *s = p;
	if (!s)
		return;
	free(s->mean);
	free(s->comp);
	free(s->var);
	free(s->sd);
	free(s);
}

static pca_state *pca_new(int64_t k, int64_t d, int whiten, li_err *err)
{
	pca_state *s = calloc(1, sizeof *s);
	size_t kd;
	if (!s || li_mul_size((size_t)k, (size_t)d, &kd)) {
		free(s);
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	s->k = k;
	s->d = d;
	s->whiten = whiten;
	s->mean = calloc((size_t)d, sizeof(double));
	s->comp = calloc(kd, sizeof(double));
	s->var = calloc((size_t)k, sizeof(double));
	s->sd = calloc((size_t)k, sizeof(double));
	if (!s->mean || !s->comp || !s->var || !s->sd) {
		pca_free(s);
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	return s;
}

/* y = ((x - mean) V^T) / sd, in chunks so the centred copy stays small. */
static int pca_transform(const li_map *m, const double *x, int64_t n, double *y, li_err *err)
{
	const pca_state *s = m->state;
	int64_t d = s->d, k = s->k;
	int64_t rows = n < CHUNK ? n : CHUNK;
	double *xc = malloc((size_t)(rows > 0 ? rows : 1) * (size_t)d * sizeof *xc);
	if (!xc)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t r0 = 0; r0 < n; r0 += CHUNK) {
		int64_t nr = n - r0 < CHUNK ? n - r0 : CHUNK;
		const double *xr = x + r0 * d;
		for (int64_t i = 0; i < nr; i++)
			for (int64_t j = 0; j < d; j++)
				xc[i * d + j] = xr[i * d + j] - s->mean[j];
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)k, (int)d, 1.0,
			    xc, (int)d, s->comp, (int)d, 0.0, y + r0 * k, (int)k);
		if (s->whiten)
			for (int64_t i = 0; i < nr; i++)
				for (int64_t j = 0; j < k; j++)
					y[(r0 + i) * k + j] /= s->sd[j];
	}
	free(xc);
	return 0;
}

/* x = (y * sd) V + mean. */
static int pca_inverse(const li_map *m, const double *y, int64_t n, double *x, li_err *err)
{
	const pca_state *s = m->state;
	int64_t d = s->d, k = s->k;
	double *ys = malloc((size_t)(n > 0 ? n : 1) * (size_t)k * sizeof *ys);
	if (!ys)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t i = 0; i < n; i++) {
		for (int64_t j = 0; j < k; j++)
			ys[i * k + j] = s->whiten ? y[i * k + j] * s->sd[j] : y[i * k + j];
		memcpy(x + i * d, s->mean, (size_t)d * sizeof *x);
	}
	if (n > 0)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)k, 1.0,
			    ys, (int)k, s->comp, (int)d, 1.0, x, (int)d);
	free(ys);
	return 0;
}

/* Orthonormalises the columns of a (rows x cols, row-major) in place by QR. */
static int orthonormalise(double *a, int64_t rows, int64_t cols, li_err *err)
{
	double *tau = malloc((size_t)cols * sizeof *tau);
	if (!tau)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (int)rows, (int)cols, a, (int)cols, tau);
	if (!info)
		info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (int)rows, (int)cols, (int)cols, a,
				      (int)cols, tau);
	free(tau);
	if (info)
		return li_err_set(err, info < 0 ? LI_ENOMEM : LI_EDATA,
				  "QR factorisation failed (LAPACK info %d)", info);
	return 0;
}

/* Top-k eigenpairs of the covariance of xc (n x d). */
static int solve_eig(pca_state *s, const double *xc, int64_t n, li_err *err)
{
	int64_t d = s->d, k = s->k;
	int rc = 0, found = 0;
	double *c = malloc((size_t)d * (size_t)d * sizeof *c);
	double *w = malloc((size_t)d * sizeof *w);
	double *z = malloc((size_t)d * (size_t)k * sizeof *z);
	lapack_int *supp = malloc((size_t)(2 * k) * sizeof *supp);
	if (!c || !w || !z || !supp) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0 / (double)(n - 1),
		    xc, (int)d, 0.0, c, (int)d);
	int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (int)d, c, (int)d, 0, 0,
				  (int)(d - k + 1), (int)d, 0.0, &found, w, z, (int)k, supp);
	if (info || found != k) {
		rc = li_err_set(err, LI_EDATA, "eigendecomposition failed (LAPACK info %d)", info);
		goto out;
	}
	/* dsyevr returns ascending eigenvalues; components go largest first */
	for (int64_t j = 0; j < k; j++) {
		int64_t src = k - 1 - j;
		s->var[j] = w[src] > 0 ? w[src] : 0;
		for (int64_t i = 0; i < d; i++)
			s->comp[j * d + i] = z[i * k + src];
	}
out:
	free(c);
	free(w);
	free(z);
	free(supp);
	return rc;
}

/* Thin SVD of a (rows x cols, destroyed); keeps the top k right singular vectors. */
static int svd_top(pca_state *s, double *a, int64_t rows, int64_t cols, int64_t n, li_err *err)
{
	int64_t r = rows < cols ? rows : cols, k = s->k;
	double *sv = malloc((size_t)r * sizeof *sv);
	double *u = malloc((size_t)rows * (size_t)r * sizeof *u);
	double *vt = malloc((size_t)r * (size_t)cols * sizeof *vt);
	int rc = 0;
	if (!sv || !u || !vt) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (int)rows, (int)cols, a, (int)cols, sv,
				  u, (int)r, vt, (int)cols);
	if (info) {
		rc = li_err_set(err, info < 0 ? LI_ENOMEM : LI_EDATA,
				"singular value decomposition failed (LAPACK info %d)", info);
		goto out;
	}
	for (int64_t j = 0; j < k; j++) {
		s->var[j] = sv[j] * sv[j] / (double)(n - 1);
		memcpy(s->comp + j * cols, vt + j * cols, (size_t)cols * sizeof(double));
	}
out:
	free(sv);
	free(u);
	free(vt);
	return rc;
}

static int solve_randomized(pca_state *s, const double *xc, int64_t n, uint64_t seed, int q,
			    int64_t l, li_err *err)
{
	int64_t d = s->d;
	int rc = 0;
	double *omega = malloc((size_t)d * (size_t)l * sizeof *omega);
	double *y = malloc((size_t)n * (size_t)l * sizeof *y);
	double *b = malloc((size_t)l * (size_t)d * sizeof *b);
	if (!omega || !y || !b) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_rng rng;
	li_rng_seed(&rng, seed);
	for (int64_t i = 0; i < d * l; i++)
		omega[i] = li_rng_normal(&rng);
	/* Y = Xc Omega, then (Xc Xc^T)^q Y with QR after every product */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)l, (int)d, 1.0, xc,
		    (int)d, omega, (int)l, 0.0, y, (int)l);
	if ((rc = orthonormalise(y, n, l, err)))
		goto out;
	for (int it = 0; it < q; it++) {
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)l, (int)n, 1.0, xc,
			    (int)d, y, (int)l, 0.0, omega, (int)l);
		if ((rc = orthonormalise(omega, d, l, err)))
			goto out;
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)l, (int)d, 1.0,
			    xc, (int)d, omega, (int)l, 0.0, y, (int)l);
		if ((rc = orthonormalise(y, n, l, err)))
			goto out;
	}
	/* B = Q^T Xc (l x d); its SVD gives the singular values and right vectors */
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)l, (int)d, (int)n, 1.0, y,
		    (int)l, xc, (int)d, 0.0, b, (int)d);
	rc = svd_top(s, b, l, d, n, err);
out:
	free(omega);
	free(y);
	free(b);
	return rc;
}

static const char *choose_solver(int64_t n, int64_t d)
{
	if (d <= EIG_MAX_COLS)
		return "eig";
	if (n <= SVD_MAX_SIDE || d <= SVD_MAX_SIDE)
		return "svd";
	return "randomized";
}

static int pca_fit(li_map *m, const li_reduce_opts *o, const double *x, int64_t n, double *y,
		   li_err *err)
{
	int64_t d = m->n_features, k = m->dims;
	const char *solver = o->solver && strcmp(o->solver, "auto") ? o->solver : choose_solver(n, d);
	li_progress_say(&o->progress, "PCA", -1, -1);
	if (strcmp(solver, "eig") && strcmp(solver, "svd") && strcmp(solver, "randomized"))
		return li_err_set(err, LI_EUSAGE,
				  "unknown solver '%s' (auto, eig, svd or randomized)", solver);
	if (k > n)
		return li_err_set(err, LI_EDATA, "%lld components asked from only %lld rows",
				  (long long)k, (long long)n);
	pca_state *s = pca_new(k, d, o->whiten, err);
	if (!s)
		return LI_ENOMEM;
	int rc = 0;
	double *xc = NULL, total = 0;
	size_t nd;
	if (li_mul_size((size_t)n, (size_t)d, &nd) || !(xc = malloc(nd * sizeof *xc))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < d; j++)
			s->mean[j] += x[i * d + j];
	for (int64_t j = 0; j < d; j++)
		s->mean[j] /= (double)n;
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < d; j++) {
			double v = x[i * d + j] - s->mean[j];
			xc[i * d + j] = v;
			total += v * v;
		}
	total /= (double)(n - 1);
	if (!(total > 0)) {
		rc = li_err_set(err, LI_EDATA, "all rows are equal: there is no variance to reduce");
		goto fail;
	}

	int q = 0;
	int64_t l = 0, side = n < d ? n : d;
	if (!strcmp(solver, "eig")) {
		rc = solve_eig(s, xc, n, err);
	} else if (!strcmp(solver, "svd")) {
		rc = svd_top(s, xc, n, d, n, err);
	} else {
		q = 10 * k < side ? 7 : 4;
		l = k + OVERSAMPLES < side ? k + OVERSAMPLES : side;
		rc = solve_randomized(s, xc, n, o->seed, q, l, err);
	}
	if (rc)
		goto fail;
	free(xc);
	xc = NULL;

	/* svd_flip, u-based: the largest |score| of each component is positive */
	for (int64_t j = 0; j < k; j++)
		s->sd[j] = 1;
	int whiten = s->whiten;
	s->whiten = 0;
	m->state = s;
	if ((rc = pca_transform(m, x, n, y, err)))
		goto fail_state;
	for (int64_t j = 0; j < k; j++) {
		int64_t best = 0;
		for (int64_t i = 1; i < n; i++)
			if (fabs(y[i * k + j]) > fabs(y[best * k + j]))
				best = i;
		if (y[best * k + j] < 0)
			for (int64_t i = 0; i < d; i++)
				s->comp[j * d + i] = -s->comp[j * d + i];
	}
	s->whiten = whiten;
	if (whiten)
		for (int64_t j = 0; j < k; j++) {
			if (!(s->var[j] > 1e-12 * s->var[0]))
				return li_err_set(err, LI_EDATA,
						  "component %lld has no variance: cannot whiten",
						  (long long)j + 1);
			s->sd[j] = sqrt(s->var[j]);
		}
	/* the coordinates exactly as a later transform computes them */
	if ((rc = pca_transform(m, x, n, y, err)))
		goto fail_state;

	json_t *ratios = json_array();
	double sum = 0;
	for (int64_t j = 0; j < k; j++) {
		json_array_append_new(ratios, json_real(s->var[j] / total));
		sum += s->var[j] / total;
	}
	json_object_set_new(m->params, "solver", json_string(solver));
	json_object_set_new(m->params, "exact", json_boolean(strcmp(solver, "randomized") != 0));
	json_object_set_new(m->params, "whiten", json_boolean(whiten));
	if (q) {
		json_object_set_new(m->params, "power_iterations", json_integer(q));
		json_object_set_new(m->params, "oversamples", json_integer(l - k));
	}
	json_object_set_new(m->quality, "explained_variance_ratio", ratios);
	json_object_set_new(m->quality, "explained_variance_ratio_sum", json_real(sum));
	return 0;
fail:
	free(xc);
	pca_free(s);
	return rc;
fail_state:
	return rc; /* m->state is s: freed with the map */
}

static int pca_save(const li_map *m, hid_t f, li_err *err)
{
	const pca_state *s = m->state;
	int64_t kd[2] = {s->k, s->d};
	int rc = li_mapfile_write(f, "mean", LI_DTYPE_F64, 1, &s->d, s->mean, err);
	if (!rc)
		rc = li_mapfile_write(f, "components", LI_DTYPE_F64, 2, kd, s->comp, err);
	if (!rc)
		rc = li_mapfile_write(f, "explained_variance", LI_DTYPE_F64, 1, &s->k, s->var, err);
	return rc;
}

static int pca_load(li_map *m, hid_t f, li_err *err)
{
	json_t *w = json_object_get(m->params, "whiten");
	if (w && !json_is_boolean(w))
		return li_err_set(err, LI_EDATA, "params: 'whiten' is not a boolean");
	int64_t k = m->dims, d = m->n_features, kd[2] = {k, d}, dims[LI_MAX_RANK];
	int rank;
	/* sizes come from row_shape: allocate only once the file is seen to hold them */
	if (li_mapfile_shape(f, "components", &rank, dims, err))
		return LI_EDATA;
	if (rank != 2 || dims[0] != k || dims[1] != d)
		return li_err_set(err, LI_EDATA, "dataset 'components' has the wrong shape");
	pca_state *s = pca_new(k, d, json_is_true(w), err);
	if (!s)
		return LI_ENOMEM;
	int rc = li_mapfile_read(f, "mean", LI_DTYPE_F64, 1, &d, s->mean, err);
	if (!rc)
		rc = li_mapfile_read(f, "components", LI_DTYPE_F64, 2, kd, s->comp, err);
	if (!rc)
		rc = li_mapfile_read(f, "explained_variance", LI_DTYPE_F64, 1, &k, s->var, err);
	for (int64_t j = 0; !rc && j < k; j++) {
		s->sd[j] = s->whiten ? sqrt(s->var[j]) : 1;
		if (!isfinite(s->var[j]) || s->var[j] < 0 || !(s->sd[j] > 0))
			rc = li_err_set(err, LI_EDATA, "dataset 'explained_variance' is not valid");
	}
	for (int64_t i = 0; !rc && i < k * d; i++)
		if (!isfinite(s->comp[i]) || (i < d && !isfinite(s->mean[i])))
			rc = li_err_set(err, LI_EDATA, "datasets 'mean' or 'components' are not finite");
	if (rc) {
		pca_free(s);
		return rc;
	}
	m->state = s;
	return 0;
}

const li_reduce_ops li_pca_ops = {
	.name = "pca",
	.fit = pca_fit,
	.transform = pca_transform,
	.inverse = pca_inverse,
	.save = pca_save,
	.load = pca_load,
	.free_state = pca_free,
};
