/*
 * FFT-accelerated interpolation for t-SNE's repulsive forces in 2-D (Linderman et al.
 * 2019, "Fast interpolation-based t-SNE", as FIt-SNE and openTSNE do it). The embedding's
 * bounding square is cut into n_boxes x n_boxes boxes (at least 50 per side, one per unit
 * length up to 400), each with 3 x 3 equispaced interpolation nodes. Every point spreads
 * four charges (1, y1, y2, |y|^2) onto the 9 nodes of its box with Lagrange weights; the
 * node potentials under the kernel K(d) = 1/(1+d^2)^2 come from one circulant convolution
 * (FFTW, zero-padded to twice the grid), and are interpolated back to the points. Then
 *   sum_j w_ij^2 (y_i - y_j) = y_i phi_1 - (phi_y1, phi_y2)
 *   sum_j w_ij             = (1 + |y_i|^2) phi_1 - 2 y_i . (phi_y1, phi_y2) + phi_|y|^2
 * (w = 1/(1+d^2), and w = w^2 (1 + d^2)), the j = i terms removed (they contribute 1 to
 * the second sum and 0 to the first). Cost O(N + G log G) per evaluation, G the grid.
 * Deterministic: charges are spread in point order on one thread; FFTW plans are made
 * with FFTW_ESTIMATE on fftw_malloc'd (aligned) buffers, so the same sizes run the same
 * code; only the per-point interpolation runs on several threads.
 */
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"

#define N_INTERP 3
#define MIN_BOXES 50
#define MAX_BOXES 400
#define N_TERMS 4

/* The smallest n >= m whose only prime factors are 2, 3, 5 and 7 (fast FFT sizes). */
static int smooth_size(int m)
{
	for (int n = m;; n++) {
		int r = n;
		static const int f[4] = {2, 3, 5, 7};
		for (int a = 0; a < 4; a++)
			while (r % f[a] == 0)
				r /= f[a];
		if (r == 1)
			return n;
	}
}

typedef struct fft_job {
	const double *Y;
	double lo, bw;   /* grid origin and box width */
	int nb;          /* boxes per side */
	int ng;          /* nodes per side = N_INTERP * nb */
	int64_t *cell;   /* per point: first node index (x, y) */
	double *wts;     /* per point: 3 x-weights, 3 y-weights */
	const double *pot; /* node potentials, N_TERMS planes of ng * ng */
	double *rep;     /* n*2 */
	double *zi;      /* n */
} fft_job;

/* Lagrange weights of the 3 nodes at (k + 1/2) / 3 of a box, at u in [0, 1]. */
static void lagrange(double u, double *w)
{
	static const double x[N_INTERP] = {1.0 / 6, 0.5, 5.0 / 6};
	for (int k = 0; k < N_INTERP; k++) {
		double v = 1;
		for (int m = 0; m < N_INTERP; m++)
			if (m != k)
				v *= (u - x[m]) / (x[k] - x[m]);
		w[k] = v;
	}
}

static void locate_rows(void *ctx, int64_t lo, int64_t hi)
{
	fft_job *j = ctx;
	for (int64_t i = lo; i < hi; i++)
		for (int d = 0; d < 2; d++) {
			double t = (j->Y[i * 2 + d] - j->lo) / j->bw;
			int b = (int)floor(t);
			if (b < 0)
				b = 0;
			if (b >= j->nb)
				b = j->nb - 1;
			j->cell[i * 2 + d] = (int64_t)b * N_INTERP;
			lagrange(t - b, j->wts + i * 6 + d * 3);
		}
}

static void gather_rows(void *ctx, int64_t lo, int64_t hi)
{
	fft_job *j = ctx;
	int64_t plane = (int64_t)j->ng * j->ng;
	for (int64_t i = lo; i < hi; i++) {
		double phi[N_TERMS] = {0, 0, 0, 0};
		const double *wx = j->wts + i * 6, *wy = wx + 3;
		int64_t cx = j->cell[i * 2], cy = j->cell[i * 2 + 1];
		for (int a = 0; a < N_INTERP; a++)
			for (int b = 0; b < N_INTERP; b++) {
				double w = wx[a] * wy[b];
				int64_t node = (cx + a) * j->ng + (cy + b);
				for (int t = 0; t < N_TERMS; t++)
					phi[t] += w * j->pot[t * plane + node];
			}
		double y0 = j->Y[i * 2], y1 = j->Y[i * 2 + 1];
		j->rep[i * 2] = y0 * phi[0] - phi[1];
		j->rep[i * 2 + 1] = y1 * phi[0] - phi[2];
		j->zi[i] = (1 + y0 * y0 + y1 * y1) * phi[0] - 2 * (y0 * phi[1] + y1 * phi[2]) + phi[3] - 1;
	}
}

