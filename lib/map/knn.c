/*
 * Euclidean k-nearest-neighbour graphs: exact through blocked GEMM, approximate through
 * random-projection trees and NN-descent. See knn.h for the contract.
 *
 * Both searches keep, per row, a bounded max-heap of (distance, index) pairs ordered by
 * distance then index. That order is total, so the k entries a heap ends with are the k
 * smallest of everything offered to it, whatever the order of the offers: this is what
 * makes the threaded NN-descent deterministic. A row's own index is stored with the key
 * -1 so that it always sorts first (umap-learn lists each point as its own first
 * neighbour); it becomes distance 0 on output.
 */
#include "knn.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "rng.h"
#include "simd.h"

/* ---- bounded heaps ---------------------------------------------------------------- */

static int worse(float da, int32_t ia, float db, int32_t ib)
{
	return da > db || (da == db && ia > ib);
}

/*
 * Offers (d, j) to the heap of k entries at hd/hi/hf (root = worst). Returns 1 when it
 * was taken. Entries with index -1 are empty slots (distance +inf).
 */
static void heap_sift(float *hd, int32_t *hi, uint8_t *hf, int k, float d, int32_t j, uint8_t flag);

static int heap_push(float *hd, int32_t *hi, uint8_t *hf, int k, float d, int32_t j, uint8_t flag)
{
	if (!worse(hd[0], hi[0], d, j))
		return 0;
	for (int t = 0; t < k; t++)
		if (hi[t] == j)
			return 0;
	heap_sift(hd, hi, hf, k, d, j, flag);
	return 1;
}

/* Replaces the root (the worst entry) by (d, j) and sifts it down; the caller knows that
 * (d, j) is better than the root and not in the heap (the exact search offers each
 * column once, so it skips heap_push's O(k) duplicate scan). */
static void heap_sift(float *hd, int32_t *hi, uint8_t *hf, int k, float d, int32_t j, uint8_t flag)
{
	int p = 0;
	for (;;) {
		int l = 2 * p + 1, r = l + 1, m = p;
		float md = d;
		int32_t mi = j;
		if (l < k && worse(hd[l], hi[l], md, mi)) {
			m = l;
			md = hd[l];
			mi = hi[l];
		}
		if (r < k && worse(hd[r], hi[r], md, mi))
			m = r;
		if (m == p)
			break;
		hd[p] = hd[m];
		hi[p] = hi[m];
		if (hf)
			hf[p] = hf[m];
		p = m;
	}
	hd[p] = d;
	hi[p] = j;
	if (hf)
		hf[p] = flag;
}

static void heap_clear(float *hd, int32_t *hi, uint8_t *hf, int k)
{
	for (int t = 0; t < k; t++) {
		hd[t] = INFINITY;
		hi[t] = -1;
		if (hf)
			hf[t] = 0;
	}
}

/* Squared distance in double precision (the distances a search keeps), four lanes of
 * doubles summed in a fixed order: the same bytes from either clone. */
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));

LI_TARGET_CLONES
static double dist2_exact(const float *a, const float *b, int64_t d)
{
	v4d s0 = { 0 }, s1 = { 0 };
	int64_t t = 0;
	for (; t + 8 <= d; t += 8) {
		v4f x0, y0, x1, y1;
		memcpy(&x0, a + t, sizeof(x0));
		memcpy(&y0, b + t, sizeof(y0));
		memcpy(&x1, a + t + 4, sizeof(x1));
		memcpy(&y1, b + t + 4, sizeof(y1));
		v4d u0 = __builtin_convertvector(x0, v4d) - __builtin_convertvector(y0, v4d);
		v4d u1 = __builtin_convertvector(x1, v4d) - __builtin_convertvector(y1, v4d);
		s0 += u0 * u0;
		s1 += u1 * u1;
	}
	v4d s01 = s0 + s1;
	double s = (s01[0] + s01[2]) + (s01[1] + s01[3]);
	for (; t < d; t++) {
		double u = (double)a[t] - b[t];
		s += u * u;
	}
	return s;
}

/*
 * Dot product of float rows with 8-lane vectors (GCC vector
 * extensions; an AVX2 clone is picked at run time where the CPU has it). The lanes are
 * summed in a fixed order, and the clones do the same arithmetic (no FMA), so the
 * result does not depend on the machine's vector width.
 */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

