/*
 * What the spatial layer families share: option readers, TensorFlow's window geometry,
 * channels_first <-> channels_last, and the convolution core. See layers_spatial.h.
 *
 * The convolution core follows darknet's forward_convolutional_layer: im2col for a chunk
 * of batch rows (each output position's receptive field laid out as one row, channels
 * contiguous because data is channels-last, so the copy is a memcpy per kernel tap), one
 * cblas_sgemm per chunk and group, then bias and activation while the block is in cache.
 * A 1x1 stride-1 convolution skips im2col (the input already is the matrix). A 3x3
 * stride-1 one with at least 16 input and output channels runs as Winograd F(2x2, 3x3)
 * (conv_winograd.c: 16 sgemms of a block of tiles, 2.25x fewer multiplications). Depthwise
 * convolutions (one input channel per group) use a direct loop: a GEMM with K = taps and
 * N = depth_multiplier would be all overhead. With several BLAS threads allowed, large
 * convolutions share their GEMM blocks among that many threads of their own, BLAS running
 * single-threaded inside each (never nested).
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "layers_spatial.h"
#include "simd.h"

/* im2col scratch per GEMM, in floats; overridable for tuning (LI_CONV_BLOCK, floats). */
#define COL_LIMIT col_limit()
/* Winograd blocks (V and M of a block of tiles), in floats; LI_WINO_BLOCK overrides.
 * LI_WINO=0 turns Winograd off (im2col + sgemm instead), for measuring. */
#define WINO_LIMIT wino_limit()

static int64_t col_limit(void)
{
	const char *e = getenv("LI_CONV_BLOCK");
	long long v = e ? atoll(e) : 0;
	return v >= 1024 ? (int64_t)v : (int64_t)1 << 16;
}

static int64_t wino_limit(void)
{
	const char *e = getenv("LI_WINO_BLOCK");
	long long v = e ? atoll(e) : 0;
	return v >= 1024 ? (int64_t)v : (int64_t)1 << 17;
}

static int wino_on(void)
{
	const char *e = getenv("LI_WINO");
	return !e || strcmp(e, "0");
}

int li_sp_format(const li_layer *l, const json_t *c, int *cfirst, li_err *err)
{
	const char *f;
	*cfirst = 0;
	if (li_cfg_str(l, c, "data_format|dim_ordering", "channels_last", &f, err) < 0)
		return LI_EDATA;
	if (!strcmp(f, "channels_last") || !strcmp(f, "channelsLast") || !strcmp(f, "tf"))
		return 0;
	if (!strcmp(f, "channels_first") || !strcmp(f, "channelsFirst") || !strcmp(f, "th")) {
		*cfirst = 1;
		return 0;
	}
	return li_layer_fail(l, err, "option 'data_format' = '%s' is not supported", f);
}

int li_sp_ints(const li_layer *l, const json_t *c, const char *keys, int rank, int64_t def,
	       int64_t lo, int64_t *out, li_err *err)
{
	int64_t v[3];
	int n;
	char k[64];
	size_t kl = strcspn(keys, "|");
	snprintf(k, sizeof k, "%.*s", (int)(kl < sizeof k ? kl : sizeof k - 1), keys);
	if (li_cfg_ints(l, c, keys, v, 3, &n, err) < 0)
		return LI_EDATA;
	if (n == 0) {
		for (int i = 0; i < rank; i++)
			out[i] = def;
		return 0;
	}
	if (n != 1 && n != rank)
		return li_layer_fail(l, err, "option '%s' needs 1 or %d values, got %d", k, rank, n);
	for (int i = 0; i < rank; i++) {
		out[i] = v[n == 1 ? 0 : i];
		if (out[i] < lo)
			return li_layer_fail(l, err, "option '%s' = %lld must be at least %lld", k,
					     (long long)out[i], (long long)lo);
		if (out[i] > LI_SP_MAX)
			return li_layer_fail(l, err, "option '%s' = %lld is too large", k,
					     (long long)out[i]);
	}
	return 0;
}

int li_sp_padding(const li_layer *l, const json_t *c, int causal_ok, int *mode, li_err *err)
{
	const char *p;
	if (li_cfg_str(l, c, "padding|border_mode", "valid", &p, err) < 0)
		return LI_EDATA;
	if (!strcmp(p, "valid"))
		*mode = LI_PAD_VALID;
	else if (!strcmp(p, "same"))
		*mode = LI_PAD_SAME;
	else if (causal_ok && !strcmp(p, "causal"))
		*mode = LI_PAD_CAUSAL;
	else
		return li_layer_fail(l, err, "option 'padding' = '%s' is not supported", p);
	return 0;
}

int li_sp_window(int mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t *out,
		 int64_t *before)
{
	int64_t keff = (k - 1) * d + 1;
	*before = 0;
	if (mode == LI_PAD_SAME) {
		*out = (in + s - 1) / s;
		int64_t total = (*out - 1) * s + keff - in;
		*before = total > 0 ? total / 2 : 0;
	} else if (mode == LI_PAD_CAUSAL) {
		*out = (in - 1) / s + 1;
		*before = keff - 1;
	} else {
		*out = in >= keff ? (in - keff) / s + 1 : 0;
	}
	return *out >= 1 ? 0 : -1;
}

