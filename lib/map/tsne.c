/*
 * t-SNE fitting: perplexity calibration on a kNN graph, the joint affinities, the
 * gradient (exact, or Barnes-Hut through tsne_bh.c), the KL divergence, and the
 * optimiser (gradient descent with momentum and delta-bar-delta gains, early
 * exaggeration, openTSNE's automatic learning rate and step clipping).
 * See tsne.h for conventions; tsne_place.c has initialisation, transform and inverse.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simd.h"
#include "tsne.h"
#include "tsne_internal.h"

void li_tsne_params_init(li_tsne_params *p)
{
	memset(p, 0, sizeof *p);
	p->dims = 2;
	p->perplexity = 30;
	p->early_exag = 12;
	p->early_iter = 250;
	p->n_iter = 750;
	p->learning_rate = 0;
	p->momentum_early = 0.5;
	p->momentum_final = 0.8;
	p->max_step_norm = 5;
	p->theta = 0.5;
	p->exact_max = 1000;
	p->fft_min = 0;
	p->threads = 0;
}

int li_tsne_method(const li_tsne_params *p, int64_t n)
{
	if (n <= p->exact_max)
		return LI_TSNE_EXACT;
	if (p->dims == 2 && p->fft_min > 0 && n >= p->fft_min)
		return LI_TSNE_FFT;
	return LI_TSNE_BH;
}

int li_tsne_neighbors(int64_t n, double perplexity, double *perp_used)
{
	/* openTSNE (affinity.py): k = min(n - 1, floor(3 perplexity)); the perplexity is
	 * lowered to (n - 1) / 3 when it asks for more neighbours than exist */
	double perp = perplexity;
	if (n >= 1 && 3 * perp > (double)(n - 1))
		perp = (double)(n - 1) / 3;
	if (perp_used)
		*perp_used = perp;
	double k = floor(3 * perp);
	if (k > (double)(n - 1))
		k = (double)(n - 1);
	if (k < 1)
		k = 1;
	return (int)k;
}

/* ---- calibration ---- */

typedef struct cond_job {
	const li_tsne_knn *g;
	int k;
	double perp;
	double *P, *beta;
} cond_job;

/*
 * One row's binary search, step for step as scikit-learn's _binary_search_perplexity
 * (sklearn/manifold/_utils.pyx): beta starts at 1 and doubles / halves until bracketed,
 * then bisects; entropy H = log(sum) + beta * sum(d2 p) in nats.
 */
static void cond_rows(void *ctx, int64_t lo, int64_t hi)
{
	cond_job *j = ctx;
	int k = j->k, gk = j->g->k;
	double want = log(j->perp);
	for (int64_t i = lo; i < hi; i++) {
		const float *dist = j->g->dist + i * gk;
		double *P = j->P + i * k;
		double beta = 1, bmin = -INFINITY, bmax = INFINITY;
		for (int step = 0; step < 100; step++) {
			double sum = 0, sdp = 0;
			for (int a = 0; a < k; a++) {
				double d2 = (double)dist[a] * (double)dist[a];
				P[a] = exp(-d2 * beta);
				sum += P[a];
			}
			if (sum == 0)
				sum = 1e-8;
			for (int a = 0; a < k; a++) {
				double d2 = (double)dist[a] * (double)dist[a];
				P[a] /= sum;
				sdp += d2 * P[a];
			}
			double diff = log(sum) + beta * sdp - want;
			if (fabs(diff) <= 1e-5)
				break;
			if (diff > 0) {
				bmin = beta;
				beta = bmax == INFINITY ? beta * 2 : (beta + bmax) / 2;
			} else {
				bmax = beta;
				beta = bmin == -INFINITY ? beta / 2 : (beta + bmin) / 2;
			}
		}
		if (j->beta)
			j->beta[i] = beta;
	}
}

