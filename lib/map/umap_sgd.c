/*
 * UMAP's optimisation side, after umap-learn 0.5.3 (umap_.py simplicial_set_embedding
 * and transform, layouts.py optimize_layout_euclidean): the edge-epoch schedule, SGD
 * with negative sampling, the fit driver, transform of new rows, and the model's
 * constructors. umap.h explains how the threaded SGD stays deterministic. 2-D fits take
 * a vector path (sgd_ops, sgd_apply2: 8 vertices per vector, powers from
 * umap_internal.h); other widths the scalar sgd_rows.
 */
#include "umap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "knn.h"
#include "parallel.h"
#include "rng.h"
#include "simd.h"
#include "umap_internal.h"

#define SGD_BLOCKS 16
#define LANES LI_UMAP_LANES
#if LANES != 8
#error "sgd_apply2 spells out 8 lanes"
#endif

typedef li_umap_vf vf;
typedef li_umap_vi vi;
#define splat li_umap_splat
#define vsel li_umap_sel
#define vpow li_umap_vpow

static double clip4(double v)
{
	return v > 4 ? 4 : (v < -4 ? -4 : v);
}

/* ---- model ---------------------------------------------------------------------------- */

void li_umap_free(li_umap_model *m)
{
	if (!m)
		return;
	free(m->x);
	free(m->embedding);
	free(m->sigmas);
	free(m->rhos);
	li_umap_graph_release(&m->graph);
	li_umap_inv_cache_free(m->inv);
	free(m);
}

/* A model of n x d rows: rows (may be NULL: allocated here) become its training rows
 * once everything else is allocated, so a failure never frees them. */
static li_umap_model *model_alloc(int64_t n, int64_t d, int64_t dim, float *rows, li_err *err)
{
	li_umap_model *m = calloc(1, sizeof(*m));
	size_t nd, ndim;
	if (!m || li_mul_size((size_t)n, (size_t)d, &nd) || li_mul_size((size_t)n, (size_t)dim, &ndim))
		goto oom;
	m->n = n;
	m->d = d;
	m->dim = dim;
	m->x = rows ? NULL : malloc(sizeof(float) * nd);
	m->embedding = malloc(sizeof(float) * ndim);
	m->sigmas = malloc(sizeof(float) * (size_t)n);
	m->rhos = malloc(sizeof(float) * (size_t)n);
	if ((!rows && !m->x) || !m->embedding || !m->sigmas || !m->rhos)
		goto oom;
	if (rows)
		m->x = rows;
	return m;
oom:
	li_umap_free(m);
	li_err_set(err, LI_ENOMEM, "out of memory for a umap model of %lld rows", (long long)n);
	return NULL;
}

static int params_check(const li_umap_params *p, li_err *err)
{
	if (p->n_neighbors < 2 || p->n_neighbors > 1024)
		return li_err_set(err, LI_EUSAGE, "n_neighbors must be in [2, 1024], not %d", p->n_neighbors);
	if (p->n_components < 1 || p->n_components > 100)
		return li_err_set(err, LI_EUSAGE, "bad number of components %d", p->n_components);
	if (!(p->spread > 0) || !(p->min_dist >= 0) || p->min_dist > p->spread)
		return li_err_set(err, LI_EUSAGE, "min_dist must be in [0, spread] and spread positive");
	if (p->n_epochs < 0 || p->negative_sample_rate < 0 || !(p->learning_rate > 0) ||
		!(p->repulsion_strength >= 0) || !(p->local_connectivity >= 0) ||
		!(p->set_op_mix_ratio >= 0 && p->set_op_mix_ratio <= 1))
		return li_err_set(err, LI_EUSAGE, "bad umap parameters");
	return 0;
}

