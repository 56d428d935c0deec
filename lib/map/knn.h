/*
 * k-nearest-neighbour graphs under the Euclidean metric, for UMAP (umap.h).
 *
 * Small sets are searched exactly: squared distances come from blocked GEMM
 * (|x|^2 + |y|^2 - 2 x.y with cblas_sgemm, in 256 x 256 tiles), each row keeps the
 * columns below its current k-th best in a list of 2k that a selection cuts back to k,
 * and the k distances kept are recomputed directly in double precision. Large sets use an
 * approximate search: a forest of random-projection trees (umap-learn's count, 5 +
 * sqrt(n) / 20; rows wider than 96 columns are split by a 64-column Gaussian
 * projection of themselves) seeds NN-descent (Dong et al. 2011, as pynndescent does).
 * The leaves' and NN-descent's candidate distances come from one GEMM per block of
 * candidates (|a|^2 + |b|^2 - 2 a.b). LI_KNN_AUTO picks exact up to LI_KNN_EXACT_MAX
 * rows (as umap-learn switches at 4096) and approximate above; the caller learns which
 * was used.
 *
 * Threads (pthreads, li_parallel_for) split the rows; randomness comes from per-item
 * streams li_rng_stream(seed, item), so the result is the same at any thread count.
 * OpenBLAS runs single-threaded inside the threaded part, so each product depends only
 * on its operands and block shape (on one machine and OpenBLAS kernel: the same bytes).
 * Arrays are row-major; the caller owns every buffer.
 */
#ifndef LI_KNN_H
#define LI_KNN_H

#include <stdint.h>

#include "err.h"

#define LI_KNN_EXACT_MAX 4096

enum { LI_KNN_AUTO = 0, LI_KNN_EXACT = 1, LI_KNN_APPROX = 2 };

typedef struct li_knn_opts {
	int k;           /* neighbours per row, self included (1 <= k <= n) */
	int method;      /* LI_KNN_AUTO, LI_KNN_EXACT or LI_KNN_APPROX */
	int threads;     /* 0: one per online CPU */
	uint64_t seed;   /* for the approximate search */
} li_knn_opts;

/*
 * The k nearest rows of every row of x (n x d) among the rows of x. idx (n x k) and dist
 * (n x k, Euclidean) are filled row by row in increasing distance; each row lists itself
 * first (distance 0), as umap-learn's nearest_neighbors does. *used (may be NULL) gets
 * LI_KNN_EXACT or LI_KNN_APPROX. Returns 0, or LI_EUSAGE / LI_ENOMEM with err filled.
 */
int li_knn_graph(const float *x, int64_t n, int64_t d, const li_knn_opts *o,
	int32_t *idx, float *dist, int *used, li_err *err) LI_RESULT_USED;

/*
 * Exact k nearest training rows (train, n x d) of each query row (q, m x d): idx and dist
 * are m x k, increasing distance (ties by index). Nothing is treated as "self". Same
 * threading rules as above. Returns 0 or negative with err filled.
 */
int li_knn_query(const float *train, int64_t n, const float *q, int64_t m, int64_t d,
	int k, int threads, int32_t *idx, float *dist, li_err *err) LI_RESULT_USED;

/* Fraction of the entries of approx (n x k) whose index appears in the same row of
 * exact (n x k): the recall of an approximate graph. */
double li_knn_recall(const int32_t *exact, const int32_t *approx, int64_t n, int k);

#endif
