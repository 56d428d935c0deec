/*
 * UMAP's graph side, after umap-learn 0.5.3 (umap_.py, spectral.py): the a, b curve
 * fit, smooth-kNN sigma and rho, the fuzzy union, and the spectral initialisation
 * (Lanczos on the normalized adjacency, components laid out as
 * multi_component_layout does). The optimisation, transform and the fit driver are in
 * umap_sgd.c, the inverse in umap_inverse.c.
 */
#include "umap.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "rng.h"
#include "simd.h"

void li_umap_params_default(li_umap_params *p)
{
	memset(p, 0, sizeof(*p));
	p->n_neighbors = 15;
	p->n_components = 2;
	p->min_dist = 0.1;
	p->spread = 1.0;
	p->n_epochs = 0;
	p->learning_rate = 1.0;
	p->negative_sample_rate = 5;
	p->repulsion_strength = 1.0;
	p->local_connectivity = 1.0;
	p->set_op_mix_ratio = 1.0;
	p->knn_method = LI_KNN_AUTO;
	p->seed = 42;
}

void li_umap_graph_release(li_umap_graph *g)
{
	if (!g)
		return;
	free(g->indptr);
	free(g->indices);
	free(g->weights);
	memset(g, 0, sizeof(*g));
}

/* ---- a, b ----------------------------------------------------------------------------- */

/*
 * Levenberg-Marquardt on the 300-point grid of umap-learn's find_ab_params (scipy's
 * curve_fit runs MINPACK's LM from p0 = (1, 1); the minimum is the same).
 */
int li_umap_find_ab(double spread, double min_dist, double *a_out, double *b_out)
{
	enum { N = 300 };
	double xv[N], yv[N];
	for (int i = 0; i < N; i++) {
		xv[i] = 3.0 * spread * i / (N - 1);
		yv[i] = xv[i] < min_dist ? 1.0 : exp(-(xv[i] - min_dist) / spread);
	}
	double a = 1, b = 1, lambda = 1e-3;
	double cost = 0;
	for (int i = 0; i < N; i++) {
		double r = 1.0 / (1.0 + a * pow(xv[i], 2 * b)) - yv[i];
		cost += r * r;
	}
	for (int it = 0; it < 1000; it++) {
		double jtj[3] = { 0, 0, 0 }, jtr[2] = { 0, 0 };
		for (int i = 0; i < N; i++) {
			double x = xv[i], p = x > 0 ? pow(x, 2 * b) : 0;
			double f = 1.0 / (1.0 + a * p), r = f - yv[i];
			double ga = -p * f * f, gb = x > 0 ? -a * p * 2 * log(x) * f * f : 0;
			jtj[0] += ga * ga;
			jtj[1] += ga * gb;
			jtj[2] += gb * gb;
			jtr[0] += ga * r;
			jtr[1] += gb * r;
		}
		int improved = 0;
		for (int tries = 0; tries < 50 && !improved; tries++) {
			double m00 = jtj[0] * (1 + lambda), m11 = jtj[2] * (1 + lambda), m01 = jtj[1];
			double det = m00 * m11 - m01 * m01;
			if (!(fabs(det) > 0))
				return -1;
			double da = -(m11 * jtr[0] - m01 * jtr[1]) / det;
			double db = -(m00 * jtr[1] - m01 * jtr[0]) / det;
			double na = a + da, nb = b + db, nc = 0;
			for (int i = 0; i < N; i++) {
				double r = 1.0 / (1.0 + na * (xv[i] > 0 ? pow(xv[i], 2 * nb) : 0)) - yv[i];
				nc += r * r;
			}
			if (isfinite(nc) && nc <= cost) {
				double rel = (cost - nc) / (cost > 0 ? cost : 1);
				int small = fabs(da) < 1e-12 * (1 + fabs(a)) && fabs(db) < 1e-12 * (1 + fabs(b));
				a = na;
				b = nb;
				cost = nc;
				lambda = lambda / 10 > 1e-12 ? lambda / 10 : 1e-12;
				improved = 1;
				if (small || rel < 1e-15) {
					*a_out = a;
					*b_out = b;
					return 0;
				}
			} else {
				lambda *= 10;
			}
		}
		if (!improved)
			break; /* no step lowers the cost: at the minimum */
	}
	if (!isfinite(a) || !isfinite(b))
		return -1;
	*a_out = a;
	*b_out = b;
	return 0;
}