li_umap_model *li_umap_model_from_arrays(const li_umap_params *p, int64_t n, int64_t d,
	int64_t dim, const float *x, const float *embedding, const float *sigmas,
	const float *rhos, int64_t nnz, const int64_t *indptr, const int32_t *indices,
	const float *weights, li_err *err)
{
	if (n < 3 || d < 1 || dim < 1 || nnz < 0 || n > INT32_MAX) {
		li_err_set(err, LI_EDATA, "bad umap model shape: %lld rows of %lld, %lld dims",
			(long long)n, (long long)d, (long long)dim);
		return NULL;
	}
	if (dim != p->n_components || params_check(p, err)) {
		li_err_set(err, LI_EDATA, "umap parameters do not match the model");
		return NULL;
	}
	if (indptr[0] != 0 || indptr[n] != nnz) {
		li_err_set(err, LI_EDATA, "umap graph: indptr does not span %lld entries", (long long)nnz);
		return NULL;
	}
	for (int64_t i = 0; i < n; i++)
		if (indptr[i + 1] < indptr[i]) {
			li_err_set(err, LI_EDATA, "umap graph: indptr decreases at row %lld", (long long)i);
			return NULL;
		}
	for (int64_t e = 0; e < nnz; e++)
		if (indices[e] < 0 || indices[e] >= n || !(weights[e] > 0 && weights[e] <= 1)) {
			li_err_set(err, LI_EDATA, "umap graph: bad entry %lld", (long long)e);
			return NULL;
		}
	for (int64_t i = 0; i < n * d; i++)
		if (!isfinite(x[i])) {
			li_err_set(err, LI_EDATA, "umap training rows hold a non-finite value");
			return NULL;
		}
	for (int64_t i = 0; i < n * dim; i++)
		if (!isfinite(embedding[i])) {
			li_err_set(err, LI_EDATA, "umap embedding holds a non-finite value");
			return NULL;
		}
	for (int64_t i = 0; i < n; i++)
		if (!(sigmas[i] > 0) || !isfinite(sigmas[i]) || !(rhos[i] >= 0) || !isfinite(rhos[i])) {
			li_err_set(err, LI_EDATA, "umap sigma or rho of row %lld is bad", (long long)i);
			return NULL;
		}
	if (!(p->a > 0) || !(p->b > 0) || !isfinite(p->a) || !isfinite(p->b)) {
		li_err_set(err, LI_EDATA, "umap a and b must be positive");
		return NULL;
	}
	li_umap_model *m = model_alloc(n, d, dim, NULL, err);
	if (!m)
		return NULL;
	m->params = *p;
	memcpy(m->x, x, sizeof(float) * (size_t)(n * d));
	memcpy(m->embedding, embedding, sizeof(float) * (size_t)(n * dim));
	memcpy(m->sigmas, sigmas, sizeof(float) * (size_t)n);
	memcpy(m->rhos, rhos, sizeof(float) * (size_t)n);
	li_umap_graph *g = &m->graph;
	g->n = n;
	g->nnz = nnz;
	g->indptr = malloc(sizeof(int64_t) * (size_t)(n + 1));
	g->indices = malloc(sizeof(int32_t) * (size_t)(nnz ? nnz : 1));
	g->weights = malloc(sizeof(float) * (size_t)(nnz ? nnz : 1));
	if (!g->indptr || !g->indices || !g->weights) {
		li_umap_free(m);
		li_err_set(err, LI_ENOMEM, "out of memory for a umap model");
		return NULL;
	}
	memcpy(g->indptr, indptr, sizeof(int64_t) * (size_t)(n + 1));
	memcpy(g->indices, indices, sizeof(int32_t) * (size_t)nnz);
	memcpy(g->weights, weights, sizeof(float) * (size_t)nnz);
	m->knn_used = p->knn_method;
	return m;
}

/* ---- the fit's SGD -------------------------------------------------------------------- */

/* The tails' halves of the pulls one chunk of 64 heads made (move_other), in the
 * order of its ops: tail[i] moves by -half[i * dim ...] after the block. */
typedef struct pulls {
	int32_t *tail;
	float *half;
	int64_t n, m;
} pulls;

typedef struct sgd {
	int64_t n;
	int dim;
	const int64_t *indptr;  /* pruned graph, by head */
	const int32_t *tail;
	const double *eps;      /* epochs per sample */
	double *next, *next_neg;
	float *emb;             /* heads, updated in place */
	float *prev;            /* tails and negatives: emb as it was after the last block */
	pulls *pl;              /* per chunk of the block, written by the thread running it */
	int64_t n_chunks;
	double a, b, gamma, alpha;
	int neg_rate, n_epochs;
	double lr;
	uint64_t seed;
	float fb;               /* b, for li_umap_pow: single precision is plenty for a
	                         * gradient step */
	int oom;                /* set when a thread could not grow its op list */
	double inv_rate;        /* 1 / neg_rate */
	const li_progress *progress; /* epochs done, from thread 0 (the caller's) */
} sgd;

/* Grows the two arrays a and b of a list of cap items (sizes sa and sb per item) to hold
 * `want` items; 0 when they do (cap updated), -1 when out of memory. */
static int list_room(void **a, size_t sa, void **b, size_t sb, int64_t *cap, int64_t want)
{
	if (want <= *cap)
		return 0;
	int64_t m = *cap ? 2 * *cap : 1024;
	while (m < want)
		m *= 2;
	void *p = realloc(*a, sa * (size_t)m);
	if (!p)
		return -1;
	*a = p;
	if (!(p = realloc(*b, sb * (size_t)m)))
		return -1;
	*b = p;
	*cap = m;
	return 0;
}

/* Room for `need` more pulls. */
static int pull_room(pulls *pl, int64_t need, int dim)
{
	void *t = pl->tail, *h = pl->half;
	int rc = list_room(&t, sizeof(int32_t), &h, sizeof(float) * (size_t)dim, &pl->m, pl->n + need);
	pl->tail = t;
	pl->half = h;
	return rc;
}

