/*
 * UMAP inverse transform, after umap-learn 0.5.3's inverse_transform (umap_.py) and
 * optimize_layout_inverse (layouts.py), for 2-D embeddings; umap.h states the contract
 * and the rule for points outside the convex hull.
 *
 * The Delaunay triangulation comes from qhull (libqhull_r, options "d Qt Qbb Qc Qz Q12":
 * triangulated output instead of umap-learn's joggle "QJ", which is random). Point
 * location scans the triangles with a bounding-box test first. Each query row is
 * optimised alone with a random stream derived from the seed and the row's own bytes,
 * so a row gives the same result in any batch, at any position, with any threads.
 */
#include "umap.h"

#include <float.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libqhull_r/qhull_ra.h"

#include "parallel.h"
#include "rng.h"
#include "umap_internal.h"

static double clip4i(double v)
{
	return v > 4 ? 4 : (v < -4 ? -4 : v);
}

typedef struct tri_mesh {
	int64_t n, nt;
	int32_t *tri;       /* nt x 3 */
	double *box;        /* nt x 4: xmin, xmax, ymin, ymax */
	int64_t *adj_ptr;   /* n + 1: Delaunay neighbours (self included, as umap-learn) */
	int32_t *adj;
	int64_t nh;
	int32_t *hull;      /* nh x 3: edge u, v and the triangle owning it */
} tri_mesh;