/* ---- sigma, rho ------------------------------------------------------------------------ */

#define SMOOTH_K_TOLERANCE 1e-5
#define MIN_K_DIST_SCALE 1e-3

/*
 * As umap-learn's smooth_knn_dist (float32 distances, float64 search). The sum skips
 * the first neighbour (j from 1) as umap-learn does, also in transform where the first
 * neighbour is not the row itself.
 */
void li_umap_smooth_knn(const float *dists, int64_t n, int k, double local_connectivity,
	float *sigmas, float *rhos)
{
	double target = log2((double)k);
	double mean_all = 0;
	for (int64_t q = 0; q < n * k; q++)
		mean_all += dists[q];
	mean_all /= (double)(n * k);
	int index = (int)floor(local_connectivity);
	double interp = local_connectivity - index;
	for (int64_t i = 0; i < n; i++) {
		const float *di = dists + i * k;
		/* the nonzero distances, in order */
		int nz = 0, first = -1;
		float maxnz = 0;
		for (int j = 0; j < k; j++)
			if (di[j] > 0) {
				if (first < 0)
					first = j;
				nz++;
				maxnz = di[j];
			}
		float rho = 0;
		if (nz >= local_connectivity) {
			/* the (index-1)-th and index-th nonzero distances */
			float at_m1 = 0, at = 0;
			int c = 0;
			for (int j = 0; j < k; j++)
				if (di[j] > 0) {
					if (c == index - 1)
						at_m1 = di[j];
					if (c == index)
						at = di[j];
					c++;
				}
			if (index > 0) {
				rho = at_m1;
				if (interp > SMOOTH_K_TOLERANCE)
					rho += (float)(interp * (at - at_m1));
			} else if (first >= 0) {
				rho = (float)(interp * di[first]);
			}
		} else if (nz > 0) {
			rho = maxnz;
		}
		double lo = 0, hi = INFINITY, mid = 1.0;
		for (int it = 0; it < 64; it++) {
			double psum = 0;
			for (int j = 1; j < k; j++) {
				float d = di[j] - rho;
				psum += d > 0 ? exp(-(d / mid)) : 1.0;
			}
			if (fabs(psum - target) < SMOOTH_K_TOLERANCE)
				break;
			if (psum > target) {
				hi = mid;
				mid = (lo + hi) / 2.0;
			} else {
				lo = mid;
				if (isinf(hi))
					mid *= 2;
				else
					mid = (lo + hi) / 2.0;
			}
		}
		float sigma = (float)mid;
		if (rho > 0) {
			double mean_i = 0;
			for (int j = 0; j < k; j++)
				mean_i += di[j];
			mean_i /= k;
			if (sigma < MIN_K_DIST_SCALE * mean_i)
				sigma = (float)(MIN_K_DIST_SCALE * mean_i);
		} else if (sigma < MIN_K_DIST_SCALE * mean_all) {
			sigma = (float)(MIN_K_DIST_SCALE * mean_all);
		}
		sigmas[i] = sigma;
		rhos[i] = rho;
	}
}

/* ---- fuzzy union ---------------------------------------------------------------------- */

static int alloc_graph(li_umap_graph *g, int64_t n, int64_t nnz, li_err *err)
{
	memset(g, 0, sizeof(*g));
	g->n = n;
	g->nnz = nnz;
	g->indptr = calloc((size_t)n + 1, sizeof(int64_t));
	g->indices = malloc(sizeof(int32_t) * (size_t)(nnz ? nnz : 1));
	g->weights = malloc(sizeof(float) * (size_t)(nnz ? nnz : 1));
	if (!g->indptr || !g->indices || !g->weights) {
		li_umap_graph_release(g);
		return li_err_set(err, LI_ENOMEM, "out of memory for the fuzzy graph");
	}
	return 0;
}