/* One epoch of SGD for the vertices [i0, i1), their tails' halves into pl. */
static int sgd_rows(sgd *s, pulls *pl, int64_t i0, int64_t i1, int epoch)
{
	int dim = s->dim;
	double n = epoch;
	pl->n = 0;
	for (int64_t j = i0; j < i1; j++) {
		float *cur = s->emb + j * dim;
		li_rng r = li_rng_stream(s->seed, (uint64_t)epoch * (uint64_t)s->n + (uint64_t)j);
		for (int64_t e = s->indptr[j]; e < s->indptr[j + 1]; e++) {
			if (s->next[e] > n)
				continue;
			const float *oth = s->prev + (int64_t)s->tail[e] * dim;
			if (pull_room(pl, 1, dim))
				return -1;
			pl->tail[pl->n] = s->tail[e];
			float *half = pl->half + pl->n++ * dim;
			double d2 = 0;
			for (int t = 0; t < dim; t++) {
				double u = (double)cur[t] - oth[t];
				d2 += u * u;
			}
			double gc = 0;
			if (d2 > 0) {
				/* d2^(b-1) as d2^b / d2: one pow instead of two */
				double pb = li_umap_pow((float)d2, s->fb);
				gc = -2.0 * s->a * s->b * (pb / d2) / (s->a * pb + 1.0);
			}
			/* the head moves now; the tail by the opposite step after the block */
			for (int t = 0; t < dim; t++) {
				float step = (float)(clip4(gc * ((double)cur[t] - oth[t])) * s->alpha);
				cur[t] += step;
				half[t] = step;
			}
			s->next[e] += s->eps[e];
			double epn = s->eps[e] / s->neg_rate;
			int nneg = (int)((n - s->next_neg[e]) / epn);
			for (int p = 0; p < nneg; p++) {
				int64_t k = (int64_t)li_rng_below(&r, (uint64_t)s->n);
				if (k == j)
					continue; /* umap-learn skips itself (its distance is 0 there) */
				const float *o = s->prev + k * dim;
				double gc;
				d2 = 0;
				for (int t = 0; t < dim; t++) {
					double u = (double)cur[t] - o[t];
					d2 += u * u;
				}
				if (d2 > 0)
					gc = 2.0 * s->gamma * s->b / ((0.001 + d2) * (s->a * li_umap_pow((float)d2, s->fb) + 1));
				else
					gc = 0; /* a distinct point at the same place: pushed by 4 */
				for (int t = 0; t < dim; t++) {
					double g = gc > 0 ? clip4(gc * ((double)cur[t] - o[t])) : 4.0;
					cur[t] += (float)(g * s->alpha);
				}
			}
			s->next_neg[e] += nneg * epn;
		}
	}
	return 0;
}

/*
 * The 2-D fast path. The SGD is a chain of dependent steps per vertex (each move starts
 * where the last one left it), so one vertex at a time leaves the CPU waiting on the
 * latency of pow and division. The vertices of a block are independent, though: each
 * moves only itself and reads the others from prev. So a chunk of vertices runs in two
 * phases. First the schedule: which edges fire this epoch and which negatives are
 * drawn depends only on the epoch counters and the vertex's random stream, not on
 * positions, so each vertex's moves are listed as ops (the other vertex's index, times
 * two, plus 1 for a repulsion; a pull also gets its slot in the chunk's pulls). Then LANES vertices at a time walk their op lists in
 * the lanes of a vector, the float arithmetic of each lane being exactly that of one
 * vertex alone (same operations, same order; a lane that runs out of ops takes the next
 * vertex), so the bytes do not depend on which lane ran what.
 */
static inline LI_UMAP_INLINE vf vclip4(vf v)
{
	v = vsel(v > 4.0f, splat(4.0f), v);
	return vsel(v < -4.0f, splat(-4.0f), v);
}

/* A draw in [0, n) from the top bits of a 64-bit draw (Lemire's multiply; the bias is
 * below n / 2^64). */
static inline int32_t draw(li_rng *r, uint64_t n)
{
	return (int32_t)(((unsigned __int128)li_rng_next(r) * n) >> 64);
}

typedef struct oplist {
	int32_t *op;
	int32_t *slot;  /* per op: a pull's place in the chunk's pulls, unused for a push */
	int64_t n_op, m_op;
	int64_t start[65];
} oplist;

/* Room for `need` more ops. */
static int op_room(oplist *l, int64_t need)
{
	void *o = l->op, *q = l->slot;
	int rc = list_room(&o, sizeof(int32_t), &q, sizeof(int32_t), &l->m_op, l->n_op + need);
	l->op = o;
	l->slot = q;
	return rc;
}

