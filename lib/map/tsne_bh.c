/*
 * Barnes-Hut for t-SNE's repulsive forces (van der Maaten 2014): a 2^dims-ary tree over
 * the embedding (quadtree in 2-D, octree in 3-D) whose cells carry their point count and
 * centre of mass. A far cell (width / distance < theta) acts as one heavy point.
 *
 * The tree is built by recursive partition of an index array (no pointer chasing, one
 * node array), each leaf holding a contiguous range of the permuted points: up to the
 * tree's leaf size, duplicates, or points still together at the depth limit, summed
 * exactly. For walks point by point, leaves of 8 points rather than 1 (measured on a
 * final 20k-row Fashion-MNIST map, one thread): build 5.5 -> 3.1 ms, repulsion 25.1 ->
 * 19.7 ms, and Z nearer the exact sum (-1.07% -> -0.80%); 16 took 24.4 ms. Centres of
 * mass are summed bottom-up, from the children. The optimiser walks a 2-D tree once per
 * block of a leaf's points, with leaves of 32 (li_bh_repulse_leaf); a new point placed
 * in a finished map walks alone (li_bh_repulse). Also the parallel-for helper shared by
 * the t-SNE files.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "simd.h"
#include "tsne_internal.h"

#define MAX_DEPTH 48

typedef struct node {
	double com[3];    /* centre of mass */
	double w2;        /* squared cell edge length */
	int64_t start;    /* first point in perm */
	int64_t count;
	int64_t child;    /* index of the first child; children are contiguous; -1 = leaf */
	int n_child;
} node;

struct li_bh_tree {
	int dims;
	int leaf_size; /* a cell of at most this many points is a leaf */
	int64_t n;
	const double *Y;
	int64_t *perm; /* points in tree order */
	int64_t *pos;  /* pos[perm[i]] = i */
	double *ys;    /* the points in tree order (n*dims), for leaf sums */
	node *nodes;
	double *geo;   /* per node: centre[3], edge length (build only) */
	int64_t n_nodes, m_nodes;
	int64_t m_n;   /* points the buffers below and above hold room for */
	int64_t *tmp;  /* build scratch (n) */
	unsigned char *quad;
	int64_t *leaves; /* leaf nodes in tree order (n_leaves <= n) */
	int64_t n_leaves;
};

/* ---- parallel for (li_parallel_for in fixed blocks) ---- */

#define PAR_BLOCK 64

typedef struct par_job {
	void (*fn)(void *, int64_t, int64_t);
	void *ctx;
} par_job;

static void par_block(void *ctx, int64_t lo, int64_t hi, int tid)
{
	(void)tid;
	par_job *j = ctx;
	j->fn(j->ctx, lo, hi);
}

int li_tsne_par_for(int threads, int64_t n, void (*fn)(void *ctx, int64_t lo, int64_t hi),
		    void *ctx)
{
	if (n <= 0)
		return 0;
	par_job j = {.fn = fn, .ctx = ctx};
	li_parallel_for(n, PAR_BLOCK, threads, par_block, &j);
	return 0;
}

/* ---- tree ---- */

static int64_t new_nodes(li_bh_tree *t, int64_t k)
{
	if (t->n_nodes + k > t->m_nodes) {
		int64_t m = t->m_nodes ? t->m_nodes * 2 : 64;
		while (m < t->n_nodes + k)
			m *= 2;
		node *nn = realloc(t->nodes, (size_t)m * sizeof *nn);
		if (!nn)
			return -1;
		t->nodes = nn;
		double *ng = realloc(t->geo, (size_t)m * 4 * sizeof *ng);
		if (!ng)
			return -1;
		t->geo = ng;
		t->m_nodes = m;
	}
	int64_t at = t->n_nodes;
	t->n_nodes += k;
	return at;
}

/* Node i's centre of mass from its points (a leaf) or from its children's (weighted by
 * count): one pass over the points per tree, not one per level. */
