/*
 * Placing a stream of rows into a fitted map (li-reduce --transform): the rows of an .npy
 * go through li_map_transform in batches aligned to row 0 (lib/batches.h), so that a
 * part's coordinates are the whole run's bytes whatever a GEMM in the neighbour search
 * does with the batch size; only the part's rows are written. The placement itself is
 * row by row against the fixed map (no row sees another).
 */
#include "reduce.h"

#include <math.h>
#include <stdlib.h>

#include "batches.h"

/* rows per batch (fewer for wide rows): the unit a part is aligned to */
#define TRANSFORM_BATCH 1024

int li_map_transform_npy(const li_map *m, li_npy_reader *r, int64_t lo, int64_t hi, FILE *out,
			 const li_progress *progress, int *which, li_err *err)
{
	int64_t d = li_map_features(m), k, dims = li_map_dims(m);
	int64_t per = (1 << 20) / (d > 0 ? d : 1) + 1;
	if (per > TRANSFORM_BATCH)
		per = TRANSFORM_BATCH;
	li_batch_src in = {.npy = r, .want = LI_DTYPE_F64};
	li_npy_writer *w = NULL;
	li_batches b;
	int rc = 0;
	li_batches_plan(&b, lo, hi, per, 1);
	if (progress)
		b.progress = *progress;
	b.total = hi - lo;
	double *y = malloc((size_t)per * (size_t)dims * sizeof *y);
	float *yf = malloc((size_t)per * (size_t)dims * sizeof *yf);
	*which = 0;
	if (!y || !yf) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	/* the rows before: a file seeks, a pipe reads and drops them */
	if ((rc = li_batches_start(&b, li_batch_src_read, li_batch_src_skip, &in, err)))
		goto out;
	int64_t shape[2] = {hi - lo, dims};
	if (!(w = li_npy_writer_open(out, LI_DTYPE_F32, 2, shape, err))) {
		*which = 1;
		rc = err->code;
		goto out;
	}
	while ((k = li_batches_next(&b, li_batch_src_read, li_batch_src_skip, &in, err)) > 0) {
		/* checked here so that the row number counts from the start of the file; rows
		 * outside the part are only company: a bad one there is zeroed, not refused */
		double *x = in.batch.data;
		for (int64_t i = 0; i < k * d; i++)
			if (!isfinite(x[i])) {
				if (i / d >= b.off && i / d < b.off + b.cnt) {
					rc = li_err_set(err, LI_EDATA, "row %lld: not a finite number (NaN "
							"or infinity)", (long long)(b.pos + i / d));
					goto out;
				}
				x[i] = 0;
			}
		if ((rc = li_map_transform(m, x, k, y, err)))
			goto out;
		li_convert(yf, LI_DTYPE_F32, y + b.off * dims, LI_DTYPE_F64, (size_t)(b.cnt * dims));
		if ((rc = li_npy_write_rows(w, yf, b.cnt, err))) {
			*which = 1;
			goto out;
		}
	}
	if (k < 0) {
		rc = (int)k;
		goto out;
	}
	*which = 1;
	rc = li_npy_writer_close(w, err);
	w = NULL;
out:
	li_npy_writer_free(w);
	li_array_release(&in.batch);
	free(y);
	free(yf);
	return rc;
}
