/*
 * Expectations on an array's rows, li-check's work: each row's argmax (an index per row
 * or one for all), the winning probability, a value range, and equality with an expected
 * array within atol + rtol * |e| (NaN matches NaN). The rows stream through in batches,
 * so memory stays flat. Each failure goes to the caller's callback as the four cells of
 * a table row (where, check, got, expected); the library prints nothing.
 */
#ifndef LI_CHECK_H
#define LI_CHECK_H

#include <stdint.h>

#include "err.h"
#include "npy.h"
#include "textlist.h"

typedef void (*li_check_fail_fn)(void *ctx, const char *where, const char *what,
				 const char *got, const char *want);

typedef struct li_check {
	/* the expectations, set by the caller */
	const int64_t *argmax;     /* the class of each row (n_argmax 1: of every row); NULL */
	int64_t n_argmax;
	int have_min_prob, have_range;
	double min_prob, lo, hi;
	double atol, rtol;         /* for an expected array */
	const li_textlist *names;  /* class names for the cells; NULL: numbers only */
	li_check_fail_fn fail;
	void *ctx;
	/* the input as li_check_begin sees it: a 0-d or 1-D array is one row */
	int64_t rows, width;
	int digits;                /* significant digits of the input's dtype */
	int same_shape;            /* the expected array has the input's shape */
	/* the outcome */
	int64_t failures, failed_rows;
} li_check;

/*
 * Takes the input's header: rows and width, and the thresholds in the input's precision
 * (a float32 0.9 is 0.899999976, so --min-prob 0.9 passes it).
 */
void li_check_begin(li_check *c, const li_npy_info *in);
/* Takes the expected array's header: one of another shape than in's is one failure
 * ("shape"), and its rows are not compared. */
void li_check_expect(li_check *c, const li_npy_info *in, const li_npy_info *expect);

/*
 * Checks rows [lo, hi) of in (rank 2 or more when lo > 0 or hi < rows) against the
 * expectations, and of expect when given with the same shape; the rows before lo are
 * passed over. Returns 0 (failures are counted, not errors), or negative with err set
 * and *which 0 when reading in failed, 1 when reading expect did.
 */
int li_check_rows(li_check *c, li_npy_reader *in, li_npy_reader *expect, int64_t lo, int64_t hi,
		  int *which, li_err *err) LI_RESULT_USED;

/* The class names of a model file: the root attribute li_class_names of an HDF5 model,
 * or metadata.json's of a Keras 3 .keras zip. Appends to names. 0 or negative. */
int li_check_model_names(const char *path, li_textlist *names, li_err *err) LI_RESULT_USED;

#endif
