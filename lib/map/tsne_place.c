/*
 * t-SNE around the fit: the initial embedding (PCA through LAPACKE, or seeded random),
 * the fitted model, placing new rows into it (openTSNE's TSNEEmbedding.transform), and
 * the approximate neighbour-weighted inverse.
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "tsne.h"
#include "tsne_internal.h"

/* ---- initialisation ---- */

#define PCA_BLOCK 1024
#define PCA_MAX_WIDTH 8192

/*
 * PCA from the covariance matrix: accumulated over blocks of centred rows with dsyrk
 * (memory d*d + PCA_BLOCK*d, not n*d), then the top eigenvectors from dsyevr. Signs follow
 * scikit-learn's svd_flip(u_based_decision=False): the largest |loading| of each component
 * is positive. Scaling as openTSNE's initialization.pca: Y / std(Y[:, 0]) * 1e-4.
 */
int li_tsne_pca_init(const float *X, int64_t n, int64_t d, int dims, float *Y, li_err *err)
{
	if (n < 1 || d < 1 || dims < 1 || dims > 3)
		return li_err_set(err, LI_EUSAGE, "pca init needs rows, columns and 1 to 3 dimensions");
	if (d > PCA_MAX_WIDTH)
		return li_err_set(err, LI_EUSAGE, "rows of %lld values are too wide for the exact pca "
				  "initialisation (at most %d): pass an initial embedding",
				  (long long)d, PCA_MAX_WIDTH);
	int nc = dims < d ? dims : (int)d, rc = 0;
	double *mean = calloc((size_t)d, sizeof *mean);
	double *cov = calloc((size_t)d * (size_t)d, sizeof *cov);
	double *blk = malloc((size_t)PCA_BLOCK * (size_t)d * sizeof *blk);
	double *ev = malloc((size_t)d * sizeof *ev), *V = malloc((size_t)d * (size_t)nc * sizeof *V);
	lapack_int *supp = malloc(2 * (size_t)d * sizeof *supp);
	double *Yd = malloc((size_t)n * (size_t)dims * sizeof *Yd);
	if (!mean || !cov || !blk || !ev || !V || !supp || !Yd) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the pca initialisation");
		goto out;
	}
	for (int64_t i = 0; i < n; i++)
		for (int64_t c = 0; c < d; c++)
			mean[c] += X[i * d + c];
	for (int64_t c = 0; c < d; c++)
		mean[c] /= (double)n;
	for (int64_t s = 0; s < n; s += PCA_BLOCK) {
		int64_t b = n - s < PCA_BLOCK ? n - s : PCA_BLOCK;
		for (int64_t i = 0; i < b; i++)
			for (int64_t c = 0; c < d; c++)
				blk[i * d + c] = (double)X[(s + i) * d + c] - mean[c];
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (blasint)d, (blasint)b, 1.0, blk,
			    (blasint)d, 1.0, cov, (blasint)d);
	}
	lapack_int found = 0;
	lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, cov,
					 (lapack_int)d, 0, 0, (lapack_int)(d - nc + 1),
					 (lapack_int)d, 0, &found, ev, V, nc, supp);
	if (info != 0 || found != nc) {
		rc = li_err_set(err, LI_EDATA, "the eigen decomposition for the pca initialisation "
				"failed (lapack info %d)", (int)info);
		goto out;
	}
	/* eigenvalues ascend: component c is column nc-1-c of V */
	for (int c = 0; c < nc; c++) {
		int col = nc - 1 - c;
		int64_t arg = 0;
		for (int64_t r = 1; r < d; r++)
			if (fabs(V[r * nc + col]) > fabs(V[arg * nc + col]))
				arg = r;
		double sign = V[arg * nc + col] < 0 ? -1 : 1;
		for (int64_t i = 0; i < n; i++) {
			double s = 0;
			for (int64_t r = 0; r < d; r++)
				s += ((double)X[i * d + r] - mean[r]) * V[r * nc + col];
			Yd[i * dims + c] = sign * s;
		}
	}
	for (int64_t i = 0; i < n; i++)
		for (int c = nc; c < dims; c++)
			Yd[i * dims + c] = 0;
	double m0 = 0, v0 = 0;
	for (int64_t i = 0; i < n; i++)
		m0 += Yd[i * dims];
	m0 /= (double)n;
	for (int64_t i = 0; i < n; i++)
		v0 += (Yd[i * dims] - m0) * (Yd[i * dims] - m0);
	double sd = sqrt(v0 / (double)n);
	double scale = sd > 0 && isfinite(sd) ? 1e-4 / sd : 0;
	for (int64_t i = 0; i < n * dims; i++)
		Y[i] = (float)(Yd[i] * scale);