static int check_graph(const li_tsne_knn *g, int k, int64_t n_ref, li_err *err)
{
	if (k < 1 || k > g->k)
		return li_err_set(err, LI_EUSAGE, "the knn graph has %d neighbours per row, %d needed",
				  g->k, k);
	for (int64_t i = 0; i < g->n; i++)
		for (int a = 0; a < k; a++) {
			int64_t j = g->idx[i * g->k + a];
			float d = g->dist[i * g->k + a];
			if (j < 0 || j >= n_ref)
				return li_err_set(err, LI_EDATA, "knn graph row %lld: neighbour index %lld "
						  "out of range", (long long)i, (long long)j);
			if (!(d >= 0) || isinf(d))
				return li_err_set(err, LI_EDATA, "knn graph row %lld: distance is not a "
						  "finite non-negative number", (long long)i);
		}
	return 0;
}

int li_tsne_conditional(const li_tsne_knn *g, int k, double perplexity, int threads,
			double *P, double *beta, li_err *err)
{
	if (!(perplexity > 0) || isinf(perplexity))
		return li_err_set(err, LI_EUSAGE, "perplexity must be a positive number");
	int rc = check_graph(g, k, INT64_MAX, err);
	if (rc < 0)
		return rc;
	cond_job j = {g, k, perplexity, P, beta};
	return li_tsne_par_for(threads, g->n, cond_rows, &j);
}

/* ---- joint affinities ---- */

void li_tsne_sparse_release(li_tsne_sparse *s)
{
	if (!s)
		return;
	free(s->rowptr);
	free(s->col);
	free(s->val);
	memset(s, 0, sizeof *s);
}

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sorts m keys by insertion (short runs). */
static void insertion_sort(uint64_t *k, int64_t m)
{
	for (int64_t a = 1; a < m; a++) {
		uint64_t key = k[a];
		int64_t b = a;
		while (b > 0 && k[b - 1] > key) {
			k[b] = k[b - 1];
			b--;
		}
		k[b] = key;
	}
}

/* Sorts m keys: insertion sort for short rows, qsort for long ones (hubs). */
static void sort_keys(uint64_t *k, int64_t m)
{
	if (m > 32)
		qsort(k, (size_t)m, sizeof *k, cmp_key);
	else
		insertion_sort(k, m);
}

typedef struct sort_job {
	uint64_t *ent;
	const int64_t *rowptr;
	int k;
} sort_job;

/*
 * Sorts each row's keys. A row holds its own k entries first (in neighbour order), then
 * those of the rows that list it, already in increasing order: the first run is sorted
 * and merged with the second. Rows are independent, so the result does not depend on
 * the thread count.
 */
static void sort_rows(void *ctx, int64_t lo, int64_t hi)
{
	sort_job *j = ctx;
	uint64_t local[256];
	for (int64_t i = lo; i < hi; i++) {
		uint64_t *row = j->ent + j->rowptr[i];
		int64_t m = j->rowptr[i + 1] - j->rowptr[i], na = j->k;
		uint64_t *a = na <= 256 ? local : malloc((size_t)na * sizeof *a);
		if (!a) { /* no room to merge: sort in place */
			qsort(row, (size_t)m, sizeof *row, cmp_key);
			continue;
		}
		memcpy(a, row, (size_t)na * sizeof *a);
		insertion_sort(a, na);
		int64_t p = 0, ia = 0, ib = na;
		while (ia < na && ib < m)
			row[p++] = a[ia] <= row[ib] ? a[ia++] : row[ib++];
		while (ia < na)
			row[p++] = a[ia++];
		if (a != local)
			free(a);
	}
}

/*
 * P = (C + C^T) / 2n. Every entry (i, j, c) of C goes to row i and row j as a key
 * (column << 32 | source index); rows are bucketed by a counting pass and each row's
 * keys sorted, so entries of equal column are summed (in double, then stored as float)
 * in source order and the result is deterministic. Columns are int32 and values float32
 * (half the memory of int64 + float64; the values are ~1 / (n k), far above float's
 * relative precision, so the gradient moves by about 1e-7 of itself). Needs n < 2^31
 * and n k < 2^32 (keys hold the source index in 32 bits).
 */