static void set_com(li_bh_tree *t, int64_t i)
{
	const int D = t->dims;
	node *nd = &t->nodes[i];
	double com[3] = {0, 0, 0};
	if (nd->child < 0) {
		for (int64_t a = nd->start; a < nd->start + nd->count; a++)
			for (int d = 0; d < D; d++)
				com[d] += t->Y[t->perm[a] * D + d];
	} else {
		for (int64_t ch = nd->child; ch < nd->child + nd->n_child; ch++)
			for (int d = 0; d < D; d++)
				com[d] += (double)t->nodes[ch].count * t->nodes[ch].com[d];
	}
	for (int d = 0; d < 3; d++)
		nd->com[d] = d < D ? com[d] / (double)nd->count : 0;
}

/* Fills node i's mass and, unless it is small enough to be a leaf, partitions its points
 * into child cells and recurses. tmp, quad: scratch of n entries. */
static int build(li_bh_tree *t, int64_t i, int depth, int64_t *tmp, unsigned char *quad)
{
	int D = t->dims;
	node *nd = &t->nodes[i];
	int64_t s = nd->start, c = nd->count;
	nd->w2 = t->geo[i * 4 + 3] * t->geo[i * 4 + 3];
	nd->child = -1;
	nd->n_child = 0;
	int same = 1; /* all points identical: a leaf, summed exactly */
	if (c > t->leaf_size && depth < MAX_DEPTH)
		for (int64_t a = s + 1; a < s + c && same; a++)
			for (int d = 0; d < D; d++)
				if (t->Y[t->perm[a] * D + d] != t->Y[t->perm[s] * D + d])
					same = 0;
	if (same) {
		/* children are built in order, so leaves are listed in tree order */
		t->leaves[t->n_leaves++] = i;
		set_com(t, i);
		return 0;
	}
	int nq = 1 << D;
	int64_t cnt[8] = {0};
	const double *centre = t->geo + i * 4;
	for (int64_t a = s; a < s + c; a++) {
		const double *y = t->Y + t->perm[a] * D;
		int q = 0;
		for (int d = 0; d < D; d++)
			q |= (y[d] >= centre[d]) << d;
		quad[a] = (unsigned char)q;
		cnt[q]++;
	}
	int64_t off[8], o = s;
	int used = 0;
	for (int q = 0; q < nq; q++) {
		off[q] = o;
		o += cnt[q];
		used += cnt[q] > 0;
	}
	for (int64_t a = s; a < s + c; a++)
		tmp[off[quad[a]]++] = t->perm[a];
	memcpy(t->perm + s, tmp + s, (size_t)c * sizeof *tmp);
	double cw = t->geo[i * 4 + 3] / 2;
	double center[3];
	memcpy(center, t->geo + i * 4, sizeof center);
	int64_t first = new_nodes(t, used);
	if (first < 0)
		return -1;
	nd = &t->nodes[i]; /* the array may have moved */
	nd->child = first;
	nd->n_child = used;
	int64_t k = first;
	o = s;
	for (int q = 0; q < nq; q++) {
		if (!cnt[q])
			continue;
		node *ch = &t->nodes[k];
		for (int d = 0; d < D; d++)
			t->geo[k * 4 + d] = center[d] + ((q >> d) & 1 ? cw / 2 : -cw / 2);
		t->geo[k * 4 + 3] = cw;
		ch->start = o;
		ch->count = cnt[q];
		o += cnt[q];
		k++;
	}
	for (int64_t ch = first; ch < first + used; ch++)
		if (build(t, ch, depth + 1, tmp, quad) < 0)
			return -1;
	set_com(t, i);
	return 0;
}

/* The buffers sized by the number of points */
static void free_point_buffers(li_bh_tree *t)
{
	free(t->perm);
	free(t->pos);
	free(t->ys);
	free(t->tmp);
	free(t->quad);
	free(t->leaves);
}

li_bh_tree *li_bh_build(const double *Y, int64_t n, int dims, int leaf_size, li_err *err)
{
	return li_bh_rebuild(NULL, Y, n, dims, leaf_size, err);
}

