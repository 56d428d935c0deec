/*
 * t-SNE (van der Maaten and Hinton 2008) with openTSNE's defaults: perplexity-calibrated
 * affinities on a k-nearest-neighbour graph (k = 3 x perplexity), early exaggeration,
 * PCA initialisation, learning rate N / exaggeration, delta-bar-delta gains, and a fast
 * gradient for large N; placing new rows into a fitted map as openTSNE's transform does;
 * an approximate, neighbour-weighted inverse; and self-tuning of the perplexity.
 *
 * Gradient methods: exact O(N^2) repulsion up to `exact_max` rows (1,000), Barnes-Hut
 * above (quadtree in 2-D, octree in 3-D, theta 0.5). FFT-accelerated interpolation
 * (FIt-SNE's, through FFTW; 2-D only) is there on request (`fft_min`), not by default:
 * measured here on Fashion-MNIST-shaped embeddings, one Barnes-Hut gradient took 13, 44,
 * 107 and 512 ms at 10k, 30k, 70k and 300k rows, the FFT one 119, 422, 572 and 671 ms.
 * With the learning rate N of the late phase the map spans ~180 units at 10k rows, and
 * FIt-SNE's grid (3 nodes per unit-length box) grows with the span, so its FFTs cost more
 * than the tree. At 1M rows the FFT is faster, but its grid is capped (400 boxes a side,
 * to bound memory) and loses accuracy there. Barnes-Hut is the default at every size.
 * Profiled again (perf, one repulsion of li-reduce's final Fashion-MNIST 10k x 784 map,
 * span 192, one thread, CPU time on the loaded 2-core EPYC): FFT 85 ms, Barnes-Hut 35;
 * FFTW's transforms are 66% of the FFT's time, filling the kernel and copying the
 * padded grids 13%, memset 6%, the per-point spreading and gathering ~2%. Its cost
 * follows the span, not N: the same points scaled to span 134, 115, 96 and 50 take 38,
 * 30, 15 and 3.9 ms (Barnes-Hut 17-27 ms). FIt-SNE's and openTSNE's grid is the same
 * (one box per unit, 3 nodes each), so the crossover is a map narrower than about 100
 * units at 10k rows. The maps t-SNE makes are wider (the span grows about as sqrt(N),
 * the grid as N), and a 192-unit map's padded 1152^2 grid (four 10.6 MB arrays, kernel
 * and charges, real and spectrum) does not fit in this machine's cache. Measured again
 * after the Barnes-Hut work below (whole fits of Fashion-MNIST 20k x 50 through PCA,
 * one thread, tests/tools/tsne_tool with its own brute-force kNN, the machine loaded):
 * Barnes-Hut 43.8 s CPU, KL 1.774; FFT 62.2 s, KL 1.806. The FFT's plans are made once
 * per grid size and reused across iterations; its transforms run on one thread.
 *
 * Speed (Fashion-MNIST 20k x 50, one thread, li-reduce end to end: 60.3 -> 32.8 s CPU):
 * the kNN is exact where that is cheaper (reduce_tsne.c), the tree is rebuilt in kept
 * buffers with leaves of up to 8 points (tsne_bh.c), the 2-D attraction runs four edges
 * a vector, and the points are renumbered in the tree's order of the map before each
 * phase, so that P's neighbours lie near each other in memory (li_tsne_fit returns the
 * map in the caller's row order).
 *
 * Gradient convention (openTSNE's, which is 1/4 of dKL/dy; hence learning rates 4x
 * scikit-learn's): grad_i = sum_j (e p_ij - q_ij) w_ij (y_i - y_j), w_ij = 1/(1+|y_i-y_j|^2),
 * q_ij = w_ij / Z, Z = sum_{k != l} w_kl, e = exaggeration.
 *
 * The kNN graph is an input (li_tsne_knn), so that any neighbour search can feed it.
 * Threads: work is split over rows; every sum over rows is reduced in row order, so the
 * same inputs give the same bytes at any thread count (the FFT method's transforms run on
 * one thread with FFTW_ESTIMATE plans). Nothing here is random except
 * li_tsne_random_init (seeded).
 * Module rules: int returns are 0 or a negative LI_E* code with err filled; every array
 * is caller-owned unless a function says otherwise.
 */