int li_umap_fuzzy_graph(const int32_t *idx, const float *dists, int64_t n, int k,
	const float *sigmas, const float *rhos, double mix, li_umap_graph *g, li_err *err)
{
	li_umap_graph w = { 0 }, t = { 0 };
	int rc;
	/* memberships, row by row, zeros dropped (scipy's eliminate_zeros) */
	if ((rc = alloc_graph(&w, n, n * k, err)))
		return rc;
	int64_t q = 0;
	for (int64_t i = 0; i < n; i++) {
		int64_t start = q;
		for (int j = 0; j < k; j++) {
			int32_t c = idx[i * k + j];
			if (c < 0)
				continue;
			float v;
			if (c == i)
				v = 0;
			else if (dists[i * k + j] - rhos[i] <= 0 || sigmas[i] == 0)
				v = 1;
			else
				v = (float)exp(-((double)(dists[i * k + j] - rhos[i]) / sigmas[i]));
			if (v == 0)
				continue;
			/* insert sorted by column */
			int64_t p = q++;
			while (p > start && w.indices[p - 1] > c) {
				w.indices[p] = w.indices[p - 1];
				w.weights[p] = w.weights[p - 1];
				p--;
			}
			w.indices[p] = c;
			w.weights[p] = v;
		}
		w.indptr[i + 1] = q;
	}
	w.nnz = q;
	/* transpose */
	if ((rc = alloc_graph(&t, n, q, err)))
		goto out;
	for (int64_t e = 0; e < q; e++)
		t.indptr[w.indices[e] + 1]++;
	for (int64_t i = 0; i < n; i++)
		t.indptr[i + 1] += t.indptr[i];
	{
		int64_t *fill = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
		if (!fill) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory for the fuzzy graph");
			goto out;
		}
		memcpy(fill, t.indptr, sizeof(int64_t) * (size_t)n);
		for (int64_t i = 0; i < n; i++)
			for (int64_t e = w.indptr[i]; e < w.indptr[i + 1]; e++) {
				int64_t p = fill[w.indices[e]]++;
				t.indices[p] = (int32_t)i;
				t.weights[p] = w.weights[e];
			}
		free(fill);
	}
	/* union row by row: merge row i of w and of w^T */
	if ((rc = alloc_graph(g, n, 2 * q, err)))
		goto out;
	int64_t o = 0;
	float fmix = (float)mix;
	for (int64_t i = 0; i < n; i++) {
		int64_t a = w.indptr[i], ae = w.indptr[i + 1], b = t.indptr[i], be = t.indptr[i + 1];
		while (a < ae || b < be) {
			int32_t c;
			float x = 0, y = 0;
			if (b >= be || (a < ae && w.indices[a] < t.indices[b])) {
				c = w.indices[a];
				x = w.weights[a++];
			} else if (a >= ae || t.indices[b] < w.indices[a]) {
				c = t.indices[b];
				y = t.weights[b++];
			} else {
				c = w.indices[a];
				x = w.weights[a++];
				y = t.weights[b++];
			}
			/* float32 as scipy computes it: mix * ((w + wT) - w*wT) + (1 - mix) * w*wT */
			float prod = x * y, sum = x + y;
			float v = fmix * (sum - prod) + (1.0f - fmix) * prod;
			if (mix == 1.0)
				v = sum - prod;
			if (v == 0)
				continue;
			g->indices[o] = c;
			g->weights[o] = v;
			o++;
		}
		g->indptr[i + 1] = o;
	}
	g->nnz = o;
	rc = 0;
out:
	li_umap_graph_release(&w);
	li_umap_graph_release(&t);
	return rc;
}

/* ---- spectral layout ------------------------------------------------------------------- */