int li_tsne_joint(const li_tsne_knn *g, int k, const double *C, int threads,
		  li_tsne_sparse *P, li_err *err)
{
	int64_t n = g->n, m = 2 * n * (int64_t)k;
	memset(P, 0, sizeof *P);
	if (n >= INT32_MAX || n * (int64_t)k >= (int64_t)UINT32_MAX)
		return li_err_set(err, LI_EDATA, "%lld rows of %d neighbours are too many for "
				  "t-sne's affinities (at most 2^32 entries)", (long long)n, k);
	int64_t *cnt = calloc((size_t)n + 1, sizeof *cnt);
	uint64_t *ent = malloc((size_t)(m ? m : 1) * sizeof *ent);
	int64_t *fill = malloc(((size_t)n + 1) * sizeof *fill);
	if (!cnt || !ent || !fill)
		goto nomem;
	for (int64_t i = 0; i < n; i++)
		for (int a = 0; a < k; a++) {
			int64_t j = g->idx[i * g->k + a];
			if (j < 0 || j >= n) {
				li_err_set(err, LI_EDATA, "knn graph row %lld: neighbour index %lld out of "
					   "range", (long long)i, (long long)j);
				goto fail;
			}
			cnt[i + 1]++;
			cnt[j + 1]++;
		}
	for (int64_t i = 0; i < n; i++)
		cnt[i + 1] += cnt[i];
	memcpy(fill, cnt, ((size_t)n + 1) * sizeof *fill);
	for (int64_t i = 0; i < n; i++)
		for (int a = 0; a < k; a++) {
			int64_t j = g->idx[i * g->k + a];
			ent[fill[i]++] = (uint64_t)j << 32 | (uint64_t)(i * k + a);
		}
	for (int64_t i = 0; i < n; i++)
		for (int a = 0; a < k; a++) {
			int64_t j = g->idx[i * g->k + a];
			ent[fill[j]++] = (uint64_t)i << 32 | (uint64_t)(i * k + a);
		}
	sort_job sj = {ent, cnt, k};
	li_tsne_par_for(threads, n, sort_rows, &sj);
	free(fill);
	fill = NULL;
	P->n = n;
	P->rowptr = malloc(((size_t)n + 1) * sizeof *P->rowptr);
	P->col = malloc((size_t)(m ? m : 1) * sizeof *P->col);
	P->val = malloc((size_t)(m ? m : 1) * sizeof *P->val);
	if (!P->rowptr || !P->col || !P->val)
		goto nomem;
	int64_t nz = 0;
	double scale = 1.0 / (2.0 * (double)n);
	P->rowptr[0] = 0;
	for (int64_t i = 0; i < n; i++) {
		int64_t s = cnt[i], e = cnt[i + 1];
		for (int64_t a = s; a < e;) {
			int32_t c = (int32_t)(ent[a] >> 32);
			double v = 0;
			for (; a < e && (int32_t)(ent[a] >> 32) == c; a++)
				v += C[ent[a] & 0xffffffffu];
			if (c == i)
				continue; /* a row listed as its own neighbour (duplicates) */
			P->col[nz] = c;
			P->val[nz] = (float)(v * scale);
			nz++;
		}
		P->rowptr[i + 1] = nz;
	}
	free(cnt);
	free(ent);
	/* give back what duplicate pairs left unused */
	int32_t *col = realloc(P->col, (size_t)(nz ? nz : 1) * sizeof *col);
	if (col)
		P->col = col;
	float *val = realloc(P->val, (size_t)(nz ? nz : 1) * sizeof *val);
	if (val)
		P->val = val;
	return 0;
nomem:
	li_err_set(err, LI_ENOMEM, "out of memory for the affinities of %lld rows", (long long)n);
fail:
	free(cnt);
	free(ent);
	free(fill);
	li_tsne_sparse_release(P);
	return err ? err->code : LI_ENOMEM;
}

/* ---- gradient ---- */

typedef struct grad_job {
	const li_tsne_sparse *P;
	double exag;
	const double *Y;
	int dims;
	int64_t n;
	double theta;
	int skip_rep;           /* 1: repulsion computed elsewhere (FFT) */
	const li_bh_tree *tree; /* NULL: exact (unless skip_rep) */
	double *rep;            /* n*dims unnormalised repulsion */
	double *attr;           /* n*dims attraction (times exag) */
	double *zrow;           /* n: sum_j w_ij */
} grad_job;