int li_sp_grid(const li_shape *row, int rank, int cfirst, li_grid *g)
{
	if (row->rank != rank + 1)
		return -1;
	for (int i = 0; i < 3; i++)
		g->dim[i] = 1;
	for (int i = 0; i < rank; i++)
		g->dim[3 - rank + i] = row->dim[cfirst ? i + 1 : i];
	g->c = row->dim[cfirst ? 0 : rank];
	for (int i = 0; i < 3; i++)
		if (g->dim[i] <= 0 || g->dim[i] > LI_SP_MAX_DIM)
			return -1;
	return g->c > 0 && g->c <= LI_SP_MAX_DIM ? 0 : -1;
}

void li_sp_shape(const li_grid *g, int rank, int cfirst, li_shape *row)
{
	row->rank = rank + 1;
	for (int i = 0; i < rank; i++)
		row->dim[cfirst ? i + 1 : i] = g->dim[3 - rank + i];
	row->dim[cfirst ? 0 : rank] = g->c;
}

int li_sp_in_grid(const li_layer *l, const li_shape *in, int rank, int cfirst, li_grid *g,
		  li_err *err)
{
	char t[200];
	if (li_sp_grid(in, rank, cfirst, g) == 0)
		return 0;
	li_shape_text(in, t, sizeof t);
	for (int i = 0; i < in->rank; i++)
		if (in->dim[i] > LI_SP_MAX_DIM)
			return li_layer_fail(l, err, "input shape %s has a dimension above %lld", t,
					     (long long)LI_SP_MAX_DIM);
	return li_layer_fail(l, err, "input shape %s is not a known %dD %s input", t, rank,
			     cfirst ? "channels_first" : "channels_last");
}