struct li_fft_ws {
	int64_t m_n;          /* capacity of cell, wts */
	int64_t *cell;
	double *wts;
	int ng;               /* grid the buffers and plans are for (0: none) */
	double *charge, *pot; /* N_TERMS * ng * ng */
	double *kr, *cr;      /* (2 ng)^2, fftw_malloc'd */
	fftw_complex *kf, *cf;
	fftw_plan fk, fc, bc;
};

static void drop_grid(li_fft_ws *w)
{
	if (w->fk)
		fftw_destroy_plan(w->fk);
	if (w->fc)
		fftw_destroy_plan(w->fc);
	if (w->bc)
		fftw_destroy_plan(w->bc);
	w->fk = w->fc = w->bc = NULL;
	free(w->charge);
	free(w->pot);
	fftw_free(w->kr);
	fftw_free(w->cr);
	fftw_free(w->kf);
	fftw_free(w->cf);
	w->charge = w->pot = w->kr = w->cr = NULL;
	w->kf = w->cf = NULL;
	w->ng = 0;
}

void li_fft_ws_free(li_fft_ws *w)
{
	if (!w)
		return;
	drop_grid(w);
	free(w->cell);
	free(w->wts);
	free(w);
}

/* Makes w fit n points and an ng x ng grid (plans made once per grid size). */
static int prepare(li_fft_ws *w, int64_t n, int ng, li_err *err)
{
	if (n > w->m_n) {
		int64_t *c = realloc(w->cell, (size_t)n * 2 * sizeof *c);
		if (c)
			w->cell = c;
		double *t = c ? realloc(w->wts, (size_t)n * 6 * sizeof *t) : NULL;
		if (!c || !t)
			return li_err_set(err, LI_ENOMEM, "out of memory for the fft gradient");
		w->wts = t;
		w->m_n = n;
	}
	if (ng == w->ng)
		return 0;
	drop_grid(w);
	int np = 2 * ng, nc = np / 2 + 1;
	int64_t plane = (int64_t)ng * ng, cplane = (int64_t)np * nc, rplane = (int64_t)np * np;
	w->charge = malloc((size_t)(N_TERMS * plane) * sizeof *w->charge);
	w->pot = malloc((size_t)(N_TERMS * plane) * sizeof *w->pot);
	w->kr = fftw_malloc((size_t)rplane * sizeof *w->kr);
	w->cr = fftw_malloc((size_t)rplane * sizeof *w->cr);
	w->kf = fftw_malloc((size_t)cplane * sizeof *w->kf);
	w->cf = fftw_malloc((size_t)cplane * sizeof *w->cf);
	if (!w->charge || !w->pot || !w->kr || !w->cr || !w->kf || !w->cf) {
		drop_grid(w);
		return li_err_set(err, LI_ENOMEM, "out of memory for the fft gradient (%d x %d grid)",
				  ng, ng);
	}
	w->fk = fftw_plan_dft_r2c_2d(np, np, w->kr, w->kf, FFTW_ESTIMATE);
	w->fc = fftw_plan_dft_r2c_2d(np, np, w->cr, w->cf, FFTW_ESTIMATE);
	w->bc = fftw_plan_dft_c2r_2d(np, np, w->cf, w->cr, FFTW_ESTIMATE);
	if (!w->fk || !w->fc || !w->bc) {
		drop_grid(w);
		return li_err_set(err, LI_ENOMEM, "fftw could not plan a %d x %d transform", np, np);
	}
	w->ng = ng;
	return 0;
}