/* Phase 1: the ops of vertices [i0, i1) (at most 64) for this epoch. */
static int sgd_ops(sgd *s, oplist *l, pulls *pl, int64_t i0, int64_t i1, int epoch)
{
	double n = epoch;
	l->n_op = 0;
	pl->n = 0;
	for (int64_t j = i0; j < i1; j++) {
		l->start[j - i0] = l->n_op;
		li_rng r = li_rng_stream(s->seed, (uint64_t)epoch * (uint64_t)s->n + (uint64_t)j);
		for (int64_t e = s->indptr[j]; e < s->indptr[j + 1]; e++) {
			if (s->next[e] > n)
				continue;
			s->next[e] += s->eps[e];
			double epn = s->eps[e] * s->inv_rate; /* not a second division in the chain */
			int nneg = (int)((n - s->next_neg[e]) / epn);
			if (op_room(l, 1 + (nneg > 0 ? nneg : 0)) || pull_room(pl, 1, 2))
				return -1;
			pl->tail[pl->n] = s->tail[e];
			l->slot[l->n_op] = (int32_t)pl->n++;
			int32_t *op = l->op + l->n_op;
			*op++ = 2 * s->tail[e];
			for (int p = 0; p < nneg; p++) {
				int32_t k = draw(&r, (uint64_t)s->n);
				if (k != j) /* umap-learn skips itself */
					*op++ = 2 * k + 1;
			}
			l->n_op = op - l->op;
			s->next_neg[e] += nneg * epn;
		}
	}
	l->start[i1 - i0] = l->n_op;
	return 0;
}

/* Phase 2: the moves, LANES vertices at a time. The AVX2 clone and the default one do
 * the same IEEE operations (no FMA in either), so they give the same bytes. */
LI_TARGET_CLONES
static void sgd_apply2(sgd *s, const oplist *l, pulls *pl, int64_t i0, int64_t i1)
{
	const float a = (float)s->a, b = s->fb, alpha = (float)s->alpha;
	const float att = (float)(-2.0 * s->a * s->b), rep = (float)(2.0 * s->gamma * s->b);
	const float *prev = s->prev;
	float *emb = s->emb;
	int64_t nv = i1 - i0, next_v = 0;
	int64_t vert[LANES], pos[LANES], end[LANES];
	/* lane masks, so that a lane is set without a trip through memory */
	vi lane[LANES];
	for (int q = 0; q < LANES; q++)
		for (int t = 0; t < LANES; t++)
			lane[q][t] = t == q ? -1 : 0;
	vf cx = splat(0.0f), cy = splat(0.0f);
	int active = 0;
	for (int q = 0; q < LANES; q++) {
		vert[q] = -1;
		pos[q] = end[q] = 0;
	}
	for (;;) {
		/* fill idle lanes with the next vertices that have ops */
		for (int q = 0; q < LANES; q++) {
			while (vert[q] < 0 && next_v < nv) {
				int64_t v = next_v++;
				if (l->start[v + 1] == l->start[v])
					continue;
				vert[q] = v;
				pos[q] = l->start[v];
				end[q] = l->start[v + 1];
				cx = vsel(lane[q], splat(emb[2 * (i0 + v)]), cx);
				cy = vsel(lane[q], splat(emb[2 * (i0 + v) + 1]), cy);
				active++;
			}
		}
		if (!active)
			break;
		/* the other points (an idle lane reads point 0 and its result is dropped) */
		int32_t o[LANES];
		for (int q = 0; q < LANES; q++)
			o[q] = vert[q] < 0 ? 0 : l->op[pos[q]];
		vf ox = { prev[o[0] & ~1], prev[o[1] & ~1], prev[o[2] & ~1], prev[o[3] & ~1],
			prev[o[4] & ~1], prev[o[5] & ~1], prev[o[6] & ~1], prev[o[7] & ~1] };
		vf oy = { prev[(o[0] & ~1) + 1], prev[(o[1] & ~1) + 1], prev[(o[2] & ~1) + 1],
			prev[(o[3] & ~1) + 1], prev[(o[4] & ~1) + 1], prev[(o[5] & ~1) + 1],
			prev[(o[6] & ~1) + 1], prev[(o[7] & ~1) + 1] };
		vi repel = { -(o[0] & 1), -(o[1] & 1), -(o[2] & 1), -(o[3] & 1), -(o[4] & 1),
			-(o[5] & 1), -(o[6] & 1), -(o[7] & 1) };
		vf dx = cx - ox, dy = cy - oy;
		vf d2 = dx * dx + dy * dy;
		vf pb = vpow(d2, b);
		vf den = a * pb + 1.0f;
		/* attraction -2ab d^(2(b-1)) / (1 + a d^2b), repulsion 2 gamma b / ((0.001 + d^2)(1 + a d^2b)) */
		vf num = vsel(repel, splat(rep), att * pb);
		vf dd = vsel(repel, d2 + 0.001f, d2);
		vi pos2 = d2 > 0.0f;
		vf gc = vsel(pos2, num / vsel(pos2, dd * den, splat(1.0f)), splat(0.0f));
		/* a repelled point at the same place is pushed by 4, as umap-learn does */
		vi push4 = repel & ~(gc > 0.0f);
		vf gx = vsel(push4, splat(4.0f), vclip4(gc * dx));
		vf gy = vsel(push4, splat(4.0f), vclip4(gc * dy));
		vf sx = gx * alpha, sy = gy * alpha;
		cx = cx + sx;
		cy = cy + sy;
		for (int q = 0; q < LANES; q++) {
			if (vert[q] < 0)
				continue;
			if (!(o[q] & 1)) { /* a pull: the tail's half, for after the block */
				float *half = pl->half + 2 * l->slot[pos[q]];
				half[0] = sx[q];
				half[1] = sy[q];
			}
			if (++pos[q] == end[q]) {
				emb[2 * (i0 + vert[q])] = cx[q];
				emb[2 * (i0 + vert[q]) + 1] = cy[q];
				vert[q] = -1;
				active--;
			}
		}
	}
}