int li_sp_run(const li_layer *l, int64_t n, int rank, int cfirst, const li_shape *in_shape,
	      const float *in, const li_shape *out_shape, float *out, const li_act *act,
	      li_sp_core core, li_err *err)
{
	li_grid gi, go;
	if (li_sp_in_grid(l, in_shape, rank, cfirst, &gi, err) < 0 ||
	    li_sp_grid(out_shape, rank, cfirst, &go) < 0)
		return li_layer_fail(l, err, "output shape is not known");
	int rc;
	if (!cfirst) {
		rc = core(l, n, &gi, in, &go, out, err);
	} else {
		int64_t mi = li_shape_elems(in_shape), mo = li_shape_elems(out_shape);
		float *xi = malloc((size_t)(n * mi + 1) * sizeof *xi);
		float *yo = malloc((size_t)(n * mo + 1) * sizeof *yo);
		if (!xi || !yo) {
			free(xi);
			free(yo);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		int to_last[LI_MAX_RANK], to_first[LI_MAX_RANK];
		li_shape cl;
		for (int i = 0; i < rank; i++)
			to_last[i] = i + 1;
		to_last[rank] = 0;
		to_first[0] = rank;
		for (int i = 0; i < rank; i++)
			to_first[i + 1] = i;
		li_permute_rows(in, xi, n, in_shape, to_last);
		rc = core(l, n, &gi, xi, &go, yo, err);
		li_sp_shape(&go, rank, 0, &cl);
		if (rc == 0)
			li_permute_rows(yo, out, n, &cl, to_first);
		free(xi);
		free(yo);
	}
	if (rc == 0 && act && !li_act_elementwise(act) && li_act_apply(act, out, n, out_shape, err) < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	return rc;
}

/* bias + relu over one block: written so that the vectoriser turns the select into maxps
 * (perf showed the scalar branchy loop at a fifth of a Conv2D's time). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noinline, optimize("tree-vectorize")))
#endif
static void bias_relu(float *restrict y, int64_t rows, int64_t c, const float *restrict bias)
{
	for (int64_t r = 0; r < rows; r++, y += c)
		for (int64_t j = 0; j < c; j++) {
			float v = y[j] + bias[j];
			y[j] = v > 0.0f ? v : 0.0f;
		}
}

void li_bias_act(float *y, int64_t rows, int64_t c, const float *bias, const li_act *act)
{
	int ew = act && li_act_elementwise(act) && act->kind != LI_ACT_LINEAR;
	if (!bias && !ew)
		return;
	if (bias && act && act->kind == LI_ACT_RELU && act->alpha == 0.0f &&
	    act->threshold == 0.0f && !(act->max_value < INFINITY)) {
		bias_relu(y, rows, c, bias);
		return;
	}
	/* rows in groups of at least 256 values, so that a convolution with one filter does
	 * not call the activation once a value (perf: sigmoid of 64 -> 1 took a third of
	 * the layer); an elementwise activation gives each value the same bytes however the
	 * calls group them */
	int64_t g = c >= 256 ? 1 : (256 + c - 1) / c;
	for (int64_t r = 0; r < rows; r += g) {
		int64_t m = rows - r < g ? rows - r : g;
		float *p = y + r * c;
		if (bias)
			for (int64_t i = 0; i < m; i++)
				for (int64_t j = 0; j < c; j++)
					p[i * c + j] += bias[j];
		if (ew)
			li_act_apply_elems(act, p, m * c);
	}
}

/* ---- convolution ---- */

int li_conv_out(const li_conv *c, const li_grid *gi, li_grid *go)
{
	int64_t before;
	for (int i = 0; i < 3; i++)
		if (li_sp_window(c->pad, gi->dim[i], c->k[i], c->s[i], c->d[i], &go->dim[i],
				 &before) < 0)
			return -1;
	go->c = c->cout;
	return 0;
}

int li_conv_shape(const li_layer *l, int n_in, const li_shape *in, int rank, int cfirst,
		  const li_conv *c, li_grid *go, li_err *err)
{
	li_grid gi;
	char t[200];
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (li_sp_in_grid(l, &in[0], rank, cfirst, &gi, err) < 0)
		return LI_EDATA;
	li_shape_text(&in[0], t, sizeof t);
	/* grouped convolutions say so; a depthwise one (a group per channel) need not */
	if (gi.c != c->cin && c->groups > 1 && c->groups != c->cin)
		return li_layer_fail(l, err, "input shape %s has %lld channels, the kernel takes "
				     "%lld (%lld groups of %lld)", t, (long long)gi.c,
				     (long long)c->cin, (long long)c->groups,
				     (long long)(c->cin / c->groups));
	if (gi.c != c->cin)
		return li_layer_fail(l, err, "input shape %s has %lld channels, the kernel takes %lld",
				     t, (long long)gi.c, (long long)c->cin);
	if (li_conv_out(c, &gi, go) < 0)
		return li_layer_fail(l, err, "input shape %s is smaller than the kernel", t);
	return 0;
}

/* The receptive fields of output cells [q0, q0 + nq) of the batch (cell q is output
 * position q % pout of row q / pout) for input channels [c0, c0 + cw): one row of
 * taps * cw floats per cell. */
static void im2col(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		   const float *x, int64_t q0, int64_t nq, int64_t c0, int64_t cw, float *col)
{
	int64_t in_row = gi->dim[0] * gi->dim[1] * gi->dim[2] * gi->c;
	int64_t pout = go->dim[0] * go->dim[1] * go->dim[2];
	size_t bytes = (size_t)cw * sizeof(float);
	int seg = cw == gi->c && c->d[2] == 1;
	float *p = col;
	int64_t b = q0 / pout, r = q0 % pout;
	int64_t o2 = r % go->dim[2], o1 = r / go->dim[2] % go->dim[1], o0 = r / go->dim[2] / go->dim[1];
	for (int64_t q = 0; q < nq; q++) {
		const float *xb = x + b * in_row + c0;
		for (int64_t k0 = 0; k0 < c->k[0]; k0++) {
			int64_t i0 = o0 * c->s[0] - pad[0] + k0 * c->d[0];
			int in0 = i0 >= 0 && i0 < gi->dim[0];
			for (int64_t k1 = 0; k1 < c->k[1]; k1++) {
				int64_t i1 = o1 * c->s[1] - pad[1] + k1 * c->d[1];
				int in1 = in0 && i1 >= 0 && i1 < gi->dim[1];
				if (seg) {
					/* all channels, no dilation along W: the taps of this kernel
					 * row are one contiguous run of the input row */
					int64_t s2 = o2 * c->s[2] - pad[2], lo = s2 < 0 ? -s2 : 0;
					int64_t hi = gi->dim[2] - s2 < c->k[2] ? gi->dim[2] - s2 : c->k[2];
					if (!in1 || hi <= lo) {
						memset(p, 0, bytes * (size_t)c->k[2]);
					} else {
						if (lo > 0)
							memset(p, 0, bytes * (size_t)lo);
						memcpy(p + lo * cw,
						       xb + ((i0 * gi->dim[1] + i1) * gi->dim[2] + s2 + lo) * gi->c,
						       bytes * (size_t)(hi - lo));
						if (hi < c->k[2])
							memset(p + hi * cw, 0, bytes * (size_t)(c->k[2] - hi));
					}
					p += c->k[2] * cw;
					continue;
				}
				for (int64_t k2 = 0; k2 < c->k[2]; k2++, p += cw) {
					int64_t i2 = o2 * c->s[2] - pad[2] + k2 * c->d[2];
					if (in1 && i2 >= 0 && i2 < gi->dim[2])
						memcpy(p, xb + ((i0 * gi->dim[1] + i1) * gi->dim[2] + i2) * gi->c,
						       bytes);
					else
						memset(p, 0, bytes);
				}
			}
		}
		/* next output cell */
		if (++o2 == go->dim[2]) {
			o2 = 0;
			if (++o1 == go->dim[1]) {
				o1 = 0;
				if (++o0 == go->dim[0]) {
					o0 = 0;
					b++;
				}
			}
		}
	}
}

void li_sp_taps(int64_t first, int64_t d, int64_t k, int64_t dim, int64_t *lo, int64_t *hi)
{
	*lo = first < 0 ? (-first + d - 1) / d : 0;
	*hi = dim - first <= 0 ? 0 : (dim - first + d - 1) / d;
	if (*hi > k)
		*hi = k;
}

/* The taps k along axis a of output cell o whose input cell o * s - pad + k * d lies inside
 * the input: [*lo, *hi) (empty when *hi <= *lo). */
static void tap_range(const li_conv *c, const li_grid *gi, const int64_t *pad, int a, int64_t o,
		      int64_t *lo, int64_t *hi)
{
	li_sp_taps(o * c->s[a] - pad[a], c->d[a], c->k[a], gi->dim[a], lo, hi);
}

/* One input channel per group: y[pos][ci*m + j] = sum_taps x[tap][ci] * w[tap][ci*m + j]. */
static void depthwise(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		      const float *x, int64_t n, float *y)
{
	int64_t in_row = gi->dim[0] * gi->dim[1] * gi->dim[2] * gi->c, cin = gi->c;
	int64_t m = c->cout / cin, cout = c->cout;
	int64_t lo[3], hi[3];
	for (int64_t b = 0; b < n; b++) {
		const float *xb = x + b * in_row;
		for (int64_t o0 = 0; o0 < go->dim[0]; o0++)
		for (int64_t o1 = 0; o1 < go->dim[1]; o1++)
		for (int64_t o2 = 0; o2 < go->dim[2]; o2++, y += cout) {
			memset(y, 0, (size_t)cout * sizeof *y);
			tap_range(c, gi, pad, 0, o0, &lo[0], &hi[0]);
			tap_range(c, gi, pad, 1, o1, &lo[1], &hi[1]);
			tap_range(c, gi, pad, 2, o2, &lo[2], &hi[2]);
			for (int64_t k0 = lo[0]; k0 < hi[0]; k0++)
			for (int64_t k1 = lo[1]; k1 < hi[1]; k1++)
			for (int64_t k2 = lo[2]; k2 < hi[2]; k2++) {
				int64_t i0 = o0 * c->s[0] - pad[0] + k0 * c->d[0];
				int64_t i1 = o1 * c->s[1] - pad[1] + k1 * c->d[1];
				int64_t i2 = o2 * c->s[2] - pad[2] + k2 * c->d[2];
				const float *xp = xb + ((i0 * gi->dim[1] + i1) * gi->dim[2] + i2) * cin;
				const float *w = c->kernel + ((k0 * c->k[1] + k1) * c->k[2] + k2) * cout;
				if (m == 1)
					for (int64_t j = 0; j < cout; j++)
						y[j] += xp[j] * w[j];
				else
					for (int64_t ci = 0; ci < cin; ci++)
						for (int64_t j = 0; j < m; j++)
							y[ci * m + j] += xp[ci] * w[ci * m + j];
			}
		}
	}
}

/*
 * One input channel (groups 1: a first layer on grey images): each output cell's channel
 * vector is the sum over the taps of the kernel row of that tap times the input value
 * under it. As a GEMM this is K = taps, so small that OpenBLAS spent its time loading and
 * storing C (perf: 17 GFLOP/s). Here the row is first copied into a zero-padded plane
 * (pz, dims pd[3]), so that every tap is a fixed offset off[t] with no bounds to check,
 * then 4 output cells x 16 channels accumulate in registers, each tap's two kernel
 * vectors loaded once for the 4 cells. kernel is [taps][kp], kp = cout rounded up to 16
 * (zero filled).
 */
typedef float v8f __attribute__((vector_size(32)));
LI_TARGET_CLONES
static void cin1_row(const li_conv *c, const li_grid *go, const float *kernel, int64_t kp,
		     const int64_t *off, int64_t taps, const int64_t *pd, const float *pz,
		     float *yo)
{
	int64_t cout = c->cout, s2 = c->s[2], ow = go->dim[2];
	for (int64_t o0 = 0; o0 < go->dim[0]; o0++)
	for (int64_t o1 = 0; o1 < go->dim[1]; o1++) {
		const float *xr = pz + (o0 * c->s[0] * pd[1] + o1 * c->s[1]) * pd[2];
		for (int64_t j0 = 0; j0 < cout; j0 += 16) {
			int64_t jn = cout - j0 < 16 ? cout - j0 : 16;
			for (int64_t o2 = 0; o2 < ow; o2 += 4) {
				int64_t m = ow - o2 < 4 ? ow - o2 : 4;
				const float *x0 = xr + o2 * s2;
				v8f a0 = { 0 }, a1 = { 0 }, b0 = { 0 }, b1 = { 0 };
				v8f c0 = { 0 }, c1 = { 0 }, d0 = { 0 }, d1 = { 0 };
				const float *wt = kernel + j0;
				/* the plane has 3 strides of zeros past the last window: cells
				 * past ow read them and are not stored */
				for (int64_t t = 0; t < taps; t++, wt += kp) {
					v8f w0, w1;
					memcpy(&w0, wt, sizeof w0);
					memcpy(&w1, wt + 8, sizeof w1);
					const float *xt = x0 + off[t];
					float v = xt[0], u = xt[s2], r = xt[2 * s2], q = xt[3 * s2];
					a0 += v * w0;
					a1 += v * w1;
					b0 += u * w0;
					b1 += u * w1;
					c0 += r * w0;
					c1 += r * w1;
					d0 += q * w0;
					d1 += q * w1;
				}
				float acc[4][16];
				memcpy(acc[0], &a0, sizeof a0);
				memcpy(acc[0] + 8, &a1, sizeof a1);
				memcpy(acc[1], &b0, sizeof b0);
				memcpy(acc[1] + 8, &b1, sizeof b1);
				memcpy(acc[2], &c0, sizeof c0);
				memcpy(acc[2] + 8, &c1, sizeof c1);
				memcpy(acc[3], &d0, sizeof d0);
				memcpy(acc[3] + 8, &d1, sizeof d1);
				for (int64_t i = 0; i < m; i++)
					memcpy(yo + (o2 + i) * cout + j0, acc[i], (size_t)jn * sizeof(float));
			}
		}
		yo += ow * cout;
	}
}

static void conv_cin1(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		      const float *kernel, int64_t kp, const float *x, int64_t b0, int64_t nb,
		      float *pz, float *y)
{
	int64_t pd[3], off[64], taps = c->k[0] * c->k[1] * c->k[2];
	int64_t pin = gi->dim[0] * gi->dim[1] * gi->dim[2];
	int64_t pout = go->dim[0] * go->dim[1] * go->dim[2];
	for (int i = 0; i < 3; i++)
		pd[i] = (go->dim[i] - 1) * c->s[i] + (c->k[i] - 1) * c->d[i] + 1 + 3 * c->s[i];
	for (int64_t k0 = 0, t = 0; k0 < c->k[0]; k0++)
		for (int64_t k1 = 0; k1 < c->k[1]; k1++)
			for (int64_t k2 = 0; k2 < c->k[2]; k2++, t++)
				off[t] = ((k0 * c->d[0]) * pd[1] + k1 * c->d[1]) * pd[2] + k2 * c->d[2];
	for (int64_t b = b0; b < b0 + nb; b++) {
		const float *xb = x + b * pin;
		memset(pz, 0, (size_t)(pd[0] * pd[1] * pd[2]) * sizeof *pz);
		for (int64_t i0 = 0; i0 < gi->dim[0]; i0++)
			for (int64_t i1 = 0; i1 < gi->dim[1]; i1++) {
				int64_t p0 = i0 + pad[0], p1 = i1 + pad[1], w = gi->dim[2];
				if (p0 >= pd[0] || p1 >= pd[1])
					continue;
				if (w + pad[2] > pd[2])
					w = pd[2] - pad[2];
				memcpy(pz + (p0 * pd[1] + p1) * pd[2] + pad[2],
				       xb + (i0 * gi->dim[1] + i1) * gi->dim[2], (size_t)w * sizeof *pz);
			}
		cin1_row(c, go, kernel, kp, off, taps, pd, pz, y + b * pout * c->cout);
	}
}

/*
 * Few filters (cout * 4 <= cin: the last layer of a decoder, 64 channels into 1): one
 * GEMM of the input cells, as they are, by every tap's kernel side by side (wz: [cin]
 * [taps * cout]) gives z, each input cell's contribution to every tap; an output cell then
 * sums the taps' slices of the cells under its window. z holds taps * cout floats a cell
 * where im2col held taps * cin (perf: 64 -> 1 at 28x28 went from 5.6 GFLOP/s to ...).
 */
/* The output cells [*lo, *hi) along axis a whose tap k lands inside the input. */
static void tap_cells(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		      int a, int64_t k, int64_t *lo, int64_t *hi)
{
	int64_t s = c->s[a], from = pad[a] - k * c->d[a], to = gi->dim[a] + from;
	*lo = from <= 0 ? 0 : (from + s - 1) / s;
	*hi = to <= 0 ? 0 : (to + s - 1) / s;
	if (*hi > go->dim[a])
		*hi = go->dim[a];
}

/* One batch row of conv_shift: each output cell sums the slices of z (tc floats a cell)
 * of its taps that land inside the input, in tap order. Tap by tap over runs of output
 * cells along W, not cell by cell: with one filter a cell's work is a few additions,
 * and per-cell bounds took more time than the sgemm (perf). */
static void shift_row(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		      const float *zb, int64_t tc, float *restrict yo)
{
	int64_t cout = c->cout, lo[3], hi[3];
	memset(yo, 0, (size_t)(go->dim[0] * go->dim[1] * go->dim[2] * cout) * sizeof *yo);
	for (int64_t k0 = 0, t = 0; k0 < c->k[0]; k0++) {
		tap_cells(c, gi, go, pad, 0, k0, &lo[0], &hi[0]);
		for (int64_t k1 = 0; k1 < c->k[1]; k1++) {
			tap_cells(c, gi, go, pad, 1, k1, &lo[1], &hi[1]);
			for (int64_t k2 = 0; k2 < c->k[2]; k2++, t++) {
				tap_cells(c, gi, go, pad, 2, k2, &lo[2], &hi[2]);
				if (hi[2] <= lo[2])
					continue;
				for (int64_t o0 = lo[0]; o0 < hi[0]; o0++)
				for (int64_t o1 = lo[1]; o1 < hi[1]; o1++) {
					int64_t i0 = o0 * c->s[0] - pad[0] + k0 * c->d[0];
					int64_t i1 = o1 * c->s[1] - pad[1] + k1 * c->d[1];
					int64_t i2 = lo[2] * c->s[2] - pad[2] + k2 * c->d[2];
					const float *zp = zb + ((i0 * gi->dim[1] + i1) * gi->dim[2] + i2) * tc +
							  t * cout;
					float *yp = yo + ((o0 * go->dim[1] + o1) * go->dim[2] + lo[2]) * cout;
					int64_t step = c->s[2] * tc;
					if (cout == 1)
						for (int64_t o2 = lo[2]; o2 < hi[2]; o2++, zp += step)
							*yp++ += *zp;
					else
						for (int64_t o2 = lo[2]; o2 < hi[2]; o2++, zp += step, yp += cout)
							for (int64_t j = 0; j < cout; j++)
								yp[j] += zp[j];
				}
			}
		}
	}
}

static void conv_shift(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		       const float *wz, const float *x, int64_t b0, int64_t nb, float *z, float *y)
{
	int64_t pin = gi->dim[0] * gi->dim[1] * gi->dim[2], cout = c->cout;
	int64_t pout = go->dim[0] * go->dim[1] * go->dim[2];
	int64_t tc = c->k[0] * c->k[1] * c->k[2] * cout;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(nb * pin), (int)tc, (int)gi->c,
		    1.0f, x + b0 * pin * gi->c, (int)gi->c, wz, (int)tc, 0.0f, z, (int)tc);
	for (int64_t b = 0; b < nb; b++)
		shift_row(c, gi, go, pad, z + b * pin * tc, tc, y + (b0 + b) * pout * cout);
}