static float hsum(const v8f *p)
{
	const float *v = (const float *)p;
	return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

LI_TARGET_CLONES
static float dotf(const float *a, const float *b, int64_t d)
{
	v8f s0 = { 0 }, s1 = { 0 };
	int64_t t = 0;
	for (; t + 16 <= d; t += 16) {
		v8f x0, y0, x1, y1;
		memcpy(&x0, a + t, sizeof(x0));
		memcpy(&y0, b + t, sizeof(y0));
		memcpy(&x1, a + t + 8, sizeof(x1));
		memcpy(&y1, b + t + 8, sizeof(y1));
		s0 += x0 * y0;
		s1 += x1 * y1;
	}
	v8f s01 = s0 + s1;
	float s = hsum(&s01);
	for (; t < d; t++)
		s += a[t] * b[t];
	return s;
}

/*
 * Turns row i's heap into the output row: exact double-precision distances, sorted by
 * (distance, index) with the row itself (self >= 0) first.
 */
static void finish_row(const float *train, const float *qrow, int64_t d, int k, int32_t self,
	const int32_t *hi, int32_t *oi, float *od)
{
	int m = 0;
	for (int t = 0; t < k; t++) {
		if (hi[t] < 0)
			continue;
		oi[m] = hi[t];
		od[m] = hi[t] == self ? -1.0f : (float)sqrt(dist2_exact(qrow, train + (int64_t)hi[t] * d, d));
		m++;
	}
	/* insertion sort: k is small */
	for (int a = 1; a < m; a++) {
		float vd = od[a];
		int32_t vi = oi[a];
		int b = a - 1;
		while (b >= 0 && worse(od[b], oi[b], vd, vi)) {
			od[b + 1] = od[b];
			oi[b + 1] = oi[b];
			b--;
		}
		od[b + 1] = vd;
		oi[b + 1] = vi;
	}
	for (int t = 0; t < m; t++)
		if (od[t] < 0)
			od[t] = 0;
	for (int t = m; t < k; t++) {
		oi[t] = -1;
		od[t] = INFINITY;
	}
}

/* ---- exact search ------------------------------------------------------------------ */

#define EX_ROWS 256
#define EX_COLS 256

typedef struct exact_job {
	const float *train, *q;
	int64_t n, m, d;
	int k, self;          /* self: query row r is training row r */
	const float *tn, *qn; /* squared norms */
	float *buf;           /* per thread EX_ROWS * EX_COLS */
	float *hd;            /* per thread EX_ROWS * 2k candidates */
	int32_t *hi;
	int32_t *idx;
	float *dist;
} exact_job;

/*
 * The k best of a row's candidates: a list of up to 2k (distance, column) pairs that
 * takes every column below the bar; when full, a selection keeps its k best and the bar
 * becomes the k-th of them. Amortised O(1) per candidate, against O(log k) for a heap,
 * and the same k in the end: (distance, column) is a total order.
 */
typedef struct cand_list {
	float *d;
	int32_t *i;
	int m;     /* pairs held */
	float bar; /* a column enters only below it (columns come in increasing order, so one
		    * equal to the bar, with a higher index, would lose the tie) */
} cand_list;

static void swap_pair(float *d, int32_t *ix, int a, int b)
{
	float td = d[a];
	int32_t ti = ix[a];
	d[a] = d[b];
	ix[a] = ix[b];
	d[b] = td;
	ix[b] = ti;
}

/* Moves the k best of the m pairs to the front, the k-th best at k - 1 (quickselect,
 * median-of-three pivots, Hoare partition: the pairs are distinct). */
static void select_best(float *d, int32_t *ix, int m, int k)
{
	int lo = 0, hi = m - 1, want = k - 1;
	while (hi > lo) {
		int mid = lo + (hi - lo) / 2;
		if (worse(d[lo], ix[lo], d[mid], ix[mid]))
			swap_pair(d, ix, lo, mid);
		if (worse(d[mid], ix[mid], d[hi], ix[hi]))
			swap_pair(d, ix, mid, hi);
		if (worse(d[lo], ix[lo], d[mid], ix[mid]))
			swap_pair(d, ix, lo, mid);
		float pd = d[mid];
		int32_t pi = ix[mid];
		int a = lo, b = hi;
		while (a <= b) {
			while (worse(pd, pi, d[a], ix[a]))
				a++;
			while (worse(d[b], ix[b], pd, pi))
				b--;
			if (a <= b)
				swap_pair(d, ix, a++, b--);
		}
		if (want <= b)
			hi = b;
		else if (want >= a)
			lo = a;
		else
			break;
	}
}

static void cand_take(cand_list *c, int k, float v, int32_t col)
{
	c->d[c->m] = v;
	c->i[c->m] = col;
	if (++c->m == 2 * k) {
		select_best(c->d, c->i, c->m, k);
		c->m = k;
		c->bar = c->d[k - 1];
	}
}

/*
 * Offers columns c0 .. c0 + cols - 1 to one row's candidates: squared distance
 * qn + tn[c] - 2 dot[c], clamped at 0; the row itself (self_col, relative to c0; -1:
 * none) gets -1, so it comes first. Eight columns are tested at once against the bar,
 * and only a group with a lane below it is walked one by one: after the first few
 * thousand columns almost none is. The lanes compute what the one-by-one walk does (no
 * FMA), so the same values enter either way.
 */
LI_TARGET_CLONES
static void scan_row(const float *dot, const float *tn, float qn, int cols, int64_t c0,
		     int64_t self_col, int k, cand_list *cl)
{
	const v8f zero = {0}, two = {2, 2, 2, 2, 2, 2, 2, 2};
	for (int c = 0; c < cols;) {
		if (c + 8 <= cols && (self_col < c || self_col >= c + 8)) {
			v8f d, t, v;
			memcpy(&d, dot + c, sizeof d);
			memcpy(&t, tn + c, sizeof t);
			v = (qn + t) - two * d;
			v = (v8f)((v8i)v & ~(v < zero)); /* negative -> +0, as below */
			v8i below = v < cl->bar;
			int any = 0;
			for (int l = 0; l < 8; l++)
				any |= below[l];
			if (any)
				for (int l = 0; l < 8; l++)
					if (v[l] < cl->bar)
						cand_take(cl, k, v[l], (int32_t)(c0 + c + l));
			c += 8;
			continue;
		}
		float v = qn + tn[c] - 2.0f * dot[c];
		v = v < 0 ? 0 : v;
		if (c == self_col)
			v = -1;
		if (v < cl->bar)
			cand_take(cl, k, v, (int32_t)(c0 + c));
		c++;
	}
}

static void exact_block(void *ctx, int64_t b0, int64_t b1, int tid)
{
	exact_job *j = ctx;
	int k = j->k;
	float *buf = j->buf + (size_t)tid * EX_ROWS * EX_COLS;
	float *cd = j->hd + (size_t)tid * EX_ROWS * 2 * k;
	int32_t *ci = j->hi + (size_t)tid * EX_ROWS * 2 * k;
	cand_list cl[EX_ROWS];
	for (int64_t blk = b0; blk < b1; blk++) {
		int64_t r0 = blk * EX_ROWS, r1 = r0 + EX_ROWS < j->m ? r0 + EX_ROWS : j->m;
		int rows = (int)(r1 - r0);
		for (int r = 0; r < rows; r++)
			cl[r] = (cand_list){cd + (size_t)r * 2 * k, ci + (size_t)r * 2 * k, 0, INFINITY};
		for (int64_t c0 = 0; c0 < j->n; c0 += EX_COLS) {
			int cols = (int)(c0 + EX_COLS < j->n ? EX_COLS : j->n - c0);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, cols, (int)j->d,
				1.0f, j->q + r0 * j->d, (int)j->d, j->train + c0 * j->d, (int)j->d,
				0.0f, buf, cols);
			for (int r = 0; r < rows; r++)
				scan_row(buf + (size_t)r * cols, j->tn + c0, j->qn[r0 + r], cols, c0,
					 j->self ? r0 + r - c0 : -1, k, &cl[r]);
		}
		for (int r = 0; r < rows; r++) {
			if (cl[r].m > k)
				select_best(cl[r].d, cl[r].i, cl[r].m, k);
			/* fewer than k: distances that are not numbers (rows that overflow)
			 * never enter, and the rest of the row stays empty */
			for (int a = cl[r].m; a < k; a++)
				cl[r].i[a] = -1;
			finish_row(j->train, j->q + (r0 + r) * j->d, j->d, k,
				j->self ? (int32_t)(r0 + r) : -1, cl[r].i,
				j->idx + (r0 + r) * j->k, j->dist + (r0 + r) * j->k);
		}
	}
}