/*
 * umap-learn moves both ends of an edge when it fires (move_other): the head at its
 * turn, the tail by the opposite step at once. Pulling the head twice at its own turn
 * instead measured 0.002 lower trustworthiness on Fashion-MNIST 70k x 50 (0.9791 against
 * 0.9816 over seeds), so the tails' steps are kept per chunk and applied here, after
 * the block that made them, in chunk and op order: the same sums whatever thread made
 * them. Each thread applies those of the tails in [lo, hi).
 */
static void apply_pulls(sgd *s, int64_t nch, int64_t lo, int64_t hi)
{
	int dim = s->dim;
	for (int64_t c = 0; c < nch; c++) {
		const pulls *pl = s->pl + c;
		for (int64_t i = 0; i < pl->n; i++) {
			int64_t k = pl->tail[i];
			if (k < lo || k >= hi)
				continue;
			float *o = s->emb + k * dim, *po = s->prev + k * dim;
			const float *half = pl->half + i * dim;
			for (int t = 0; t < dim; t++) {
				o[t] -= half[t];
				po[t] = o[t];
			}
		}
	}
}

/*
 * The epochs, run by a team of nth threads. Each epoch runs in SGD_BLOCKS fixed blocks
 * of vertices, one after the other; the vertices of a block are dealt to the threads in
 * chunks of 64 (chunk c to thread c mod nth) and read the other vertices from prev,
 * which thread 0 brings up to date after each block. So the positions read are at most
 * one block old (umap-learn's serial loop reads them fresh), and the blocks, not the
 * threads, decide what is read: the same bytes at any thread count.
 */
static void sgd_team(void *ctx, li_team *team, int tid, int nth)
{
	sgd *s = ctx;
	int64_t n = s->n, bsz = (n + SGD_BLOCKS - 1) / SGD_BLOCKS;
	int fast = s->dim == 2 && n < (1 << 30);
	oplist l = { 0 };
	for (int ep = 0; ep < s->n_epochs; ep++) {
		for (int64_t b0 = 0; b0 < n; b0 += bsz) {
			int64_t len = n - b0 < bsz ? n - b0 : bsz;
			int64_t nch = (len + 63) / 64;
			for (int64_t c = (int64_t)tid * 64; c < len && !s->oom; c += (int64_t)nth * 64) {
				int64_t i0 = b0 + c, i1 = b0 + (c + 64 < len ? c + 64 : len);
				pulls *pl = s->pl + c / 64;
				if (!fast ? sgd_rows(s, pl, i0, i1, ep) : sgd_ops(s, &l, pl, i0, i1, ep)) {
					s->oom = 1; /* every thread still meets every barrier */
					pl->n = 0;
				} else if (fast)
					sgd_apply2(s, &l, pl, i0, i1);
			}
			li_parallel_sync(team);
			/* this thread's share of the vertices: the block's new positions into
			 * prev, then the tails' halves */
			int64_t lo = n * tid / nth, hi = n * (tid + 1) / nth;
			int64_t c0 = b0 > lo ? b0 : lo, c1 = b0 + len < hi ? b0 + len : hi;
			if (c1 > c0)
				memcpy(s->prev + c0 * s->dim, s->emb + c0 * s->dim,
					sizeof(float) * (size_t)((c1 - c0) * s->dim));
			if (!s->oom)
				apply_pulls(s, nch, lo, hi);
			if (tid == 0) {
				if (b0 + len >= n) {
					s->alpha = s->lr * (1.0 - (double)ep / s->n_epochs);
					li_progress_say(s->progress, "UMAP epochs", ep + 1, s->n_epochs);
				}
			}
			li_parallel_sync(team);
		}
	}
	free(l.op);
	free(l.slot);
}