#ifndef LI_TSNE_H
#define LI_TSNE_H

#include <stdint.h>

#include "err.h"
#include "progress.h"

/* A k-nearest-neighbour graph: for each of n query rows, its k nearest reference rows
 * sorted by increasing distance, the row itself excluded (when queries are the reference
 * set). Borrowed by every function that takes it. */
typedef struct li_tsne_knn {
	int64_t n;          /* query rows */
	int k;              /* neighbours per row */
	const int64_t *idx; /* n * k reference row indices */
	const float *dist;  /* n * k Euclidean (not squared) distances */
} li_tsne_knn;

typedef struct li_tsne_params {
	int dims;              /* output dimensions, 2 or 3 [2] */
	double perplexity;     /* [30]; lowered to (N-1)/3 when 3 x perplexity > N-1 */
	double early_exag;     /* exaggeration of the first phase [12] */
	int early_iter;        /* iterations of the first phase [250] */
	int n_iter;            /* iterations after it, without exaggeration [750] */
	double learning_rate;  /* <= 0: N / exaggeration of each phase (openTSNE "auto") [0] */
	double momentum_early; /* [0.5] */
	double momentum_final; /* [0.8] */
	double max_step_norm;  /* per-point step clipped to this length, as openTSNE [5] */
	double theta;          /* Barnes-Hut opening angle [0.5] */
	int64_t exact_max;     /* N <= this: exact repulsion [1000] */
	int64_t fft_min;       /* > 0: 2-D fits of N >= this (> exact_max) use FFT [0: never] */
	int threads;           /* worker threads [0: one per online CPU] */
	/* optional: stages ("t-SNE affinities", "t-SNE iterations, KL 2.314" every 50
	 * iterations and at the end, with iterations done of all); the KL it shows is
	 * computed only when fn is set, from the step's own Z, and changes nothing else */
	li_progress progress;
} li_tsne_params;

/* Fills p with the defaults above. */
void li_tsne_params_init(li_tsne_params *p);

/* Gradient methods. */
enum { LI_TSNE_EXACT = 0, LI_TSNE_BH = 1, LI_TSNE_FFT = 2 };
/* The method a fit of n rows with parameters p uses. */
int li_tsne_method(const li_tsne_params *p, int64_t n);

/* What a fit reports. */
typedef struct li_tsne_info {
	double perplexity; /* the perplexity used (after lowering, see params) */
	int k;             /* neighbours per row used */
	double kl;         /* KL(P || Q) of the final embedding: exact when the repulsion was
			    * exact, else with Z from BH or FFT (as openTSNE estimates it) */
	int method;        /* LI_TSNE_EXACT, _BH or _FFT */
} li_tsne_info;

/* The neighbour count a fit of n rows with this perplexity needs: min(n-1, floor(3 x
 * perplexity after lowering)); the lowered perplexity goes to *perp_used (may be NULL). */
int li_tsne_neighbors(int64_t n, double perplexity, double *perp_used);

/*
 * Conditional affinities p_{j|i} for the first k neighbours of each row of g, by binary
 * search of the Gaussian precision beta_i on squared distances until the entropy is
 * within 1e-5 of log(perplexity) (at most 100 steps), as scikit-learn's
 * _binary_search_perplexity. P: n*k, each row sums to 1. beta: n (may be NULL).
 */
int li_tsne_conditional(const li_tsne_knn *g, int k, double perplexity, int threads,
			double *P, double *beta, li_err *err) LI_RESULT_USED;

