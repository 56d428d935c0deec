/*
 * Trustworthiness of an embedding (Venna and Kaski, 2001), defined as scikit-learn's
 * sklearn.manifold.trustworthiness computes it (see reduce.h for the formula): how many
 * of each point's k nearest neighbours in the embedding are intruders from far away in
 * the original space, weighted by how far (their rank there beyond k).
 *
 * Original-space distances come a block of rows at a time from one GEMM each
 * (li_reduce_sqdist below: |a|^2 + |b|^2 - 2 a.b, the way scikit-learn's
 * euclidean_distances computes them), so
 * memory is a block x n, not n x n. A neighbour's rank is counted directly: one plus the
 * points strictly closer, plus the equally close ones of lower index (a stable order).
 * Embedding neighbours are exact (squared differences), ties again to the lower index.
 * Cost O(n^2 (d + k)); callers sample at most a few thousand rows.
 */
#include "reduce_internal.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 256

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

/* Inserts (dist, j) into the sorted k-list (nd, nj) of current length *len. */
static void knn_insert(double *nd, int64_t *nj, int *len, int k, double dist, int64_t j)
{
	int p = *len < k ? *len : k - 1;
	if (*len == k && !(dist < nd[k - 1]))
		return; /* not closer than the worst kept; equal loses to the lower index */
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

double li_trust(const double *x, int64_t n, int64_t d, const double *y, int dims, int k,
		li_err *err)
{
	if (k < 1 || !(k < n / 2.0))
		return li_err_set(err, LI_EUSAGE, "trustworthiness needs k (%d) below half the rows (%lld)",
				  k, (long long)n);
	double *norm = malloc((size_t)n * sizeof *norm);
	double *g = malloc((size_t)BLOCK * (size_t)n * sizeof *g);
	double *nd = malloc((size_t)k * sizeof *nd);
	int64_t *nj = malloc((size_t)k * sizeof *nj);
	if (!norm || !g || !nd || !nj) {
		free(norm);
		free(g);
		free(nd);
		free(nj);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	for (int64_t i = 0; i < n; i++) {
		double s = 0;
		for (int64_t j = 0; j < d; j++)
			s += x[i * d + j] * x[i * d + j];
		norm[i] = s;
	}
	double sum = 0;
	for (int64_t b0 = 0; b0 < n; b0 += BLOCK) {
		int64_t nb = n - b0 < BLOCK ? n - b0 : BLOCK;
		li_reduce_sqdist(x + b0 * d, norm + b0, nb, x, norm, n, d, g);
		for (int64_t bi = 0; bi < nb; bi++) {
			int64_t i = b0 + bi;
			double *dist = g + bi * n;
			/* the embedding's k nearest, self excluded */
			int len = 0;
			for (int64_t j = 0; j < n; j++) {
				if (j == i)
					continue;
				double e = 0;
				for (int c = 0; c < dims; c++) {
					double t = y[i * dims + c] - y[j * dims + c];
					e += t * t;
				}
				knn_insert(nd, nj, &len, k, e, j);
			}
			for (int q = 0; q < len; q++) {
				int64_t j = nj[q], rank = 1;
				double dj = dist[j];
				for (int64_t l = 0; l < n; l++)
					if (l != i && (dist[l] < dj || (dist[l] == dj && l < j)))
						rank++;
				if (rank > k)
					sum += (double)(rank - k);
			}
		}
	}
	free(norm);
	free(g);
	free(nd);
	free(nj);
	double nn = (double)n;
	return 1.0 - sum * (2.0 / (nn * k * (2.0 * nn - 3.0 * k - 1.0)));
}