/* Prunes edges below max / n_epochs and fills epochs per sample (make_epochs_per_sample). */
static int schedule(const li_umap_graph *g, int n_epochs, int64_t **indptr, int32_t **tail,
	double **eps, int64_t *nnz_out)
{
	float wmax = 0;
	for (int64_t e = 0; e < g->nnz; e++)
		if (g->weights[e] > wmax)
			wmax = g->weights[e];
	float cut = wmax / (float)n_epochs;
	*indptr = malloc(sizeof(int64_t) * (size_t)(g->n + 1));
	*tail = malloc(sizeof(int32_t) * (size_t)(g->nnz ? g->nnz : 1));
	*eps = malloc(sizeof(double) * (size_t)(g->nnz ? g->nnz : 1));
	if (!*indptr || !*tail || !*eps)
		return -1;
	int64_t o = 0;
	(*indptr)[0] = 0;
	for (int64_t i = 0; i < g->n; i++) {
		for (int64_t e = g->indptr[i]; e < g->indptr[i + 1]; e++) {
			if (g->weights[e] < cut)
				continue;
			(*tail)[o] = g->indices[e];
			double ns = n_epochs * ((double)g->weights[e] / wmax);
			(*eps)[o] = ns > 0 ? (double)n_epochs / ns : -1.0;
			o++;
		}
		(*indptr)[i + 1] = o;
	}
	*nnz_out = o;
	return 0;
}

/* The fit; with take, x becomes the model's training rows on success (the caller keeps
 * it on failure), else the model copies it. */
static li_umap_model *fit(const float *x, int take, int64_t n, int64_t d,
	const li_umap_params *pin, li_err *err)
{
	li_umap_params p = *pin;
	li_umap_model *m = NULL;
	int32_t *idx = NULL, *tail = NULL;
	float *dist = NULL, *prev = NULL;
	pulls *pl = NULL;
	int64_t n_chunks = ((n + SGD_BLOCKS - 1) / SGD_BLOCKS + 63) / 64;
	int64_t *indptr = NULL;
	double *eps = NULL, *next = NULL, *next_neg = NULL;
	if (params_check(&p, err))
		return NULL;
	if (n < 3 || d < 1 || n > INT32_MAX) {
		li_err_set(err, LI_EUSAGE, "umap needs at least 3 rows, not %lld", (long long)n);
		return NULL;
	}
	if (p.n_neighbors > n - 1)
		p.n_neighbors = (int)(n - 1);
	int k = p.n_neighbors;
	int dim = p.n_components;
	if (!(p.a > 0 && p.b > 0) && li_umap_find_ab(p.spread, p.min_dist, &p.a, &p.b)) {
		li_err_set(err, LI_EUSAGE, "cannot fit a and b for min_dist %g spread %g", p.min_dist, p.spread);
		return NULL;
	}
	for (int64_t i = 0; i < n * d; i++)
		if (!isfinite(x[i])) {
			li_err_set(err, LI_EDATA, "row %lld holds a non-finite value", (long long)(i / d));
			return NULL;
		}
	if (!(m = model_alloc(n, d, dim, take ? (float *)x : NULL, err)))
		return NULL;
	m->params = p;
	m->params.progress = (li_progress){0};
	if (!take)
		memcpy(m->x, x, sizeof(float) * (size_t)(n * d));
	idx = malloc(sizeof(int32_t) * (size_t)(n * k));
	dist = malloc(sizeof(float) * (size_t)(n * k));
	if (!idx || !dist)
		goto oom;
	li_knn_opts ko = { .k = k, .method = p.knn_method, .threads = p.threads, .seed = p.seed };
	li_progress_say(&p.progress, "UMAP kNN graph", -1, -1);
	if (li_knn_graph(x, n, d, &ko, idx, dist, &m->knn_used, err))
		goto fail;
	li_progress_say(&p.progress, "UMAP fuzzy graph", -1, -1);
	li_umap_smooth_knn(dist, n, k, p.local_connectivity, m->sigmas, m->rhos);
	if (li_umap_fuzzy_graph(idx, dist, n, k, m->sigmas, m->rhos, p.set_op_mix_ratio, &m->graph, err))
		goto fail;
	free(idx);
	free(dist);
	idx = NULL;
	dist = NULL;

	int default_epochs = n <= 10000 ? 500 : 200;
	int n_epochs = p.n_epochs > 0 ? p.n_epochs : default_epochs;
	m->n_epochs = n_epochs;
	int64_t nnz;
	if (schedule(&m->graph, n_epochs > 10 ? n_epochs : default_epochs, &indptr, &tail, &eps, &nnz))
		goto oom;
	/* spectral init on the pruned graph, as umap-learn */
	li_umap_graph pg = { n, nnz, indptr, tail, NULL };
	pg.weights = malloc(sizeof(float) * (size_t)(nnz ? nnz : 1));
	if (!pg.weights)
		goto oom;
	{
		float wmax = 0;
		for (int64_t e = 0; e < m->graph.nnz; e++)
			if (m->graph.weights[e] > wmax)
				wmax = m->graph.weights[e];
		/* eps = wmax / w, so w = wmax / eps */
		for (int64_t e = 0; e < nnz; e++)
			pg.weights[e] = (float)(wmax / eps[e]);
	}
	li_progress_say(&p.progress, "UMAP spectral start", -1, -1);
	int sr = li_umap_spectral(&pg, x, d, dim, p.seed, m->embedding, NULL, err);
	free(pg.weights);
	if (sr < 0)
		goto fail;
	float *emb = m->embedding;
	if (sr == 0) {
		/* expand to 10 and add noise of scale 1e-4 */
		double big = 0;
		for (int64_t q = 0; q < n * dim; q++)
			if (fabs(emb[q]) > big)
				big = fabs(emb[q]);
		double ex = big > 0 ? 10.0 / big : 1;
		for (int64_t i = 0; i < n; i++) {
			li_rng r = li_rng_stream(p.seed ^ 0x6e6f697365ull, (uint64_t)i);
			for (int t = 0; t < dim; t++)
				emb[i * dim + t] = (float)(emb[i * dim + t] * ex) + (float)(1e-4 * li_rng_normal(&r));
		}
	}
	/* 0.5.3 rescales each coordinate to [0, 10] before optimising */
	for (int t = 0; t < dim; t++) {
		float lo = INFINITY, hi = -INFINITY;
		for (int64_t i = 0; i < n; i++) {
			lo = emb[i * dim + t] < lo ? emb[i * dim + t] : lo;
			hi = emb[i * dim + t] > hi ? emb[i * dim + t] : hi;
		}
		float span = hi - lo > 0 ? hi - lo : 1;
		for (int64_t i = 0; i < n; i++)
			emb[i * dim + t] = 10.0f * (emb[i * dim + t] - lo) / span;
	}

	next = malloc(sizeof(double) * (size_t)(nnz ? nnz : 1));
	next_neg = malloc(sizeof(double) * (size_t)(nnz ? nnz : 1));
	prev = malloc(sizeof(float) * (size_t)(n * dim));
	pl = calloc((size_t)n_chunks, sizeof(*pl));
	if (!next || !next_neg || !prev || !pl)
		goto oom;
	for (int64_t e = 0; e < nnz; e++) {
		next[e] = eps[e];
		next_neg[e] = eps[e] / p.negative_sample_rate;
	}
	sgd s = { n, dim, indptr, tail, eps, next, next_neg, emb, prev, pl, n_chunks, p.a, p.b,
		p.repulsion_strength, p.learning_rate, p.negative_sample_rate, 0, 0, p.seed, (float)p.b, 0, 1.0 / p.negative_sample_rate,
		&p.progress };
	memcpy(prev, emb, sizeof(float) * (size_t)(n * dim));
	s.n_epochs = n_epochs;
	s.lr = p.learning_rate;
	li_parallel_team(p.threads, sgd_team, &s);
	if (s.oom)
		goto oom;
	goto out;
oom:
	li_err_set(err, LI_ENOMEM, "out of memory for umap of %lld rows", (long long)n);
fail:
	if (take)
		m->x = NULL; /* the caller's again */
	li_umap_free(m);
	m = NULL;
out:
	free(idx);
	free(dist);
	free(indptr);
	free(tail);
	free(eps);
	free(next);
	free(next_neg);
	free(prev);
	for (int64_t c = 0; pl && c < n_chunks; c++) {
		free(pl[c].tail);
		free(pl[c].half);
	}
	free(pl);
	return m;
}

