/*
 * Array shapes, dtypes and element conversion. Conversion goes through a double for
 * every pair of types but int64/uint64 to themselves, which keeps the code short and
 * exact for every value a float32 program cares about.
 */
#include "array.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name, *alias;
	size_t size;
} dtypes[LI_DTYPE_COUNT] = {
	[LI_DTYPE_BOOL] = {"bool", "b1", 1},
	[LI_DTYPE_I8] = {"int8", "i1", 1},
	[LI_DTYPE_I16] = {"int16", "i2", 2},
	[LI_DTYPE_I32] = {"int32", "i4", 4},
	[LI_DTYPE_I64] = {"int64", "i8", 8},
	[LI_DTYPE_U8] = {"uint8", "u1", 1},
	[LI_DTYPE_U16] = {"uint16", "u2", 2},
	[LI_DTYPE_U32] = {"uint32", "u4", 4},
	[LI_DTYPE_U64] = {"uint64", "u8", 8},
	[LI_DTYPE_F16] = {"float16", "f2", 2},
	[LI_DTYPE_F32] = {"float32", "f4", 4},
	[LI_DTYPE_F64] = {"float64", "f8", 8},
};

size_t li_dtype_size(li_dtype t)
{
	return (unsigned)t < LI_DTYPE_COUNT ? dtypes[t].size : 0;
}

const char *li_dtype_name(li_dtype t)
{
	return (unsigned)t < LI_DTYPE_COUNT ? dtypes[t].name : "unknown";
}

int li_dtype_parse(const char *name, li_dtype *out)
{
	for (int t = 0; t < LI_DTYPE_COUNT; t++) {
		if (!strcmp(name, dtypes[t].name) || !strcmp(name, dtypes[t].alias)) {
			*out = (li_dtype)t;
			return 0;
		}
	}
	if (!strcmp(name, "float") || !strcmp(name, "double")) {
		*out = LI_DTYPE_F64;
		return 0;
	}
	return -1;
}

int li_dtype_is_float(li_dtype t)
{
	return t == LI_DTYPE_F16 || t == LI_DTYPE_F32 || t == LI_DTYPE_F64;
}

int64_t li_shape_count(int rank, const int64_t *shape)
{
	int64_t n = 1;
	for (int i = 0; i < rank; i++)
		if (li_mul_i64(n, shape[i], &n))
			return -1;
	return n;
}

int64_t li_shape_row_elems(int rank, const int64_t *shape)
{
	return rank <= 1 ? 1 : li_shape_count(rank - 1, shape + 1);
}

void li_shape_format(int rank, const int64_t *shape, char *buf, size_t n)
{
	size_t used = 0;
	used += (size_t)snprintf(buf, n, "(");
	for (int i = 0; i < rank && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%lld", i ? ", " : "",
					 (long long)shape[i]);
	if (used < n)
		snprintf(buf + used, n - used, rank == 1 ? ",)" : ")");
}

int li_array_alloc(li_array *a, li_dtype t, int rank, const int64_t *shape, li_err *err)
{
	memset(a, 0, sizeof *a);
	if (rank < 0 || rank > LI_MAX_RANK)
		return li_err_set(err, LI_EDATA, "rank %d is out of range", rank);
	int64_t count = li_shape_count(rank, shape);
	size_t bytes;
	if (count < 0 || li_mul_size((size_t)count, li_dtype_size(t), &bytes))
		return li_err_set(err, LI_EDATA, "array size overflows");
	a->data = calloc(bytes ? bytes : 1, 1);
	if (!a->data)
		return li_err_set(err, LI_ENOMEM, "out of memory for %zu bytes", bytes);
	a->dtype = t;
	a->rank = rank;
	memcpy(a->shape, shape, (size_t)rank * sizeof *shape);
	return 0;
}

void li_array_release(li_array *a)
{
	if (!a)
		return;
	free(a->data);
	memset(a, 0, sizeof *a);
}

int64_t li_array_count(const li_array *a)
{
	return li_shape_count(a->rank, a->shape);
}

float li_half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
	uint32_t bits;
	if (exp == 0x1f) {
		bits = sign | 0x7f800000u | (man << 13);
	} else if (exp == 0) {
		/* subnormal or zero: value = man * 2^-24 */
		float v = (float)man * 5.9604644775390625e-8f;
		return sign ? -v : v;
	} else {
		bits = sign | ((exp + 112) << 23) | (man << 13);
	}
	float f;
	memcpy(&f, &bits, sizeof f);
	return f;
}

uint16_t li_float_to_half(float f)
{
	uint32_t x;
	memcpy(&x, &f, sizeof x);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
	uint32_t absx = x & 0x7fffffffu;
	if (absx >= 0x7f800000u) /* Inf or NaN (keep NaN quiet) */
		return sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0);
	if (absx >= 0x477ff000u) /* rounds to >= 65520: overflow to Inf */
		return sign | 0x7c00;
	if (absx < 0x38800000u) {
		/* subnormal half: round |f| / 2^-24 to nearest even */
		float a;
		memcpy(&a, &absx, sizeof a);
		float q = a * 16777216.0f;
		return sign | (uint16_t)lrintf(q);
	}
	uint32_t mant = absx & 0x7fffff, exp = (absx >> 23) - 112;
	uint32_t h = (exp << 10) | (mant >> 13);
	uint32_t rest = mant & 0x1fff;
	if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
		h++; /* may carry into the exponent, which is still correct */
	return sign | (uint16_t)h;
}

