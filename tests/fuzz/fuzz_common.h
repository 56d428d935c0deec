/*
 * The body every parser fuzz target shares: the input as an in-memory stream, opened
 * as the given format, every row read in small batches as float64 (and labels, when
 * there are some), then closed. Any crash, leak or sanitizer report is a bug; an error
 * return is the expected outcome for most inputs.
 */
#ifndef LI_FUZZ_COMMON_H
#define LI_FUZZ_COMMON_H

#include <stdio.h>

#include "li.h"

static int fuzz_read(const unsigned char *data, size_t size, const li_data_opts *opts)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	li_err err = {0};
	li_data *d = li_data_open_file(f, NULL, opts, &err);
	if (d) {
		li_array batch = {0};
		int64_t k, n_names;
		/* small batches, except for empty rows (a header may claim billions of them,
		 * which a real program reads in a few large batches) */
		int64_t per = li_data_row_elems(d) ? 7 : 1 << 30;
		while ((k = li_data_read_batch(d, &batch, LI_DTYPE_F64, per, &err)) > 0) {
			const int64_t *y = li_data_batch_labels(d);
			volatile int64_t sink = 0;
			for (int64_t i = 0; y && i < k; i++)
				sink += y[i];
			(void)sink;
		}
		li_data_classes(d, &n_names);
		li_array_release(&batch);
		li_data_close(d);
	}
	fclose(f);
	return 0;
}

#endif
