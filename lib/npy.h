/*
 * .npy files and streams (numpy's format, versions 1.0, 2.0 and 3.0).
 *
 * Reading never seeks, so a reader works on a pipe, and several arrays may follow each
 * other in one stream: open a reader, read its rows, close it, open the next. Rows are
 * converted to the dtype the caller asks for as they arrive. No allocation is ever sized
 * by what a header claims: on a regular file the claim is checked against the file's
 * size when the reader opens, and on a pipe memory grows only with bytes really read.
 *
 * "Row" means one index along the first axis; a 0-d array has one row of one element.
 * Fortran-ordered arrays of rank >= 2 are read whole (growing with the bytes received)
 * and transposed, since their rows are not contiguous in the stream.
 */
#ifndef LI_NPY_H
#define LI_NPY_H

#include <stdio.h>

#include "array.h"

typedef struct li_npy_info {
	int version;                  /* 1, 2 or 3 */
	li_dtype dtype;
	int big_endian;               /* the data's byte order in the file */
	int fortran;                  /* fortran_order: True */
	int rank;
	int64_t shape[LI_MAX_RANK];
} li_npy_info;

typedef struct li_npy_reader li_npy_reader;

/*
 * Reads the magic string and header of the next array from f. Returns a reader, or NULL
 * with err set: LI_EEND when the stream ended before its first byte (no more arrays),
 * LI_EDATA for a bad or unsupported header, LI_EIO for a read error. f stays the
 * caller's; close the reader with li_npy_close() before closing f.
 */
li_npy_reader *li_npy_open(FILE *f, li_err *err);
/* 1 when the next byte of f is the first of .npy's magic (0x93), else 0; the byte is put
 * back. For telling a .npy on a pipe from other data. */
int li_npy_sniff(FILE *f);

/* The header as parsed. Borrowed: valid until the reader is closed. */
const li_npy_info *li_npy_info_of(const li_npy_reader *r);
/* Rows (shape[0], or 1 for a 0-d array) and elements per row. */
int64_t li_npy_rows(const li_npy_reader *r);
int64_t li_npy_row_elems(const li_npy_reader *r);

/*
 * Reads up to max_rows of the remaining rows into buf (room for max_rows * row_elems
 * elements of type want), converted to want. Returns the rows read, 0 when the array is
 * exhausted, negative on error ("truncated data" when the stream ends early).
 */
int64_t li_npy_read_rows(li_npy_reader *r, void *buf, li_dtype want, int64_t max_rows,
			 li_err *err) LI_RESULT_USED;

/*
 * Like li_npy_read_rows, into batch, which this call (re)allocates as data arrives and
 * the caller reuses across calls and frees with li_array_release(). batch gets dtype
 * want, the file's row shape and shape[0] = rows read (rank >= 1 always).
 */
int64_t li_npy_read_batch(li_npy_reader *r, li_array *batch, li_dtype want, int64_t max_rows,
			  li_err *err) LI_RESULT_USED;

/* Skips up to k of the remaining rows (read and dropped; memory stays flat). Returns the
 * rows skipped, or negative ("truncated data" when the stream ends early). */
int64_t li_npy_skip_rows(li_npy_reader *r, int64_t k, li_err *err) LI_RESULT_USED;

/* Frees the reader; does not close its FILE. NULL allowed. */
void li_npy_close(li_npy_reader *r);

/* Reads one whole array from f into out (dtype want, or the file's own dtype when want
 * is -1). Caller frees with li_array_release(). 0 or negative (LI_EEND at end). */
int li_npy_load(FILE *f, li_array *out, int want, li_err *err) LI_RESULT_USED;

typedef struct li_npy_writer li_npy_writer;

/*
 * Starts writing an array of dtype t and the given shape to f. When shape[0] is -1 the
 * row count is not known up front: rows are spooled (in memory, then a temporary file)
 * and the header is written with the real count at close. f stays the caller's.
 * Returns NULL with err set on failure.
 */
li_npy_writer *li_npy_writer_open(FILE *f, li_dtype t, int rank, const int64_t *shape,
				  li_err *err);
/* Appends n rows of native-endian data of the writer's dtype. 0 or negative. */
int li_npy_write_rows(li_npy_writer *w, const void *rows, int64_t n, li_err *err)
	LI_RESULT_USED;
/* Finishes the array (header if spooled; checks the row count) and frees w. 0 or negative;
 * w is freed either way. */
int li_npy_writer_close(li_npy_writer *w, li_err *err) LI_RESULT_USED;
/* Frees w without finishing (after an error). NULL allowed. */
void li_npy_writer_free(li_npy_writer *w);

/* Writes a whole array. 0 or negative. */
int li_npy_save(FILE *f, const li_array *a, li_err *err) LI_RESULT_USED;

#endif
