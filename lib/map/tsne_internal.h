/*
 * Shared inside lib/ by tsne.c, tsne_bh.c and tsne_place.c only: a row-block parallel
 * loop and the Barnes-Hut space-partitioning tree.
 */
#ifndef LI_TSNE_INTERNAL_H
#define LI_TSNE_INTERNAL_H

#include <stdint.h>

#include "err.h"

/*
 * Runs fn(ctx, lo, hi) over [0, n) in fixed blocks of 64 through li_parallel_for on
 * `threads` threads (<= 0: one per online CPU; the calling thread included). Blocks do
 * not depend on the thread count, and fn must write only per-item results, so the
 * outcome is the same for any thread count. Returns 0.
 */
int li_tsne_par_for(int threads, int64_t n, void (*fn)(void *ctx, int64_t lo, int64_t hi),
		    void *ctx);

/* A quadtree (2-D) or octree (3-D) over points Y (n*dims, double, borrowed: must outlive
 * the tree), its leaves holding up to leaf_size points (more where they coincide or the
 * depth runs out). Built serially, so the same points give the same tree. Leaves of 8
 * suit walks point by point (li_bh_repulse); leaves of 32 suit the 2-D leaf walks of
 * li_bh_repulse_leaf (70k x 50 Fashion-MNIST, 2 threads: 56 -> 40-45 s for the whole fit,
 * KL 2.4478 -> 2.4474; 16: 44 s, 64: 43-46 s). */
#define LI_BH_LEAF_POINT 8
#define LI_BH_LEAF_GROUP 32
typedef struct li_bh_tree li_bh_tree;
li_bh_tree *li_bh_build(const double *Y, int64_t n, int dims, int leaf_size, li_err *err);
/* The same into t's buffers (t NULL: a new tree), kept from its last build; on failure
 * t is freed and NULL returned. The same points give the same tree either way. */
li_bh_tree *li_bh_rebuild(li_bh_tree *t, const double *Y, int64_t n, int dims, int leaf_size,
			  li_err *err);
void li_bh_free(li_bh_tree *t);

/*
 * Repulsion on point p from the tree's points, skipping tree point `self` (-1: none):
 * adds sum_j w_j^2 (p - y_j) into f[dims] and returns sum_j w_j, w_j = 1/(1+|p-y_j|^2).
 * A cell whose width / distance to its centre of mass is below theta (and which does not
 * hold `self`) counts as one point of its mass; theta 0 makes it exact.
 */
double li_bh_repulse(const li_bh_tree *t, const double *p, int64_t self, double theta,
		     double *f);
/* The tree's points in tree order (n; borrowed): visiting points in this order keeps
 * successive traversals on the same nodes. */
const int64_t *li_bh_order(const li_bh_tree *t);

/* The tree's leaves, in tree order: leaf g holds the points at tree positions
 * [start, start + count) of li_bh_order. */
int64_t li_bh_leaves(const li_bh_tree *t);
void li_bh_leaf(const li_bh_tree *t, int64_t leaf, int64_t *start, int64_t *count);
/*
 * The repulsion on each point i of leaf `leaf` from all the others, as li_bh_repulse with
 * self i: rep[i*dims ...] = sum_j w_ij^2 (y_i - y_j), z[i] = sum_j w_ij. In 2-D the
 * leaf's points walk the tree together in blocks of up to 32, a cell (a leaf too)
 * counting as one point only where theta holds for the whole block's bounding box; in
 * 1-D and 3-D each point walks alone.
 */
void li_bh_repulse_leaf(const li_bh_tree *t, int64_t leaf, double theta, double *rep,
			double *z);

/*
 * Repulsion of every point of a 2-D embedding Y (n*2) by FFT-accelerated interpolation
 * (tsne_fft.c): rep[i] = sum_j w_ij^2 (y_i - y_j) (n*2), zi[i] = sum_{j != i} w_ij (n).
 */
typedef struct li_fft_ws li_fft_ws; /* buffers and FFTW plans kept across iterations */
int li_fft_repulse(li_fft_ws **ws, const double *Y, int64_t n, int threads, double *rep,
		   double *zi, li_err *err);
/* *ws starts NULL (made on first use); free with li_fft_ws_free (NULL allowed). */
void li_fft_ws_free(li_fft_ws *ws);

#endif