static void mesh_release(tri_mesh *t)
{
	free(t->tri);
	free(t->box);
	free(t->adj_ptr);
	free(t->adj);
	free(t->hull);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Triangulates the n points of emb (n x 2) with qhull; fills t. */
static int delaunay(const float *emb, int64_t n, tri_mesh *t, li_err *err)
{
	memset(t, 0, sizeof(*t));
	t->n = n;
	int rc = 0;
	coordT *pts = malloc(sizeof(coordT) * 2 * (size_t)n);
	int64_t *pairs = NULL;
	char *emsg = NULL;
	size_t elen = 0;
	FILE *ef = open_memstream(&emsg, &elen);
	qhT qh_qh, *qh = &qh_qh;
	int qh_used = 0;
	if (!pts || !ef) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the triangulation");
		goto out;
	}
	for (int64_t i = 0; i < 2 * n; i++)
		pts[i] = emb[i];
	QHULL_LIB_CHECK
	qh_zero(qh, ef);
	qh_used = 1;
	char opts[] = "qhull d Qt Qbb Qc Qz Q12";
	if (qh_new_qhull(qh, 2, (int)n, pts, 0, opts, NULL, ef) != 0) {
		fflush(ef);
		char *nl = emsg ? strchr(emsg, '\n') : NULL;
		if (nl)
			*nl = 0;
		rc = li_err_set(err, LI_EDATA, "cannot triangulate the embedding: %s",
			emsg && *emsg ? emsg : "qhull failed");
		goto out;
	}
	facetT *facet;
	vertexT *vertex, **vertexp;
	int64_t cap = 0;
	FORALLfacets {
		if (!facet->upperdelaunay)
			cap++;
	}
	t->tri = malloc(sizeof(int32_t) * 3 * (size_t)(cap ? cap : 1));
	t->box = malloc(sizeof(double) * 4 * (size_t)(cap ? cap : 1));
	if (!t->tri || !t->box) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the triangulation");
		goto out;
	}
	FORALLfacets {
		if (facet->upperdelaunay)
			continue;
		int32_t v[3];
		int c = 0, bad = 0;
		FOREACHvertex_(facet->vertices) {
			int id = qh_pointid(qh, vertex->point);
			if (c < 3)
				v[c] = id;
			c++;
			if (id < 0 || id >= n)
				bad = 1;
		}
		if (c != 3 || bad)
			continue;
		int32_t *tr = t->tri + 3 * t->nt;
		double *bx = t->box + 4 * t->nt;
		memcpy(tr, v, sizeof(v));
		bx[0] = bx[2] = INFINITY;
		bx[1] = bx[3] = -INFINITY;
		for (int q = 0; q < 3; q++) {
			double x = emb[2 * (int64_t)v[q]], y = emb[2 * (int64_t)v[q] + 1];
			bx[0] = fmin(bx[0], x);
			bx[1] = fmax(bx[1], x);
			bx[2] = fmin(bx[2], y);
			bx[3] = fmax(bx[3], y);
		}
		t->nt++;
	}
	if (t->nt == 0) {
		rc = li_err_set(err, LI_EDATA, "the embedding has no triangle (all points on a line?)");
		goto out;
	}
	/* adjacency (every ordered pair of each triangle) and hull edges, from sorted keys */
	pairs = malloc(sizeof(int64_t) * 9 * (size_t)t->nt);
	t->adj_ptr = calloc((size_t)n + 1, sizeof(int64_t));
	if (!pairs || !t->adj_ptr) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the triangulation");
		goto out;
	}
	int64_t np = 0;
	for (int64_t s = 0; s < t->nt; s++)
		for (int a = 0; a < 3; a++)
			for (int b = 0; b < 3; b++)
				pairs[np++] = (int64_t)t->tri[3 * s + a] * n + t->tri[3 * s + b];
	qsort(pairs, (size_t)np, sizeof(int64_t), cmp_i64);
	int64_t nu = 0;
	for (int64_t q = 0; q < np; q++)
		if (q == 0 || pairs[q] != pairs[q - 1])
			pairs[nu++] = pairs[q];
	t->adj = malloc(sizeof(int32_t) * (size_t)nu);
	if (!t->adj) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the triangulation");
		goto out;
	}
	for (int64_t q = 0; q < nu; q++) {
		t->adj[q] = (int32_t)(pairs[q] % n);
		t->adj_ptr[pairs[q] / n + 1]++;
	}
	for (int64_t i = 0; i < n; i++)
		t->adj_ptr[i + 1] += t->adj_ptr[i];
	/* undirected edges (u < v) with their triangle; an edge seen once is on the hull */
	np = 0;
	for (int64_t s = 0; s < t->nt; s++)
		for (int a = 0; a < 3; a++) {
			int32_t u = t->tri[3 * s + a], v = t->tri[3 * s + (a + 1) % 3];
			int32_t lo = u < v ? u : v, hi = u < v ? v : u;
			/* key: edge, then triangle, packed as (edge index) * nt + s */
			pairs[np++] = ((int64_t)lo * n + hi) * t->nt + s;
		}
	qsort(pairs, (size_t)np, sizeof(int64_t), cmp_i64);
	t->hull = malloc(sizeof(int32_t) * 3 * (size_t)np);
	if (!t->hull) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the triangulation");
		goto out;
	}
	for (int64_t q = 0; q < np;) {
		int64_t e = pairs[q] / t->nt, r = q + 1;
		while (r < np && pairs[r] / t->nt == e)
			r++;
		if (r - q == 1) {
			t->hull[3 * t->nh] = (int32_t)(e / n);
			t->hull[3 * t->nh + 1] = (int32_t)(e % n);
			t->hull[3 * t->nh + 2] = (int32_t)(pairs[q] % t->nt);
			t->nh++;
		}
		q = r;
	}
out:
	if (qh_used) {
		int curlong, totlong;
		qh_freeqhull(qh, !qh_ALL);
		qh_memfreeshort(qh, &curlong, &totlong);
	}
	if (ef)
		fclose(ef);
	free(emsg);
	free(pts);
	free(pairs);
	if (rc)
		mesh_release(t);
	return rc;
}