static void sq_norms(const float *x, int64_t n, int64_t d, float *out)
{
	for (int64_t i = 0; i < n; i++) {
		float s = 0;
		for (int64_t t = 0; t < d; t++)
			s += x[i * d + t] * x[i * d + t];
		out[i] = s;
	}
}

static int exact_search(const float *train, int64_t n, const float *q, int64_t m, int64_t d,
	int k, int self, int threads, int32_t *idx, float *dist, li_err *err)
{
	int t = li_parallel_threads(threads);
	float *tn = malloc(sizeof(float) * (size_t)n);
	float *qn = self ? tn : malloc(sizeof(float) * (size_t)m);
	float *buf = malloc(sizeof(float) * (size_t)t * EX_ROWS * EX_COLS);
	float *hd = malloc(sizeof(float) * (size_t)t * EX_ROWS * 2 * k);
	int32_t *hi = malloc(sizeof(int32_t) * (size_t)t * EX_ROWS * 2 * k);
	int rc = 0;
	if (!tn || !qn || !buf || !hd || !hi) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the exact neighbour search");
		goto out;
	}
	sq_norms(train, n, d, tn);
	if (!self)
		sq_norms(q, m, d, qn);
	exact_job j = { train, q, n, m, d, k, self, tn, qn, buf, hd, hi, idx, dist };
	int prev = li_blas_threads_single();
	li_parallel_for((m + EX_ROWS - 1) / EX_ROWS, 1, t, exact_block, &j);
	li_blas_threads_restore(prev);
out:
	if (qn != tn)
		free(qn);
	free(tn);
	free(buf);
	free(hd);
	free(hi);
	return rc;
}

int li_knn_query(const float *train, int64_t n, const float *q, int64_t m, int64_t d,
	int k, int threads, int32_t *idx, float *dist, li_err *err)
{
	if (n < 1 || d < 1 || k < 1 || k > n || n > INT32_MAX || d > INT32_MAX)
		return li_err_set(err, LI_EUSAGE, "bad neighbour query: %lld rows, %lld columns, k %d",
			(long long)n, (long long)d, k);
	if (m <= 0)
		return 0;
	return exact_search(train, n, q, m, d, k, 0, threads, idx, dist, err);
}

/* ---- random-projection forest ------------------------------------------------------ */

typedef struct forest {
	int n_trees;
	int64_t n;
	int32_t *perm;     /* n_trees x n: points grouped by leaf */
	int32_t *leaf_lo;  /* n_trees x n: start of the point's leaf in perm */
	int32_t *leaf_hi;  /* n_trees x n: end */
	int leaf_size;
	const float *x;
	int64_t d;
	uint64_t seed;
	int failed;
} forest;

