/*
 * Expectations on an array's rows (see check.h): the per-row checks, the comparison with
 * an expected array, the streaming loop over both, and a model file's class names.
 */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batches.h"
#include "h5attr.h"
#include "model.h"

/* A threshold in the input's precision. */
static double in_precision(double v, li_dtype t)
{
	if (!isfinite(v))
		return v;
	if (t == LI_DTYPE_F32)
		return (float)v;
	if (t == LI_DTYPE_F16)
		return li_half_to_float(li_float_to_half((float)v));
	return v;
}

static int same_shape(const li_npy_info *a, const li_npy_info *b)
{
	int same = a->rank == b->rank;
	for (int i = 0; same && i < a->rank; i++)
		same = a->shape[i] == b->shape[i];
	return same;
}

static void fail(li_check *c, const char *where, const char *what, const char *got,
		 const char *want)
{
	c->failures++;
	if (c->fail)
		c->fail(c->ctx, where, what, got, want);
}

void li_check_begin(li_check *c, const li_npy_info *in)
{
	c->rows = in->rank >= 2 ? in->shape[0] : 1;
	c->width = in->rank >= 2 ? li_shape_row_elems(in->rank, in->shape)
				 : li_shape_count(in->rank, in->shape);
	c->digits = in->dtype == LI_DTYPE_F32 ? 7 : in->dtype == LI_DTYPE_F16 ? 4 : 10;
	c->min_prob = in_precision(c->min_prob, in->dtype);
	c->lo = in_precision(c->lo, in->dtype);
	c->hi = in_precision(c->hi, in->dtype);
	c->same_shape = 1;
}

void li_check_expect(li_check *c, const li_npy_info *in, const li_npy_info *expect)
{
	c->same_shape = same_shape(in, expect);
	if (!c->same_shape) {
		char got[64], want[64];
		li_shape_format(in->rank, in->shape, got, sizeof got);
		li_shape_format(expect->rank, expect->shape, want, sizeof want);
		fail(c, "shape", "expect", got, want);
	}
}

/* A class index as a table cell: "7" or "7 'seven'". */
static void class_cell(const li_check *c, int64_t k, char *buf, size_t n)
{
	if (k < 0)
		snprintf(buf, n, "none");
	else if (c->names && k < c->names->n)
		snprintf(buf, n, "%lld '%.40s'", (long long)k, c->names->s[k]);
	else
		snprintf(buf, n, "%lld", (long long)k);
}

/* Per-row checks: argmax, probability, range. */
static void check_row(li_check *c, int64_t r, const double *x)
{
	char where[64], got[128], want[128];
	int64_t best = -1;
	for (int64_t j = 0; j < c->width; j++)
		if (!isnan(x[j]) && (best < 0 || x[j] > x[best]))
			best = j;
	snprintf(where, sizeof where, "row %lld", (long long)r);
	int64_t w = c->argmax ? c->argmax[c->n_argmax == 1 ? 0 : r] : -1;
	if (c->argmax && best != w) {
		class_cell(c, best, got, sizeof got);
		class_cell(c, w, want, sizeof want);
		fail(c, where, "argmax", got, want);
	}
	if (c->have_min_prob) {
		int64_t k = c->argmax ? w : best;
		double p = k >= 0 && k < c->width ? x[k] : NAN;
		if (!(p >= c->min_prob)) {
			snprintf(got, sizeof got, "%.*g (class %lld)", c->digits, p, (long long)k);
			snprintf(want, sizeof want, ">= %.6g", c->min_prob);
			fail(c, where, "min-prob", got, want);
		}
	}
	if (c->have_range)
		for (int64_t j = 0; j < c->width; j++)
			if (!(x[j] >= c->lo && x[j] <= c->hi)) {
				snprintf(where, sizeof where, "[%lld,%lld]", (long long)r, (long long)j);
				snprintf(got, sizeof got, "%.*g", c->digits, x[j]);
				snprintf(want, sizeof want, "in [%.6g, %.6g]", c->lo, c->hi);
				fail(c, where, "range", got, want);
			}
}

/* Row r of the input against row r of the expected array, within atol + rtol * |e|. */
static void check_expect_row(li_check *c, int64_t r, const double *x, const double *y)
{
	for (int64_t j = 0; j < c->width; j++) {
		double g = x[j], w = y[j];
		if ((isnan(g) && isnan(w)) || fabs(g - w) <= c->atol + c->rtol * fabs(w))
			continue;
		char where[48], got[40], want[64];
		snprintf(where, sizeof where, "[%lld,%lld]", (long long)r, (long long)j);
		snprintf(got, sizeof got, "%.*g", c->digits, g);
		snprintf(want, sizeof want, "%.*g (diff %.3g)", c->digits, w, fabs(g - w));
		fail(c, where, "expect", got, want);
	}
}