li_bh_tree *li_bh_rebuild(li_bh_tree *t, const double *Y, int64_t n, int dims, int leaf_size,
			  li_err *err)
{
	if (!t && !(t = calloc(1, sizeof *t)))
		goto nomem;
	if (n > t->m_n) {
		/* the buffers of the previous build are kept: a build per iteration would
		 * otherwise page in fresh memory each time (a quarter of its cost) */
		free_point_buffers(t);
		t->perm = malloc((size_t)n * sizeof *t->perm);
		t->pos = malloc((size_t)n * sizeof *t->pos);
		t->ys = malloc((size_t)n * 3 * sizeof *t->ys);
		t->tmp = malloc((size_t)n * sizeof *t->tmp);
		t->quad = malloc((size_t)n);
		t->leaves = malloc((size_t)n * sizeof *t->leaves);
		t->m_n = 0;
		if (!t->perm || !t->pos || !t->ys || !t->tmp || !t->quad || !t->leaves)
			goto nomem;
		t->m_n = n;
	}
	t->dims = dims;
	t->leaf_size = leaf_size > 0 ? leaf_size : 1;
	t->n = n;
	t->Y = Y;
	t->n_nodes = 0;
	/* about 1.4 n nodes for leaves of one point; the array grows if it needs more */
	if (new_nodes(t, n + n / 2 + 1) < 0)
		goto nomem;
	t->n_nodes = 1;
	t->n_leaves = 0;
	double lo[3], hi[3];
	for (int d = 0; d < dims; d++)
		lo[d] = hi[d] = Y[d];
	for (int64_t i = 0; i < n; i++) {
		t->perm[i] = i;
		for (int d = 0; d < dims; d++) {
			double v = Y[i * dims + d];
			if (v < lo[d])
				lo[d] = v;
			if (v > hi[d])
				hi[d] = v;
		}
	}
	double w = 0;
	node *root = &t->nodes[0];
	for (int d = 0; d < dims; d++) {
		t->geo[d] = (lo[d] + hi[d]) / 2;
		if (hi[d] - lo[d] > w)
			w = hi[d] - lo[d];
	}
	t->geo[3] = w * (1 + 1e-9) + 1e-300;
	root->start = 0;
	root->count = n;
	if (build(t, 0, 0, t->tmp, t->quad) < 0)
		goto nomem;
	for (int64_t i = 0; i < n; i++) {
		t->pos[t->perm[i]] = i;
		for (int d = 0; d < dims; d++)
			t->ys[i * dims + d] = Y[t->perm[i] * dims + d];
	}
	return t;
nomem:
	li_err_set(err, LI_ENOMEM, "out of memory building the barnes-hut tree of %lld points",
		   (long long)n);
	li_bh_free(t);
	return NULL;
}

void li_bh_free(li_bh_tree *t)
{
	if (!t)
		return;
	free_point_buffers(t);
	free(t->nodes);
	free(t->geo);
	free(t);
}

/*
 * The traversal, written once for a constant D so the compiler unrolls the coordinate
 * loops; an explicit stack (depth <= MAX_DEPTH, at most 7 siblings pending per level).
 */
static inline __attribute__((always_inline)) double
repulse_d(const li_bh_tree *t, const int D, const double *p, int64_t self_pos, double theta2,
	  double *fout)
{
	int64_t stack[8 * (MAX_DEPTH + 2)];
	int top = 0;
	double sum = 0, f[3] = {0, 0, 0};
	stack[top++] = 0;
	while (top > 0) {
		const node *nd = &t->nodes[stack[--top]];
		if (nd->child < 0) {
			for (int64_t a = nd->start; a < nd->start + nd->count; a++) {
				if (a == self_pos)
					continue;
				const double *y = t->ys + a * D;
				double diff[3], d2 = 0;
				for (int d = 0; d < D; d++) {
					diff[d] = p[d] - y[d];
					d2 += diff[d] * diff[d];
				}
				double w = 1 / (1 + d2);
				sum += w;
				for (int d = 0; d < D; d++)
					f[d] += w * w * diff[d];
			}
			continue;
		}
		if (self_pos < nd->start || self_pos >= nd->start + nd->count) {
			double diff[3], d2 = 0;
			for (int d = 0; d < D; d++) {
				diff[d] = p[d] - nd->com[d];
				d2 += diff[d] * diff[d];
			}
			if (nd->w2 < theta2 * d2) {
				double w = 1 / (1 + d2), m = (double)nd->count;
				for (int d = 0; d < D; d++)
					f[d] += m * w * w * diff[d];
				sum += m * w;
				continue;
			}
		}
		/* children pushed last-first, so they are visited in order: a fixed summation
		 * order for a given tree */
		for (int64_t c = nd->child + nd->n_child - 1; c >= nd->child; c--)
			stack[top++] = c;
	}
	for (int d = 0; d < D; d++)
		fout[d] += f[d];
	return sum;
}