/* sum_j e p_ij w_ij (y_i - y_j) over row i of P, for a constant D (unrolled) */
static inline __attribute__((always_inline)) void
attract_d(const li_tsne_sparse *P, const double *Y, int64_t i, double exag, const int D,
	  double *a)
{
	const double *yi = Y + i * D;
	double s[3] = {0, 0, 0};
	for (int64_t e = P->rowptr[i]; e < P->rowptr[i + 1]; e++) {
		const double *yk = Y + (int64_t)P->col[e] * D;
		double diff[3], d2 = 0;
		for (int d = 0; d < D; d++) {
			diff[d] = yi[d] - yk[d];
			d2 += diff[d] * diff[d];
		}
		double pw = P->val[e] / (1 + d2);
		for (int d = 0; d < D; d++)
			s[d] += pw * diff[d];
	}
	for (int d = 0; d < D; d++)
		a[d] = exag * s[d];
}

/*
 * The 2-D attraction four edges at a time (the hot loop of every iteration, with the
 * repulsion): edge s + 4 q + l goes to lane l, the lanes summed in a fixed order, so
 * both clones (AVX2 and the SSE2 baseline; no FMA) give the same bytes. One vector
 * division serves four edges, and four independent sums replace one dependency chain.
 */
typedef double v4d __attribute__((vector_size(32)));

LI_TARGET_CLONES
static void attract2(const li_tsne_sparse *P, const double *Y, int64_t i, double exag,
		     double *a)
{
	const double y0 = Y[2 * i], y1 = Y[2 * i + 1];
	const int32_t *col = P->col;
	const float *val = P->val;
	int64_t e = P->rowptr[i], end = P->rowptr[i + 1];
	v4d s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0}, one = {1, 1, 1, 1};
	for (; e + 4 <= end; e += 4) {
		const double *k0 = Y + 2 * (int64_t)col[e], *k1 = Y + 2 * (int64_t)col[e + 1];
		const double *k2 = Y + 2 * (int64_t)col[e + 2], *k3 = Y + 2 * (int64_t)col[e + 3];
		v4d dx = {y0 - k0[0], y0 - k1[0], y0 - k2[0], y0 - k3[0]};
		v4d dy = {y1 - k0[1], y1 - k1[1], y1 - k2[1], y1 - k3[1]};
		v4d p = {val[e], val[e + 1], val[e + 2], val[e + 3]};
		v4d pw = p / (one + (dx * dx + dy * dy));
		s0 += pw * dx;
		s1 += pw * dy;
	}
	double t0 = (s0[0] + s0[2]) + (s0[1] + s0[3]), t1 = (s1[0] + s1[2]) + (s1[1] + s1[3]);
	for (; e < end; e++) {
		const double *k = Y + 2 * (int64_t)col[e];
		double dx = y0 - k[0], dy = y1 - k[1];
		double pw = val[e] / (1 + (dx * dx + dy * dy));
		t0 += pw * dx;
		t1 += pw * dy;
	}
	a[0] = exag * t0;
	a[1] = exag * t1;
}

static void attract(const li_tsne_sparse *P, const double *Y, int64_t i, double exag, int D,
		    double *a)
{
	if (D == 2)
		attract2(P, Y, i, exag, a);
	else if (D == 3)
		attract_d(P, Y, i, exag, 3, a);
	else
		attract_d(P, Y, i, exag, 1, a);
}

/* The exact gradient (or, with skip_rep, only the attraction) row by row */
static void grad_rows(void *ctx, int64_t lo, int64_t hi)
{
	grad_job *j = ctx;
	int D = j->dims;
	for (int64_t i = lo; i < hi; i++) {
		const double *yi = j->Y + i * D;
		double f[3] = {0, 0, 0}, a[3] = {0, 0, 0}, z = 0;
		if (j->skip_rep) {
			attract(j->P, j->Y, i, j->exag, D, j->attr + i * D);
			continue;
		} else {
			for (int64_t k = 0; k < j->n; k++) {
				if (k == i)
					continue;
				const double *yk = j->Y + k * D;
				double diff[3], d2 = 0;
				for (int d = 0; d < D; d++) {
					diff[d] = yi[d] - yk[d];
					d2 += diff[d] * diff[d];
				}
				double w = 1 / (1 + d2);
				z += w;
				for (int d = 0; d < D; d++)
					f[d] += w * w * diff[d];
			}
		}
		attract(j->P, j->Y, i, j->exag, D, a);
		for (int d = 0; d < D; d++) {
			j->rep[i * D + d] = f[d];
			j->attr[i * D + d] = a[d];
		}
		j->zrow[i] = z;
	}
}