/* Splits perm[lo, hi) by a random hyperplane halfway between two of its points. */
static void build_tree(forest *f, int tree)
{
	int64_t n = f->n, d = f->d;
	int32_t *perm = f->perm + (size_t)tree * n;
	int32_t *llo = f->leaf_lo + (size_t)tree * n, *lhi = f->leaf_hi + (size_t)tree * n;
	li_rng r = li_rng_stream(f->seed ^ 0x7265657374726565ull, (uint64_t)tree);
	for (int64_t i = 0; i < n; i++)
		perm[i] = (int32_t)i;
	/* explicit stack of ranges */
	int64_t cap = 128, top = 0;
	int64_t *st = malloc(sizeof(int64_t) * 2 * cap);
	float *nv = malloc(sizeof(float) * (size_t)d);
	int32_t *tmp = malloc(sizeof(int32_t) * (size_t)n);
	if (!st || !nv || !tmp) {
		f->failed = 1;
		goto out;
	}
	st[0] = 0;
	st[1] = n;
	top = 1;
	while (top > 0) {
		top--;
		int64_t lo = st[2 * top], hi = st[2 * top + 1], sz = hi - lo;
		if (sz <= f->leaf_size) {
			for (int64_t t = lo; t < hi; t++) {
				llo[perm[t]] = (int32_t)lo;
				lhi[perm[t]] = (int32_t)hi;
			}
			continue;
		}
		int64_t a = lo + (int64_t)li_rng_below(&r, (uint64_t)sz);
		int64_t b = lo + (int64_t)li_rng_below(&r, (uint64_t)sz - 1);
		if (b >= a)
			b++;
		const float *xa = f->x + (int64_t)perm[a] * d, *xb = f->x + (int64_t)perm[b] * d;
		float off = 0;
		for (int64_t t = 0; t < d; t++) {
			nv[t] = xa[t] - xb[t];
			off += nv[t] * 0.5f * (xa[t] + xb[t]);
		}
		int64_t nl = 0, nr = 0;
		for (int64_t t = lo; t < hi; t++) {
			const float *xp = f->x + (int64_t)perm[t] * d;
			float s = dotf(nv, xp, d) - off;
			int left = s < 0 || (s == 0 && (li_rng_next(&r) & 1));
			if (left)
				perm[lo + nl++] = perm[t];
			else
				tmp[nr++] = perm[t];
		}
		memcpy(perm + lo + nl, tmp, sizeof(int32_t) * (size_t)nr);
		int64_t mid = lo + nl;
		if (nl == 0 || nr == 0)
			mid = lo + sz / 2; /* all points on one side (duplicates): split in half */
		if (top + 2 > cap) {
			int64_t *ns = realloc(st, sizeof(int64_t) * 4 * cap);
			if (!ns) {
				f->failed = 1;
				goto out;
			}
			st = ns;
			cap *= 2;
		}
		st[2 * top] = lo;
		st[2 * top + 1] = mid;
		top++;
		st[2 * top] = mid;
		st[2 * top + 1] = hi;
		top++;
	}
out:
	free(st);
	free(nv);
	free(tmp);
}

static void build_trees(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	for (int64_t t = b; t < e; t++)
		build_tree(ctx, (int)t);
}

/* ---- NN-descent --------------------------------------------------------------------- */

typedef struct nnd {
	const float *x;
	const float *nrm;    /* squared norms of the rows */
	float *gbuf, *dbuf;  /* per thread: gathered candidate rows, their dot products */
	int tree;            /* the tree whose leaves leaf_gram measures */
	int32_t *leaves;     /* its leaves' starts in perm, then n */
	float *lt_d;         /* n x leaf_size: each row's leaf mates in that tree */
	int32_t *lt_i;
	int64_t n, d;
	int k, mc;           /* heap size, candidates per list */
	uint64_t seed;
	float *hd;           /* n x k heaps: squared distance (-1 for self) */
	int32_t *hi;
	uint8_t *hf;         /* 0 old, 1 new, 2 inserted in this round */
	float *cd;           /* candidate heaps: priority */
	int32_t *ci;         /* n x mc new candidates, then n x mc old candidates */
	forest *f;
	/* updates of one phase, bucketed by (thread, partition of the target row) */
	int threads, parts;
	struct ubuf { int32_t *tgt, *oth; float *d; int64_t n, m; } *ub;
	int64_t u0;          /* first row of the phase */
	int oom;
} nnd;

/*
 * Squared distance of rows a and b for the search as |a|^2 + |b|^2 - 2 a.b: a dot
 * product costs two vector operations per 8 columns where a difference costs three.
 * The rounding (relative to the norms) only matters for near ties among candidates;
 * the distances kept are recomputed exactly at the end (finish_row).
 */
static float ndist(const nnd *s, int64_t a, int64_t b)
{
	float v = s->nrm[a] + s->nrm[b] - 2.0f * dotf(s->x + a * s->d, s->x + b * s->d, s->d);
	return v > 0 ? v : 0;
}

static void row_norms(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	nnd *s = ctx;
	float *out = (float *)s->nrm;
	for (int64_t i = b; i < e; i++)
		out[i] = dotf(s->x + i * s->d, s->x + i * s->d, s->d);
}

