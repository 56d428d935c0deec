/*
 * Unit tests for lib/parallel.c, lib/map/knn.c and the small pieces of lib/map/umap.c, with
 * values worked out by hand:
 * - smooth-kNN of one row with distances {0, 1, 2}, k = 3: rho = 1 (first nonzero);
 *   the sum over j >= 1 is 1 + exp(-1/sigma) = log2(3), so sigma = -1/ln(log2(3) - 1).
 * - the fuzzy union of a 3-point path: memberships w(0,1) = 1 (d = rho) and
 *   w + w^T - w w^T per pair.
 * - a, b for min_dist 0.1, spread 1: 1.5769, 0.8951 (ANCHORS 1.3, refitted there).
 * - kNN of points 0, 1, 3, 7 on a line.
 * - the SGD's fast power (umap_internal.h) against pow in double precision over
 *   x in 1e-30 .. 1e30 for several b, and its vector form lane for lane against it.
 * - the fit's SGD moves both ends of an edge when it fires (umap-learn's move_other):
 *   on pairs of mutual nearest neighbours (the graph a perfect matching, every weight
 *   1), epoch 1 of 2 fires each edge once both ways with alpha 1 and no negative
 *   sample, and each pair's new positions follow from umap-learn's rule (see
 *   ref_pull) applied to the start, edge (i, partner) first.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "li.h"
#include "knn.h"
#include "parallel.h"
#include "umap.h"
#include "rng.h"
#include "umap_internal.h"

static void count(void *ctx, int64_t b, int64_t e, int tid)
{
	(void)tid;
	int *hits = ctx;
	for (int64_t i = b; i < e; i++)
		hits[i]++;
}

/* Each member adds to its own slot in phase 1; after a barrier, member 0 checks every
 * slot was written (a missing barrier would let it read too early). */
typedef struct team_ctx {
	int slot[16];
	int seen_all;
} team_ctx;

static void team_body(void *ctx, li_team *team, int tid, int nth)
{
	team_ctx *c = ctx;
	for (int round = 1; round <= 50; round++) {
		c->slot[tid] = round;
		li_parallel_sync(team);
		if (tid == 0) {
			int ok = 1;
			for (int i = 0; i < nth; i++)
				ok &= c->slot[i] == round;
			c->seen_all += ok;
		}
		li_parallel_sync(team);
	}
}

/*
 * umap-learn 0.5.3's attraction along one edge (layouts.py,
 * _optimize_layout_euclidean_single_epoch, move_other on), in double:
 * g = clip(-2ab d2^(b-1) / (a d2^b + 1) (h - t), +-4) alpha per coordinate,
 * then h += g and t -= g.
 */
static void ref_pull(double *h, double *t, int dim, double a, double b, double alpha)
{
	double d2 = 0;
	for (int c = 0; c < dim; c++)
		d2 += (h[c] - t[c]) * (h[c] - t[c]);
	double gc = d2 > 0 ? -2 * a * b * pow(d2, b - 1) / (a * pow(d2, b) + 1) : 0;
	for (int c = 0; c < dim; c++) {
		double g = gc * (h[c] - t[c]);
		g = (g > 4 ? 4 : g < -4 ? -4 : g) * alpha;
		h[c] += g;
		t[c] -= g;
	}
}

static li_umap_model *fit_pairs(const float *x, int n, int dim, int epochs, int threads)
{
	li_umap_params p;
	li_umap_params_default(&p);
	p.n_neighbors = 2; /* itself and its partner: membership 1 */
	p.n_components = dim;
	p.n_epochs = epochs;
	p.negative_sample_rate = 1; /* its first negative is due at epoch 2 */
	p.a = 1.5;
	p.b = 0.9;
	p.threads = threads;
	li_err e = { 0 };
	li_umap_model *m = li_umap_fit(x, n, 2, &p, &e);
	CHECK(m != NULL, "fit of %d pairs, %d epochs: %s", n / 2, epochs, m ? "ok" : e.msg);
	return m;
}

