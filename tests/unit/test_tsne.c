/*
 * Unit tests for lib/tsne*.c with values worked out by hand: neighbour counts, the
 * calibration of equal distances, the joint P of a tiny graph, the gradient of two
 * points, and the tree against the exact sums.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"
#include "tsne.h"

int main(void)
{
	double perp;
	/* k = min(n-1, floor(3 perplexity)); perplexity lowered to (n-1)/3 */
	CHECK_INT(li_tsne_neighbors(1000, 30, &perp), 90, "k for n=1000, perplexity 30");
	CHECK_NEAR(perp, 30, 0, "perplexity kept");
	CHECK_INT(li_tsne_neighbors(20, 30, &perp), 19, "k for n=20");
	CHECK_NEAR(perp, 19.0 / 3, 1e-15, "perplexity lowered to 19/3");
	CHECK_INT(li_tsne_neighbors(2, 30, &perp), 1, "k for n=2");

	/* method by size: exact, Barnes-Hut; FFT (2-D only) when asked for */
	li_tsne_params pp;
	li_tsne_params_init(&pp);
	CHECK_INT(li_tsne_method(&pp, 1000), LI_TSNE_EXACT, "1000 rows: exact");
	CHECK_INT(li_tsne_method(&pp, 1001), LI_TSNE_BH, "1001 rows: barnes-hut");
	CHECK_INT(li_tsne_method(&pp, 10000000), LI_TSNE_BH, "10M rows: barnes-hut by default");
	pp.fft_min = 10000;
	CHECK_INT(li_tsne_method(&pp, 9999), LI_TSNE_BH, "fft_min 10000, 9999 rows: barnes-hut");
	CHECK_INT(li_tsne_method(&pp, 10000), LI_TSNE_FFT, "fft_min 10000, 10000 rows: fft");
	pp.dims = 3;
	CHECK_INT(li_tsne_method(&pp, 100000), LI_TSNE_BH, "3-d: barnes-hut at any size");

	/* four neighbours at equal distance: each 1/4 whatever beta is (entropy log 4) */
	li_err err;
	li_err_clear(&err);
	int64_t idx4[4] = {1, 2, 3, 4};
	float d4[4] = {1, 1, 1, 1};
	li_tsne_knn g4 = {1, 4, idx4, d4};
	double P[4], beta;
	CHECK(li_tsne_conditional(&g4, 4, 4, 1, P, &beta, &err) == 0, "calibrate equal distances");
	for (int a = 0; a < 4; a++)
		CHECK_NEAR(P[a], 0.25, 1e-12, "equal distances give 1/4");
	/* two neighbours at squared distances 0 and 1, calibrated to perplexity 1.5 */
	int64_t idx2[2] = {1, 2};
	float d2[2] = {0, 1};
	li_tsne_knn g2 = {1, 2, idx2, d2};
	CHECK(li_tsne_conditional(&g2, 2, 1.5, 1, P, &beta, &err) == 0, "calibrate perplexity 1.5");
	double H = -(P[0] * log(P[0]) + P[1] * log(P[1]));
	CHECK_NEAR(exp(H), 1.5, 1e-4, "perplexity of the calibrated row");
	/* by hand: p1/p0 = exp(-beta) */
	CHECK_NEAR(P[1] / P[0], exp(-beta), 1e-12, "row follows exp(-beta d^2)");

	/* joint P of a 3-row graph with k=1: 0->1, 1->0, 2->1 with C = 1 each:
	 * P01 = (1+1)/6, P12 = P21 = 1/6, P02 = 0 */
	int64_t gi[3] = {1, 0, 1};
	float gd[3] = {1, 1, 1};
	double C[3] = {1, 1, 1};
	li_tsne_knn g3 = {3, 1, gi, gd};
	li_tsne_sparse J;
	CHECK(li_tsne_joint(&g3, 1, C, 1, &J, &err) == 0, "joint P");
	CHECK_INT(J.rowptr[1] - J.rowptr[0], 1, "row 0 has one entry");
	CHECK_INT(J.rowptr[2] - J.rowptr[1], 2, "row 1 has two entries");
	CHECK_INT(J.col[J.rowptr[1]], 0, "row 1 columns increase");
	/* values are stored as float32: within half an ulp (6e-8 relative) */
	CHECK_NEAR(J.val[0], 2.0 / 6, 3e-8, "P01");
	CHECK_NEAR(J.val[J.rowptr[1] + 1], 1.0 / 6, 1.5e-8, "P12");
	CHECK_NEAR(J.val[J.rowptr[2]], 1.0 / 6, 1.5e-8, "P21");

	/* gradient at y0=(0,0), y1=(1,0), y2=(0,2): by hand for row 0:
	 * w01 = 1/2, w02 = 1/5, w12 = 1/6; Z = 2 (1/2 + 1/5 + 1/6) = 26/15;
	 * attraction_0 = P01 w01 (y0 - y1) = 1/3 * 1/2 * (-1, 0) = (-1/6, 0);
	 * repulsion_0 = (w01^2 (y0-y1) + w02^2 (y0-y2)) / Z = ((-1/4, 0) + (0, -2/25)) / Z */
	double Y[6] = {0, 0, 1, 0, 0, 2}, G[6], Z;
	CHECK(li_tsne_gradient(&J, 1, Y, 2, LI_TSNE_EXACT, 0, 1, G, &Z, &err) == 0, "exact gradient");
	CHECK_NEAR(Z, 26.0 / 15, 1e-15, "Z");
	CHECK_NEAR(G[0], -1.0 / 6 + 0.25 * 15 / 26, 2e-8, "gradient row 0, x (float32 P)");
	CHECK_NEAR(G[1], 2.0 / 25 * 15 / 26, 1e-15, "gradient row 0, y");
	double Gb[6], Zb;
	CHECK(li_tsne_gradient(&J, 1, Y, 2, LI_TSNE_BH, 1e-9, 2, Gb, &Zb, &err) == 0, "tree gradient");
	for (int a = 0; a < 6; a++)
		CHECK_NEAR(Gb[a], G[a], 1e-14, "tree with theta ~0 is exact");
	double kl;
	CHECK(li_tsne_kl(&J, Y, 2, LI_TSNE_EXACT, 0, 1, &kl, &err) == 0, "kl");
	/* sum p log(p/q): P01=P10=1/3 (q = w01/Z), P12=P21=1/6 (q = w12/Z) */
	double want = 2.0 / 3 * log((1.0 / 3) / (0.5 / Z)) + 1.0 / 3 * log((1.0 / 6) / (1.0 / 6 / Z));
	CHECK_NEAR(kl, want, 1e-7, "kl by hand (float32 P)");
	li_tsne_sparse_release(&J);

	/* The 2-D tree walked a leaf's block of points at a time: 1,500 points, 100 of them
	 * at one spot (a leaf of 100, cut into blocks of 32 that skip only themselves), the
	 * rest spread. With theta ~0 every cell is opened: the exact sums. */
	{
		int64_t n = 1500;
		int64_t *ni = malloc(sizeof *ni * (size_t)n);
		float *nd = malloc(sizeof *nd * (size_t)n);
		double *Yb = malloc(sizeof *Yb * 2 * (size_t)n), *Ge = malloc(sizeof *Ge * 2 * (size_t)n);
		double *Gt = malloc(sizeof *Gt * 2 * (size_t)n), *Cb = malloc(sizeof *Cb * (size_t)n);
		uint64_t s = 12345;
		for (int64_t i = 0; i < n; i++) {
			ni[i] = (i + 1) % n;
			nd[i] = 1;
			Cb[i] = 1;
			for (int d = 0; d < 2; d++) {
				s = s * 6364136223846793005ull + 1442695040888963407ull;
				Yb[2 * i + d] = i < 100 ? 0.25 : (double)(s >> 11) / 9007199254740992.0 * 40 - 20;
			}
		}
		li_tsne_knn gb = {n, 1, ni, nd};
		li_tsne_sparse Pb;
		double Ze, Zt;
		CHECK(li_tsne_joint(&gb, 1, Cb, 1, &Pb, &err) == 0, "joint P of a ring");
		CHECK(li_tsne_gradient(&Pb, 1, Yb, 2, LI_TSNE_EXACT, 0, 2, Ge, &Ze, &err) == 0,
		      "exact gradient, 1500 points");
		CHECK(li_tsne_gradient(&Pb, 1, Yb, 2, LI_TSNE_BH, 1e-9, 2, Gt, &Zt, &err) == 0,
		      "leaf-walk gradient, theta ~0");
		CHECK_NEAR(Zt / Ze, 1, 1e-12, "Z: the leaf walks sum every pair once, none with itself");
		double worst = 0;
		for (int64_t a = 0; a < 2 * n; a++) {
			double e = fabs(Gt[a] - Ge[a]) / (fabs(Ge[a]) + 1e-12);
			worst = e > worst ? e : worst;
		}
		CHECK(worst < 1e-9, "leaf-walk gradient equals the exact one (worst %.3g)", worst);
		double Gh[2 * 1500], Zh;
		CHECK(li_tsne_gradient(&Pb, 1, Yb, 2, LI_TSNE_BH, 0.5, 1, Gh, &Zh, &err) == 0 &&
		      li_tsne_gradient(&Pb, 1, Yb, 2, LI_TSNE_BH, 0.5, 2, Gt, &Zt, &err) == 0,
		      "theta 0.5, 1 and 2 threads");
		CHECK(Zh == Zt && !memcmp(Gh, Gt, sizeof Gh), "the same bytes at 1 and 2 threads");
		li_tsne_sparse_release(&Pb);
		free(ni);
		free(nd);
		free(Yb);
		free(Ge);
		free(Gt);
		free(Cb);
	}

	/* a graph that asks for more neighbours than it holds */
	li_err_clear(&err);
	CHECK(li_tsne_conditional(&g2, 3, 2, 1, P, NULL, &err) == LI_EUSAGE, "k > graph k refused");
	CHECK(strstr(err.msg, "2 neighbours per row, 3 needed") != NULL, "message: %s", err.msg);

	/* inverse on a 3-point map: the midpoint of two points with k=2 is their average */
	float mx[6] = {0, 0, 2, 4, 10, 10}, my[6] = {0, 0, 1, 0, 9, 9};
	li_tsne_model *m = li_tsne_model_new(3, 2, 2, mx, my, 30, &err);
	CHECK(m != NULL, "model");
	float q[2] = {0.5f, 0}, out[2];
	CHECK(li_tsne_inverse(m, q, 1, 2, 1, out, &err) == 0, "inverse");
	CHECK_NEAR(out[0], 1, 1e-6, "midpoint x");
	CHECK_NEAR(out[1], 2, 1e-6, "midpoint y");
	float q2[2] = {1, 0};
	CHECK(li_tsne_inverse(m, q2, 1, 3, 1, out, &err) == 0, "inverse at a training point");
	CHECK(out[0] == 2 && out[1] == 4, "training point gives its row");
	li_tsne_model_free(m);
	return check_done();
}