/* Barycentric coordinates of p in triangle s; returns 0 when it is degenerate. */
static int bary(const tri_mesh *t, const float *emb, int64_t s, const double *p, double *l)
{
	const int32_t *v = t->tri + 3 * s;
	double x0 = emb[2 * (int64_t)v[0]], y0 = emb[2 * (int64_t)v[0] + 1];
	double x1 = emb[2 * (int64_t)v[1]], y1 = emb[2 * (int64_t)v[1] + 1];
	double x2 = emb[2 * (int64_t)v[2]], y2 = emb[2 * (int64_t)v[2] + 1];
	double det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
	double scale = fabs(x1 - x0) + fabs(x2 - x0) + fabs(y1 - y0) + fabs(y2 - y0);
	if (!(fabs(det) > 1e-12 * scale * scale)) {
		l[0] = l[1] = l[2] = 0;
		return 0;
	}
	l[1] = ((p[0] - x0) * (y2 - y0) - (x2 - x0) * (p[1] - y0)) / det;
	l[2] = ((x1 - x0) * (p[1] - y0) - (p[0] - x0) * (y1 - y0)) / det;
	l[0] = 1 - l[1] - l[2];
	return 1;
}

/* The first triangle containing p (with a small tolerance), or -1. */
static int64_t locate(const tri_mesh *t, const float *emb, const double *p)
{
	for (int64_t s = 0; s < t->nt; s++) {
		const double *b = t->box + 4 * s;
		double tol = 1e-9 * (b[1] - b[0] + b[3] - b[2]);
		if (p[0] < b[0] - tol || p[0] > b[1] + tol || p[1] < b[2] - tol || p[1] > b[3] + tol)
			continue;
		double l[3];
		if (bary(t, emb, s, p, l) && l[0] >= -1e-9 && l[1] >= -1e-9 && l[2] >= -1e-9)
			return s;
	}
	return -1;
}

typedef struct ijob {
	const li_umap_model *m;
	const tri_mesh *t;
	const float *y;
	float *out;
	uint8_t *outside;
	int n_epochs, min_vertices;
	double slope;       /* the data's scale ratio, latent over map (see data_slope) */
	/* per thread scratch */
	int32_t *stamp, *queue, *level, *pick;
	double *dist, *w, *eps, *nxt, *nneg, *cur, *grad;
	int64_t *order;
} ijob;

static int cmp_dist_idx(const void *a, const void *b, void *ctx)
{
	const double *d = ctx;
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	if (d[x] < d[y])
		return -1;
	if (d[x] > d[y])
		return 1;
	return (x > y) - (x < y);
}

/*
 * The umap-learn inverse of point p whose search starts at triangle s: BFS over the
 * Delaunay edges from the triangle's first vertex, nearest min_vertices vertices,
 * weighted mean, SGD. Result in cur (d doubles).
 */