/*
 * n points in n / 2 pairs (i, i + n / 2) at distance 1, the pairs on a grid 20 apart. A
 * fit of 1 epoch gives the start (umap-learn, like us, fires no edge at epoch 0: the
 * first is due at epoch epochs_per_sample = 1); a fit of 2 epochs runs epoch 1 at alpha
 * 1 * (1 - 0 / 2) = 1, where every edge fires once, i's edge before its partner's, and
 * no negative sample: int((1 - 1) / 1) = 0. Each pair meets only itself, so umap-learn's
 * serial loop gives ref_pull(i, partner), then ref_pull(partner, i) from where the
 * first left both. Partners n / 2 apart lie in different blocks of our SGD, so it must
 * give the same. With n = 2200 a block is 138 vertices in 3 chunks of 64 dealt to the
 * threads, and at 2 and 3 threads the tails fall in other threads' slices: 1, 2 and
 * 3 threads give the same bytes.
 */
static void sgd_pairs(int n, int dim)
{
	const double tol = 2e-5; /* float positions in [0, 10], powers within 1e-5 */
	float *x = malloc(sizeof(float) * 2 * (size_t)n);
	double *want = malloc(sizeof(double) * (size_t)(n * dim));
	for (int i = 0; i < n / 2; i++) {
		x[2 * i] = x[2 * (i + n / 2)] = (float)(20 * (i % 40));
		x[2 * i + 1] = (float)(20 * (i / 40));
		x[2 * (i + n / 2) + 1] = x[2 * i + 1] + 1;
	}
	li_umap_model *start = fit_pairs(x, n, dim, 1, 1);
	if (!start)
		goto out;
	double moved = 1e30; /* the least any point moves */
	for (int i = 0; i < n * dim; i++)
		want[i] = start->embedding[i];
	for (int i = 0; i < n / 2; i++) {
		double *h = want + i * dim, *t = want + (i + n / 2) * dim;
		ref_pull(h, t, dim, 1.5, 0.9, 1.0);
		ref_pull(t, h, dim, 1.5, 0.9, 1.0);
	}
	for (int i = 0; i < n; i++) {
		double d2 = 0;
		for (int c = 0; c < dim; c++)
			d2 += (want[i * dim + c] - start->embedding[i * dim + c]) *
				(want[i * dim + c] - start->embedding[i * dim + c]);
		moved = sqrt(d2) < moved ? sqrt(d2) : moved;
	}
	CHECK(moved > 50 * tol, "%d pairs in %d-D: every point moves (the least by %.3g)", n / 2, dim, moved);
	float *first = NULL;
	for (int th = 1; th <= 3; th++) {
		li_umap_model *m = fit_pairs(x, n, dim, 2, th);
		if (!m)
			break;
		double worst = 0;
		int at = 0;
		for (int i = 0; i < n * dim; i++) {
			double dev = fabs(m->embedding[i] - want[i]);
			if (dev > worst) {
				worst = dev;
				at = i;
			}
		}
		CHECK(worst <= tol, "%d pairs in %d-D, %d threads: both ends of each edge move as "
			"umap-learn moves them (worst %.3g at point %d: %.7g, expected %.7g)", n / 2, dim,
			th, worst, at / dim, m->embedding[at], want[at]);
		if (th == 1) {
			first = m->embedding;
			m->embedding = NULL;
		} else
			CHECK(memcmp(first, m->embedding, sizeof(float) * (size_t)(n * dim)) == 0,
				"%d pairs in %d-D: %d threads give 1 thread's bytes", n / 2, dim, th);
		li_umap_free(m);
	}
	free(first);
out:
	li_umap_free(start);
	free(x);
	free(want);
}