/* The Barnes-Hut gradient leaf by leaf: the leaf's points share their walks of the tree */
static void grad_leaves(void *ctx, int64_t lo, int64_t hi)
{
	grad_job *j = ctx;
	const int64_t *order = li_bh_order(j->tree);
	for (int64_t g = lo; g < hi; g++) {
		int64_t start, count;
		li_bh_leaf(j->tree, g, &start, &count);
		li_bh_repulse_leaf(j->tree, g, j->theta, j->rep, j->zrow);
		for (int64_t a = start; a < start + count; a++) {
			int64_t i = order[a];
			attract(j->P, j->Y, i, j->exag, j->dims, j->attr + i * j->dims);
		}
	}
}

/* Computes the gradient with scratch buffers owned by the caller (the optimiser reuses
 * them): rep, attr n*dims, zrow n. */
static int gradient(const li_tsne_sparse *P, double exag, const double *Y, int dims,
		    int method, double theta, int threads, double *grad, double *Z, double *rep,
		    double *attr, double *zrow, li_fft_ws **ws, li_bh_tree **treep, li_err *err)
{
	int64_t n = P->n;
	li_bh_tree *tree = NULL;
	if (method == LI_TSNE_BH) {
		tree = *treep = li_bh_rebuild(*treep, Y, n, dims,
					      dims == 2 ? LI_BH_LEAF_GROUP : LI_BH_LEAF_POINT, err);
		if (!tree)
			return err ? err->code : LI_ENOMEM;
	} else if (method == LI_TSNE_FFT) {
		int rc = li_fft_repulse(ws, Y, n, threads, rep, zrow, err);
		if (rc < 0)
			return rc;
	}
	grad_job j = {P, exag, Y, dims, n, theta, method == LI_TSNE_FFT, tree, rep, attr, zrow};
	if (tree)
		li_tsne_par_for(threads, li_bh_leaves(tree), grad_leaves, &j);
	else
		li_tsne_par_for(threads, n, grad_rows, &j);
	double z = 0;
	for (int64_t i = 0; i < n; i++)
		z += zrow[i];
	double iz = z > 0 ? 1 / z : 0;
	for (int64_t i = 0; i < n * dims; i++)
		grad[i] = attr[i] - rep[i] * iz;
	if (Z)
		*Z = z;
	return 0;
}

static int check_dims(int dims, li_err *err)
{
	if (dims < 1 || dims > 3)
		return li_err_set(err, LI_EUSAGE, "t-sne embeds into 1 to 3 dimensions, not %d", dims);
	return 0;
}

static int check_method(int method, int dims, double theta, li_err *err)
{
	if (method == LI_TSNE_FFT && dims != 2)
		return li_err_set(err, LI_EUSAGE, "the fft gradient is for 2-d embeddings only");
	if (method == LI_TSNE_BH && !(theta > 0))
		return li_err_set(err, LI_EUSAGE, "barnes-hut needs theta > 0");
	if (method != LI_TSNE_EXACT && method != LI_TSNE_BH && method != LI_TSNE_FFT)
		return li_err_set(err, LI_EUSAGE, "unknown gradient method %d", method);
	return 0;
}