static double repulse2(const li_bh_tree *t, const double *p, int64_t s, double th2, double *f)
{
	return repulse_d(t, 2, p, s, th2, f);
}

static double repulse3(const li_bh_tree *t, const double *p, int64_t s, double th2, double *f)
{
	return repulse_d(t, 3, p, s, th2, f);
}

static double repulse1(const li_bh_tree *t, const double *p, int64_t s, double th2, double *f)
{
	return repulse_d(t, 1, p, s, th2, f);
}

const int64_t *li_bh_order(const li_bh_tree *t)
{
	return t->perm;
}

double li_bh_repulse(const li_bh_tree *t, const double *p, int64_t self, double theta,
		     double *f)
{
	if (t->n <= 0)
		return 0;
	int64_t self_pos = self >= 0 ? t->pos[self] : -1;
	if (t->dims == 2)
		return repulse2(t, p, self_pos, theta * theta, f);
	if (t->dims == 3)
		return repulse3(t, p, self_pos, theta * theta, f);
	return repulse1(t, p, self_pos, theta * theta, f);
}

/* ---- repulsion on a leaf's points at once (2-D) ---- */

/*
 * The points of a leaf are close together, so one walk of the tree serves a block of up
 * to BLOCK of them: a cell is taken as one point of its mass only when the test holds
 * for the block's bounding box (width / distance from the box to the cell's centre of
 * mass < theta), which implies it for every point of the block: no point gets a coarser
 * approximation than its own walk would give it. The walk's cost is shared by the block,
 * and its sums run four points to a vector (lane l of vector v: the block's point
 * 4 v + l; the same IEEE operations in both clones, no FMA, so the same bytes on every
 * x86-64). A leaf far enough away counts as one point too. Measured on 20k x 50
 * Fashion-MNIST, one thread, 1,000 iterations, leaves of 8: repulsion 24.0 -> 12.5 s of
 * CPU, KL 1.7740 -> 1.7758, trustworthiness 0.9908 -> 0.9907 (a walk per point before);
 * leaves and blocks of 32 took a further quarter off the whole fit (li_bh_build).
 */
#define BLOCK 32

typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4i __attribute__((vector_size(32)));

/* One interaction of the block with a point (or a cell of mass m) at (cx, cy), for NV
 * vectors of the block held in registers; keep: lanes to count (all ones but in the
 * block's own leaf, where a point skips itself). */
#define INTERACT(NV, cx, cy, m, keep)                                                      \
	for (int v = 0; v < (NV); v++) {                                                   \
		v4d dx = px[v] - (cx), dy = py[v] - (cy);                                   \
		v4d w = one / (one + (dx * dx + dy * dy));                                  \
		w = (v4d)((v4i)w & (keep)[v]);                                               \
		v4d mww = (m) * (w * w);                                                    \
		sz[v] += (m) * w;                                                           \
		sx[v] += mww * dx;                                                          \
		sy[v] += mww * dy;                                                          \
	}