int main(void)
{
	for (int t = 1; t <= 8; t *= 2) {
		team_ctx c = { { 0 }, 0 };
		int nth = li_parallel_team(t, team_body, &c);
		CHECK(nth == t && c.seen_all == 50, "li_parallel_team with %d threads: %d rounds synced", t,
			c.seen_all);
	}

	/* li_parallel_for covers every item once, at any thread count and chunk size */
	for (int t = 1; t <= 4; t++) {
		int hits[1000] = { 0 };
		li_parallel_for(1000, t == 3 ? 7 : 0, t, count, hits);
		int ok = 1;
		for (int i = 0; i < 1000; i++)
			ok &= hits[i] == 1;
		CHECK(ok, "li_parallel_for with %d threads visits each item once", t);
	}

	/* smooth kNN */
	float d[3] = { 0, 1, 2 }, sig, rho;
	li_umap_smooth_knn(d, 1, 3, 1.0, &sig, &rho);
	CHECK_NEAR(rho, 1.0, 0, "rho is the first nonzero distance");
	CHECK_NEAR(sig, -1.0 / log(log2(3.0) - 1.0), 1e-4, "sigma solves 1 + exp(-1/sigma) = log2(3)");

	/* local_connectivity 1.5 interpolates between the first and second nonzero distance */
	li_umap_smooth_knn(d, 1, 3, 1.5, &sig, &rho);
	CHECK_NEAR(rho, 1.5, 1e-7, "rho with local_connectivity 1.5");

	/* fuzzy union of 3 points on a line: 0 -- 1 -- 2 at distances 1 and 2 */
	int32_t idx[6] = { 0, 1, 1, 0, 2, 1 };
	float dist[6] = { 0, 1, 0, 1, 0, 2 };
	float sg[3] = { 1, 1, 1 }, rh[3] = { 1, 1, 2 };
	li_umap_graph g = { 0 };
	li_err e = { 0 };
	CHECK(li_umap_fuzzy_graph(idx, dist, 3, 2, sg, rh, 1.0, &g, &e) == 0, "fuzzy graph builds");
	/* w(0,1) = 1, w(1,0) = 1, w(2,1) = 1 (d = rho); union: (0,1) = 1, (1,2) = (2,1) = 1 */
	CHECK_INT(g.nnz, 4, "fuzzy graph entries");
	CHECK_INT(g.indptr[1], 1, "row 0 has one entry");
	CHECK_INT(g.indices[0], 1, "row 0 links to 1");
	CHECK_NEAR(g.weights[0], 1.0, 0, "w(0,1)");
	CHECK_INT(g.indptr[2] - g.indptr[1], 2, "row 1 has two entries");
	li_umap_graph_release(&g);

	/* half memberships: w(0,1) = 0.5 one way, 0.5 the other: union 0.75 */
	float dist2[6] = { 0, 1 + (float)log(2.0), 0, 1 + (float)log(2.0), 0, 5 };
	float sg2[3] = { 1, 1, 1 }, rh2[3] = { 1, 1, 5 };
	CHECK(li_umap_fuzzy_graph(idx, dist2, 3, 2, sg2, rh2, 1.0, &g, &e) == 0, "fuzzy graph builds");
	CHECK_NEAR(g.weights[0], 0.75, 1e-6, "0.5 + 0.5 - 0.25");
	li_umap_graph_release(&g);

	double a, b;
	CHECK(li_umap_find_ab(1.0, 0.1, &a, &b) == 0, "a, b converge");
	CHECK_NEAR(a, 1.5769, 1e-4, "a for min_dist 0.1");
	CHECK_NEAR(b, 0.8951, 1e-4, "b for min_dist 0.1");

	/* kNN on a line */
	float x[4] = { 0, 1, 3, 7 };
	int32_t ki[8];
	float kd[8];
	li_knn_opts o = { .k = 2, .method = LI_KNN_EXACT, .threads = 2 };
	int used = 0;
	CHECK(li_knn_graph(x, 4, 1, &o, ki, kd, &used, &e) == 0, "exact kNN runs");
	CHECK_INT(used, LI_KNN_EXACT, "exact was used");
	static const int32_t want_i[8] = { 0, 1, 1, 0, 2, 1, 3, 2 };
	static const float want_d[8] = { 0, 1, 0, 1, 0, 2, 0, 4 };
	int ok = 1;
	for (int i = 0; i < 8; i++)
		ok &= ki[i] == want_i[i] && kd[i] == want_d[i];
	CHECK(ok, "neighbours of 0, 1, 3, 7");
	float q[2] = { 2.2f, 6 };
	CHECK(li_knn_query(x, 4, q, 2, 1, 1, 1, ki, kd, &e) == 0, "query runs");
	CHECK(ki[0] == 2 && ki[1] == 3 && fabsf(kd[0] - 0.8f) < 1e-6f && kd[1] == 1, "query neighbours");
	o.k = 5;
	CHECK(li_knn_graph(x, 4, 1, &o, ki, kd, &used, &e) == LI_EUSAGE, "k > n is refused");

	/* fast power: relative error and the vector form */
	static const float bs[] = { 0.5f, 0.79f, 0.8950609f, 1.0f, 1.5f, 1.93f };
	for (int bi = 0; bi < 6; bi++) {
		float b = bs[bi];
		double worst = 0;
		int same = 1;
		for (int i = 0; i < 200000; i += LI_UMAP_LANES) {
			li_umap_vf v;
			for (int l = 0; l < LI_UMAP_LANES; l++)
				v[l] = (float)pow(10.0, -30.0 + 60.0 * (i + l) / 200000.0);
			li_umap_vf pv = li_umap_vpow(v, b);
			for (int l = 0; l < LI_UMAP_LANES; l++) {
				double want = pow((double)v[l], (double)b);
				float got = li_umap_pow(v[l], b);
				if (want > 1e-37 && want < 1e37) {
					double rel = fabs(got / want - 1.0);
					worst = rel > worst ? rel : worst;
					same &= pv[l] == got;
				}
			}
		}
		CHECK(worst < 1e-5, "li_umap_pow with b = %g: worst relative error %.3g", b, worst);
		CHECK(same, "li_umap_vpow equals li_umap_pow lane for lane, b = %g", b);
	}
	CHECK(li_umap_pow(0.0f, 0.9f) == 0.0f && li_umap_pow(4.0f, 0.5f) == 2.0f, "li_umap_pow of 0 and 4");
	/* the inverse keeps its triangulation in the model: a second call, one point at a
	 * time, and a call on a rebuilt model (no cache yet) give the first call's bytes */
	{
		enum { N = 400, D = 5, Q = 6 };
		float *x = malloc(sizeof(float) * N * D), q[2 * Q];
		li_rng r = li_rng_stream(11, 0);
		for (int i = 0; i < N * D; i++)
			x[i] = (float)((i / D) % 4 * 3) + (float)li_rng_normal(&r);
		li_umap_params p;
		li_umap_params_default(&p);
		p.n_epochs = 30;
		p.threads = 2;
		li_err e = { 0 };
		li_umap_model *m = li_umap_fit(x, N, D, &p, &e);
		CHECK(m != NULL, "fit for the inverse: %s", e.msg);
		float lo[2] = { 1e30f, 1e30f }, hi[2] = { -1e30f, -1e30f };
		for (int i = 0; m && i < N; i++)
			for (int c = 0; c < 2; c++) {
				lo[c] = m->embedding[2 * i + c] < lo[c] ? m->embedding[2 * i + c] : lo[c];
				hi[c] = m->embedding[2 * i + c] > hi[c] ? m->embedding[2 * i + c] : hi[c];
			}
		for (int i = 0; i < Q; i++) /* inside and (the last two) outside the map */
			for (int c = 0; c < 2; c++)
				q[2 * i + c] = lo[c] + (hi[c] - lo[c]) * (float)(i * 0.23 - (c ? 0.1 : 0.05));
		float a[Q * D], b[Q * D], c1[Q * D];
		uint8_t oa[Q], ob[Q];
		CHECK(m && m->inv == NULL, "no triangulation before the first inverse");
		CHECK(m && li_umap_inverse(m, q, Q, a, oa, &e) == 0, "inverse: %s", e.msg);
		CHECK(m && m->inv != NULL, "the triangulation is kept");
		for (int i = 0; m && i < Q; i++)
			CHECK(li_umap_inverse(m, q + 2 * i, 1, b + i * D, ob + i, &e) == 0, "inverse %d", i);
		CHECK(memcmp(a, b, sizeof a) == 0 && memcmp(oa, ob, sizeof oa) == 0,
			"one at a time with the kept triangulation: the same bytes");
		li_umap_model *m2 = m ? li_umap_model_from_arrays(&m->params, N, D, 2, m->x,
			m->embedding, m->sigmas, m->rhos, m->graph.nnz, m->graph.indptr,
			m->graph.indices, m->graph.weights, &e) : NULL;
		CHECK(m2 && li_umap_inverse(m2, q, Q, c1, ob, &e) == 0, "inverse of a rebuilt model");
		CHECK(memcmp(a, c1, sizeof a) == 0, "a fresh triangulation: the same bytes");
		li_umap_free(m2);
		li_umap_free(m);
		free(x);
	}
	/* move_other: 2 pairs (each vertex a block of its own) and 1100 (blocks of 138) */
	sgd_pairs(4, 2);
	sgd_pairs(4, 3);
	sgd_pairs(2200, 2);
	sgd_pairs(2200, 3);
	return check_done();
}