int li_tsne_gradient(const li_tsne_sparse *P, double exag, const double *Y, int dims,
		     int method, double theta, int threads, double *grad, double *Z, li_err *err)
{
	int rc = check_dims(dims, err);
	if (rc == 0)
		rc = check_method(method, dims, theta, err);
	if (rc < 0)
		return rc;
	size_t nd = (size_t)P->n * (size_t)dims;
	double *rep = malloc(nd * sizeof *rep + 1), *attr = malloc(nd * sizeof *attr + 1);
	double *zrow = malloc((size_t)P->n * sizeof *zrow + 1);
	li_fft_ws *ws = NULL;
	li_bh_tree *tree = NULL;
	if (!rep || !attr || !zrow)
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the gradient");
	else
		rc = gradient(P, exag, Y, dims, method, theta, threads, grad, Z, rep, attr, zrow,
			      &ws, &tree, err);
	li_fft_ws_free(ws);
	li_bh_free(tree);
	free(rep);
	free(attr);
	free(zrow);
	return rc;
}

/* KL(P || Q) at Y with normalisation Z: sum p log p - sum p log w + log Z (sum p = 1),
 * summed in row order. */
static double kl_at(const li_tsne_sparse *P, const double *Y, int dims, double Z)
{
	double kl = 0, psum = 0;
	for (int64_t i = 0; i < P->n; i++)
		for (int64_t e = P->rowptr[i]; e < P->rowptr[i + 1]; e++) {
			double p = P->val[e];
			if (p <= 0)
				continue;
			const double *yi = Y + i * dims, *yk = Y + (int64_t)P->col[e] * dims;
			double d2 = 0;
			for (int d = 0; d < dims; d++)
				d2 += (yi[d] - yk[d]) * (yi[d] - yk[d]);
			kl += p * (log(p) + log1p(d2));
			psum += p;
		}
	return kl + psum * log(Z);
}

int li_tsne_kl(const li_tsne_sparse *P, const double *Y, int dims, int method,
	       double theta, int threads, double *out, li_err *err)
{
	int64_t n = P->n;
	double *g = malloc((size_t)n * (size_t)dims * sizeof *g + 1), Z = 0;
	if (!g)
		return li_err_set(err, LI_ENOMEM, "out of memory for the kl divergence");
	int rc = li_tsne_gradient(P, 1, Y, dims, method, theta, threads, g, &Z, err);
	free(g);
	if (rc < 0)
		return rc;
	*out = kl_at(P, Y, dims, Z);
	return 0;
}

/* ---- optimiser ---- */

/*
 * Renumbers the points in the Barnes-Hut tree's order of Y (a Z-order curve over the
 * map): P's rows and columns and Y's rows, with orig[new] = the row's number in the
 * caller's data. Neighbours in P lie near each other on the map, so after this their
 * coordinates sit near each other in memory and the attraction's reads of Y[col] hit the
 * cache. Each row's entries are kept in column order. Deterministic (the tree is), so the
 * same bytes at any thread count. Returns 0 or LI_ENOMEM (P, Y, orig untouched then).
 */
static int renumber(li_tsne_sparse *P, double *Y, int D, int64_t *orig, li_err *err)
{
	int64_t n = P->n, nz = P->rowptr[n];
	li_bh_tree *t = li_bh_build(Y, n, D, LI_BH_LEAF_POINT, err);
	int64_t *rank = malloc((size_t)n * sizeof *rank), *o2 = malloc((size_t)n * sizeof *o2);
	int64_t *rp = malloc(((size_t)n + 1) * sizeof *rp);
	int32_t *col = malloc((size_t)(nz ? nz : 1) * sizeof *col);
	float *val = malloc((size_t)(nz ? nz : 1) * sizeof *val);
	double *y2 = malloc((size_t)n * (size_t)D * sizeof *y2);
	int64_t longest = 1;
	for (int64_t i = 0; i < n; i++)
		if (P->rowptr[i + 1] - P->rowptr[i] > longest)
			longest = P->rowptr[i + 1] - P->rowptr[i];
	uint64_t *key = malloc((size_t)longest * sizeof *key);
	int rc = 0;
	if (!t || !rank || !o2 || !rp || !col || !val || !y2 || !key) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory renumbering %lld points",
				(long long)n);
		goto out;
	}
	const int64_t *order = li_bh_order(t);
	for (int64_t r = 0; r < n; r++)
		rank[order[r]] = r;
	rp[0] = 0;
	for (int64_t r = 0; r < n; r++) {
		int64_t i = order[r], s = P->rowptr[i], e = P->rowptr[i + 1], at = rp[r];
		/* keys new column << 32 | the value's bits (columns are distinct in a row),
		 * sorted as li_tsne_joint sorts its rows */
		for (int64_t a = s; a < e; a++) {
			uint32_t bits;
			memcpy(&bits, &P->val[a], sizeof bits);
			key[a - s] = (uint64_t)rank[P->col[a]] << 32 | bits;
		}
		sort_keys(key, e - s);
		for (int64_t a = 0; a < e - s; a++) {
			uint32_t bits = (uint32_t)key[a];
			col[at + a] = (int32_t)(key[a] >> 32);
			memcpy(&val[at + a], &bits, sizeof bits);
		}
		rp[r + 1] = at + (e - s);
		for (int d = 0; d < D; d++)
			y2[r * D + d] = Y[i * D + d];
		o2[r] = orig[i];
	}
	memcpy(Y, y2, (size_t)n * (size_t)D * sizeof *Y);
	memcpy(orig, o2, (size_t)n * sizeof *orig);
	free(P->rowptr);
	free(P->col);
	free(P->val);
	P->rowptr = rp;
	P->col = col;
	P->val = val;
	rp = NULL;
	col = NULL;
	val = NULL;