out:
	free(mean);
	free(cov);
	free(blk);
	free(ev);
	free(V);
	free(supp);
	free(Yd);
	return rc;
}

void li_tsne_random_init(uint64_t seed, int64_t n, int dims, float *Y)
{
	for (int64_t i = 0; i < n; i++) {
		li_rng r = li_rng_stream(seed, (uint64_t)i);
		for (int d = 0; d < dims; d++)
			Y[i * dims + d] = (float)(1e-4 * li_rng_normal(&r));
	}
}

/* ---- model ---- */

li_tsne_model *li_tsne_model_new(int64_t n, int64_t d, int dims, const float *x,
				 const float *y, double perplexity, li_err *err)
{
	size_t nx, ny;
	if (n < 1 || d < 1 || dims < 1 || dims > 3) {
		li_err_set(err, LI_EDATA, "a t-sne model needs rows, columns and 1 to 3 dimensions");
		return NULL;
	}
	if (li_mul_size((size_t)n, (size_t)d, &nx) < 0 || li_mul_size(nx, sizeof(float), &nx) < 0 ||
	    li_mul_size((size_t)n, (size_t)dims * sizeof(float), &ny) < 0) {
		li_err_set(err, LI_EDATA, "t-sne model of %lld x %lld is too large", (long long)n,
			   (long long)d);
		return NULL;
	}
	li_tsne_model *m = calloc(1, sizeof *m);
	if (m) {
		m->x = malloc(nx);
		m->y = malloc(ny);
	}
	if (!m || !m->x || !m->y) {
		li_err_set(err, LI_ENOMEM, "out of memory for a t-sne model");
		li_tsne_model_free(m);
		return NULL;
	}
	memcpy(m->x, x, nx);
	memcpy(m->y, y, ny);
	m->n = n;
	m->d = d;
	m->dims = dims;
	m->perplexity = perplexity;
	for (size_t i = 0; i < (size_t)n * (size_t)dims; i++)
		if (!isfinite(m->y[i])) {
			li_err_set(err, LI_EDATA, "the t-sne embedding holds a value that is not finite");
			li_tsne_model_free(m);
			return NULL;
		}
	return m;
}

void li_tsne_model_free(li_tsne_model *m)
{
	if (!m)
		return;
	free(m->x);
	free(m->y);
	free(m);
}

/* ---- placing new rows ---- */

void li_tsne_place_params_init(li_tsne_place_params *p)
{
	/* openTSNE TSNEEmbedding.transform (tsne.py): perplexity 5, "median" init of k=25,
	 * learning_rate 0.1, early exaggeration 4 for 0 iterations (none), then exaggeration
	 * 1.5 for 250 iterations at momentum 0.8, max_grad_norm 0.25 */
	p->perplexity = 5;
	p->init_k = 25;
	p->learning_rate = 0.1;
	p->exaggeration = 1.5;
	p->n_iter = 250;
	p->momentum = 0.8;
	p->max_grad_norm = 0.25;
	p->max_step_norm = 5;
	p->theta = 0.5;
	p->exact_max = 1000;
	p->threads = 0;
}

typedef struct place_job {
	const li_tsne_model *m;
	const li_tsne_knn *g;
	const li_tsne_place_params *p;
	const double *ref;      /* reference embedding, double */
	const li_bh_tree *tree; /* NULL: exact repulsion */
	const double *C;        /* n_new * kp conditional affinities */
	int kp, ki;
	float *Y;
	atomic_int failed;
} place_job;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/*
 * Each new row alone: start at the coordinate-wise median of its ki nearest reference
 * points, then gradient descent on its own position. Its attraction uses its conditional
 * affinities (rows normalised per point, openTSNE's "point-wise" normalisation for new
 * data) and its repulsion is normalised by its own sum over the reference points, so no
 * other new row enters.
 */
