/*
 * Winograd's minimal filtering F(2x2, 3x3) for 3x3, stride-1, undilated convolutions
 * without groups (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
 * 2015). Why: at 1 thread the 64 -> 64 convolutions of a convolutional autoencoder ran
 * im2col + sgemm at 85% of the sgemm peak and still took two thirds of the model's time;
 * F(2x2, 3x3) computes each 2x2 block of output cells from a 4x4 block of input cells
 * with 16 multiplications per input/output channel pair where the direct convolution
 * needs 36 (2.25x fewer).
 *
 * With d a 4x4 input tile (one channel) and g a 3x3 filter, the 2x2 output tile is
 *   Y = A^T [ (G g G^T) .* (B^T d B) ] A
 * where the element-wise product summed over input channels is, for each of the 16
 * positions xi of the 4x4 transformed tile, one matrix product
 *   M[xi] (tiles x cout) = V[xi] (tiles x cin) * U[xi] (cin x cout).
 * U = G g G^T is computed once per layer (li_wino_prepare, in double, rounded once);
 * the input transform B^T d B and the output transform A^T m A take only additions and
 * subtractions, so every CPU (AVX2 or baseline clone) gives the same bytes for them.
 * F(4x4, 3x3) would cut the multiplications 4x, but its transforms' constants (1/4 ..
 * 1/24, 8) make its float32 error several times F(2x2, 3x3)'s (Barabasz, Anderson,
 * Soodhalter and Gregg, "Error Analysis and Improving the Accuracy of Winograd
 * Convolution for Deep Neural Networks", 2020), and at 14x14 its 4x4 tiles compute 256
 * cells for 196: not tried (doc/performance.md).
 *
 * The tiles of a batch (n rows x ceil(H/2) x ceil(W/2) tiles; a Conv3D with a 1x3x3
 * kernel counts its depth slices as rows) are taken in blocks of a fixed number of tiles
 * (a function of the channel counts only, never of the thread count): a block's V and M
 * stay in L2 between the transforms and the 16 sgemms. Tiles on the input's edge read
 * zeros where the padding is; output cells past the edge are computed and dropped.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "layers_spatial.h"
#include "simd.h"

/* The transforms run on 8 channels at a time (a tail of fewer through a padded copy). */
typedef float v8f __attribute__((vector_size(32)));
/* Floats between consecutive planes of a block's V and M (one cache line). */
#define PLANE_PAD 16