void li_bswap(void *data, size_t sz, size_t n)
{
	unsigned char *p = data;
	if (sz <= 1)
		return;
	for (size_t i = 0; i < n; i++, p += sz)
		for (size_t a = 0, b = sz - 1; a < b; a++, b--) {
			unsigned char t = p[a];
			p[a] = p[b];
			p[b] = t;
		}
}

static double get(const void *src, li_dtype t, size_t i)
{
	switch (t) {
	case LI_DTYPE_BOOL: return ((const uint8_t *)src)[i] != 0;
	case LI_DTYPE_I8: return ((const int8_t *)src)[i];
	case LI_DTYPE_I16: return ((const int16_t *)src)[i];
	case LI_DTYPE_I32: return ((const int32_t *)src)[i];
	case LI_DTYPE_I64: return (double)((const int64_t *)src)[i];
	case LI_DTYPE_U8: return ((const uint8_t *)src)[i];
	case LI_DTYPE_U16: return ((const uint16_t *)src)[i];
	case LI_DTYPE_U32: return ((const uint32_t *)src)[i];
	case LI_DTYPE_U64: return (double)((const uint64_t *)src)[i];
	case LI_DTYPE_F16: return li_half_to_float(((const uint16_t *)src)[i]);
	case LI_DTYPE_F32: return ((const float *)src)[i];
	case LI_DTYPE_F64: return ((const double *)src)[i];
	default: return 0;
	}
}

/* Float to integer: truncate toward zero, saturate at the type's range, NaN to 0. */
static double clampi(double v, double lo, double hi)
{
	if (isnan(v))
		return 0;
	v = trunc(v);
	return v < lo ? lo : v > hi ? hi : v;
}

static void put(void *dst, li_dtype t, size_t i, double v)
{
	switch (t) {
	case LI_DTYPE_BOOL: ((uint8_t *)dst)[i] = v != 0; break;
	case LI_DTYPE_I8: ((int8_t *)dst)[i] = (int8_t)clampi(v, INT8_MIN, INT8_MAX); break;
	case LI_DTYPE_I16: ((int16_t *)dst)[i] = (int16_t)clampi(v, INT16_MIN, INT16_MAX); break;
	case LI_DTYPE_I32: ((int32_t *)dst)[i] = (int32_t)clampi(v, INT32_MIN, INT32_MAX); break;
	case LI_DTYPE_I64:
		v = clampi(v, -9223372036854775808.0, 9223372036854774784.0);
		((int64_t *)dst)[i] = (int64_t)v;
		break;
	case LI_DTYPE_U8: ((uint8_t *)dst)[i] = (uint8_t)clampi(v, 0, UINT8_MAX); break;
	case LI_DTYPE_U16: ((uint16_t *)dst)[i] = (uint16_t)clampi(v, 0, UINT16_MAX); break;
	case LI_DTYPE_U32: ((uint32_t *)dst)[i] = (uint32_t)clampi(v, 0, UINT32_MAX); break;
	case LI_DTYPE_U64:
		((uint64_t *)dst)[i] = (uint64_t)clampi(v, 0, 18446744073709549568.0);
		break;
	case LI_DTYPE_F16: ((uint16_t *)dst)[i] = li_float_to_half((float)v); break;
	case LI_DTYPE_F32: ((float *)dst)[i] = (float)v; break;
	case LI_DTYPE_F64: ((double *)dst)[i] = v; break;
	default: break;
	}
}

void li_convert(void *dst, li_dtype dt, const void *src, li_dtype st, size_t n)
{
	if (dt == st) {
		if (dst != src)
			memmove(dst, src, n * li_dtype_size(dt));
		return;
	}
	/* 64-bit integers between themselves would lose bits through a double */
	if ((st == LI_DTYPE_I64 || st == LI_DTYPE_U64) && (dt == LI_DTYPE_I64 || dt == LI_DTYPE_U64)) {
		const int64_t *s = src;
		for (size_t i = 0; i < n; i++) {
			int64_t v = s[i];
			if (st == LI_DTYPE_I64 && v < 0)
				v = 0; /* int64 -> uint64: saturate below */
			else if (st == LI_DTYPE_U64 && (uint64_t)v > INT64_MAX)
				v = INT64_MAX;
			((int64_t *)dst)[i] = v;
		}
		return;
	}
	if (st == LI_DTYPE_F32 && dt == LI_DTYPE_F64) {
		for (size_t i = 0; i < n; i++)
			((double *)dst)[i] = ((const float *)src)[i];
		return;
	}
	/* convert through a double; in-place widening is not supported (see header) */
	for (size_t i = 0; i < n; i++)
		put(dst, dt, i, get(src, st, i));
}