/* y = D^-1/2 W D^-1/2 x */
static void norm_matvec(const li_umap_graph *g, const double *dinv, const double *x, double *y)
{
	for (int64_t i = 0; i < g->n; i++) {
		double s = 0;
		for (int64_t e = g->indptr[i]; e < g->indptr[i + 1]; e++)
			s += g->weights[e] * dinv[g->indices[e]] * x[g->indices[e]];
		y[i] = dinv[i] * s;
	}
}

/*
 * Dot product and axpy for the Lanczos steps, which are most of the spectral layout's
 * time (full reorthogonalisation: j of each per step j). The dot keeps 8 partial sums
 * (two 4-lane vectors) added in a fixed order, so it is not bound by the latency of one
 * chain of additions; both clones do the same operations (no FMA): the same bytes on
 * every machine.
 */
typedef double v4d __attribute__((vector_size(32)));

LI_TARGET_CLONES
static double dot(const double *a, const double *b, int64_t n)
{
	v4d s0 = { 0 }, s1 = { 0 };
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		v4d a0, b0, a1, b1;
		memcpy(&a0, a + i, sizeof(a0));
		memcpy(&b0, b + i, sizeof(b0));
		memcpy(&a1, a + i + 4, sizeof(a1));
		memcpy(&b1, b + i + 4, sizeof(b1));
		s0 += a0 * b0;
		s1 += a1 * b1;
	}
	v4d s01 = s0 + s1;
	double s = (s01[0] + s01[2]) + (s01[1] + s01[3]);
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

LI_TARGET_CLONES
static void axpy(double al, const double *x, double *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] += al * x[i];
}

/*
 * Top `dim` eigenpairs of D^-1/2 W D^-1/2 orthogonal to its known top eigenvector
 * sqrt(degree), for a connected graph with n > dim + 1 vertices. vecs is n x dim
 * (row-major), evals gets the Laplacian eigenvalues 1 - mu in increasing order.
 * Returns 0, 1 when it did not converge (vecs still holds the best guess), negative
 * for out of memory.
 */