/* How a convolution runs (li_conv_forward picks). */
enum { CONV_IM2COL, CONV_DIRECT, CONV_SHIFT, CONV_CIN1, CONV_WINO };

/* One share of a convolution's blocks: blocks tid, tid + nth, ... A block is chunk
 * output cells (im2col, 1x1), chunk batch rows (shift, one channel) or chunk 2x2 output
 * tiles (Winograd). */
typedef struct conv_share {
	const li_conv *c;
	const li_grid *gi, *go;
	const int64_t *pad;
	const float *x, *wk;  /* wk: the kernel as the mode wants it */
	float *y, *col;
	int64_t units, chunk, kw, cin_g, kp;
	int mode, tid, nth;
} conv_share;

static void conv_blocks(const conv_share *w)
{
	const li_conv *c = w->c;
	int64_t cout_g = c->cout / c->groups;
	int64_t pout = w->go->dim[0] * w->go->dim[1] * w->go->dim[2];
	for (int64_t q0 = w->tid * w->chunk; q0 < w->units; q0 += w->nth * w->chunk) {
		int64_t nq = w->units - q0 < w->chunk ? w->units - q0 : w->chunk;
		if (w->mode == CONV_WINO) {
			li_wino_block(c, w->gi, w->go, w->pad, w->x, q0, nq, w->col, w->y);
			continue;
		}
		if (w->mode == CONV_CIN1 || w->mode == CONV_SHIFT) {
			if (w->mode == CONV_CIN1)
				conv_cin1(c, w->gi, w->go, w->pad, w->wk, w->kp, w->x, q0, nq, w->col, w->y);
			else
				conv_shift(c, w->gi, w->go, w->pad, w->wk, w->x, q0, nq, w->col, w->y);
			li_bias_act(w->y + q0 * pout * c->cout, nq * pout, c->cout, c->bias, &c->act);
			continue;
		}
		int direct = w->mode == CONV_DIRECT;
		float *yb = w->y + q0 * c->cout;
		for (int64_t g = 0; g < c->groups; g++) {
			const float *a = w->x + q0 * w->gi->c;  /* direct: cell q is input row q */
			if (!direct) {
				im2col(c, w->gi, w->go, w->pad, w->x, q0, nq, g * w->cin_g, w->cin_g, w->col);
				a = w->col;
			}
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nq, (int)cout_g,
				    (int)w->kw, 1.0f, a, direct ? (int)w->gi->c : (int)w->kw,
				    c->kernel + g * cout_g, (int)c->cout, 0.0f, yb + g * cout_g,
				    (int)c->cout);
		}
		li_bias_act(yb, nq, c->cout, c->bias, &c->act);
	}
}