static void inverse_point(ijob *j, int tid, const double *p, int64_t s, uint64_t stream)
{
	const li_umap_model *m = j->m;
	const li_umap_params *pa = &m->params;
	const tri_mesh *t = j->t;
	int64_t n = m->n, d = m->d;
	int32_t *stamp = j->stamp + tid * n, *queue = j->queue + tid * n, *level = j->level + tid * n;
	double *dist = j->dist + tid * n;
	int64_t *order = j->order + tid * n;
	int mv = j->min_vertices;
	int32_t *pick = j->pick + (int64_t)tid * mv;
	double *w = j->w + (int64_t)tid * mv, *eps = j->eps + (int64_t)tid * mv;
	double *nxt = j->nxt + (int64_t)tid * mv, *nneg = j->nneg + (int64_t)tid * mv;
	double *cur = j->cur + tid * d, *grad = j->grad + tid * d;
	/* breadth_first_search: whole levels until more than min_vertices were explored */
	int32_t start = t->tri[3 * s];
	for (int64_t i = 0; i < n; i++)
		stamp[i] = 0;
	int64_t head = 0, tailq = 0, explored = 0;
	int max_level = -1; /* -1: not set (infinite) */
	queue[tailq++] = start;
	stamp[start] = 1;
	level[start] = 0;
	int last_level = 0;
	while (head < tailq) {
		int32_t u = queue[head++];
		explored++;
		if (max_level < 0 && explored > mv)
			max_level = last_level;
		if (max_level < 0 || level[u] + 1 < max_level) {
			for (int64_t e = t->adj_ptr[u]; e < t->adj_ptr[u + 1]; e++) {
				int32_t v = t->adj[e];
				if (stamp[v])
					continue;
				stamp[v] = 1;
				level[v] = level[u] + 1;
				last_level = level[v];
				queue[tailq++] = v;
			}
		}
	}
	/* nearest min_vertices of the explored vertices, in the embedding */
	int64_t ne = tailq;
	for (int64_t q = 0; q < ne; q++) {
		const float *e = m->embedding + 2 * (int64_t)queue[q];
		double dx = p[0] - e[0], dy = p[1] - e[1];
		dist[q] = sqrt(dx * dx + dy * dy);
		order[q] = q;
	}
	qsort_r(order, (size_t)ne, sizeof(int64_t), cmp_dist_idx, dist);
	int kk = ne < mv ? (int)ne : mv;
	double wsum = 0, wmax = 0;
	for (int c = 0; c < kk; c++) {
		pick[c] = queue[order[c]];
		w[c] = 1.0 / (1.0 + pa->a * pow(dist[order[c]], 2 * pa->b));
		wsum += w[c];
		if (w[c] > wmax)
			wmax = w[c];
	}
	for (int64_t u = 0; u < d; u++)
		cur[u] = 0;
	for (int c = 0; c < kk; c++) {
		const float *xr = m->x + (int64_t)pick[c] * d;
		double wn = w[c] / wsum;
		for (int64_t u = 0; u < d; u++)
			cur[u] += wn * xr[u];
	}
	for (int c = 0; c < kk; c++) {
		double ns = j->n_epochs * (w[c] / wmax);
		eps[c] = ns > 0 ? j->n_epochs / ns : -1;
		nxt[c] = eps[c];
		nneg[c] = eps[c] / pa->negative_sample_rate;
	}
	li_rng rng = li_rng_stream(pa->seed ^ 0x696e76ull, stream);
	double alpha = pa->learning_rate / 4.0, gamma = pa->repulsion_strength;
	for (int ep = 0; ep < j->n_epochs; ep++) {
		for (int c = 0; c < kk; c++) {
			if (eps[c] <= 0 || nxt[c] > ep)
				continue;
			int64_t k = pick[c];
			const float *xr = m->x + k * d;
			double dd = 0;
			for (int64_t u = 0; u < d; u++) {
				grad[u] = cur[u] - xr[u];
				dd += grad[u] * grad[u];
			}
			dd = sqrt(dd);
			double coeff = -(1.0 / (w[c] * m->sigmas[k] + 1e-6));
			for (int64_t u = 0; u < d; u++)
				cur[u] += clip4i(coeff * grad[u] / (1e-6 + dd)) * alpha;
			nxt[c] += eps[c];
			double epn = eps[c] / pa->negative_sample_rate;
			int nn = (int)((ep - nneg[c]) / epn);
			for (int q = 0; q < nn; q++) {
				int64_t kn = (int64_t)li_rng_below(&rng, (uint64_t)n);
				const float *xo = m->x + kn * d;
				dd = 0;
				for (int64_t u = 0; u < d; u++) {
					grad[u] = cur[u] - xo[u];
					dd += grad[u] * grad[u];
				}
				dd = sqrt(dd);
				double sg = m->sigmas[kn];
				double wh = exp(-fmax(dd - m->rhos[kn], 1e-6) / (sg + 1e-6));
				coeff = -gamma * ((0 - wh) / ((1 - wh) * sg + 1e-6));
				for (int64_t u = 0; u < d; u++)
					cur[u] += clip4i(coeff * grad[u] / (1e-6 + dd)) * alpha;
			}
			nneg[c] += nn * epn;
		}
		alpha = pa->learning_rate / 4.0 * (1.0 - (double)ep / j->n_epochs);
	}
}

/* A stream number from the row's bytes, so that a row's result does not depend on where
 * it sits in the batch (FNV-1a over the float bits). */
