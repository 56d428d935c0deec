/*
 * n-dimensional arrays: the plain data every program passes around. An li_array owns
 * its data (malloc'd) unless a function says otherwise; li_array_release frees it.
 * Data is always C order (row-major) and native byte order.
 */
#ifndef LI_ARRAY_H
#define LI_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum li_dtype {
	LI_DTYPE_BOOL,
	LI_DTYPE_I8, LI_DTYPE_I16, LI_DTYPE_I32, LI_DTYPE_I64,
	LI_DTYPE_U8, LI_DTYPE_U16, LI_DTYPE_U32, LI_DTYPE_U64,
	LI_DTYPE_F16, LI_DTYPE_F32, LI_DTYPE_F64,
	LI_DTYPE_COUNT
} li_dtype;

#define LI_MAX_RANK 32

typedef struct li_array {
	li_dtype dtype;
	int rank;                     /* 0 for a scalar */
	int64_t shape[LI_MAX_RANK];
	void *data;                   /* count * dtype size bytes, C order, native endian */
} li_array;

/* Bytes per element. */
size_t li_dtype_size(li_dtype t);
/* numpy's name: "bool", "int8", ..., "float64". */
const char *li_dtype_name(li_dtype t);
/* Parses a numpy dtype name ("float32", "f4", "uint8", ...); 0 or -1 if unknown. */
int li_dtype_parse(const char *name, li_dtype *out);
int li_dtype_is_float(li_dtype t);

/* Element count (product of the shape; 1 for rank 0); -1 when it overflows int64. */
int64_t li_shape_count(int rank, const int64_t *shape);
/* Elements per row: product of shape[1..]; 1 for rank <= 1. -1 on overflow. */
int64_t li_shape_row_elems(int rank, const int64_t *shape);
/* Writes "(3, 28, 28)" into buf. */
void li_shape_format(int rank, const int64_t *shape, char *buf, size_t n);

/* Allocates a zero-filled array; a->data NULL on failure (LI_ENOMEM, or LI_EDATA when the
 * size overflows). Returns 0 or negative. Caller frees with li_array_release(). */
int li_array_alloc(li_array *a, li_dtype t, int rank, const int64_t *shape, li_err *err)
	LI_RESULT_USED;
/* Frees a's data (NULL and released arrays allowed) and resets it. */
void li_array_release(li_array *a);
/* Element count of a. */
int64_t li_array_count(const li_array *a);

/*
 * Converts n elements from src (type st, native endian) to dst (type dt). Float to
 * integer truncates toward zero and saturates; NaN becomes 0; any nonzero becomes true.
 * dst and src must not overlap unless they are the same pointer and types are equal.
 */
void li_convert(void *dst, li_dtype dt, const void *src, li_dtype st, size_t n);

/* IEEE half <-> single conversion (round to nearest even). */
float li_half_to_float(uint16_t h);
uint16_t li_float_to_half(float f);

/* Reverses the byte order of n elements of size sz in place. */
void li_bswap(void *data, size_t sz, size_t n);

#endif
