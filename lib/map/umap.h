/*
 * UMAP (McInnes, Healy, Melville 2018) as umap-learn 0.5.3 computes it: kNN graph
 * (knn.h), smooth-kNN sigma/rho, fuzzy union, spectral initialisation, SGD with negative
 * sampling; transform of new rows; inverse transform of embedding points.
 *
 * Module rules: matrices are row-major float32; int functions return 0 or a negative
 * LI_E* code with err filled; the caller owns every buffer it passes; a li_umap_model
 * owns all its arrays and is freed with li_umap_free().
 *
 * Determinism: every random choice comes from li_rng_stream(seed, item) with the item a
 * vertex, edge or query row, never a thread, so the same data and seed give the same
 * bytes at any thread count. The fit's SGD gets there by running the vertices in 16
 * fixed blocks one after the other: within a block, vertices run in parallel, each moving
 * only itself through its own edges and reading the others from a copy of the embedding
 * refreshed after each block; the other end of each pull (umap-learn's move_other) is
 * kept and applied after the block, in a fixed order. (2-D fits run 8 vertices at once in
 * the lanes of a vector, each lane doing exactly one vertex's float arithmetic; the
 * gradients' powers come from a polynomial 2^(b log2 x) within 1e-5 of pow.) Transform and inverse optimise each query row alone: a row's result depends
 * only on that row, the model and the seed, never on the other rows of the batch
 * (umap-learn's transform and inverse share one random stream and one weight maximum
 * across the batch; ours take the maximum per row).
 */
#ifndef LI_UMAP_H
#define LI_UMAP_H

#include <stdint.h>

#include "err.h"
#include "progress.h"

typedef struct li_umap_params {
	int n_neighbors;           /* 15, at most 1024; the fit clamps it to n - 1 */
	int n_components;          /* 2 */
	double min_dist, spread;   /* 0.1, 1.0 */
	int n_epochs;              /* 0: 500 up to 10,000 rows, else 200 (umap-learn) */
	double learning_rate;      /* 1.0 */
	int negative_sample_rate;  /* 5 */
	double repulsion_strength; /* 1.0 (gamma) */
	double local_connectivity; /* 1.0 */
	double set_op_mix_ratio;   /* 1.0: fuzzy union */
	double a, b;               /* 0: fitted from min_dist and spread */
	int knn_method;            /* LI_KNN_AUTO (knn.h) */
	int threads;               /* 0: one per online CPU */
	uint64_t seed;             /* 42 */
	li_progress progress;      /* the fit's stages and epochs (not kept in the model) */
} li_umap_params;

/* Fills p with umap-learn's defaults (above). */
void li_umap_params_default(li_umap_params *p);

/* A fuzzy graph in CSR form: row i's entries are indices[indptr[i] .. indptr[i+1]). */
typedef struct li_umap_graph {
	int64_t n, nnz;
	int64_t *indptr;   /* n + 1 */
	int32_t *indices;  /* nnz, increasing within a row */
	float *weights;    /* nnz, in (0, 1] */
} li_umap_graph;

void li_umap_graph_release(li_umap_graph *g);

/*
 * What transform and inverse need: the lead's map file stores each array as a dataset.
 * All arrays are owned by the model. Read-only after construction.
 */
typedef struct li_umap_model {
	li_umap_params params;  /* a, b filled; n_neighbors as used */
	int64_t n, d, dim;      /* training rows, their width, embedding width */
	float *x;               /* n x d training rows */
	float *embedding;       /* n x dim */
	float *sigmas, *rhos;   /* n: smooth-kNN scale and distance to the nearest neighbour */
	li_umap_graph graph;    /* the fuzzy union (before pruning weak edges) */
	int knn_used;           /* LI_KNN_EXACT or LI_KNN_APPROX (knn.h) */
	int n_epochs;           /* epochs the fit ran */
	/* the inverse's Delaunay triangulation of the embedding and the data's slope, made
	 * by the first li_umap_inverse (under a lock) and kept for the next: a click then
	 * does not triangulate the whole map again. Freed by li_umap_free. */
	struct li_umap_inv_cache *inv;
} li_umap_model;

/*
 * Fits UMAP to x (n x d). Returns a new model (caller frees with li_umap_free()), or NULL
 * with err filled: LI_EUSAGE for n < 3 or bad parameters, LI_EDATA for a non-finite
 * value, LI_ENOMEM. n_neighbors larger than n - 1 is clamped (umap-learn warns and does
 * the same); model->params says what was used. x is copied.
 */
li_umap_model *li_umap_fit(const float *x, int64_t n, int64_t d, const li_umap_params *p,
	li_err *err);
/* Like li_umap_fit, but takes x (allocated with malloc): the model keeps it as its
 * training rows instead of a copy (one copy of the rows in memory, not two); on failure
 * x is freed here. The same model, the same bytes as li_umap_fit. */
li_umap_model *li_umap_fit_take(float *x, int64_t n, int64_t d, const li_umap_params *p,
	li_err *err);

/*
 * Builds a model back from its arrays (as loaded from a map file); every array is
 * copied, and checked for shape and content (indices in range, indptr increasing,
 * finite numbers). Returns NULL with LI_EDATA / LI_ENOMEM in err.
 */