/*
 * The start graph: every row's heap gets its leaf mates in every tree. A tree at a time,
 * each leaf's rows are gathered once and their dot products come from one GEMM (a row
 * is read once per tree, not once per leaf mate per tree); the distances land in lt_d /
 * lt_i (n x leaf_size, by row), and then each row pushes its own into its heap, so no
 * two threads touch one heap. Rows the leaves left short get random neighbours.
 */
static void init_clear(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	nnd *s = ctx;
	for (int64_t i = b; i < e; i++) {
		heap_clear(s->hd + i * s->k, s->hi + i * s->k, s->hf + i * s->k, s->k);
		heap_push(s->hd + i * s->k, s->hi + i * s->k, s->hf + i * s->k, s->k, -1.0f, (int32_t)i, 0);
	}
}

static void leaf_gram(void *ctx, int64_t b, int64_t e, int tid)
{
	nnd *s = ctx;
	forest *f = s->f;
	int ls = f->leaf_size;
	int64_t d = s->d;
	const int32_t *perm = f->perm + (size_t)s->tree * s->n;
	float *g = s->gbuf + (size_t)tid * ls * d;
	float *dot = s->dbuf + (size_t)tid * ls * ls;
	for (int64_t l = b; l < e; l++) {
		int32_t lo = s->leaves[l], L = s->leaves[l + 1] - lo;
		for (int q = 0; q < L; q++)
			memcpy(g + (size_t)q * d, s->x + (int64_t)perm[lo + q] * d, sizeof(float) * (size_t)d);
		if (L > 1)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, (int)d, 1.0f, g, (int)d,
				g, (int)d, 0.0f, dot, L);
		for (int a = 0; a < L; a++) {
			int32_t ia = perm[lo + a];
			float *od = s->lt_d + (int64_t)ia * ls;
			int32_t *oi = s->lt_i + (int64_t)ia * ls;
			int m = 0;
			for (int c = 0; c < L; c++) {
				if (c == a)
					continue;
				int32_t ic = perm[lo + c];
				float v = s->nrm[ia] + s->nrm[ic] - 2.0f * dot[a * L + c];
				od[m] = v > 0 ? v : 0;
				oi[m++] = ic;
			}
			if (m < ls)
				oi[m] = -1;
		}
	}
}

static void leaf_push(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	nnd *s = ctx;
	int ls = s->f->leaf_size;
	for (int64_t i = b; i < e; i++) {
		const float *od = s->lt_d + i * ls;
		const int32_t *oi = s->lt_i + i * ls;
		for (int m = 0; m < ls && oi[m] >= 0; m++)
			heap_push(s->hd + i * s->k, s->hi + i * s->k, s->hf + i * s->k, s->k, od[m], oi[m], 1);
	}
}

static void init_fill(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	nnd *s = ctx;
	for (int64_t i = b; i < e; i++) {
		float *hd = s->hd + i * s->k;
		int32_t *hi = s->hi + i * s->k;
		uint8_t *hf = s->hf + i * s->k;
		li_rng r = li_rng_stream(s->seed ^ 0x66696c6cull, (uint64_t)i);
		for (int tries = 0; hi[0] < 0 && tries < 4 * s->k; tries++) {
			int32_t j = (int32_t)li_rng_below(&r, (uint64_t)s->n);
			if (j != i)
				heap_push(hd, hi, hf, s->k, ndist(s, i, j), j, 1);
		}
	}
}

/* A deterministic random priority for the unordered pair {a, b} in round `it`. */
static float pair_prio(uint64_t seed, int it, int32_t a, int32_t b)
{
	uint64_t lo = (uint64_t)(a < b ? a : b), hi = (uint64_t)(a < b ? b : a);
	uint64_t z = seed ^ ((uint64_t)it * 0x9e3779b97f4a7c15ull) ^ (lo * 0xbf58476d1ce4e5b9ull) ^
		(hi * 0x94d049bb133111ebull);
	z ^= z >> 31;
	z *= 0xd6e8feb86659fd93ull;
	z ^= z >> 32;
	return (float)(z >> 40);
}

/* Samples the new and old candidate lists of every row (serial: it is O(n k)). */
static void build_candidates(nnd *s, int it)
{
	int64_t n = s->n;
	int k = s->k, mc = s->mc;
	float *nd = s->cd, *od = s->cd + (size_t)n * mc;
	int32_t *ni = s->ci, *oi = s->ci + (size_t)n * mc;
	for (int64_t i = 0; i < n; i++) {
		heap_clear(nd + i * mc, ni + i * mc, NULL, mc);
		heap_clear(od + i * mc, oi + i * mc, NULL, mc);
	}
	for (int64_t i = 0; i < n; i++) {
		for (int t = 0; t < k; t++) {
			int32_t j = s->hi[i * k + t];
			if (j < 0 || j == i)
				continue;
			float p = pair_prio(s->seed, it, (int32_t)i, j);
			if (s->hf[i * k + t]) {
				heap_push(nd + i * mc, ni + i * mc, NULL, mc, p, j, 0);
				heap_push(nd + (int64_t)j * mc, ni + (int64_t)j * mc, NULL, mc, p, (int32_t)i, 0);
			} else {
				heap_push(od + i * mc, oi + i * mc, NULL, mc, p, j, 0);
				heap_push(od + (int64_t)j * mc, oi + (int64_t)j * mc, NULL, mc, p, (int32_t)i, 0);
			}
		}
	}
	/* neighbours sampled as new candidates become old */
	for (int64_t i = 0; i < n; i++)
		for (int t = 0; t < k; t++) {
			if (!s->hf[i * k + t])
				continue;
			for (int c = 0; c < mc; c++)
				if (ni[i * mc + c] == s->hi[i * k + t]) {
					s->hf[i * k + t] = 0;
					break;
				}
		}
}