static uint64_t row_stream(const float *y, int dim)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int u = 0; u < dim; u++) {
		float v = y[u] == 0 ? 0.0f : y[u]; /* -0 and 0 alike */
		uint32_t bits;
		memcpy(&bits, &v, sizeof(bits));
		for (int q = 0; q < 4; q++) {
			h ^= (bits >> (8 * q)) & 0xff;
			h *= 0x100000001b3ull;
		}
	}
	return h;
}

/* Nearest point h of the hull to p; returns the owning triangle and fills h. */
static int64_t nearest_hull(const tri_mesh *t, const float *emb, const double *p, double *h)
{
	double best = INFINITY;
	int64_t bs = -1;
	for (int64_t q = 0; q < t->nh; q++) {
		const float *a = emb + 2 * (int64_t)t->hull[3 * q], *b = emb + 2 * (int64_t)t->hull[3 * q + 1];
		double ex = (double)b[0] - a[0], ey = (double)b[1] - a[1];
		double len2 = ex * ex + ey * ey;
		double u = len2 > 0 ? ((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / len2 : 0;
		u = u < 0 ? 0 : (u > 1 ? 1 : u);
		double cx = a[0] + u * ex, cy = a[1] + u * ey;
		double dd = (p[0] - cx) * (p[0] - cx) + (p[1] - cy) * (p[1] - cy);
		if (dd < best) {
			best = dd;
			bs = t->hull[3 * q + 2];
			h[0] = cx;
			h[1] = cy;
		}
	}
	return bs;
}

/*
 * The data's overall slope: the root total variance of the training rows over that of
 * their embedding (latent units per map unit). 0 when the embedding has no spread.
 */
static double data_slope(const li_umap_model *m)
{
	double vx = 0, ve = 0;
	for (int pass = 0; pass < 2; pass++) {
		const float *a = pass ? m->embedding : m->x;
		int64_t w = pass ? m->dim : m->d;
		double tot = 0;
		for (int64_t u = 0; u < w; u++) {
			double mean = 0, ss = 0;
			for (int64_t i = 0; i < m->n; i++)
				mean += a[i * w + u];
			mean /= (double)m->n;
			for (int64_t i = 0; i < m->n; i++)
				ss += (a[i * w + u] - mean) * (a[i * w + u] - mean);
			tot += ss / (double)m->n;
		}
		*(pass ? &ve : &vx) = tot;
	}
	return ve > 0 ? sqrt(vx / ve) : 0;
}

#define TREND_K 15         /* training points the local trend is fitted on */
#define TREND_RIDGE 0.05   /* damping, as a fraction of their mean variance per axis */

/*
 * Adds J (p - h) to cur: J is the damped least-squares linear map from embedding to rows
 * over the TREND_K training points nearest to h, J = Xc' Ec (Ec' Ec + lambda I)^-1
 * (Xc, Ec: their rows and embedding points less their means; lambda = TREND_RIDGE times
 * the mean of the two embedding variances). Fitting on a neighbourhood rather than on
 * the one hull triangle keeps J bounded where that triangle is a thin sliver between two
 * islands (its barycentric slopes then reach thousands); the damping bounds the slope
 * across a neighbourhood that lies on a line. UMAP packs a cluster tighter on the map
 * than its rows lie in the latent space, so a cluster's slope exceeds the data's as a
 * whole: the step is shortened to at most slope * |p - h| (slope from data_slope), which
 * keeps its direction and keeps it linear along a ray from h. Nothing is added when all
 * the neighbours sit on one point.
 */
static void add_trend(const li_umap_model *m, double slope, const double *h, const double *p,
	double *cur)
{
	int64_t idx[TREND_K], d = m->d;
	double dist[TREND_K];
	int k = 0, kmax = m->n < TREND_K ? (int)m->n : TREND_K;
	for (int64_t i = 0; i < m->n; i++) { /* the kmax nearest, ties to the lower index */
		const float *e = m->embedding + 2 * i;
		double dx = e[0] - h[0], dy = e[1] - h[1], dd = dx * dx + dy * dy;
		if (k == kmax && !(dd < dist[k - 1]))
			continue;
		int c = k < kmax ? k++ : k - 1;
		for (; c > 0 && dd < dist[c - 1]; c--)
			dist[c] = dist[c - 1], idx[c] = idx[c - 1];
		dist[c] = dd, idx[c] = i;
	}
	double mx = 0, my = 0;
	for (int c = 0; c < k; c++)
		mx += m->embedding[2 * idx[c]] / k, my += m->embedding[2 * idx[c] + 1] / k;
	double cxx = 0, cxy = 0, cyy = 0;
	for (int c = 0; c < k; c++) {
		double ex = m->embedding[2 * idx[c]] - mx, ey = m->embedding[2 * idx[c] + 1] - my;
		cxx += ex * ex, cxy += ex * ey, cyy += ey * ey;
	}
	double lambda = TREND_RIDGE * (cxx + cyy) / 2;
	cxx += lambda, cyy += lambda;
	double det = cxx * cyy - cxy * cxy;
	if (!(lambda > 0) || !(det > 0))
		return;
	double vx = p[0] - h[0], vy = p[1] - h[1];
	double zx = (cyy * vx - cxy * vy) / det, zy = (cxx * vy - cxy * vx) / det;
	double coef[TREND_K], csum = 0;
	for (int c = 0; c < k; c++) {
		coef[c] = (m->embedding[2 * idx[c]] - mx) * zx + (m->embedding[2 * idx[c] + 1] - my) * zy;
		csum += coef[c];
	}
	/* the step, sum_c coef_c (x_c - mean x), is sum_c (coef_c - csum / k) x_c */
	double step2 = 0;
	for (int c = 0; c < k; c++)
		coef[c] -= csum / k;
	for (int64_t u = 0; u < d; u++) {
		double su = 0;
		for (int c = 0; c < k; c++)
			su += coef[c] * m->x[idx[c] * d + u];
		step2 += su * su;
	}
	double limit = slope * hypot(vx, vy), step = sqrt(step2);
	double gain = step > limit && step > 0 ? limit / step : 1;
	for (int c = 0; c < k; c++) {
		const float *xr = m->x + idx[c] * d;
		double f = gain * coef[c];
		for (int64_t u = 0; u < d; u++)
			cur[u] += f * xr[u];
	}
}

static void inverse_rows(void *ctx, int64_t r0, int64_t r1, int tid)
{
	ijob *j = ctx;
	const li_umap_model *m = j->m;
	int64_t d = m->d;
	double *cur = j->cur + tid * d;
	for (int64_t r = r0; r < r1; r++) {
		const float *yr = j->y + 2 * r;
		double p[2] = { yr[0], yr[1] }, h[2] = { yr[0], yr[1] };
		float *o = j->out + r * d;
		uint64_t stream = row_stream(yr, 2);
		int64_t s = locate(j->t, m->embedding, p);
		if (j->outside)
			j->outside[r] = s < 0;
		if (s >= 0) {
			inverse_point(j, tid, p, s, stream);
			for (int64_t u = 0; u < d; u++)
				o[u] = (float)cur[u];
			continue;
		}
		/* outside the hull: inverse at the nearest hull point plus the local trend */
		s = nearest_hull(j->t, m->embedding, p, h);
		if (s < 0)
			s = 0; /* no hull edge: cannot happen with a triangle, but stay defined */
		float hf[2] = { (float)h[0], (float)h[1] };
		inverse_point(j, tid, h, s, row_stream(hf, 2));
		add_trend(m, j->slope, h, p, cur);
		for (int64_t u = 0; u < d; u++) {
			double v = cur[u];
			if (!(v <= FLT_MAX))
				v = FLT_MAX;
			if (!(v >= -FLT_MAX))
				v = -FLT_MAX;
			o[u] = (float)v;
		}
	}
}

/* What every inverse of a model needs and no point changes: made once per model. */
struct li_umap_inv_cache {
	tri_mesh t;
	double slope;
};

void li_umap_inv_cache_free(struct li_umap_inv_cache *c)
{
	if (!c)
		return;
	mesh_release(&c->t);
	free(c);
}

/* one lock for every model's first inverse: taken once per model, then only read */
static pthread_mutex_t inv_lock = PTHREAD_MUTEX_INITIALIZER;

/* The model's cache, made on first use. The model is read-only to its users; the cache
 * is the one member written after construction, once, under inv_lock. NULL on error. */
static const struct li_umap_inv_cache *inv_cache(const li_umap_model *m, li_err *err)
{
	pthread_mutex_lock(&inv_lock);
	struct li_umap_inv_cache *c = m->inv;
	if (!c) {
		if (!(c = calloc(1, sizeof *c))) {
			li_err_set(err, LI_ENOMEM, "out of memory for the umap inverse");
		} else if (delaunay(m->embedding, m->n, &c->t, err)) {
			free(c);
			c = NULL;
		} else {
			c->slope = data_slope(m);
			((li_umap_model *)m)->inv = c;
		}
	}
	pthread_mutex_unlock(&inv_lock);
	return c;
}

int li_umap_inverse(const li_umap_model *m, const float *y, int64_t ny, float *out,
	uint8_t *outside, li_err *err)
{
	if (m->dim != 2)
		return li_err_set(err, LI_EUSAGE, "the umap inverse needs a 2-d embedding, not %lld-d",
			(long long)m->dim);
	if (ny <= 0)
		return 0;
	for (int64_t i = 0; i < 2 * ny; i++)
		if (!isfinite(y[i]))
			return li_err_set(err, LI_EDATA, "point %lld is not finite", (long long)(i / 2));
	const struct li_umap_inv_cache *c = inv_cache(m, err);
	if (!c)
		return err && err->code ? err->code : LI_ENOMEM;
	int rc = 0;
	int threads = li_parallel_threads(m->params.threads);
	int64_t n = m->n, d = m->d;
	int mv = (int)(d < n ? d : n);
	ijob j = { .m = m, .t = &c->t, .y = y, .out = out, .outside = outside, .min_vertices = mv,
		.slope = c->slope };
	j.n_epochs = m->params.n_epochs > 0 ? m->params.n_epochs / 3 : 100;
	if (j.n_epochs < 1)
		j.n_epochs = 1;
	size_t tn = (size_t)threads * (size_t)n, tm = (size_t)threads * (size_t)mv;
	size_t td = (size_t)threads * (size_t)d;
	j.stamp = malloc(sizeof(int32_t) * tn);
	j.queue = malloc(sizeof(int32_t) * tn);
	j.level = malloc(sizeof(int32_t) * tn);
	j.dist = malloc(sizeof(double) * tn);
	j.order = malloc(sizeof(int64_t) * tn);
	j.pick = malloc(sizeof(int32_t) * tm);
	j.w = malloc(sizeof(double) * tm);
	j.eps = malloc(sizeof(double) * tm);
	j.nxt = malloc(sizeof(double) * tm);
	j.nneg = malloc(sizeof(double) * tm);
	j.cur = malloc(sizeof(double) * td);
	j.grad = malloc(sizeof(double) * td);
	if (!j.stamp || !j.queue || !j.level || !j.dist || !j.order || !j.pick || !j.w || !j.eps ||
		!j.nxt || !j.nneg || !j.cur || !j.grad) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for the umap inverse");
		goto out;
	}
	li_parallel_for(ny, 1, threads, inverse_rows, &j);
out:
	free(j.stamp);
	free(j.queue);
	free(j.level);
	free(j.dist);
	free(j.order);
	free(j.pick);
	free(j.w);
	free(j.eps);
	free(j.nxt);
	free(j.nneg);
	free(j.cur);
	free(j.grad);
	return rc;
}
