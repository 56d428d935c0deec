/*
 * Points as text, one a line: numbers separated by spaces or commas ("1.5 -2" or
 * "1.5,-2"); blank lines and lines starting with '#' are skipped. li-invert reads map
 * coordinates this way from a pipe (echo '1.5 -2' | li-invert map.h5). A reader hands
 * out batches of points for li_batches_next (batches.h).
 */
#ifndef LI_POINTS_H
#define LI_POINTS_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct li_points li_points;

/* A reader of points of dims numbers from f (borrowed) in batches of up to max_batch
 * points. NULL when out of memory. Free with li_points_free(). */
li_points *li_points_new(FILE *f, int dims, int64_t max_batch);
void li_points_free(li_points *p);

/*
 * Reads up to max (at most max_batch) points into the reader's buffer (li_points_rows):
 * the points read, 0 at the end, negative with err set: LI_EDATA for a line that is not
 * dims finite numbers or holds a NUL byte ("line 3: ..."), LI_EIO for a read error. A
 * li_rows_read_fn (src: the li_points).
 */
int64_t li_points_read(void *p, int64_t max, li_err *err) LI_RESULT_USED;
/* Reads and drops n points (each line still checked): the points passed, negative with
 * err set. A li_rows_skip_fn. */
int64_t li_points_skip(void *p, int64_t n, li_err *err) LI_RESULT_USED;
/* The points of the last read, dims doubles each; borrowed until the next read. */
double *li_points_rows(li_points *p);

#endif