/* An .npy as li-check's rows for li_batches_next: a 0-d or 1-D array is read whole as
 * one row. */
typedef struct rows_in {
	li_npy_reader *r;
	li_array batch;
	int64_t width;
	int whole_done;
} rows_in;

static int64_t rows_read(void *src, int64_t max, li_err *err)
{
	rows_in *s = src;
	if (li_npy_info_of(s->r)->rank >= 2)
		return li_npy_read_batch(s->r, &s->batch, LI_DTYPE_F64, max, err);
	if (s->whole_done)
		return 0;
	s->whole_done = 1;
	int64_t k = li_npy_read_batch(s->r, &s->batch, LI_DTYPE_F64, s->width > 0 ? s->width : 1,
				      err);
	return k < 0 ? k : 1;
}

static int64_t rows_skip(void *src, int64_t n, li_err *err)
{
	return li_npy_skip_rows(((rows_in *)src)->r, n, err);
}

int li_check_rows(li_check *c, li_npy_reader *in, li_npy_reader *expect, int64_t lo, int64_t hi,
		  int *which, li_err *err)
{
	rows_in x = {in, {0}, c->width, 0}, e = {expect, {0}, c->width, 0};
	int use_e = expect && c->same_shape, rc = 0;
	/* rows stream through in batches of about a million values; each row is checked
	 * alone, so the batches start at lo (lib/batches.h) */
	int64_t per = c->width > 0 ? (1 << 20) / c->width : 1 << 20, n;
	li_batches b;
	li_batches_plan(&b, lo, hi, per, 0);
	*which = 0;
	/* the rows before: a file seeks, a pipe reads and drops them */
	if (li_batches_start(&b, rows_read, rows_skip, &x, err) ||
	    (use_e && lo > 0 && (*which = 1, rows_skip(&e, lo, err) < 0))) {
		rc = err->code;
		goto out;
	}
	while ((*which = 0, n = li_batches_next(&b, rows_read, rows_skip, &x, err)) > 0) {
		*which = 1;
		if (use_e) {
			int64_t m = rows_read(&e, n, err);
			if (m != n) {
				rc = m < 0 ? err->code : li_err_set(err, LI_EDATA, "truncated data");
				goto out;
			}
		}
		for (int64_t i = 0; i < n; i++) {
			int64_t r = b.pos + i, before = c->failures;
			const double *xr = (const double *)x.batch.data + i * c->width;
			check_row(c, r, xr);
			if (use_e)
				check_expect_row(c, r, xr, (const double *)e.batch.data + i * c->width);
			c->failed_rows += c->failures > before || !c->same_shape;
		}
	}
	*which = 0;
	rc = n < 0 ? (int)n : 0;
out:
	li_array_release(&x.batch);
	li_array_release(&e.batch);
	return rc;
}

/* The class names of a .keras model as a JSON array (caller frees), or NULL with err. */
static char *keras_names_json(const char *path, li_err *err)
{
	const char *const *names;
	li_model *m = li_model_load(path, NULL, err);
	if (!m)
		return NULL;
	int n = li_model_class_names(m, &names), bad = 0;
	json_t *a = json_array();
	for (int i = 0; a && i < n; i++)
		bad |= json_array_append_new(a, json_string(names[i]));
	char *json = a && n && !bad ? json_dumps(a, 0) : NULL;
	json_decref(a);
	li_model_free(m);
	if (!json)
		li_err_set(err, n ? LI_ENOMEM : LI_EDATA, n ? "out of memory"
			   : "the model has no class names (li_class_names)");
	return json;
}

/* 1 when path starts as a zip does (a Keras 3 .keras). */
static int is_zip(const char *path)
{
	char b[4];
	FILE *f = fopen(path, "rb");
	int yes = f && fread(b, 1, 4, f) == 4 && !memcmp(b, "PK\3\4", 4);
	if (f)
		fclose(f);
	return yes;
}

int li_check_model_names(const char *path, li_textlist *names, li_err *err)
{
	char *json = NULL;
	int rc = li_h5attr_string(path, "li_class_names", &json, err);
	if (rc == LI_EEND) {
		li_err_clear(err);
		return li_err_set(err, LI_EDATA, "the model has no class names (root attribute "
				  "li_class_names)");
	}
	if (rc && is_zip(path)) {
		li_err_clear(err);
		if (!(json = keras_names_json(path, err)))
			return err->code;
		rc = 0;
	}
	if (rc)
		return rc;
	if ((rc = li_textlist_from_json(json, names, err)))
		li_err_prefix(err, "li_class_names");
	free(json);
	return rc;
}
