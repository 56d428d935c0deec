/*
 * The batches of one part of a row-wise run (--rows A:B, --shard I/N, or every row): the
 * one streaming loop of the programs that read rows in batches. It plans the batches,
 * passes over the rows before them, reads each batch through the caller's source, says
 * which of its rows belong to the part, and reports progress.
 *
 * Aligned or not. A step whose result for a row depends on the batch it runs in (a GEMM
 * picks kernels, and so summation orders, by matrix size) runs aligned: batches of a
 * fixed size counted from row 0 of the whole run, and a part [lo, hi) is computed in the
 * batches that hold it, whole, from the boundary at or before lo to the one at or after
 * hi; only the part's rows are kept. So every batch is the same as in the whole run, and
 * the parts joined (li-cat) give the whole run's bytes, at the cost of up to two extra
 * batches a part. A step that treats each row alone (a conversion, a check) runs
 * unaligned: its batches start at lo and end at hi.
 *
 * Use:
 *   li_batches b;
 *   li_batches_plan(&b, lo, hi, size, aligned);
 *   b.progress = ...; b.total = ...;          (optional)
 *   while ((n = li_batches_next(&b, read, skip, src, &err)) > 0)
 *       use rows [b.off, b.off + b.cnt) of the n rows read (the first is row b.pos);
 *   n < 0: err says why.
 */
#ifndef LI_BATCHES_H
#define LI_BATCHES_H

#include <stdint.h>

#include "data.h"
#include "err.h"
#include "npy.h"
#include "progress.h"

/*
 * A row source. read: reads up to max rows into the source's own buffer; returns the rows
 * read, 0 at the end, negative with err set. skip: passes over the next n rows (a seek,
 * or a read that drops them); returns the rows passed (fewer at the end), negative with
 * err set.
 */
typedef int64_t (*li_rows_read_fn)(void *src, int64_t max, li_err *err);
typedef int64_t (*li_rows_skip_fn)(void *src, int64_t n, li_err *err);

typedef struct li_batches {
	/* the plan (li_batches_plan) */
	int64_t lo, hi;      /* the part: rows [lo, hi) of the whole run; INT64_MAX: to the end */
	int64_t size;        /* rows per batch */
	int64_t first, end;  /* the rows read: [first, end); end INT64_MAX: to the end */
	/* progress, reported after each batch with rows as ("rows", done, total) */
	li_progress progress;
	int64_t total;       /* the part's rows for the progress line; -1 unknown */
	/* the batch li_batches_next read last */
	int64_t pos, n;      /* its rows [pos, pos + n) of the whole run */
	int64_t off, cnt;    /* the part's rows in it: [off, off + cnt) of the batch */
	int64_t done;        /* the part's rows read so far, this batch's included */
	int started;
} li_batches;

/*
 * Plans the batches of the part [lo, hi) (0 <= lo <= hi; hi INT64_MAX when the part runs
 * to the end of data whose length is not known) in batches of size rows (>= 1), aligned
 * to row 0 of the whole run or not (see above). Clears progress; total is hi - lo, or -1
 * for an open end.
 */
void li_batches_plan(li_batches *b, int64_t lo, int64_t hi, int64_t size, int aligned);

/* The rows to ask for in the batch that starts at row pos: size, fewer before the end
 * of the plan, 0 from there on. */
int64_t li_batches_want(const li_batches *b, int64_t pos);

/* Of a batch of n rows whose first is row pos, the part's rows: [*off, *off + *cnt) of
 * the batch (*cnt 0 when none). */
void li_batches_slice(const li_batches *b, int64_t pos, int64_t n, int64_t *off,
		      int64_t *cnt);

/*
 * Passes over the rows before the plan's first (skip, or read and dropped when skip is
 * NULL), once: li_batches_next does it when not done yet; call it first where the rows
 * must be passed before an output is opened. 0, or negative with err set.
 */
int li_batches_start(li_batches *b, li_rows_read_fn read, li_rows_skip_fn skip, void *src,
		     li_err *err) LI_RESULT_USED;

/*
 * Reads the next batch from src: the first call passes over the rows before the plan's
 * first (skip, or read and dropped when skip is NULL). Fills pos, n, off, cnt and done,
 * and reports the progress of the batch before. Returns the rows read (n), 0 when the
 * plan or the data has ended, negative with err set (the source's error).
 */
int64_t li_batches_next(li_batches *b, li_rows_read_fn read, li_rows_skip_fn skip, void *src,
			li_err *err) LI_RESULT_USED;

/*
 * A source over the library's readers for li_batches_next (src: an li_batch_src): rows of
 * an .npy reader or a data set, read into batch as dtype want. Set npy or data and want;
 * release batch with li_array_release() when done.
 */
typedef struct li_batch_src {
	li_npy_reader *npy;  /* borrowed; one of npy and data */
	li_data *data;       /* borrowed */
	li_dtype want;
	li_array batch;      /* the rows read last */
} li_batch_src;
int64_t li_batch_src_read(void *src, int64_t max, li_err *err) LI_RESULT_USED;
int64_t li_batch_src_skip(void *src, int64_t n, li_err *err) LI_RESULT_USED;

#endif