static void *conv_worker(void *p)
{
	conv_blocks(p);
	return NULL;
}

/* Work (multiply-adds) below which one thread does every block. */
#define PAR_MIN ((int64_t)1 << 24)
#define MAX_THREADS 64

/* The kernel as a mode wants it: shift, [cin][taps * cout]; one channel, [taps][kp]. */
static float *conv_kernel_for(const li_conv *c, int mode, int64_t taps, int64_t cin, int64_t kp)
{
	int64_t cout = c->cout;
	if (mode == CONV_SHIFT) {
		float *wz = malloc((size_t)(cin * taps * cout) * sizeof *wz);
		if (wz)
			for (int64_t t = 0; t < taps; t++)
				for (int64_t ci = 0; ci < cin; ci++)
					memcpy(wz + (ci * taps + t) * cout, c->kernel + (t * cin + ci) * cout,
					       (size_t)cout * sizeof *wz);
		return wz;
	}
	float *w = calloc((size_t)(taps * kp), sizeof *w);
	if (w)
		for (int64_t t = 0; t < taps; t++)
			memcpy(w + t * kp, c->kernel + t * cout, (size_t)cout * sizeof *w);
	return w;
}

int li_conv_forward(const li_conv *c, int64_t n, const li_grid *gi, const float *x,
		    const li_grid *go, float *y, li_err *err)
{
	int64_t pad[3], o;
	for (int i = 0; i < 3; i++)
		li_sp_window(c->pad, gi->dim[i], c->k[i], c->s[i], c->d[i], &o, &pad[i]);
	int64_t taps = c->k[0] * c->k[1] * c->k[2], cin_g = gi->c / c->groups;
	int64_t pin = gi->dim[0] * gi->dim[1] * gi->dim[2];
	int64_t pout = go->dim[0] * go->dim[1] * go->dim[2];
	if (n == 0)
		return 0;
	if (c->groups > 1 && cin_g == 1) {
		depthwise(c, gi, go, pad, x, n, y);
		li_bias_act(y, n * pout, c->cout, c->bias, &c->act);
		return 0;
	}
	int mode = CONV_IM2COL;
	if (c->wino && go->dim[1] >= 2 && go->dim[2] >= 2 && wino_on())
		mode = CONV_WINO;
	else if (taps == 1 && c->groups == 1 && pad[0] + pad[1] + pad[2] == 0 &&
	    c->s[0] == 1 && c->s[1] == 1 && c->s[2] == 1)
		mode = CONV_DIRECT;
	else if (c->groups == 1 && gi->c == 1 && taps <= 64)
		mode = CONV_CIN1;
	else if (c->groups == 1 && c->cout * 4 <= gi->c)
		mode = CONV_SHIFT;
	int64_t kw = taps * cin_g, cells = n * pout, kp = (c->cout + 15) / 16 * 16;
	/* units per block: the whole batch when the input is the matrix; else as many as
	 * keep the scratch block in L2 (perf: 1 MiB blocks ran 1.3-1.9x faster than 16 MiB).
	 * Never a function of the thread count: the same blocks, the same bytes. */
	int64_t units = cells, chunk, per = kw;
	if (mode == CONV_SHIFT || mode == CONV_CIN1) {
		units = n;
		per = mode == CONV_SHIFT ? pin * taps * c->cout : pout * c->cout;
	} else if (mode == CONV_WINO) {
		units = n * li_wino_tiles(go);
		per = 16 * (gi->c + c->cout);
	}
	chunk = mode == CONV_DIRECT ? cells : (mode == CONV_WINO ? WINO_LIMIT : COL_LIMIT) / per;
	int64_t least = mode == CONV_WINO || units == cells ? 16 : 1;
	if (chunk < least)
		chunk = least;
	if (chunk > units)
		chunk = units;
	if (chunk * (mode == CONV_SHIFT ? pin : 1) > INT_MAX || kw > INT_MAX ||
	    taps * c->cout > INT_MAX)
		return li_err_set(err, LI_EDATA, "convolution too large for one GEMM");
	/*
	 * Threads: cache-sized GEMMs are too small for OpenBLAS to split well, so when BLAS
	 * may use T > 1 threads and the work is large, T threads take interleaved blocks,
	 * each with its own scratch, while BLAS runs single-threaded inside them (never
	 * nested); its thread count is restored afterwards.
	 */
	int nth = mode == CONV_DIRECT ? 1 : openblas_get_num_threads();
	int64_t blocks = (units + chunk - 1) / chunk;
	if (nth > MAX_THREADS)
		nth = MAX_THREADS;
	if (nth > blocks)
		nth = (int)blocks;
	if (nth > 1 && cells * kw * c->cout < PAR_MIN)
		nth = 1;
	conv_share sh[MAX_THREADS];
	int64_t plane = 1;  /* one channel: the zero-padded input plane */
	for (int i = 0; i < 3; i++)
		plane *= (go->dim[i] - 1) * c->s[i] + (c->k[i] - 1) * c->d[i] + 1 + 3 * c->s[i];
	int64_t scratch = mode == CONV_IM2COL ? chunk * kw : mode == CONV_SHIFT ? chunk * per :
			  mode == CONV_CIN1 ? plane : mode == CONV_WINO ? li_wino_scratch(c, chunk) : 0;
	float *col = scratch ? malloc((size_t)(nth * scratch) * sizeof *col) : NULL;
	float *wk = mode == CONV_SHIFT || mode == CONV_CIN1 ?
		    conv_kernel_for(c, mode, taps, gi->c, kp) : c->kernel;
	if ((scratch && !col) || !wk) {
		free(col);
		if (wk != c->kernel)
			free(wk);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	for (int t = 0; t < nth; t++)
		sh[t] = (conv_share){ c, gi, go, pad, x, wk, y, col ? col + t * scratch : NULL,
				      units, chunk, kw, cin_g, kp, mode, t, nth };
	int blas = openblas_get_num_threads();
	if (nth == 1 && (mode == CONV_DIRECT || blas == 1)) {
		conv_blocks(&sh[0]);
	} else {
		/* BLAS single-threaded even when the work is too small to share: a threaded
		 * OpenBLAS GEMM of these shapes gave other bytes than a single-threaded one */
		pthread_t th[MAX_THREADS];
		int started = 1;
		openblas_set_num_threads(1);
		for (int t = 1; t < nth; t++, started++)
			if (pthread_create(&th[t], NULL, conv_worker, &sh[t]) != 0)
				break;
		/* blocks of threads that could not start are done here */
		conv_blocks(&sh[0]);
		for (int t = started; t < nth; t++)
			conv_blocks(&sh[t]);
		for (int t = 1; t < started; t++)
			pthread_join(th[t], NULL);
		openblas_set_num_threads(blas);
	}
	free(col);
	if (wk != c->kernel)
		free(wk);
	return 0;
}

/* ---- kernels ---- */

float *li_sp_kernel(const li_layer *l, const li_weight *w, int rank, const int64_t *kdims,
		    int64_t cout, int th, int64_t *cin_g, li_err *err)
{
	const li_array *a = &w->a;
	int64_t taps = 1, want[LI_MAX_RANK];
	for (int i = 0; i < rank; i++)
		taps *= kdims[i];
	*cin_g = 0;
	if (a->dtype != LI_DTYPE_F32 || !a->data) {
		li_layer_fail(l, err, "weight '%s' is not float32", w->name ? w->name : "?");
		return NULL;
	}
	int r = a->rank;
	if (th && r == rank + 2 && a->shape[0] == cout) {
		/* Keras 1 Theano (cout, cin, k...): transpose, flip every spatial axis */
		int64_t ci = a->shape[1];
		for (int i = 0; i < rank; i++)
			if (a->shape[2 + i] != kdims[i])
				goto bad;
		float *k = malloc((size_t)(taps * ci * cout) * sizeof *k);
		if (!k) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			return NULL;
		}
		const float *s = a->data;
		for (int64_t f = 0; f < cout; f++)
			for (int64_t c = 0; c < ci; c++)
				for (int64_t t = 0; t < taps; t++)
					k[((taps - 1 - t) * ci + c) * cout + f] = s[(f * ci + c) * taps + t];
		*cin_g = ci;
		return k;
	}
	if (rank == 1 && r == 4 && a->shape[1] == 1) {
		/* Keras 1 Conv1D: (k, 1, cin, cout) */
		if (a->shape[0] != kdims[0] || a->shape[3] != cout)
			goto bad;
		*cin_g = a->shape[2];
		return li_floats_dup(a);
	}
	if (r != rank + 2 || a->shape[rank + 1] != cout)
		goto bad;
	for (int i = 0; i < rank; i++)
		if (a->shape[i] != kdims[i])
			goto bad;
	*cin_g = a->shape[rank];
	if (*cin_g <= 0)
		goto bad;
	float *k = li_floats_dup(a);
	if (!k)
		li_err_set(err, LI_ENOMEM, "out of memory");
	return k;
bad:
	for (int i = 0; i < rank; i++)
		want[i] = kdims[i];
	want[rank] = -1;
	want[rank + 1] = cout;
	{
		char got[160], need[160];
		li_shape_format(a->rank, a->shape, got, sizeof got);
		li_shape_format(rank + 2, want, need, sizeof need);
		li_layer_fail(l, err,
			      "weight '%s' has shape %s, the config needs %s (kernel size, input "
			      "channels, filters)", w->name ? w->name : "?", got, need);
	}
	return NULL;
}