static int lanczos(const li_umap_graph *g, int dim, uint64_t seed, double *vecs, double *evals)
{
	int64_t n = g->n;
	int64_t cap = (int64_t)(2.5e7 / (double)n);
	if (cap > 400)
		cap = 400;
	if (cap < 2 * dim + 20)
		cap = 2 * dim + 20;
	int64_t mmax = n - 1 < cap ? n - 1 : cap;
	int rc = -1;
	double *dinv = malloc(sizeof(double) * (size_t)n), *v0 = malloc(sizeof(double) * (size_t)n);
	double *Q = malloc(sizeof(double) * (size_t)n * (size_t)(mmax + 1));
	double *w = malloc(sizeof(double) * (size_t)n);
	double *al = malloc(sizeof(double) * (size_t)mmax), *be = malloc(sizeof(double) * (size_t)mmax);
	double *dd = malloc(sizeof(double) * (size_t)mmax), *ee = malloc(sizeof(double) * (size_t)mmax);
	double *S = malloc(sizeof(double) * (size_t)mmax * (size_t)mmax);
	if (!dinv || !v0 || !Q || !w || !al || !be || !dd || !ee || !S)
		goto out;
	rc = 1; /* from here on, a failure is numerical: the caller falls back */
	double nv = 0;
	for (int64_t i = 0; i < n; i++) {
		double deg = 0;
		for (int64_t e = g->indptr[i]; e < g->indptr[i + 1]; e++)
			deg += g->weights[e];
		dinv[i] = deg > 0 ? 1.0 / sqrt(deg) : 0;
		v0[i] = sqrt(deg);
		nv += deg;
	}
	for (int64_t i = 0; i < n; i++)
		v0[i] /= sqrt(nv);
	li_rng r = li_rng_stream(seed ^ 0x6c616e637a6f73ull, 0);
	for (int64_t i = 0; i < n; i++)
		Q[i] = li_rng_normal(&r);
	int converged = 0;
	for (int restart = 0; restart < 12 && !converged; restart++) {
		double *q0 = Q;
		axpy(-dot(v0, q0, n), v0, q0, n);
		double nq = sqrt(dot(q0, q0, n));
		if (!(nq > 0))
			goto out;
		for (int64_t i = 0; i < n; i++)
			q0[i] /= nq;
		int64_t steps = 0;
		for (int64_t j = 0; j < mmax; j++) {
			double *qj = Q + j * n;
			norm_matvec(g, dinv, qj, w);
			axpy(-dot(v0, w, n), v0, w, n);
			al[j] = dot(qj, w, n);
			axpy(-al[j], qj, w, n);
			if (j > 0)
				axpy(-be[j - 1], Q + (j - 1) * n, w, n);
			for (int pass = 0; pass < 2; pass++) {
				axpy(-dot(v0, w, n), v0, w, n);
				for (int64_t i = 0; i <= j; i++)
					axpy(-dot(Q + i * n, w, n), Q + i * n, w, n);
			}
			be[j] = sqrt(dot(w, w, n));
			steps = j + 1;
			int check = steps >= dim && (steps % 10 == 0 || steps == mmax || be[j] < 1e-12);
			if (check) {
				memcpy(dd, al, sizeof(double) * (size_t)steps);
				memcpy(ee, be, sizeof(double) * (size_t)steps);
				if (LAPACKE_dstev(LAPACK_COL_MAJOR, 'V', (lapack_int)steps, dd, ee, S,
					(lapack_int)steps) != 0)
					goto out;
				int ok = 1;
				for (int c = 0; c < dim; c++) {
					double res = fabs(be[j] * S[(size_t)(steps - 1 - c) * steps + steps - 1]);
					if (res > 1e-6)
						ok = 0;
				}
				if (ok || be[j] < 1e-12) {
					converged = ok || be[j] < 1e-12;
					break;
				}
				if (steps == mmax)
					break;
			}
			if (be[j] < 1e-12)
				break;
			double *qn = Q + (j + 1) * n;
			for (int64_t i = 0; i < n; i++)
				qn[i] = w[i] / be[j];
		}
		if (steps < dim)
			goto out;
		/* Ritz vectors of the top dim values (dd ascending, S column-major) */
		for (int c = 0; c < dim; c++) {
			int col = (int)(steps - 1 - c);
			evals[c] = 1.0 - dd[col];
			for (int64_t i = 0; i < n; i++)
				w[i] = 0;
			for (int64_t t = 0; t < steps; t++)
				axpy(S[(size_t)col * steps + t], Q + t * n, w, n);
			for (int64_t i = 0; i < n; i++)
				vecs[i * dim + c] = w[i];
		}
		if (!converged) {
			/* explicit restart from the sum of the wanted Ritz vectors */
			for (int64_t i = 0; i < n; i++) {
				double s = 0;
				for (int c = 0; c < dim; c++)
					s += vecs[i * dim + c];
				Q[i] = s;
			}
		}
	}
	/* unit length, largest-magnitude entry positive */
	for (int c = 0; c < dim; c++) {
		double nn = 0, big = 0;
		for (int64_t i = 0; i < n; i++) {
			double v = vecs[i * dim + c];
			nn += v * v;
			if (fabs(v) > fabs(big))
				big = v;
		}
		double s = (big < 0 ? -1 : 1) / (nn > 0 ? sqrt(nn) : 1);
		for (int64_t i = 0; i < n; i++)
			vecs[i * dim + c] *= s;
	}
	rc = converged ? 0 : 1;
out:
	free(dinv);
	free(v0);
	free(Q);
	free(w);
	free(al);
	free(be);
	free(dd);
	free(ee);
	free(S);
	return rc;
}

/* Connected components: label (n) from 0, returns the count. */
static int64_t components(const li_umap_graph *g, int32_t *label, int32_t *queue)
{
	int64_t n = g->n, c = 0;
	for (int64_t i = 0; i < n; i++)
		label[i] = -1;
	for (int64_t s = 0; s < n; s++) {
		if (label[s] >= 0)
			continue;
		int64_t h = 0, t = 0;
		queue[t++] = (int32_t)s;
		label[s] = (int32_t)c;
		while (h < t) {
			int32_t u = queue[h++];
			for (int64_t e = g->indptr[u]; e < g->indptr[u + 1]; e++)
				if (label[g->indices[e]] < 0) {
					label[g->indices[e]] = (int32_t)c;
					queue[t++] = g->indices[e];
				}
		}
		c++;
	}
	return c;
}

