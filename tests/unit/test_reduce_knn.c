/*
 * The exact kNN stand-in (lib/reduce_knn.c), on points worked by hand: five points on a
 * line at 0, 1, 3, 6, 6 (a duplicate), as float32 reference rows of width 2 (second
 * column 0), queried against themselves (self left out) and with new rows.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "reduce_internal.h"

int main(void)
{
	const float ref[10] = {0, 0, 1, 0, 3, 0, 6, 0, 6, 0};
	const double self_q[10] = {0, 0, 1, 0, 3, 0, 6, 0, 6, 0};
	int64_t idx[10];
	float dist[10];
	li_err err = {0};
	CHECK_INT(li_reduce_knn(ref, 5, self_q, 5, 2, 2, 1, idx, dist, &err), 0, "self knn");
	/* row 0: 1 (1), 3 (3); row 1: 0 (1), 3 (2); row 2: 1 (2), 0 (3);
	 * row 3: 4 (0, the duplicate), 2 (3); row 4: 3 (0), 2 (3) */
	const int64_t want_idx[10] = {1, 2, 0, 2, 1, 0, 4, 2, 3, 2};
	const float want_d[10] = {1, 3, 1, 2, 2, 3, 0, 3, 0, 3};
	for (int i = 0; i < 10; i++) {
		CHECK_INT(idx[i], want_idx[i], "self neighbour index");
		CHECK_NEAR(dist[i], want_d[i], 1e-6, "self neighbour distance");
	}
	/* new rows: 2 lies 1 from both 1 and 3 (the tie goes to the lower index, 1); (6, 4)
	 * lies 4 from both 6s, then 5 from 3 */
	const double q[4] = {2, 0, 6, 4};
	CHECK_INT(li_reduce_knn(ref, 5, q, 2, 2, 3, 0, idx, dist, &err), 0, "new-row knn");
	const int64_t want_q[6] = {1, 2, 0, 3, 4, 2};
	const float want_qd[6] = {1, 1, 2, 4, 4, 5};
	for (int i = 0; i < 6; i++) {
		CHECK_INT(idx[i], want_q[i], "new-row neighbour index");
		CHECK_NEAR(dist[i], want_qd[i], 1e-6, "new-row neighbour distance");
	}
	/* more neighbours than there are rows */
	CHECK(li_reduce_knn(ref, 5, self_q, 5, 2, 5, 1, idx, dist, &err) < 0 &&
	      err.code == LI_EUSAGE, "k = 5 among 4 other rows is refused");
	return check_done();
}