static void place_rows(void *ctx, int64_t lo, int64_t hi)
{
	place_job *j = ctx;
	const li_tsne_place_params *p = j->p;
	int D = j->m->dims, gk = j->g->k;
	double *vals = malloc((size_t)j->ki * sizeof *vals);
	if (!vals) {
		atomic_store(&j->failed, 1);
		return;
	}
	for (int64_t i = lo; i < hi; i++) {
		const int64_t *nb = j->g->idx + i * gk;
		double y[3], upd[3] = {0, 0, 0}, gain[3] = {1, 1, 1};
		for (int d = 0; d < D; d++) {
			int cnt = j->ki;
			for (int a = 0; a < cnt; a++)
				vals[a] = j->ref[nb[a] * D + d];
			qsort(vals, (size_t)cnt, sizeof *vals, cmp_double);
			y[d] = cnt % 2 ? vals[cnt / 2] : (vals[cnt / 2 - 1] + vals[cnt / 2]) / 2;
		}
		const double *C = j->C + i * j->kp;
		for (int it = 0; it < p->n_iter; it++) {
			double f[3] = {0, 0, 0}, a[3] = {0, 0, 0}, z = 0, g[3];
			if (j->tree) {
				z = li_bh_repulse(j->tree, y, -1, p->theta, f);
			} else {
				for (int64_t r = 0; r < j->m->n; r++) {
					double diff[3], d2 = 0;
					for (int d = 0; d < D; d++) {
						diff[d] = y[d] - j->ref[r * D + d];
						d2 += diff[d] * diff[d];
					}
					double w = 1 / (1 + d2);
					z += w;
					for (int d = 0; d < D; d++)
						f[d] += w * w * diff[d];
				}
			}
			for (int e = 0; e < j->kp; e++) {
				double diff[3], d2 = 0;
				for (int d = 0; d < D; d++) {
					diff[d] = y[d] - j->ref[nb[e] * D + d];
					d2 += diff[d] * diff[d];
				}
				double pw = p->exaggeration * C[e] / (1 + d2);
				for (int d = 0; d < D; d++)
					a[d] += pw * diff[d];
			}
			double gn = 0;
			for (int d = 0; d < D; d++) {
				g[d] = a[d] - (z > 0 ? f[d] / z : 0);
				gn += g[d] * g[d];
			}
			/* openTSNE: coeff = max_grad_norm / (norm + 1e-6), applied where < 1 */
			if (p->max_grad_norm > 0) {
				double coeff = p->max_grad_norm / (sqrt(gn) + 1e-6);
				if (coeff < 1)
					for (int d = 0; d < D; d++)
						g[d] *= coeff;
			}
			double sn = 0;
			for (int d = 0; d < D; d++) {
				if (upd[d] * g[d] < 0)
					gain[d] += 0.2;
				else
					gain[d] *= 0.8;
				if (gain[d] < 0.01)
					gain[d] = 0.01;
				upd[d] = p->momentum * upd[d] - p->learning_rate * gain[d] * g[d];
				sn += upd[d] * upd[d];
			}
			sn = sqrt(sn);
			if (p->max_step_norm > 0 && sn > p->max_step_norm)
				for (int d = 0; d < D; d++)
					upd[d] *= p->max_step_norm / sn;
			for (int d = 0; d < D; d++)
				y[d] += upd[d];
		}
		for (int d = 0; d < D; d++)
			j->Y[i * D + d] = (float)y[d];
	}
	free(vals);
}

int li_tsne_transform(const li_tsne_model *m, const li_tsne_knn *g,
		      const li_tsne_place_params *p, float *Y, li_err *err)
{
	if (!(p->perplexity > 0) || isinf(p->perplexity) || p->init_k < 1 || p->n_iter < 0 ||
	    !(p->theta >= 0))
		return li_err_set(err, LI_EUSAGE, "bad parameters for placing rows");
	if (g->n == 0)
		return 0;
	/* the perplexity is lowered, as for a fit, when the reference set is too small; a new
	 * row is not a reference row, so all m->n reference rows can be its neighbours */
	double perp = p->perplexity;
	if (3 * perp > (double)m->n)
		perp = (double)m->n / 3;
	int kp = (int)floor(3 * perp), ki = p->init_k;
	if (kp < 1)
		kp = 1;
	if (kp > m->n)
		kp = (int)m->n;
	if (ki > m->n)
		ki = (int)m->n;
	int need = kp > ki ? kp : ki;
	if (g->k < need)
		return li_err_set(err, LI_EUSAGE, "the knn graph has %d neighbours per row, %d needed",
				  g->k, need);
	for (int64_t i = 0; i < g->n; i++)
		for (int a = 0; a < need; a++)
			if (g->idx[i * g->k + a] < 0 || g->idx[i * g->k + a] >= m->n)
				return li_err_set(err, LI_EDATA, "knn graph row %lld: neighbour index out "
						  "of range", (long long)i);
	size_t nd = (size_t)m->n * (size_t)m->dims;
	double *ref = malloc(nd * sizeof *ref);
	double *C = malloc((size_t)g->n * (size_t)kp * sizeof *C);
	li_bh_tree *tree = NULL;
	int rc = 0;
	if (!ref || !C) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for placing %lld rows", (long long)g->n);
		goto out;
	}
	for (size_t i = 0; i < nd; i++)
		ref[i] = m->y[i];
	if ((rc = li_tsne_conditional(g, kp, perp, p->threads, C, NULL, err)) < 0)
		goto out;
	if (m->n > p->exact_max && p->theta > 0) {
		tree = li_bh_build(ref, m->n, m->dims, LI_BH_LEAF_POINT, err);
		if (!tree) {
			rc = err ? err->code : LI_ENOMEM;
			goto out;
		}
	}
	place_job j = {m, g, p, ref, tree, C, kp, ki, Y, 0};
	li_tsne_par_for(p->threads, g->n, place_rows, &j);
	if (atomic_load(&j.failed))
		rc = li_err_set(err, LI_ENOMEM, "out of memory for placing rows");