li_umap_model *li_umap_fit(const float *x, int64_t n, int64_t d, const li_umap_params *p,
	li_err *err)
{
	return fit(x, 0, n, d, p, err);
}

li_umap_model *li_umap_fit_take(float *x, int64_t n, int64_t d, const li_umap_params *p,
	li_err *err)
{
	li_umap_model *m = fit(x, 1, n, d, p, err);
	if (!m)
		free(x);
	return m;
}

/* ---- transform ------------------------------------------------------------------------ */

typedef struct tjob {
	const li_umap_model *m;
	const int32_t *idx;
	const float *dist, *q;
	double lc;
	int k, n_epochs;
	float *out;
} tjob;

/* A stream number from a row's bytes (FNV-1a; -0 as 0): a row's result then does not
 * depend on its position in the batch. */
static uint64_t row_hash(const float *x, int64_t d)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int64_t u = 0; u < d; u++) {
		float v = x[u] == 0 ? 0.0f : x[u];
		uint32_t bits;
		memcpy(&bits, &v, sizeof(bits));
		for (int q = 0; q < 4; q++) {
			h ^= (bits >> (8 * q)) & 0xff;
			h *= 0x100000001b3ull;
		}
	}
	return h;
}

/* One new row: memberships, weighted-mean start, SGD against the fixed embedding. */
static void transform_rows(void *ctx, int64_t r0, int64_t r1, int tid)
{
	(void)tid;
	tjob *j = ctx;
	const li_umap_model *m = j->m;
	const li_umap_params *p = &m->params;
	int k = j->k, dim = (int)m->dim;
	double w[1024], eps[1024], nxt[1024], nneg[1024];
	for (int64_t r = r0; r < r1; r++) {
		const int32_t *ix = j->idx + r * k;
		const float *dd = j->dist + r * k;
		float *cur = j->out + r * dim;
		/* one row at a time, so that even sigma's floor (the mean distance) is the row's */
		float sig, rho;
		li_umap_smooth_knn(dd, 1, k, j->lc, &sig, &rho);
		double wmax = 0, wsum = 0;
		for (int t = 0; t < k; t++) {
			float v;
			if (dd[t] - rho <= 0 || sig == 0)
				v = 1;
			else
				v = (float)exp(-((double)(dd[t] - rho) / sig));
			w[t] = v;
			wsum += v;
			if (v > wmax)
				wmax = v;
		}
		/* init_graph_transform: an exact match (weight 1) takes that point's place */
		for (int t = 0; t < dim; t++)
			cur[t] = 0;
		int placed = 0;
		for (int t = 0; t < k && !placed; t++) {
			if (w[t] == 0)
				continue;
			if (w[t] == 1) {
				memcpy(cur, m->embedding + (int64_t)ix[t] * dim, sizeof(float) * dim);
				placed = 1;
				break;
			}
			for (int u = 0; u < dim; u++)
				cur[u] += (float)(w[t] / wsum * m->embedding[(int64_t)ix[t] * dim + u]);
		}
		if (!(wmax > 0))
			continue; /* no neighbour has weight: keep the start */
		for (int t = 0; t < k; t++) {
			if (w[t] < wmax / j->n_epochs) {
				eps[t] = -1;
				continue;
			}
			eps[t] = (double)j->n_epochs / (j->n_epochs * (w[t] / wmax));
			nxt[t] = eps[t];
			nneg[t] = eps[t] / p->negative_sample_rate;
		}
		li_rng rng = li_rng_stream(p->seed ^ 0x7472616e73ull, row_hash(j->q + r * m->d, m->d));
		double alpha = p->learning_rate / 4.0;
		for (int ep = 0; ep < j->n_epochs; ep++) {
			for (int t = 0; t < k; t++) {
				if (eps[t] < 0 || nxt[t] > ep)
					continue;
				const float *o = m->embedding + (int64_t)ix[t] * dim;
				double d2 = 0;
				for (int u = 0; u < dim; u++) {
					double z = (double)cur[u] - o[u];
					d2 += z * z;
				}
				double gc = 0;
				if (d2 > 0)
					gc = -2.0 * p->a * p->b * pow(d2, p->b - 1.0) / (p->a * pow(d2, p->b) + 1.0);
				for (int u = 0; u < dim; u++)
					cur[u] += (float)(clip4(gc * ((double)cur[u] - o[u])) * alpha);
				nxt[t] += eps[t];
				double epn = eps[t] / p->negative_sample_rate;
				int nn = (int)((ep - nneg[t]) / epn);
				for (int q = 0; q < nn; q++) {
					int64_t c = (int64_t)li_rng_below(&rng, (uint64_t)m->n);
					const float *oo = m->embedding + c * dim;
					d2 = 0;
					for (int u = 0; u < dim; u++) {
						double z = (double)cur[u] - oo[u];
						d2 += z * z;
					}
					if (d2 > 0)
						gc = 2.0 * p->repulsion_strength * p->b /
							((0.001 + d2) * (p->a * pow(d2, p->b) + 1));
					else
						gc = 0;
					for (int u = 0; u < dim; u++) {
						double g = gc > 0 ? clip4(gc * ((double)cur[u] - oo[u])) : 4.0;
						cur[u] += (float)(g * alpha);
					}
				}
				nneg[t] += nn * epn;
			}
			alpha = p->learning_rate / 4.0 * (1.0 - (double)ep / j->n_epochs);
		}
	}
}

