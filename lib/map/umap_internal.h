/*
 * Declarations shared only inside lib/umap*.c (and its unit test): the fast power that
 * the SGD's gradients use, as a scalar and over a vector of LI_UMAP_LANES floats (GCC
 * vector extensions; what the 2-D SGD runs on).
 */
#ifndef LI_UMAP_INTERNAL_H
#define LI_UMAP_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * x^b as 2^(b log2 x), with polynomials fitted on Chebyshev nodes: log2 of the mantissa
 * in [sqrt(1/2), sqrt(2)) to 2.2e-7 absolute (degree 7 in m - 1), exp2 of the fraction
 * in [-1/2, 1/2] to 2.3e-7 relative (degree 5). For every normal x > 0 with
 * |b log2 x| < 126 the result is within 1e-5 relative of the exact power (7e-6 at
 * worst, where |b log2 x| is large and the float sum e + log2 m loses digits;
 * tests/unit/test_umap.c sweeps x over 1e-30 .. 1e30); other x (0, subnormal, inf,
 * NaN) and larger exponents go to powf. Plain float operations in a fixed order (C11
 * mode keeps FMA contraction off), so the same bytes on every machine; unlike powf it
 * has no branches on the data, so it runs lane by lane in li_umap_vpow below.
 */
/* Frees the inverse's cache (umap_inverse.c; NULL allowed). */
void li_umap_inv_cache_free(struct li_umap_inv_cache *c);

static inline float li_umap_pow(float x, float b)
{
	if (!(x >= 1.17549435e-38f && x <= 3.4e38f))
		return powf(x, b);
	uint32_t u;
	memcpy(&u, &x, sizeof(u));
	int e = (int)(u >> 23) - 127;
	u = (u & 0x007fffffu) | 0x3f800000u;
	float m;
	memcpy(&m, &u, sizeof(m));
	if (m > 1.41421356f) {
		m *= 0.5f;
		e++;
	}
	float t = m - 1.0f;
	float p = -0.1443716447517784f;
	p = p * t + 0.23131930170368617f;
	p = p * t - 0.24826620585597858f;
	p = p * t + 0.2873950849610241f;
	p = p * t - 0.3603087422766518f;
	p = p * t + 0.4809150355500772f;
	p = p * t - 0.7213514885458874f;
	p = p * t + 1.442694997739629f;
	float y = b * ((float)e + p * t);
	if (!(y > -126.0f && y < 126.0f))
		return powf(x, b);
	/* round to nearest: adding 1.5 * 2^23 leaves no fraction bits */
	float r = (y + 12582912.0f) - 12582912.0f;
	float f = y - r;
	float q = 0.001339528536407251f;
	q = q * f + 0.00967076787534441f;
	q = q * f + 0.05550340668100081f;
	q = q * f + 0.2402221165794857f;
	q = q * f + 0.6931472000679485f;
	q = q * f + 1.000000052291761f;
	uint32_t s = (uint32_t)((int)r + 127) << 23;
	float sc;
	memcpy(&sc, &s, sizeof(sc));
	return q * sc;
}

#define LI_UMAP_LANES 8

/*
 * The vector helpers must be inlined into their caller: a caller compiled for AVX2
 * (target_clones) passes 32-byte vectors in registers, a generic out-of-line copy
 * expects them in memory (the ABI difference GCC's -Wpsabi warns of), so a call that
 * is not inlined (as at -O1 under the sanitizers) would read garbage.
 */
#define LI_UMAP_INLINE __attribute__((always_inline))

typedef float li_umap_vf __attribute__((vector_size(4 * LI_UMAP_LANES)));
typedef int32_t li_umap_vi __attribute__((vector_size(4 * LI_UMAP_LANES)));

static inline LI_UMAP_INLINE li_umap_vf li_umap_splat(float v)
{
	li_umap_vf r = { 0 };
	for (int q = 0; q < LI_UMAP_LANES; q++)
		r[q] = v;
	return r;
}

static inline LI_UMAP_INLINE li_umap_vf li_umap_sel(li_umap_vi m, li_umap_vf a, li_umap_vf b)
{
	return (li_umap_vf)(((li_umap_vi)a & m) | ((li_umap_vi)b & ~m));
}

/* li_umap_pow lane by lane: the same operations, so the same bits wherever
 * li_umap_pow does not hand over to powf; there, x is clamped to the normal floats and
 * b log2 x to +-126 instead (no difference to a gradient step, and never inf or NaN
 * from a finite x). */
static inline LI_UMAP_INLINE li_umap_vf li_umap_vpow(li_umap_vf x, float b)
{
	const li_umap_vf lo = li_umap_splat(1.17549435e-38f), hi = li_umap_splat(3.4e38f);
	x = li_umap_sel(x < lo, lo, x);
	x = li_umap_sel(x > hi, hi, x);
	li_umap_vi u = (li_umap_vi)x;
	li_umap_vi e = (u >> 23) - 127;
	li_umap_vf m = (li_umap_vf)((u & 0x007fffff) | 0x3f800000);
	li_umap_vi big = m > 1.41421356f;
	m = li_umap_sel(big, m * 0.5f, m);
	e = e - big;
	li_umap_vf t = m - 1.0f;
	li_umap_vf p = t * -0.1443716447517784f + 0.23131930170368617f;
	p = p * t - 0.24826620585597858f;
	p = p * t + 0.2873950849610241f;
	p = p * t - 0.3603087422766518f;
	p = p * t + 0.4809150355500772f;
	p = p * t - 0.7213514885458874f;
	p = p * t + 1.442694997739629f;
	li_umap_vf y = b * (__builtin_convertvector(e, li_umap_vf) + p * t);
	y = li_umap_sel(y < -126.0f, li_umap_splat(-126.0f), y);
	y = li_umap_sel(y > 126.0f, li_umap_splat(126.0f), y);
	/* round to nearest: adding 1.5 * 2^23 leaves no fraction bits */
	li_umap_vf r = (y + 12582912.0f) - 12582912.0f;
	li_umap_vf f = y - r;
	li_umap_vf q = f * 0.001339528536407251f + 0.00967076787534441f;
	q = q * f + 0.05550340668100081f;
	q = q * f + 0.2402221165794857f;
	q = q * f + 0.6931472000679485f;
	q = q * f + 1.000000052291761f;
	li_umap_vf sc = (li_umap_vf)((__builtin_convertvector(r, li_umap_vi) + 127) << 23);
	return q * sc;
}

#endif