int li_fft_repulse(li_fft_ws **wsp, const double *Y, int64_t n, int threads, double *rep,
		   double *zi, li_err *err)
{
	li_fft_ws *w = *wsp;
	if (!w) {
		w = *wsp = calloc(1, sizeof *w);
		if (!w)
			return li_err_set(err, LI_ENOMEM, "out of memory for the fft gradient");
	}
	double lo = Y[0], hi = Y[0];
	for (int64_t i = 0; i < 2 * n; i++) {
		lo = Y[i] < lo ? Y[i] : lo;
		hi = Y[i] > hi ? Y[i] : hi;
	}
	double span = hi - lo;
	/* one box per unit length, at least MIN_BOXES; at most MAX_BOXES (wider boxes beyond:
	 * less accurate, but memory stays bounded for an embedding that spread very far) */
	int nb = MIN_BOXES;
	if (span > nb)
		nb = span < MAX_BOXES ? (int)ceil(span) : MAX_BOXES;
	nb = smooth_size(nb);
	/* widen the square a little so the largest coordinate falls inside the last box */
	double bw = span > 0 ? span * (1 + 1e-9) / nb : 1e-9;
	int ng = N_INTERP * nb, np = 2 * ng, nc = np / 2 + 1;
	double h = bw / N_INTERP;
	int64_t plane = (int64_t)ng * ng, cplane = (int64_t)np * nc, rplane = (int64_t)np * np;
	int rc = prepare(w, n, ng, err);
	if (rc < 0)
		return rc;
	int64_t *cell = w->cell;
	double *wts = w->wts, *charge = w->charge, *pot = w->pot, *kr = w->kr, *cr = w->cr;
	fftw_complex *kf = w->kf, *cf = w->cf;
	memset(charge, 0, (size_t)(N_TERMS * plane) * sizeof *charge);
	fft_job j = {Y, lo, bw, nb, ng, cell, wts, pot, rep, zi};
	li_tsne_par_for(threads, n, locate_rows, &j);
	/* spread charges in point order (one thread: a fixed summation order) */
	for (int64_t i = 0; i < n; i++) {
		double y0 = Y[i * 2], y1 = Y[i * 2 + 1];
		double c[N_TERMS] = {1, y0, y1, y0 * y0 + y1 * y1};
		const double *wx = wts + i * 6, *wy = wx + 3;
		for (int a = 0; a < N_INTERP; a++)
			for (int b = 0; b < N_INTERP; b++) {
				double wt = wx[a] * wy[b];
				int64_t node = (cell[i * 2] + a) * ng + (cell[i * 2 + 1] + b);
				for (int t = 0; t < N_TERMS; t++)
					charge[t * plane + node] += wt * c[t];
			}
	}
	/* the kernel on the circulant grid: offset k in [0, ng) and [ng+1, np) -> k - np */
	for (int a = 0; a < np; a++) {
		double dx = (a < ng ? a : a - np) * h;
		for (int b = 0; b < np; b++) {
			double dy = (b < ng ? b : b - np) * h;
			double v = a == ng || b == ng ? 0 : 1 / (1 + dx * dx + dy * dy);
			kr[(int64_t)a * np + b] = v * v;
		}
	}
	fftw_execute(w->fk);
	double scale = 1.0 / (double)rplane;
	for (int t = 0; t < N_TERMS; t++) {
		memset(cr, 0, (size_t)rplane * sizeof *cr);
		for (int a = 0; a < ng; a++)
			memcpy(cr + (int64_t)a * np, charge + t * plane + (int64_t)a * ng,
			       (size_t)ng * sizeof *cr);
		fftw_execute(w->fc);
		for (int64_t e = 0; e < cplane; e++) {
			double re = cf[e][0] * kf[e][0] - cf[e][1] * kf[e][1];
			double im = cf[e][0] * kf[e][1] + cf[e][1] * kf[e][0];
			cf[e][0] = re;
			cf[e][1] = im;
		}
		fftw_execute(w->bc);
		for (int a = 0; a < ng; a++)
			for (int b = 0; b < ng; b++)
				pot[t * plane + (int64_t)a * ng + b] = cr[(int64_t)a * np + b] * scale;
	}
	li_tsne_par_for(threads, n, gather_rows, &j);
	return 0;
}