/* The subgraph on the vertices with label c (members in increasing order). */
static int subgraph(const li_umap_graph *g, const int32_t *label, int32_t c, const int32_t *members,
	int64_t m, int32_t *local, li_umap_graph *s, li_err *err)
{
	int64_t nnz = 0;
	for (int64_t p = 0; p < m; p++) {
		int32_t u = members[p];
		local[u] = (int32_t)p;
		nnz += g->indptr[u + 1] - g->indptr[u];
	}
	int rc = alloc_graph(s, m, nnz, err);
	if (rc)
		return rc;
	int64_t o = 0;
	for (int64_t p = 0; p < m; p++) {
		int32_t u = members[p];
		for (int64_t e = g->indptr[u]; e < g->indptr[u + 1]; e++)
			if (label[g->indices[e]] == c) {
				s->indices[o] = local[g->indices[e]];
				s->weights[o++] = g->weights[e];
			}
		s->indptr[p + 1] = o;
	}
	s->nnz = o;
	return 0;
}

/* Meta positions of c components: +-unit vectors for c <= 2 dim (umap-learn), else
 * principal coordinates of the component centroids (random for more than 1000). */
static int meta_layout(const float *x, int64_t d, const int32_t *label, int64_t n, int64_t c,
	int dim, uint64_t seed, double *meta)
{
	if (c <= 2 * dim) {
		int64_t k = (c + 1) / 2;
		memset(meta, 0, sizeof(double) * (size_t)(c * dim));
		for (int64_t i = 0; i < c; i++)
			meta[i * dim + (i % k)] = i < k ? 1 : -1;
		return 0;
	}
	if (c > 1000 || !x) {
		li_rng r = li_rng_stream(seed ^ 0x6d657461ull, 0);
		for (int64_t i = 0; i < c * dim; i++)
			meta[i] = 2 * li_rng_uniform(&r) - 1;
		return 0;
	}
	double *cen = calloc((size_t)(c * d), sizeof(double)), *cnt = calloc((size_t)c, sizeof(double));
	double *G = malloc(sizeof(double) * (size_t)(c * c)), *ev = malloc(sizeof(double) * (size_t)c);
	int rc = -1;
	if (!cen || !cnt || !G || !ev)
		goto out;
	for (int64_t i = 0; i < n; i++) {
		cnt[label[i]]++;
		for (int64_t t = 0; t < d; t++)
			cen[label[i] * d + t] += x[i * d + t];
	}
	for (int64_t i = 0; i < c; i++)
		for (int64_t t = 0; t < d; t++)
			cen[i * d + t] /= cnt[i];
	for (int64_t t = 0; t < d; t++) {
		double mu = 0;
		for (int64_t i = 0; i < c; i++)
			mu += cen[i * d + t];
		mu /= (double)c;
		for (int64_t i = 0; i < c; i++)
			cen[i * d + t] -= mu;
	}
	for (int64_t i = 0; i < c; i++)
		for (int64_t j = 0; j <= i; j++)
			G[i * c + j] = G[j * c + i] = dot(cen + i * d, cen + j * d, d);
	if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)c, G, (lapack_int)c, ev) != 0)
		goto out;
	for (int64_t i = 0; i < c; i++)
		for (int k = 0; k < dim; k++) {
			int64_t col = c - 1 - k;
			meta[i * dim + k] = G[i * c + col] * sqrt(ev[col] > 0 ? ev[col] : 0);
		}
	rc = 0;
out:
	free(cen);
	free(cnt);
	free(G);
	free(ev);
	return rc;
}