static inline __attribute__((always_inline)) void
block_walk(const li_bh_tree *t, int64_t b0, int nb, double theta2, double *rep, double *z,
	   const int NV)
{
	v4d px[8], py[8], sx[8] = {{0}}, sy[8] = {{0}}, sz[8] = {{0}};
	v4i all[8], self[8];
	double lo[2] = {t->ys[2 * b0], t->ys[2 * b0 + 1]}, hi[2] = {lo[0], lo[1]};
	for (int v = 0; v < NV; v++)
		for (int l = 0; l < 4; l++) {
			/* lanes past the block repeat its first point; their sums are dropped */
			int64_t a = b0 + (4 * v + l < nb ? 4 * v + l : 0);
			px[v][l] = t->ys[2 * a];
			py[v][l] = t->ys[2 * a + 1];
			all[v][l] = -1;
		}
	for (int64_t a = b0 + 1; a < b0 + nb; a++)
		for (int d = 0; d < 2; d++) {
			double c = t->ys[2 * a + d];
			lo[d] = c < lo[d] ? c : lo[d];
			hi[d] = c > hi[d] ? c : hi[d];
		}
	const v4d one = {1, 1, 1, 1};
	int64_t stack[8 * (MAX_DEPTH + 2)];
	int top = 0;
	stack[top++] = 0;
	while (top > 0) {
		const node *nd = &t->nodes[stack[--top]];
		int holds = nd->start <= b0 && b0 < nd->start + nd->count;
		if (!holds && nd->count > 1) {
			/* a far cell counts as one point, a leaf too */
			const double cx = nd->com[0], cy = nd->com[1];
			double ex = lo[0] - cx > 0 ? lo[0] - cx : cx - hi[0] > 0 ? cx - hi[0] : 0;
			double ey = lo[1] - cy > 0 ? lo[1] - cy : cy - hi[1] > 0 ? cy - hi[1] : 0;
			if (nd->w2 < theta2 * (ex * ex + ey * ey)) {
				const double m = (double)nd->count;
				INTERACT(NV, cx, cy, m, all)
				continue;
			}
		}
		if (nd->child < 0) {
			for (int64_t a = nd->start; a < nd->start + nd->count; a++) {
				double yx = t->ys[2 * a], yy = t->ys[2 * a + 1];
				if (!holds) {
					INTERACT(NV, yx, yy, 1.0, all)
					continue;
				}
				for (int v = 0; v < NV; v++)
					for (int l = 0; l < 4; l++)
						self[v][l] = b0 + 4 * v + l == a ? 0 : -1;
				INTERACT(NV, yx, yy, 1.0, self)
			}
			continue;
		}
		for (int64_t c = nd->child + nd->n_child - 1; c >= nd->child; c--)
			stack[top++] = c;
	}
	for (int q = 0; q < nb; q++) {
		int64_t i = t->perm[b0 + q];
		rep[2 * i] = sx[q / 4][q % 4];
		rep[2 * i + 1] = sy[q / 4][q % 4];
		z[i] = sz[q / 4][q % 4];
	}
}

LI_TARGET_CLONES
static void repulse_block2(const li_bh_tree *t, int64_t b0, int nb, double theta2,
			   double *rep, double *z)
{
	if (nb <= 4)
		block_walk(t, b0, nb, theta2, rep, z, 1);
	else if (nb <= 8)
		block_walk(t, b0, nb, theta2, rep, z, 2);
	else if (nb <= 12)
		block_walk(t, b0, nb, theta2, rep, z, 3);
	else if (nb <= 16)
		block_walk(t, b0, nb, theta2, rep, z, 4);
	else if (nb <= 24)
		block_walk(t, b0, nb, theta2, rep, z, 6);
	else
		block_walk(t, b0, nb, theta2, rep, z, 8);
}

int64_t li_bh_leaves(const li_bh_tree *t)
{
	return t->n_leaves;
}

void li_bh_leaf(const li_bh_tree *t, int64_t leaf, int64_t *start, int64_t *count)
{
	const node *nd = &t->nodes[t->leaves[leaf]];
	*start = nd->start;
	*count = nd->count;
}

void li_bh_repulse_leaf(const li_bh_tree *t, int64_t leaf, double theta, double *rep,
			double *z)
{
	int64_t start, count;
	li_bh_leaf(t, leaf, &start, &count);
	for (int64_t b = start; b < start + count; b += BLOCK) {
		int nb = (int)(start + count - b < BLOCK ? start + count - b : BLOCK);
		if (t->dims == 2) {
			repulse_block2(t, b, nb, theta * theta, rep, z);
			continue;
		}
		for (int64_t a = b; a < b + nb; a++) {
			int64_t i = t->perm[a];
			double f[3] = {0, 0, 0};
			z[i] = li_bh_repulse(t, t->ys + a * t->dims, i, theta, f);
			for (int d = 0; d < t->dims; d++)
				rep[i * t->dims + d] = f[d];
		}
	}
}