int li_umap_transform(const li_umap_model *m, const float *q, int64_t nq, float *out, li_err *err)
{
	const li_umap_params *p = &m->params;
	int k = p->n_neighbors < m->n ? p->n_neighbors : (int)m->n;
	if (nq <= 0)
		return 0;
	for (int64_t i = 0; i < nq * m->d; i++)
		if (!isfinite(q[i]))
			return li_err_set(err, LI_EDATA, "row %lld holds a non-finite value", (long long)(i / m->d));
	int32_t *idx = malloc(sizeof(int32_t) * (size_t)(nq * k));
	float *dist = malloc(sizeof(float) * (size_t)(nq * k));
	int rc = 0;
	if (!idx || !dist) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for transforming %lld rows", (long long)nq);
		goto out;
	}
	if ((rc = li_knn_query(m->x, m->n, q, nq, m->d, k, p->threads, idx, dist, err)))
		goto out;
	double lc = p->local_connectivity - 1.0;
	int n_epochs = p->n_epochs > 0 ? p->n_epochs / 3 : 100;
	if (n_epochs < 1)
		n_epochs = 1;
	tjob j = { m, idx, dist, q, lc > 0 ? lc : 0, k, n_epochs, out };
	li_parallel_for(nq, 64, p->threads, transform_rows, &j);
out:
	free(idx);
	free(dist);
	return rc;
}