out:
	li_bh_free(tree);
	free(ref);
	free(C);
	return rc;
}

/* ---- approximate inverse ---- */

typedef struct inv_job {
	const li_tsne_model *m;
	const float *pts;
	int k;
	double hit; /* distance that counts as hitting a training point */
	float *X;
	atomic_int failed;
} inv_job;

/*
 * For each point: the k nearest embedded training points by brute force (ties broken by
 * lower index), kept sorted by insertion; weights d_min / d_j (1/d normalised, written so
 * that nothing overflows however far the point is).
 */
static void inv_rows(void *ctx, int64_t lo, int64_t hi)
{
	inv_job *j = ctx;
	const li_tsne_model *m = j->m;
	int D = m->dims, k = j->k;
	int64_t *nb = malloc((size_t)k * sizeof *nb);
	double *nd = malloc((size_t)k * sizeof *nd), *acc = malloc((size_t)m->d * sizeof *acc);
	if (!nb || !nd || !acc) {
		atomic_store(&j->failed, 1);
		goto out;
	}
	for (int64_t i = lo; i < hi; i++) {
		const float *p = j->pts + i * D;
		int cnt = 0;
		for (int64_t r = 0; r < m->n; r++) {
			double d2 = 0;
			for (int d = 0; d < D; d++) {
				double diff = (double)p[d] - (double)m->y[r * D + d];
				d2 += diff * diff;
			}
			if (cnt == k && d2 >= nd[k - 1])
				continue;
			int at = cnt < k ? cnt++ : k - 1;
			while (at > 0 && nd[at - 1] > d2) {
				nd[at] = nd[at - 1];
				nb[at] = nb[at - 1];
				at--;
			}
			nd[at] = d2;
			nb[at] = r;
		}
		float *out = j->X + i * m->d;
		double dmin = sqrt(nd[0]);
		if (dmin <= j->hit) {
			memcpy(out, m->x + nb[0] * m->d, (size_t)m->d * sizeof *out);
			continue;
		}
		double wsum = 0;
		for (int64_t c = 0; c < m->d; c++)
			acc[c] = 0;
		for (int a = 0; a < cnt; a++) {
			double w = dmin / sqrt(nd[a]);
			wsum += w;
			for (int64_t c = 0; c < m->d; c++)
				acc[c] += w * m->x[nb[a] * m->d + c];
		}
		for (int64_t c = 0; c < m->d; c++)
			out[c] = (float)(acc[c] / wsum);
	}
out:
	free(nb);
	free(nd);
	free(acc);
}

int li_tsne_inverse(const li_tsne_model *m, const float *pts, int64_t n, int k, int threads,
		    float *X, li_err *err)
{
	if (k < 1)
		return li_err_set(err, LI_EUSAGE, "the inverse needs k >= 1 neighbours");
	if (k > m->n)
		k = (int)m->n;
	for (int64_t i = 0; i < n * m->dims; i++)
		if (!isfinite(pts[i]))
			return li_err_set(err, LI_EDATA, "point %lld: coordinate is not finite",
					  (long long)(i / m->dims));
	double ext = 0;
	for (int d = 0; d < m->dims; d++) {
		double lo = m->y[d], hi = m->y[d];
		for (int64_t r = 0; r < m->n; r++) {
			double v = m->y[r * m->dims + d];
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		ext = hi - lo > ext ? hi - lo : ext;
	}
	inv_job j = {m, pts, k, 1e-12 * (ext > 0 ? ext : 1), X, 0};
	li_tsne_par_for(threads, n, inv_rows, &j);
	if (atomic_load(&j.failed))
		return li_err_set(err, LI_ENOMEM, "out of memory for the inverse");
	return 0;
}