static int ub_add(struct ubuf *u, int32_t tgt, int32_t oth, float d)
{
	if (u->n == u->m) {
		int64_t m = u->m ? 2 * u->m : 1024;
		int32_t *a = realloc(u->tgt, sizeof(int32_t) * (size_t)m);
		if (a)
			u->tgt = a;
		int32_t *b = realloc(u->oth, sizeof(int32_t) * (size_t)m);
		if (b)
			u->oth = b;
		float *c = realloc(u->d, sizeof(float) * (size_t)m);
		if (c)
			u->d = c;
		if (!a || !b || !c)
			return -1;
		u->m = m;
	}
	u->tgt[u->n] = tgt;
	u->oth[u->n] = oth;
	u->d[u->n] = d;
	u->n++;
	return 0;
}

static void offer(nnd *s, int tid, int32_t a, int32_t b, float d)
{
	if (worse(s->hd[(int64_t)a * s->k], s->hi[(int64_t)a * s->k], d, b)) {
		int p = (int)((int64_t)a * s->parts / s->n);
		if (ub_add(&s->ub[tid * s->parts + p], a, b, d))
			s->oom = 1;
	}
}

/*
 * Local join of the rows [b, e) of the phase: distances between candidate pairs (new
 * with new, new with old). Row u's candidates are gathered into one block and their
 * dot products come from one GEMM (OpenBLAS, single-threaded here), which is several
 * times faster than pair by pair on wide rows; each product depends only on the two
 * rows and the block's shape, so the result is the same at any thread count.
 */
static void join_rows(void *ctx, int64_t b, int64_t e, int tid)
{
	nnd *s = ctx;
	int mc = s->mc;
	int64_t d = s->d;
	const int32_t *ni = s->ci, *oi = s->ci + (size_t)s->n * mc;
	float *g = s->gbuf + (size_t)tid * 2 * mc * d;
	float *dot = s->dbuf + (size_t)tid * 2 * mc * mc;
	int32_t list[2 * 60];
	for (int64_t u = s->u0 + b; u < s->u0 + e; u++) {
		const int32_t *nu = ni + u * mc, *ou = oi + u * mc;
		int nn = 0, m;
		for (int p = 0; p < mc; p++)
			if (nu[p] >= 0)
				list[nn++] = nu[p];
		m = nn;
		for (int q = 0; q < mc; q++)
			if (ou[q] >= 0)
				list[m++] = ou[q];
		if (nn == 0 || m < 2)
			continue;
		for (int q = 0; q < m; q++)
			memcpy(g + (size_t)q * d, s->x + (int64_t)list[q] * d, sizeof(float) * (size_t)d);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nn, m, (int)d, 1.0f, g, (int)d,
			g, (int)d, 0.0f, dot, m);
		for (int p = 0; p < nn; p++) {
			int32_t a = list[p];
			for (int q = p + 1; q < m; q++) {
				int32_t c = list[q];
				if (c == a)
					continue;
				float v = s->nrm[a] + s->nrm[c] - 2.0f * dot[(size_t)p * m + q];
				v = v > 0 ? v : 0;
				offer(s, tid, a, c, v);
				offer(s, tid, c, a, v);
			}
		}
	}
}

/* Applies the phase's updates to the heaps of partition [b, e). */
static void apply_parts(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	nnd *s = ctx;
	for (int64_t p = b; p < e; p++)
		for (int t = 0; t < s->threads; t++) {
			struct ubuf *u = &s->ub[t * s->parts + p];
			for (int64_t q = 0; q < u->n; q++) {
				int64_t a = u->tgt[q];
				heap_push(s->hd + a * s->k, s->hi + a * s->k, s->hf + a * s->k, s->k,
					u->d[q], u->oth[q], 2);
			}
			u->n = 0;
		}
}

/*
 * Rows per phase of the joins. A phase's offers wait in the update buffers until it
 * ends: up to 2 mc x 2 mc of them per row, 12 bytes each, which at t-SNE's k = 90
 * (mc = 60) and 8,192 rows came to ~300 MB, most of its peak memory. So the phase
 * holds about NND_PHASE_PAIRS / mc^2 rows (UMAP's k = 15 keeps NND_PHASE_MAX). The
 * result does not depend on it: joins read the candidate lists, never the heaps they
 * feed, and a heap ends with the k best of everything offered to it.
 */
#define NND_PHASE_MAX 8192
#define NND_PHASE_MIN 512
#define NND_PHASE_PAIRS (1 << 21)

