/*
 * What the model fuzz targets share: whatever loaded is described (every row's name,
 * class, shape, inputs, and the tensors crossing a cut after it, as li-layers does) and,
 * when every shape is known and small, two rows of made-up data run through the whole
 * model, as li-embed would. Any crash, leak or sanitizer report is a bug; a refused
 * model is the expected outcome for most inputs.
 */
#ifndef LI_FUZZ_MODEL_H
#define LI_FUZZ_MODEL_H

#include <stdlib.h>
#include <string.h>

#include "li.h"

/* Rows of made-up data per run, and the largest row a run may hold per layer. */
enum { FUZZ_ROWS = 2, FUZZ_MAX_ELEMS = 1 << 14 };

static void fuzz_model_run(const li_model *m)
{
	int n_in = li_model_n_inputs(m), n_out = li_model_n_outputs(m), rows = li_model_rows(m);
	if (n_in < 1 || n_out < 1 || n_in > 16)
		return;
	for (int i = 0; i < rows; i++) {
		int64_t e = li_shape_elems(li_model_row_shape(m, i));
		if (e < 0 || e > FUZZ_MAX_ELEMS)
			return; /* unknown or large: a real program would need real data */
	}
	int feed[16], *want = malloc(sizeof(int) * (size_t)n_out);
	float *in[16] = {0};
	li_shape shapes[16];
	li_err err = {0};
	li_run *r = NULL;
	if (!want)
		return;
	for (int k = 0; k < n_out; k++)
		want[k] = li_model_output_row(m, k);
	for (int k = 0; k < n_in; k++) {
		feed[k] = li_model_input_row(m, k);
		shapes[k] = *li_model_row_shape(m, feed[k]);
		int64_t e = li_shape_elems(&shapes[k]) * FUZZ_ROWS;
		if (!(in[k] = malloc(sizeof(float) * (size_t)(e ? e : 1))))
			goto out;
		for (int64_t j = 0; j < e; j++)
			in[k][j] = (float)((j * 7 + k) % 11) / 4.0f - 1.0f;
	}
	r = li_run_new(m, n_in, feed, n_out, want, &err);
	if (r && li_run_batch(r, FUZZ_ROWS, (const float *const *)in, shapes, &err) == 0)
		for (int k = 0; k < n_out; k++) {
			li_shape s;
			const float *y = li_run_output(r, k, &s);
			int64_t e = li_shape_elems(&s) * FUZZ_ROWS;
			volatile float sink = 0;
			for (int64_t j = 0; y && j < e; j++)
				sink += y[j];
			(void)sink;
		}
out:
	li_run_free(r);
	for (int k = 0; k < n_in; k++)
		free(in[k]);
	free(want);
}

static void fuzz_model_use(const li_model *m)
{
	int rows = li_model_rows(m), cross[8];
	volatile size_t sink = 0;
	for (int i = 0; i < rows; i++) {
		const int *in;
		int n = li_model_row_inputs(m, i, &in);
		sink += strlen(li_model_row_name(m, i)) + strlen(li_model_row_class(m, i));
		sink += (size_t)li_model_row_shape(m, i)->rank + (size_t)li_model_row_params(m, i);
		for (int k = 0; k < n; k++)
			sink += (size_t)in[k];
		if (li_model_row_problem(m, i))
			sink += strlen(li_model_row_problem(m, i));
		if (rows < 200) /* quadratic: li-layers does it for every row */
			sink += (size_t)li_model_crossing(m, i, cross, 8) + (size_t)li_model_is_split(m, i);
	}
	(void)sink;
	fuzz_model_run(m);
}

#endif