li_umap_model *li_umap_model_from_arrays(const li_umap_params *p, int64_t n, int64_t d,
	int64_t dim, const float *x, const float *embedding, const float *sigmas,
	const float *rhos, int64_t nnz, const int64_t *indptr, const int32_t *indices,
	const float *weights, li_err *err);

void li_umap_free(li_umap_model *m);

/*
 * Places m rows q (m x model->d) into the embedding as umap-learn's transform does:
 * exact kNN among the training rows, sigma/rho with local_connectivity - 1, start at the
 * membership-weighted mean of the neighbours' embeddings, then n_epochs / 3 epochs (100
 * when n_epochs is 0) of SGD of the new points against the fixed training embedding,
 * learning rate / 4. out is m x dim. Each row depends only on itself, the model and the
 * seed: its random stream comes from its bytes, its weak-edge cut and edge schedule from
 * its own largest weight, and the epochs stay 100 for any batch size (umap-learn uses
 * the batch's largest weight and drops to 30 epochs above 10,000 rows).
 */
int li_umap_transform(const li_umap_model *model, const float *q, int64_t m, float *out,
	li_err *err) LI_RESULT_USED;

/*
 * Maps m embedding points y (m x dim, dim must be 2) back to rows (out, m x d) as
 * umap-learn's inverse_transform does (Delaunay triangulation of the training
 * embedding, containing triangle, breadth-first search over its edges for the
 * min(d, n) nearest vertices, weights 1/(1 + a dist^(2b)), weighted mean of their rows,
 * then n_epochs / 3 (100 when n_epochs is 0, for any batch size) epochs of SGD in the
 * row space using the training sigmas and rhos). As in transform, each row's result
 * depends only on that point, the model and the seed.
 *
 * Outside the convex hull of the training embedding (umap-learn silently uses the last
 * triangle) the rule is: let h be the point of the hull nearest to y; the result is
 * inverse(h) + J (y - h), where J is the damped least-squares linear map from the
 * embedding to the rows over the 15 training points nearest to h (ridge 5% of their mean
 * variance per embedding axis; zero when they coincide), the step shortened to at most
 * slope * |y - h| with slope the root total variance of the training rows over that of
 * their embedding (a cluster lies tighter on the map than in the rows, so its own slope
 * is steeper than the data's). So a probe outside the hull
 * continues the local linear trend of the data; the result is always finite. outside
 * (m entries, may be NULL) gets 1 for rows handled by this rule, else 0.
 */
int li_umap_inverse(const li_umap_model *model, const float *y, int64_t m, float *out,
	uint8_t *outside, li_err *err) LI_RESULT_USED;

/* ---- the building blocks, exposed for tests and other reducers -------------------- */

/* umap-learn's find_ab_params: least squares fit of 1/(1 + a x^(2b)) to 1 below
 * min_dist and exp(-(x - min_dist)/spread) beyond, on 300 points of [0, 3 spread]
 * (Levenberg-Marquardt from a = b = 1). Returns 0, or -1 when it does not converge. */
int li_umap_find_ab(double spread, double min_dist, double *a, double *b);

/* umap-learn's smooth_knn_dist on kNN distances (n x k, each row increasing): binary
 * search of sigma so that sum_j>0 exp(-(d_j - rho)/sigma) = log2(k), rho the
 * local_connectivity-th nonzero distance, sigma floored at 1e-3 times the mean
 * distance. Fills sigmas and rhos (n each). */
void li_umap_smooth_knn(const float *dists, int64_t n, int k, double local_connectivity,
	float *sigmas, float *rhos);

/* The fuzzy simplicial set of a kNN graph (idx/dists n x k, self first): memberships
 * exp(-(d - rho)/sigma), then w + w^T - w o w^T (mixed with w o w^T by mix_ratio).
 * Fills g (release with li_umap_graph_release). */
int li_umap_fuzzy_graph(const int32_t *idx, const float *dists, int64_t n, int k,
	const float *sigmas, const float *rhos, double mix_ratio, li_umap_graph *g,
	li_err *err) LI_RESULT_USED;

/*
 * Spectral layout of a symmetric graph as umap-learn's spectral_layout: the
 * eigenvectors of the normalized Laplacian I - D^-1/2 W D^-1/2 with the 2nd to
 * (dim+1)-th smallest eigenvalues (Lanczos with full reorthogonalisation, deflating the
 * trivial eigenvector, explicit restarts), each vector unit length with its
 * largest-magnitude entry positive. Disconnected graphs: each component is laid out
 * alone and placed as umap-learn's multi_component_layout places it (components at +-
 * unit vectors when there are at most 2 dim of them, else at the principal coordinates
 * of their centroids in x, which umap-learn gets from a spectral layout instead).
 * eigenvalues (dim entries, may be NULL) gets the Laplacian eigenvalues of a connected
 * graph. Returns 0; 1 when the eigen solver failed and out holds umap-learn's fallback
 * (uniform in [-10, 10]); negative on error.
 */
int li_umap_spectral(const li_umap_graph *g, const float *x, int64_t d, int dim,
	uint64_t seed, float *out, double *eigenvalues, li_err *err);

#endif