static inline __attribute__((always_inline)) v8f ld(const float *p)
{
	v8f v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline __attribute__((always_inline)) void st(float *p, v8f v)
{
	memcpy(p, &v, sizeof v);
}

int li_wino_fits_kernel(const li_conv *c)
{
	return c->groups == 1 && c->k[0] == 1 && c->k[1] == 3 && c->k[2] == 3 &&
	       c->s[0] == 1 && c->s[1] == 1 && c->s[2] == 1 &&
	       c->d[0] == 1 && c->d[1] == 1 && c->d[2] == 1 &&
	       (c->pad == LI_PAD_SAME || c->pad == LI_PAD_VALID) &&
	       c->cin >= LI_WINO_MIN_CH && c->cout >= LI_WINO_MIN_CH;
}

/*
 * U[xi][ci][co] = (G g G^T)[xi] for the filter g = kernel[.][.][ci][co], with
 *   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
 * Computed in double and rounded once, so U is the float nearest the exact transform.
 */
int li_wino_prepare(li_conv *c)
{
	free(c->wino);
	c->wino = NULL;
	if (!li_wino_fits_kernel(c))
		return 0;
	int64_t cin = c->cin, cout = c->cout, plane = cin * cout;
	float *u = malloc((size_t)(16 * plane) * sizeof *u);
	if (!u)
		return LI_ENOMEM;
	for (int64_t ci = 0; ci < cin; ci++)
		for (int64_t co = 0; co < cout; co++) {
			double g[3][3], t[4][3];
			for (int i = 0; i < 3; i++)
				for (int j = 0; j < 3; j++)
					g[i][j] = c->kernel[((i * 3 + j) * cin + ci) * cout + co];
			for (int j = 0; j < 3; j++) {
				t[0][j] = g[0][j];
				t[1][j] = 0.5 * (g[0][j] + g[1][j] + g[2][j]);
				t[2][j] = 0.5 * (g[0][j] - g[1][j] + g[2][j]);
				t[3][j] = g[2][j];
			}
			for (int i = 0; i < 4; i++) {
				double r[4] = { t[i][0], 0.5 * (t[i][0] + t[i][1] + t[i][2]),
						0.5 * (t[i][0] - t[i][1] + t[i][2]), t[i][2] };
				for (int j = 0; j < 4; j++)
					u[(i * 4 + j) * plane + ci * cout + co] = (float)r[j];
			}
		}
	c->wino = u;
	return 0;
}

int64_t li_wino_tiles(const li_grid *go)
{
	return go->dim[0] * ((go->dim[1] + 1) / 2) * ((go->dim[2] + 1) / 2);
}

/*
 * V = B^T d B on 8 channels, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]: src[16]
 * point at the tile's cells (row-major 4x4), dst[16] at the 16 transformed planes.
 */
static inline __attribute__((always_inline)) void in_tile8(const float *const *src, float *const *dst, int64_t off)
{
	v8f d[4][4], t[4][4];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			d[i][j] = ld(src[i * 4 + j] + off);
	for (int j = 0; j < 4; j++) {
		t[0][j] = d[0][j] - d[2][j];
		t[1][j] = d[1][j] + d[2][j];
		t[2][j] = d[2][j] - d[1][j];
		t[3][j] = d[1][j] - d[3][j];
	}
	for (int i = 0; i < 4; i++) {
		st(dst[i * 4 + 0] + off, t[i][0] - t[i][2]);
		st(dst[i * 4 + 1] + off, t[i][1] + t[i][2]);
		st(dst[i * 4 + 2] + off, t[i][2] - t[i][1]);
		st(dst[i * 4 + 3] + off, t[i][1] - t[i][3]);
	}
}

/* Y = A^T m A on 8 channels, A^T = [1 1 1 0; 0 1 -1 -1]: src[16] the transformed
 * planes, dst[4] the 2x2 output cells (row-major). */
static inline __attribute__((always_inline)) void out_tile8(const float *const *src, float *const *dst, int64_t off)
{
	v8f m[4][4], s[2][4];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			m[i][j] = ld(src[i * 4 + j] + off);
	for (int j = 0; j < 4; j++) {
		s[0][j] = m[0][j] + m[1][j] + m[2][j];
		s[1][j] = m[1][j] - m[2][j] - m[3][j];
	}
	for (int i = 0; i < 2; i++) {
		st(dst[i * 2 + 0] + off, s[i][0] + s[i][1] + s[i][2]);
		st(dst[i * 2 + 1] + off, s[i][1] - s[i][2] - s[i][3]);
	}
}

/* The input transform of one tile, all channels: the last c % 8 through copies padded
 * to 8 (pad: 16 x 8 floats in, 16 x 8 out). */
LI_TARGET_CLONES
static void in_tile(const float *const *src, float *const *dst, int64_t c, float *pad)
{
	int64_t c8 = c / 8 * 8, r = c - c8;
	for (int64_t o = 0; o < c8; o += 8)
		in_tile8(src, dst, o);
	if (!r)
		return;
	const float *ps[16];
	float *pd[16];
	for (int i = 0; i < 16; i++) {
		memset(pad + i * 8, 0, 8 * sizeof *pad);
		memcpy(pad + i * 8, src[i] + c8, (size_t)r * sizeof *pad);
		ps[i] = pad + i * 8;
		pd[i] = pad + 128 + i * 8;
	}
	in_tile8(ps, pd, 0);
	for (int i = 0; i < 16; i++)
		memcpy(dst[i] + c8, pd[i], (size_t)r * sizeof *pad);
}

LI_TARGET_CLONES
static void out_tile(const float *const *src, float *const *dst, int64_t c, float *pad)
{
	int64_t c8 = c / 8 * 8, r = c - c8;
	for (int64_t o = 0; o < c8; o += 8)
		out_tile8(src, dst, o);
	if (!r)
		return;
	const float *ps[16];
	float *pd[4];
	for (int i = 0; i < 16; i++) {
		memset(pad + i * 8, 0, 8 * sizeof *pad);
		memcpy(pad + i * 8, src[i] + c8, (size_t)r * sizeof *pad);
		ps[i] = pad + i * 8;
	}
	for (int i = 0; i < 4; i++)
		pd[i] = pad + 128 + i * 8;
	out_tile8(ps, pd, 0);
	for (int i = 0; i < 4; i++)
		memcpy(dst[i] + c8, pd[i], (size_t)r * sizeof *pad);
}

int64_t li_wino_scratch(const li_conv *c, int64_t chunk)
{
	/* V, M (each plane a line longer: see li_wino_block), a zero row of cin for the
	 * padding, an edge tile's 4 cells, the channel tail */
	return 16 * (chunk * (c->cin + c->cout) + 2 * PLANE_PAD) + c->cin + 4 * c->cout + 256;
}

void li_wino_block(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		   const float *x, int64_t t0, int64_t nt, float *scratch, float *y)
{
	int64_t cin = c->cin, cout = c->cout;
	int64_t th = (go->dim[1] + 1) / 2, tw = (go->dim[2] + 1) / 2, per = th * tw;
	int64_t ih = gi->dim[1], iw = gi->dim[2], oh = go->dim[1], ow = go->dim[2];
	/* the 16 planes of V (and of M) would lie a multiple of 4 KiB apart for 64 channels,
	 * all in one L1 set: a cache line between them (perf: the transforms took 30% of
	 * the time with the planes aligned so) */
	int64_t pv = nt * cin + PLANE_PAD, pm = nt * cout + PLANE_PAD;
	float *v = scratch, *m = v + 16 * pv, *zero = m + 16 * pm;
	float *edge = zero + cin, *tail = edge + 4 * cout;
	memset(zero, 0, (size_t)cin * sizeof *zero);
	/* input transform: V[xi] is nt x cin, row t for tile t0 + t */
	for (int64_t t = 0; t < nt; t++) {
		int64_t q = t0 + t, b = q / per, r = q % per;
		int64_t i0 = r / tw * 2 - pad[1], j0 = r % tw * 2 - pad[2];
		const float *xb = x + b * ih * iw * cin, *src[16];
		float *dst[16];
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < 4; j++) {
				int64_t ii = i0 + i, jj = j0 + j;
				src[i * 4 + j] = ii >= 0 && ii < ih && jj >= 0 && jj < iw ?
						 xb + (ii * iw + jj) * cin : zero;
				dst[i * 4 + j] = v + (i * 4 + j) * pv + t * cin;
			}
		in_tile(src, dst, cin, tail);
	}
	for (int xi = 0; xi < 16; xi++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nt, (int)cout, (int)cin,
			    1.0f, v + xi * pv, (int)cin, c->wino + xi * cin * cout, (int)cout,
			    0.0f, m + xi * pm, (int)cout);
	/* output transform, then bias and activation on the cells kept */
	for (int64_t t = 0; t < nt; t++) {
		int64_t q = t0 + t, b = q / per, r = q % per;
		int64_t o0 = r / tw * 2, o1 = r % tw * 2;
		int64_t rows = oh - o0 < 2 ? 1 : 2, cols = ow - o1 < 2 ? 1 : 2;
		const float *src[16];
		float *dst[4], *yb = y + ((b * oh + o0) * ow + o1) * cout;
		for (int i = 0; i < 16; i++)
			src[i] = m + i * pm + t * cout;
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 2; j++)
				dst[i * 2 + j] = i < rows && j < cols ? yb + (i * ow + j) * cout : yb;
		if (rows == 2 && cols == 2) {
			out_tile(src, dst, cout, tail);
		} else {
			/* a tile on the bottom or right edge: its 4 cells into scratch, the
			 * ones inside the output copied out */
			float *de[4] = { edge, edge + cout, edge + 2 * cout, edge + 3 * cout };
			out_tile(src, de, cout, tail);
			for (int i = 0; i < rows; i++)
				for (int j = 0; j < cols; j++)
					memcpy(dst[i * 2 + j], de[i * 2 + j], (size_t)cout * sizeof *edge);
		}
		for (int i = 0; i < rows; i++)
			li_bias_act(yb + i * ow * cout, cols, cout, c->bias, &c->act);
	}
}