static int64_t phase_rows(int mc)
{
	int64_t r = NND_PHASE_PAIRS / ((int64_t)mc * mc);
	return r > NND_PHASE_MAX ? NND_PHASE_MAX : r < NND_PHASE_MIN ? NND_PHASE_MIN : r;
}

/*
 * The trees split wide rows by their random projections to PROJ_DIMS columns (a
 * Gaussian matrix, Johnson-Lindenstrauss): each tree level reads every row, and on
 * 784-wide rows that reading, not the arithmetic, was most of the search's time. The
 * trees only seed NN-descent, which measures true distances, so recall stays as it was
 * (t0500 checks it against scikit-learn). Rows of at most PROJ_MIN columns are used as
 * they are.
 */
#define PROJ_DIMS 64
#define PROJ_MIN 96
#define PROJ_ROWS 1024

typedef struct proj_job {
	const float *x, *r;
	int64_t n, d;
	float *out;
} proj_job;

static void proj_rows(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	proj_job *j = ctx;
	for (int64_t blk = b; blk < e; blk++) {
		int64_t r0 = blk * PROJ_ROWS, rows = j->n - r0 < PROJ_ROWS ? j->n - r0 : PROJ_ROWS;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, PROJ_DIMS, (int)j->d,
			1.0f, j->x + r0 * j->d, (int)j->d, j->r, PROJ_DIMS, 0.0f,
			j->out + r0 * PROJ_DIMS, PROJ_DIMS);
	}
}

/* x (n x d) times a seeded Gaussian d x PROJ_DIMS matrix, in blocks of rows with
 * single-threaded BLAS (the same bytes at any thread count). NULL when out of memory. */
static float *project(const float *x, int64_t n, int64_t d, uint64_t seed, int threads)
{
	float *r = malloc(sizeof(float) * (size_t)d * PROJ_DIMS);
	float *out = malloc(sizeof(float) * (size_t)n * PROJ_DIMS);
	if (!r || !out) {
		free(r);
		free(out);
		return NULL;
	}
	li_rng g = li_rng_stream(seed ^ 0x70726f6aull, 0);
	for (int64_t q = 0; q < d * PROJ_DIMS; q++)
		r[q] = (float)li_rng_normal(&g);
	proj_job j = { x, r, n, d, out };
	int prev = li_blas_threads_single();
	li_parallel_for((n + PROJ_ROWS - 1) / PROJ_ROWS, 1, threads, proj_rows, &j);
	li_blas_threads_restore(prev);
	free(r);
	return out;
}

