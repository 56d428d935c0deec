/*
 * The neighbour search as t-SNE uses it (lib/map/knn.h; reduce_tsne.c asks k + 1 and drops
 * each row itself), on points worked by hand: five points on a line at 0, 1, 3, 6, 6 (a
 * duplicate), as float32 rows of width 2 (second column 0), queried against themselves
 * and with new rows; then the approximate search on a larger set keeps each row first
 * in its own list and agrees with the exact one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "knn.h"
#include "rng.h"

int main(void)
{
	const float ref[10] = {0, 0, 1, 0, 3, 0, 6, 0, 6, 0};
	int32_t idx[15];
	float dist[15];
	li_err err = {0};
	li_knn_opts o = {.k = 3, .method = LI_KNN_EXACT, .threads = 2};
	CHECK_INT(li_knn_graph(ref, 5, 2, &o, idx, dist, NULL, &err), 0, "self knn");
	/* each row first (itself); then row 0: 1 (1), 2 (3); row 1: 0 (1), 2 (2); row 2: 1
	 * (2), 0 (3); row 3: 4 (0, the duplicate), 2 (3); row 4: 3 (0, before itself would
	 * be, had it not been first), 2 (3) */
	const int32_t want_idx[15] = {0, 1, 2, 1, 0, 2, 2, 1, 0, 3, 4, 2, 4, 3, 2};
	const float want_d[15] = {0, 1, 3, 0, 1, 2, 0, 2, 3, 0, 0, 3, 0, 0, 3};
	for (int i = 0; i < 15; i++) {
		CHECK_INT(idx[i], want_idx[i], "self neighbour index");
		CHECK_NEAR(dist[i], want_d[i], 1e-6, "self neighbour distance");
	}
	/* new rows: 2 lies 1 from both 1 and 3 (the tie goes to the lower index, 1); (6, 4)
	 * lies 4 from both 6s, then 5 from 3 */
	const float q[4] = {2, 0, 6, 4};
	CHECK_INT(li_knn_query(ref, 5, q, 2, 2, 3, 1, idx, dist, &err), 0, "new-row knn");
	const int32_t want_q[6] = {1, 2, 0, 3, 4, 2};
	const float want_qd[6] = {1, 1, 2, 4, 4, 5};
	for (int i = 0; i < 6; i++) {
		CHECK_INT(idx[i], want_q[i], "new-row neighbour index");
		CHECK_NEAR(dist[i], want_qd[i], 1e-6, "new-row neighbour distance");
	}
	/* more neighbours than there are rows */
	o.k = 6;
	CHECK(li_knn_graph(ref, 5, 2, &o, idx, dist, NULL, &err) < 0 && err.code == LI_EUSAGE,
	      "k = 6 among 5 rows is refused");

	/* approximate: 3,000 rows in 30 clusters of 8-D, k = 31 (perplexity 10 plus self) */
	int64_t n = 3000, d = 8;
	int k = 31;
	float *x = malloc(sizeof *x * (size_t)(n * d));
	int32_t *ei = malloc(sizeof *ei * (size_t)(n * k)), *ai = malloc(sizeof *ai * (size_t)(n * k));
	float *ed = malloc(sizeof *ed * (size_t)(n * k)), *ad = malloc(sizeof *ad * (size_t)(n * k));
	li_rng r = li_rng_stream(1, 0);
	for (int64_t i = 0; i < n * d; i++)
		x[i] = (float)(li_rng_uniform(&r) + 10.0 * (double)((i / d) % 30 == (i % d)));
	li_knn_opts e = {.k = k, .method = LI_KNN_EXACT, .threads = 2};
	li_knn_opts a = {.k = k, .method = LI_KNN_APPROX, .threads = 2, .seed = 3};
	int used = 0;
	CHECK_INT(li_knn_graph(x, n, d, &e, ei, ed, NULL, &err), 0, "exact graph");
	CHECK_INT(li_knn_graph(x, n, d, &a, ai, ad, &used, &err), 0, "approximate graph");
	CHECK_INT(used, LI_KNN_APPROX, "approximate search used");
	int self_first = 1;
	for (int64_t i = 0; i < n; i++)
		self_first &= ai[i * k] == i && ei[i * k] == i;
	CHECK(self_first, "every row is first in its own list");
	double recall = li_knn_recall(ei, ai, n, k);
	CHECK(recall > 0.9, "approximate recall %.3f above 0.9", recall);
	free(x);
	free(ei);
	free(ai);
	free(ed);
	free(ad);

	/* rows near float's limit: every squared distance overflows (inf or NaN) and none is
	 * a candidate, so each row lists only itself, then empty slots (-1, inf) */
	{
		enum { ON = 40, OD = 5, OK = 6 };
		float big[ON * OD];
		int32_t bi[ON * OK];
		float bd[ON * OK];
		for (int a = 0; a < ON * OD; a++)
			big[a] = (a * 7 % 3 ? 3e38f : -3e38f);
		li_knn_opts bo = {.k = OK, .method = LI_KNN_EXACT, .threads = 2};
		CHECK_INT(li_knn_graph(big, ON, OD, &bo, bi, bd, NULL, &err), 0, "knn of overflowing rows");
		int only_self = 1;
		for (int r = 0; r < ON; r++) {
			only_self &= bi[r * OK] == r && bd[r * OK] == 0;
			for (int a = 1; a < OK; a++)
				only_self &= bi[r * OK + a] == -1 && isinf(bd[r * OK + a]);
		}
		CHECK(only_self, "each overflowing row: itself, then empty slots");
	}
	return check_done();
}