/* A sparse symmetric matrix in compressed rows (columns increasing within a row). */
typedef struct li_tsne_sparse {
	int64_t n;       /* < 2^31 */
	int64_t *rowptr; /* n + 1 */
	int32_t *col;
	float *val;
} li_tsne_sparse;
void li_tsne_sparse_release(li_tsne_sparse *s);

/* Joint affinities P = (C + C^T) / 2n from the conditional ones (C: n*k, as from
 * li_tsne_conditional, neighbours g->idx), rows sorted on `threads` threads (<= 0: every
 * CPU; the same P at any count). Caller releases P with li_tsne_sparse_release. */
int li_tsne_joint(const li_tsne_knn *g, int k, const double *C, int threads,
		  li_tsne_sparse *P, li_err *err) LI_RESULT_USED;

/* The gradient (convention above) at Y (n*dims, double) into grad (n*dims) by method
 * (theta: Barnes-Hut's, > 0; FFT: 2-D only). *Z (may be NULL) gets the normalisation.
 * The FFT method plans with FFTW, whose planner is not thread-safe: do not run two FFT
 * fits at once in one process. */
int li_tsne_gradient(const li_tsne_sparse *P, double exag, const double *Y, int dims,
		     int method, double theta, int threads, double *grad, double *Z,
		     li_err *err) LI_RESULT_USED;

/* KL(P || Q) at Y into *kl: sum over the nonzero p_ij of p_ij log(p_ij / q_ij), with Z
 * from the method (exact, BH or FFT). */
int li_tsne_kl(const li_tsne_sparse *P, const double *Y, int dims, int method, double theta,
	       int threads, double *kl, li_err *err) LI_RESULT_USED;

/* Initial embedding from the first `dims` principal components of X (n*d, float32,
 * through LAPACKE), each component's sign fixed so its largest-magnitude loading is
 * positive, scaled so column 0 has standard deviation 1e-4 (openTSNE, scikit-learn).
 * Columns beyond d are zero; all-identical rows give zeros. Y: n*dims. */
int li_tsne_pca_init(const float *X, int64_t n, int64_t d, int dims, float *Y, li_err *err)
	LI_RESULT_USED;
/* Random initial embedding, N(0, 1e-4^2) from li_rng_stream(seed, row). */
void li_tsne_random_init(uint64_t seed, int64_t n, int dims, float *Y);

/*
 * Fits t-SNE. g: the kNN graph of the n training rows among themselves, with at least
 * li_tsne_neighbors(n, perplexity) neighbours per row (extra ones are ignored). Y: n*dims,
 * the initial embedding in (e.g. from li_tsne_pca_init), the result out. n >= 2.
 * info may be NULL.
 */
int li_tsne_fit(const li_tsne_params *p, const li_tsne_knn *g, float *Y, li_tsne_info *info,
		li_err *err) LI_RESULT_USED;

/* What placing rows and the approximate inverse need: a fitted map. Plain data, owned. */
typedef struct li_tsne_model {
	int64_t n;          /* training rows */
	int64_t d;          /* latent width */
	int dims;           /* embedding dimensions */
	float *x;           /* n * d training rows */
	float *y;           /* n * dims their embedding */
	double perplexity;  /* the perplexity of the fit (kept for the map file's params) */
} li_tsne_model;

/* A model from arrays (copied). Caller frees with li_tsne_model_free(). NULL on error. */
li_tsne_model *li_tsne_model_new(int64_t n, int64_t d, int dims, const float *x,
				 const float *y, double perplexity, li_err *err);
void li_tsne_model_free(li_tsne_model *m);

/* Placing new rows: openTSNE's TSNEEmbedding.transform defaults. */
typedef struct li_tsne_place_params {
	double perplexity;    /* affinities of a new row to its 3 x perplexity nearest [5] */
	int init_k;           /* start at the coordinate-wise median of this many nearest [25] */
	double learning_rate; /* [0.1] */
	double exaggeration;  /* [1.5] */
	int n_iter;           /* [250] */
	double momentum;      /* [0.8] */
	double max_grad_norm; /* per-point gradient clipped to this length [0.25] */
	double max_step_norm; /* [5] */
	double theta;         /* Barnes-Hut over the reference embedding [0.5] */
	int64_t exact_max;    /* reference n <= this: exact repulsion [1000] */
	int threads;          /* [0: one per online CPU] */
} li_tsne_place_params;
void li_tsne_place_params_init(li_tsne_place_params *p);