static int approx_search(const float *x, int64_t n, int64_t d, const li_knn_opts *o,
	int32_t *idx, float *dist, li_err *err)
{
	int k = o->k, threads = li_parallel_threads(o->threads);
	forest f = { 0 };
	nnd s = { 0 };
	float *nrm = NULL, *xp = NULL;
	int rc = 0;
	f.n = n;
	f.x = x;
	f.d = d;
	if (d > PROJ_MIN) {
		if (!(xp = project(x, n, d, o->seed, threads)))
			goto oom;
		f.x = xp;
		f.d = PROJ_DIMS;
	}
	f.seed = o->seed;
	f.leaf_size = k > 10 ? k : 10;
	/* as umap-learn 0.5.3 asks pynndescent for (nearest_neighbors) */
	f.n_trees = 5 + (int)lround(sqrt((double)n) / 20.0);
	if (f.n_trees > 32)
		f.n_trees = 32;
	size_t tn = (size_t)f.n_trees * (size_t)n;
	f.perm = malloc(sizeof(int32_t) * tn);
	f.leaf_lo = malloc(sizeof(int32_t) * tn);
	f.leaf_hi = malloc(sizeof(int32_t) * tn);
	s.x = x;
	s.n = n;
	s.d = d;
	nrm = malloc(sizeof(float) * (size_t)n);
	s.k = k;
	s.mc = k < 60 ? k : 60;
	s.seed = o->seed;
	s.f = &f;
	s.threads = threads;
	s.parts = 4 * threads;
	s.hd = malloc(sizeof(float) * (size_t)n * k);
	s.hi = malloc(sizeof(int32_t) * (size_t)n * k);
	s.hf = malloc((size_t)n * k);
	s.cd = malloc(sizeof(float) * 2 * (size_t)n * s.mc);
	s.ci = malloc(sizeof(int32_t) * 2 * (size_t)n * s.mc);
	s.ub = calloc((size_t)threads * s.parts, sizeof(*s.ub));
	{
		/* per thread: NN-descent's 2 mc candidate rows, or a leaf's rows */
		int gr = 2 * s.mc > f.leaf_size ? 2 * s.mc : f.leaf_size;
		int dr = 2 * s.mc * s.mc > f.leaf_size * f.leaf_size ? 2 * s.mc * s.mc : f.leaf_size * f.leaf_size;
		s.gbuf = malloc(sizeof(float) * (size_t)threads * gr * (size_t)d);
		s.dbuf = malloc(sizeof(float) * (size_t)threads * dr);
	}
	s.leaves = malloc(sizeof(int32_t) * (size_t)(n + 1));
	s.lt_d = malloc(sizeof(float) * (size_t)n * f.leaf_size);
	s.lt_i = malloc(sizeof(int32_t) * (size_t)n * f.leaf_size);
	if (!f.perm || !f.leaf_lo || !f.leaf_hi || !s.hd || !s.hi || !s.hf || !s.cd || !s.ci || !s.ub ||
		!nrm || !s.gbuf || !s.dbuf || !s.leaves || !s.lt_d || !s.lt_i)
		goto oom;
	s.nrm = nrm;
	li_parallel_for(n, 1024, threads, row_norms, &s);
	li_parallel_for(f.n_trees, 1, threads, build_trees, &f);
	free(xp);
	xp = NULL;
	if (f.failed)
		goto oom;
	li_parallel_for(n, 1024, threads, init_clear, &s);
	{
		int bprev = li_blas_threads_single();
		for (s.tree = 0; s.tree < f.n_trees; s.tree++) {
			const int32_t *perm = f.perm + (size_t)s.tree * n;
			const int32_t *lhi = f.leaf_hi + (size_t)s.tree * n;
			int64_t nl = 0;
			for (int64_t p = 0; p < n; p = lhi[perm[p]])
				s.leaves[nl++] = (int32_t)p;
			s.leaves[nl] = (int32_t)n;
			li_parallel_for(nl, 64, threads, leaf_gram, &s);
			li_parallel_for(n, 1024, threads, leaf_push, &s);
		}
		li_blas_threads_restore(bprev);
	}
	li_parallel_for(n, 1024, threads, init_fill, &s);
	free(f.perm);
	free(f.leaf_lo);
	free(f.leaf_hi);
	f.perm = f.leaf_lo = f.leaf_hi = NULL;
	/* the leaf tables only seed the heaps: NN-descent's buffers take their place */
	free(s.leaves);
	free(s.lt_d);
	free(s.lt_i);
	s.leaves = NULL;
	s.lt_d = NULL;
	s.lt_i = NULL;

	int64_t prows = phase_rows(s.mc);
	int iters = (int)lround(log2((double)n));
	if (iters < 5)
		iters = 5;
	for (int it = 0; it < iters; it++) {
		build_candidates(&s, it);
		for (s.u0 = 0; s.u0 < n; s.u0 += prows) {
			int64_t len = n - s.u0 < prows ? n - s.u0 : prows;
			int bprev = li_blas_threads_single();
			li_parallel_for(len, 64, threads, join_rows, &s);
			li_blas_threads_restore(bprev);
			if (s.oom)
				goto oom;
			li_parallel_for(s.parts, 1, threads, apply_parts, &s);
		}
		/* entries taken this round; the count does not depend on the order of offers */
		int64_t changed = 0;
		for (int64_t q = 0; q < n * k; q++)
			if (s.hf[q] == 2) {
				changed++;
				s.hf[q] = 1;
			}
		if ((double)changed <= 0.001 * (double)k * (double)n)
			break;
	}
	for (int64_t i = 0; i < n; i++)
		finish_row(x, x + i * d, d, k, (int32_t)i, s.hi + i * k, idx + i * k, dist + i * k);
	goto out;
oom:
	rc = li_err_set(err, LI_ENOMEM, "out of memory for the approximate neighbour search");
out:
	free(f.perm);
	free(f.leaf_lo);
	free(f.leaf_hi);
	free(nrm);
	free(xp);
	free(s.gbuf);
	free(s.dbuf);
	free(s.leaves);
	free(s.lt_d);
	free(s.lt_i);
	free(s.hd);
	free(s.hi);
	free(s.hf);
	free(s.cd);
	free(s.ci);
	if (s.ub)
		for (int t = 0; t < threads * s.parts; t++) {
			free(s.ub[t].tgt);
			free(s.ub[t].oth);
			free(s.ub[t].d);
		}
	free(s.ub);
	return rc;
}

int li_knn_graph(const float *x, int64_t n, int64_t d, const li_knn_opts *o,
	int32_t *idx, float *dist, int *used, li_err *err)
{
	if (n < 1 || d < 1 || o->k < 1 || o->k > n || n > INT32_MAX || d > INT32_MAX)
		return li_err_set(err, LI_EUSAGE, "bad neighbour search: %lld rows, %lld columns, k %d",
			(long long)n, (long long)d, o->k);
	int m = o->method;
	if (m == LI_KNN_AUTO)
		m = n <= LI_KNN_EXACT_MAX ? LI_KNN_EXACT : LI_KNN_APPROX;
	if (m == LI_KNN_APPROX && n <= o->k + 1)
		m = LI_KNN_EXACT; /* nothing to approximate */
	if (used)
		*used = m;
	if (m == LI_KNN_EXACT)
		return exact_search(x, n, x, n, d, o->k, 1, o->threads, idx, dist, err);
	return approx_search(x, n, d, o, idx, dist, err);
}

double li_knn_recall(const int32_t *exact, const int32_t *approx, int64_t n, int k)
{
	int64_t hit = 0;
	for (int64_t i = 0; i < n; i++)
		for (int a = 0; a < k; a++)
			for (int b = 0; b < k; b++)
				if (approx[i * k + a] == exact[i * k + b]) {
					hit++;
					break;
				}
	return n > 0 ? (double)hit / ((double)n * k) : 1.0;
}