int li_umap_spectral(const li_umap_graph *g, const float *x, int64_t d, int dim, uint64_t seed,
	float *out, double *eigenvalues, li_err *err)
{
	int64_t n = g->n;
	int32_t *label = malloc(sizeof(int32_t) * (size_t)n), *queue = malloc(sizeof(int32_t) * (size_t)n);
	int32_t *local = malloc(sizeof(int32_t) * (size_t)n);
	double *vecs = malloc(sizeof(double) * (size_t)n * dim), *ev = malloc(sizeof(double) * dim);
	double *meta = NULL;
	li_umap_graph s = { 0 };
	int rc = 0, failed = 0;
	if (!label || !queue || !local || !vecs || !ev) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the spectral layout");
		goto out;
	}
	int64_t c = components(g, label, queue);
	if (c == 1) {
		int r = n > dim + 1 ? lanczos(g, dim, seed, vecs, ev) : 1;
		if (r < 0) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory for the spectral layout");
			goto out;
		}
		if (r == 0) {
			for (int64_t q = 0; q < n * dim; q++)
				out[q] = (float)vecs[q];
			if (eigenvalues)
				memcpy(eigenvalues, ev, sizeof(double) * dim);
		} else {
			failed = 1;
		}
		goto out;
	}
	meta = malloc(sizeof(double) * (size_t)(c * dim));
	if (!meta || meta_layout(x, d, label, n, c, dim, seed, meta)) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the spectral layout");
		goto out;
	}
	for (int64_t lab = 0; lab < c; lab++) {
		/* half the distance to the nearest other component */
		double range = INFINITY;
		for (int64_t o = 0; o < c; o++) {
			double dd = 0;
			for (int k = 0; k < dim; k++) {
				double u = meta[lab * dim + k] - meta[o * dim + k];
				dd += u * u;
			}
			if (dd > 0 && sqrt(dd) < range)
				range = sqrt(dd);
		}
		range = isfinite(range) ? range / 2 : 1;
		int64_t m = 0;
		for (int64_t i = 0; i < n; i++)
			if (label[i] == lab)
				queue[m++] = (int32_t)i;
		int r = 1;
		if (m >= 2 * dim && m > dim + 1) {
			if ((rc = subgraph(g, label, (int32_t)lab, queue, m, local, &s, err)))
				goto out;
			r = lanczos(&s, dim, seed + (uint64_t)lab, vecs, ev);
			li_umap_graph_release(&s);
			if (r < 0) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory for the spectral layout");
				goto out;
			}
		}
		if (r == 0) {
			double big = 0;
			for (int64_t q = 0; q < m * dim; q++)
				if (fabs(vecs[q]) > big)
					big = fabs(vecs[q]);
			double ex = big > 0 ? range / big : 0;
			for (int64_t p = 0; p < m; p++)
				for (int k = 0; k < dim; k++)
					out[(int64_t)queue[p] * dim + k] = (float)(vecs[p * dim + k] * ex + meta[lab * dim + k]);
		} else {
			for (int64_t p = 0; p < m; p++) {
				li_rng rr = li_rng_stream(seed ^ 0x636f6d70ull, (uint64_t)queue[p]);
				for (int k = 0; k < dim; k++)
					out[(int64_t)queue[p] * dim + k] =
						(float)(range * (2 * li_rng_uniform(&rr) - 1) + meta[lab * dim + k]);
			}
		}
	}
	if (eigenvalues)
		for (int k = 0; k < dim; k++)
			eigenvalues[k] = NAN;
out:
	if (failed) {
		for (int64_t i = 0; i < n; i++) {
			li_rng rr = li_rng_stream(seed ^ 0x72616e64ull, (uint64_t)i);
			for (int k = 0; k < dim; k++)
				out[i * dim + k] = (float)(20 * li_rng_uniform(&rr) - 10);
		}
		if (eigenvalues)
			for (int k = 0; k < dim; k++)
				eigenvalues[k] = NAN;
	}
	li_umap_graph_release(&s);
	free(label);
	free(queue);
	free(local);
	free(vecs);
	free(ev);
	free(meta);
	return rc ? rc : failed;
}
