/*
 * Exact k-nearest neighbours for the reducers, by blocked GEMM, and the squared-distance
 * tile that trustworthiness (trust.c) shares with it.
 *
 * A stand-in: lib/knn.c (exact BLAS kNN and NN-descent, from the UMAP work) replaces
 * li_reduce_knn at merge; the t-SNE method (reduce_tsne.c) is its only caller. Until
 * then every t-SNE fit and placement uses this exact search, whose cost is
 * O(n_q n_ref d) in GEMM plus O(n_q n_ref) for the selection: fine for the tens of
 * thousands of rows a map is fitted on, slow beyond.
 *
 * Distances: a tile of query rows by reference rows at a time, |a|^2 + |b|^2 - 2 a.b in
 * float64 through one dgemm (as scikit-learn's euclidean_distances), clamped at 0. The
 * reference rows are float32 (as a t-SNE map keeps them) and are widened a tile at a
 * time, so memory is a few tiles, not n x n. Each query keeps a sorted list of its k
 * best; ties go to the lower reference index (the reference rows are scanned in order),
 * so the result is the same bytes at any BLAS thread count that gives the same GEMM.
 */
#include "reduce_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define QBLOCK 256
#define RBLOCK 1024

void li_reduce_sqdist(const double *a, const double *an, int64_t na, const double *b,
		      const double *bn, int64_t nb, int64_t d, double *out)
{
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb, (int)d, 1.0, a,
		    (int)d, b, (int)d, 0.0, out, (int)nb);
	for (int64_t i = 0; i < na; i++)
		for (int64_t j = 0; j < nb; j++) {
			double v = an[i] + bn[j] - 2 * out[i * nb + j];
			out[i * nb + j] = v > 0 ? v : 0;
		}
}

/* Inserts (dist, j) into the sorted list (nd, nj) of length *len, at most k long. */
static void insert(double *nd, int64_t *nj, int *len, int k, double dist, int64_t j)
{
	if (*len == k && !(dist < nd[k - 1]))
		return; /* equal loses: the kept one has the lower index */
	int p = *len < k ? *len : k - 1;
	while (p > 0 && dist < nd[p - 1]) {
		nd[p] = nd[p - 1];
		nj[p] = nj[p - 1];
		p--;
	}
	nd[p] = dist;
	nj[p] = j;
	if (*len < k)
		(*len)++;
}

int li_reduce_knn(const float *ref, int64_t n_ref, const double *q, int64_t n_q, int64_t d,
		  int k, int self, int64_t *idx, float *dist, li_err *err)
{
	if (k < 1 || k > n_ref - (self ? 1 : 0))
		return li_err_set(err, LI_EUSAGE, "%d neighbours asked among %lld rows", k,
				  (long long)(n_ref - (self ? 1 : 0)));
	int64_t rb = n_ref < RBLOCK ? n_ref : RBLOCK;
	double *rn = malloc((size_t)n_ref * sizeof *rn);
	double *rt = malloc((size_t)rb * (size_t)d * sizeof *rt);
	double *qn = malloc(QBLOCK * sizeof *qn);
	double *tile = malloc((size_t)QBLOCK * (size_t)rb * sizeof *tile);
	double *nd = malloc((size_t)QBLOCK * (size_t)k * sizeof *nd);
	int *len = malloc(QBLOCK * sizeof *len);
	int rc = 0;
	if (!rn || !rt || !qn || !tile || !nd || !len) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the nearest-neighbour search");
		goto out;
	}
	for (int64_t j = 0; j < n_ref; j++) {
		double s = 0;
		for (int64_t c = 0; c < d; c++)
			s += (double)ref[j * d + c] * ref[j * d + c];
		rn[j] = s;
	}
	for (int64_t q0 = 0; q0 < n_q; q0 += QBLOCK) {
		int64_t nq = n_q - q0 < QBLOCK ? n_q - q0 : QBLOCK;
		for (int64_t i = 0; i < nq; i++) {
			double s = 0;
			for (int64_t c = 0; c < d; c++)
				s += q[(q0 + i) * d + c] * q[(q0 + i) * d + c];
			qn[i] = s;
			len[i] = 0;
		}
		for (int64_t r0 = 0; r0 < n_ref; r0 += rb) {
			int64_t nr = n_ref - r0 < rb ? n_ref - r0 : rb;
			for (int64_t e = 0; e < nr * d; e++)
				rt[e] = ref[r0 * d + e];
			li_reduce_sqdist(q + q0 * d, qn, nq, rt, rn + r0, nr, d, tile);
			for (int64_t i = 0; i < nq; i++)
				for (int64_t j = 0; j < nr; j++)
					if (!self || r0 + j != q0 + i)
						insert(nd + i * k, idx + (q0 + i) * k, &len[i], k,
						       tile[i * nr + j], r0 + j);
		}
		for (int64_t i = 0; i < nq; i++)
			for (int a = 0; a < k; a++)
				dist[(q0 + i) * k + a] = (float)sqrt(nd[i * k + a]);
	}
out:
	free(rn);
	free(rt);
	free(qn);
	free(tile);
	free(nd);
	free(len);
	return rc;
}