out:
	li_bh_free(t);
	free(rank);
	free(o2);
	free(rp);
	free(col);
	free(val);
	free(y2);
	free(key);
	return rc;
}

/*
 * One phase of gradient descent, as openTSNE's gradient_descent / scikit-learn's
 * _gradient_descent: gains grow by 0.2 where the gradient and the previous update
 * disagree in sign and shrink by 0.8 where they agree (min 0.01); update = momentum *
 * update - lr * gains * grad; each point's step clipped to max_step_norm; the embedding
 * re-centred after each step (openTSNE does so when no reference embedding is fixed).
 * Gains and updates start afresh each phase, as in scikit-learn.
 */
static int phase(const li_tsne_params *p, const li_tsne_sparse *P, double *Y, double exag,
		 int iters, double momentum, int done, int total, double *buf, li_err *err)
{
	int64_t n = P->n;
	int D = p->dims;
	size_t nd = (size_t)n * (size_t)D;
	double *grad = buf, *update = buf + nd, *gains = buf + 2 * nd, *rep = buf + 3 * nd;
	double *attr = buf + 4 * nd, *zrow = buf + 5 * nd;
	double lr = p->learning_rate > 0 ? p->learning_rate : (double)n / exag;
	int method = li_tsne_method(p, n);
	li_fft_ws *ws = NULL;
	li_bh_tree *tree = NULL; /* rebuilt each iteration in the same buffers */
	for (size_t i = 0; i < nd; i++) {
		update[i] = 0;
		gains[i] = 1;
	}
	for (int it = 0; it < iters; it++) {
		int now = done + it + 1;
		int say = p->progress.fn && (now % 50 == 0 || now == total);
		double Z = 0;
		int rc = gradient(P, exag, Y, D, method, p->theta, p->threads, grad, &Z, rep, attr,
				  zrow, &ws, &tree, err);
		if (rc < 0) {
			li_fft_ws_free(ws);
			return rc;
		}
		if (say) {
			/* the KL at the point this step starts from, as openTSNE's verbose output */
			char stage[64];
			snprintf(stage, sizeof stage, "t-SNE iterations, KL %.4f", kl_at(P, Y, D, Z));
			li_progress_say(&p->progress, stage, now, total);
		}
		for (size_t i = 0; i < nd; i++) {
			if (update[i] * grad[i] < 0)
				gains[i] += 0.2;
			else
				gains[i] *= 0.8;
			if (gains[i] < 0.01)
				gains[i] = 0.01;
			update[i] = momentum * update[i] - lr * gains[i] * grad[i];
		}
		double mean[3] = {0, 0, 0};
		for (int64_t i = 0; i < n; i++) {
			double *u = update + i * D;
			if (p->max_step_norm > 0) {
				double s = 0;
				for (int d = 0; d < D; d++)
					s += u[d] * u[d];
				s = sqrt(s);
				if (s > p->max_step_norm)
					for (int d = 0; d < D; d++)
						u[d] *= p->max_step_norm / s;
			}
			for (int d = 0; d < D; d++) {
				Y[i * D + d] += u[d];
				mean[d] += Y[i * D + d];
			}
		}
		for (int64_t i = 0; i < n; i++)
			for (int d = 0; d < D; d++)
				Y[i * D + d] -= mean[d] / (double)n;
	}
	li_fft_ws_free(ws);
	li_bh_free(tree);
	return 0;
}