/*
 * Places new rows into the map m. g: the kNN graph of the new rows among m's training
 * rows (indices into m->x), sorted, with k >= max(init_k, 3 x perplexity) neighbours or
 * all of them when m->n is smaller. Each new row is optimised alone against the fixed
 * reference embedding (the reference points do not move and new rows do not see each
 * other), so a row's result does not depend on the other rows of the batch: rows can be
 * placed in shards. Y: g->n * m->dims out.
 */
int li_tsne_transform(const li_tsne_model *m, const li_tsne_knn *g,
		      const li_tsne_place_params *p, float *Y, li_err *err) LI_RESULT_USED;

/*
 * Approximate inverse (t-SNE has none): for each of n points (n * m->dims), the k nearest
 * embedded training points (k clamped to m->n; 10 is a good default) give weights 1/dist,
 * normalised, applied to their training rows. A point within 1e-12 of a training point's
 * coordinate (relative to the embedding's extent) returns that row (the first such).
 * Finite for any finite point, however far outside the map: far away, the weights tend to
 * equal. Non-finite input coordinates are an error. X: n * m->d out.
 */
int li_tsne_inverse(const li_tsne_model *m, const float *pts, int64_t n, int k, int threads,
		    float *X, li_err *err) LI_RESULT_USED;

/* ---- self-tuning (tsne_auto.c) ---- */

/* Scores an embedding Y (n*dims) of the rows the caller tuned on, higher is better
 * (li-reduce passes trustworthiness@10 on a sample). 0 or negative with err set. */
typedef int (*li_tsne_score_fn)(void *ctx, const float *Y, int64_t n, int dims,
				double *score, li_err *err);

#define LI_TSNE_AUTO_MAX 8
typedef struct li_tsne_auto_result {
	int n_cand;                          /* candidates tried, in increasing perplexity */
	double perplexity[LI_TSNE_AUTO_MAX]; /* as used (lowered for small N) */
	double score[LI_TSNE_AUTO_MAX];
	double kl[LI_TSNE_AUTO_MAX];
	int chosen;                          /* index of the best score */
	int is_default[LI_TSNE_AUTO_MAX];    /* 1 for base->perplexity (lowered) */
	char why[256];                       /* one line: what was chosen and why */
} li_tsne_auto_result;

/*
 * --auto for t-SNE: picks the perplexity. Start from a size-aware value,
 * s = min(max(30, n/100), (n-1)/6) (Kobak and Berens' n/100 for large sets; small sets
 * keep some six neighbourhoods apart), try s/2, s, 2s and base->perplexity (all lowered
 * to at most (n-1)/3, at least 2, duplicates dropped), fit each with the other settings of
 * base from the same initial embedding init (n*dims, not modified), score each with
 * score(), and choose the best; ties go to the default, then the smaller perplexity.
 * The defaults are a candidate, so the choice never scores below them. Deterministic
 * when score is. g: kNN graph of the n rows with at least li_tsne_neighbors(n, 2s) (or
 * base's) neighbours. Tune on a sample and fit the whole set with the chosen perplexity.
 * Y (may be NULL): the chosen candidate's embedding.
 */
int li_tsne_auto(const li_tsne_params *base, const li_tsne_knn *g, const float *init,
		 li_tsne_score_fn score, void *ctx, li_tsne_auto_result *res, float *Y,
		 li_err *err) LI_RESULT_USED;

/* The largest neighbour count li_tsne_auto needs for n rows and base perplexity. */
int li_tsne_auto_neighbors(int64_t n, double base_perplexity);

#endif