int li_tsne_fit(const li_tsne_params *p, const li_tsne_knn *g, float *Yf, li_tsne_info *info,
		li_err *err)
{
	int64_t n = g->n;
	int D = p->dims;
	li_tsne_sparse P = {0};
	double *C = NULL, *Y = NULL, *buf = NULL;
	int64_t *orig = NULL; /* orig[i]: the caller's row of point i */
	int rc = check_dims(D, err);
	if (rc < 0)
		return rc;
	if (n < 2)
		return li_err_set(err, LI_EDATA, "t-sne needs at least 2 rows, got %lld", (long long)n);
	if (!(p->perplexity > 0) || isinf(p->perplexity))
		return li_err_set(err, LI_EUSAGE, "perplexity must be a positive number");
	if (p->early_iter < 0 || p->n_iter < 0 || !(p->early_exag > 0) || !(p->theta > 0))
		return li_err_set(err, LI_EUSAGE, "bad t-sne optimisation parameters");
	double perp;
	int k = li_tsne_neighbors(n, p->perplexity, &perp);
	if ((rc = check_graph(g, k, n, err)) < 0)
		return rc;
	size_t nd = (size_t)n * (size_t)D;
	C = malloc((size_t)n * (size_t)k * sizeof *C);
	Y = malloc(nd * sizeof *Y);
	buf = malloc((5 * nd + (size_t)n) * sizeof *buf);
	if (!C || !Y || !buf) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for t-sne of %lld rows", (long long)n);
		goto out;
	}
	for (size_t i = 0; i < nd; i++) {
		Y[i] = Yf[i];
		if (!isfinite(Y[i])) {
			rc = li_err_set(err, LI_EDATA, "the initial embedding is not finite");
			goto out;
		}
	}
	li_progress_say(&p->progress, "t-SNE affinities", -1, -1);
	if ((rc = li_tsne_conditional(g, k, perp, p->threads, C, NULL, err)) < 0)
		goto out;
	if ((rc = li_tsne_joint(g, k, C, p->threads, &P, err)) < 0)
		goto out;
	free(C);
	C = NULL;
	int total = p->early_iter + p->n_iter;
	int method = li_tsne_method(p, n);
	/* above the exact gradient's sizes, the points are renumbered in map order before
	 * each phase (the clusters form during the first); orig undoes it at the end */
	if (method != LI_TSNE_EXACT) {
		if (!(orig = malloc((size_t)n * sizeof *orig))) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory for t-sne of %lld rows",
					(long long)n);
			goto out;
		}
		for (int64_t i = 0; i < n; i++)
			orig[i] = i;
	}
	if (orig && (rc = renumber(&P, Y, D, orig, err)) < 0)
		goto out;
	if ((rc = phase(p, &P, Y, p->early_exag, p->early_iter, p->momentum_early, 0, total, buf,
			err)) < 0)
		goto out;
	if (orig && (rc = renumber(&P, Y, D, orig, err)) < 0)
		goto out;
	if ((rc = phase(p, &P, Y, 1, p->n_iter, p->momentum_final, p->early_iter, total, buf,
			err)) < 0)
		goto out;
	double kl = 0;
	if ((rc = li_tsne_kl(&P, Y, D, method, p->theta, p->threads, &kl, err)) < 0)
		goto out;
	for (int64_t i = 0; i < n; i++)
		for (int d = 0; d < D; d++)
			Yf[(orig ? orig[i] : i) * D + d] = (float)Y[i * D + d];
	if (info) {
		info->perplexity = perp;
		info->k = k;
		info->kl = kl;
		info->method = method;
	}
out:
	li_tsne_sparse_release(&P);
	free(C);
	free(Y);
	free(buf);
	free(orig);
	return rc;
}
