/*
 * Streaming rows through a model for li-embed and li-propagate (see climodel.h).
 */
#include <stdlib.h>
#include <string.h>

#include "climodel.h"

li_model *cm_load(const char *path, const char *config)
{
	li_err err = {0};
	li_model *m = li_model_load(path, config, &err);
	if (!m)
		cli_fail(path, &err);
	return m;
}

void cm_blas(const cli_common *c)
{
	li_blas_set_threads(c->threads);
	char note[256];
	if (!c->quiet && li_blas_note(note, sizeof note))
		fprintf(stderr, "%s: note: %s\n", cli_prog(), note);
}

int cm_row(const li_model *m, const char *spec)
{
	int r = li_model_find(m, spec);
	if (r < 0)
		cli_usage_error("--at: no layer '%s' (li-layers lists them)", spec);
	return r;
}

void cm_prep_init(cm_prep *p)
{
	memset(p, 0, sizeof *p);
	cli_data_init(&p->data);
	p->batch = 256;
}

int cm_option(int c, const char *arg, cm_prep *p)
{
	long v;
	if (cli_data_option(c, arg, &p->data) || cli_rows_option(c, arg, &p->sel))
		return 1;
	if (c == CM_OPT_BATCH) {
		if (cli_parse_long(arg, 1, 1L << 24, &v))
			cli_usage_error("--batch: give a number of rows from 1");
		p->batch = v;
		return 1;
	}
	switch (c) {
	case CM_OPT_CARRY: p->carry_state = 1; return 1;
	case CM_OPT_AT: p->at = arg; return 1;
	case CM_OPT_CONFIG: p->config = arg; return 1;
	default: return 0;
	}
}

/* The input side: one data set per fed row, read through lib/data.h. */
typedef struct src {
	const char *path;
	li_data *d;
	li_array batch;
} src;

static int src_open(src *s, const char *path, const cm_prep *p)
{
	int status;
	li_data_opts o = p->data;
	o.pre.reshape_rank = 0; /* reshaped here, against the model's shape */
	s->path = path ? path : "-";
	s->d = cli_data_open(s->path, &o, &status);
	if (!s->d)
		return -1;
	if (li_data_scalar(s->d)) {
		cli_error(cli_name(s->path), "a 0-d array has no rows");
		return -1;
	}
	return 0;
}

static void src_close(src *s)
{
	li_data_close(s->d);
	li_array_release(&s->batch);
}

/* Gives the batch's rows the shape the model takes (li-embed(1): --reshape, or the
 * automatic reshape). 0, or LI_EDATA with err set. */
static int prep_batch(src *s, const cm_prep *p, const li_shape *want, li_shape *got, li_err *err)
{
	li_array *b = &s->batch;
	int64_t per = li_shape_row_elems(b->rank, b->shape);
	got->rank = b->rank - 1;
	memcpy(got->dim, b->shape + 1, sizeof(int64_t) * (size_t)got->rank);
	if (p->data.pre.reshape_rank > 0) {
		li_err why = {0};
		li_shape r;
		r.rank = li_preprocess_row_shape(&p->data.pre, got->rank, got->dim, r.dim, &why);
		if (r.rank < 0) {
			char a[256], c[256];
			r.rank = p->data.pre.reshape_rank;
			memcpy(r.dim, p->data.pre.reshape, sizeof(int64_t) * (size_t)r.rank);
			li_shape_str(&r, a, sizeof a);
			li_shape_str(got, c, sizeof c);
			return li_err_set(err, LI_EDATA, "--reshape %s does not fit rows of shape %s", a, c);
		}
		*got = r;
		return 0;
	}
	/* automatic: the element count of the model's (fully known) shape, another shape */
	if (want->rank >= 0 && li_shape_elems(want) == per &&
	    (got->rank != want->rank ||
	     memcmp(got->dim, want->dim, sizeof(int64_t) * (size_t)got->rank)))
		*got = *want;
	return 0;
}

/* With several inputs, says which input's rows do not fit (the library's own check
 * names only the row). 0, or LI_EDATA with err set. */
static int check_fit(const li_model *m, int row, const li_shape *got, li_err *err)
{
	const li_shape *want = li_model_row_shape(m, row);
	int ok = want->rank < 0 || want->rank == got->rank;
	for (int i = 0; ok && want->rank >= 0 && i < got->rank; i++)
		ok = want->dim[i] < 0 || want->dim[i] == got->dim[i];
	if (ok)
		return 0;
	char a[256], b[256];
	li_shape_str(want, a, sizeof a);
	li_shape_str(got, b, sizeof b);
	return li_err_set(err, LI_EDATA, "'%s' takes rows of shape %s, the data has %s",
			  li_model_row_name(m, row), a, b);
}

/* The inputs as one row source for li_batches_next: each input gives the same rows,
 * shaped for the model. failed: the input an error is about. */
typedef struct feeds {
	src *in;
	int n;
	const li_model *m;
	const int *feed;
	const cm_prep *prep;
	const float **vals;
	li_shape *shapes;
	int failed;
} feeds;

static int64_t feeds_read(void *ctx, int64_t max, li_err *err)
{
	feeds *f = ctx;
	int64_t n = -1;
	for (int k = 0; k < f->n; k++) {
		src *s = &f->in[k];
		f->failed = k;
		int64_t got = li_data_read_batch(s->d, &s->batch, LI_DTYPE_F32, max, err);
		if (got < 0)
			return got;
		if (n >= 0 && got != n)
			return li_err_set(err, LI_EDATA, "inputs differ in row count");
		n = got;
		if (got > 0) {
			if (prep_batch(s, f->prep, li_model_row_shape(f->m, f->feed[k]), &f->shapes[k],
				       err) ||
			    (f->n > 1 && check_fit(f->m, f->feed[k], &f->shapes[k], err)))
				return err->code;
			f->vals[k] = s->batch.data;
		}
	}
	return n;
}

/* the rows before a selection: a .npy file seeks, a pipe reads and drops them */
static int64_t feeds_skip(void *ctx, int64_t n, li_err *err)
{
	feeds *f = ctx;
	for (int k = 0; k < f->n; k++) {
		f->failed = k;
		if (li_data_skip_rows(f->in[k].d, n, err) < 0)
			return err->code;
	}
	return n;
}

/* The output side. */
typedef struct dst {
	cli_out out;
	li_npy_writer *w;
	li_shape shape;    /* per-row shape of the first batch */
	int open;
	int64_t *idx;
} dst;

static int argmax_rows(const float *y, int64_t n, int64_t per, int64_t *out)
{
	for (int64_t r = 0; r < n; r++) {
		const float *v = y + r * per;
		int64_t best = 0;
		for (int64_t i = 1; i < per; i++)
			if (v[i] > v[best])
				best = i;
		out[r] = best;
	}
	return 0;
}

/* Writes n rows of y to the sink: 0, negative with err filled, or 1 when the error line
 * is already printed. */
static int dst_write(dst *d, const cm_sink *s, const li_model *m, const float *y,
		     const li_shape *shape, int64_t n, int64_t total, li_err *err)
{
	int64_t per = li_shape_elems(shape);
	if (!d->open) {
		d->shape = *shape;
		if (!cli_out_open(&d->out, s->path, s->kind != CM_SINK_NAMES))
			return 1; /* the error line is printed */
		d->open = 1;
		int64_t dims[LI_MAX_RANK + 1];
		dims[0] = total;
		if (s->kind == CM_SINK_ARRAY) {
			memcpy(dims + 1, shape->dim, sizeof(int64_t) * (size_t)shape->rank);
			for (int i = 1; i <= shape->rank; i++)
				if (dims[i] < 0)
					dims[i] = 0;
			d->w = li_npy_writer_open(d->out.f, LI_DTYPE_F32, shape->rank + 1, dims, err);
		} else if (s->kind == CM_SINK_ARGMAX) {
			d->w = li_npy_writer_open(d->out.f, LI_DTYPE_I64, 1, dims, err);
		}
		if (s->kind != CM_SINK_NAMES && !d->w)
			return -1;
	} else if (shape->rank != d->shape.rank ||
		   memcmp(shape->dim, d->shape.dim, sizeof(int64_t) * (size_t)shape->rank)) {
		return li_err_set(err, LI_EDATA, "output rows change shape between batches");
	}
	if (n == 0)
		return 0;
	if (s->kind == CM_SINK_ARRAY)
		return li_npy_write_rows(d->w, y, n, err);
	int64_t *idx = realloc(d->idx, sizeof(int64_t) * (size_t)n);
	if (!idx)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	d->idx = idx;
	argmax_rows(y, n, per, idx);
	if (s->kind == CM_SINK_ARGMAX)
		return li_npy_write_rows(d->w, idx, n, err);
	const char *const *names;
	int n_names = li_model_class_names(m, &names);
	for (int64_t r = 0; r < n; r++) {
		if (idx[r] >= n_names)
			return li_err_set(err, LI_EDATA, "class %lld has no name (the model names %d)",
					  (long long)idx[r], n_names);
		fprintf(d->out.f, "%s\n", names[idx[r]]);
	}
	return 0;
}

/* dst_write with the error line printed. 0 or -1. */
static int out_rows(dst *d, const cm_sink *s, const li_model *m, const float *y,
		    const li_shape *shape, int64_t n, int64_t total)
{
	li_err err = {0};
	int rc = dst_write(d, s, m, y, shape, n, total, &err);
	if (rc < 0)
		cli_fail(cli_name(s->path), &err);
	return rc ? -1 : 0;
}

int cm_stream(li_model *m, const char *model_path, int n_feed, const int *feed, const char *const *in_paths,
	      int n_want, const int *want, const cm_sink *sinks, const cm_prep *prep,
	      const cli_common *common)
{
	int status = EXIT_DATA;
	li_err err = {0};
	li_run *run = NULL;
	src *in = calloc((size_t)n_feed, sizeof *in);
	dst *out = calloc((size_t)n_want, sizeof *out);
	const float **vals = calloc((size_t)n_feed, sizeof *vals);
	li_shape *shapes = calloc((size_t)n_feed, sizeof *shapes);
	if (!in || !out || !vals || !shapes) {
		cli_error(NULL, "out of memory");
		goto done;
	}
	run = li_run_new(m, n_feed, feed, n_want, want, &err);
	if (!run) {
		cli_fail(model_path, &err);
		goto done;
	}
	if (prep->carry_state && li_model_carry_state(m, 1, &err) < 0) {
		cli_fail(model_path, &err);
		goto done;
	}
	int64_t total = -1, lo = 0, hi = INT64_MAX;
	for (int k = 0; k < n_feed; k++) {
		if (src_open(&in[k], in_paths[k], prep))
			goto done;
		int64_t rows = li_data_rows(in[k].d);
		if (k > 0 && rows != total && rows >= 0 && total >= 0) {
			cli_error(cli_name(in[k].path), "%lld rows, the first input has %lld",
				  (long long)rows, (long long)total);
			goto done;
		}
		if (k == 0 || rows < 0)
			total = rows;
	}
	if (prep->sel.kind) {
		/* an unknown count (csv) serves a range from the start, not a shard */
		if (total < 0 && li_rowsel_needs_count(&prep->sel))
			cli_usage_error("--shard and negative --rows need a known row count; "
					"convert the input to .npy first");
		if (prep->carry_state)
			cli_usage_error("--carry-state carries recurrent state from the first row on: "
					"it cannot go with --rows or --shard");
		li_rowsel_resolve(&prep->sel, total < 0 ? INT64_MAX : total, &lo, &hi);
		if (total >= 0)
			total = hi - lo;
	}
	/* batches aligned to row 0 of the whole run: a shard's bytes are the whole run's
	 * whatever a GEMM does with the batch size (see lib/batches.h) */
	feeds fd = {in, n_feed, m, feed, prep, vals, shapes, 0};
	li_batches b;
	int64_t n;
	li_batches_plan(&b, lo, hi, prep->batch, 1);
	b.progress = cli_progress_for(common);
	b.total = total;
	while ((n = li_batches_next(&b, feeds_read, feeds_skip, &fd, &err)) > 0) {
		if (li_run_batch(run, n, vals, shapes, &err)) {
			cli_fail(cli_name(in[0].path), &err);
			goto done;
		}
		for (int k = 0; k < n_want; k++) {
			li_shape s;
			const float *y = li_run_output(run, k, &s);
			if (out_rows(&out[k], &sinks[k], m, y + b.off * li_shape_elems(&s), &s, b.cnt,
				     total))
				goto done;
		}
	}
	if (n < 0) {
		cli_fail(cli_name(in[fd.failed].path), &err);
		goto done;
	}
	/* no rows: the outputs get the rows' shape from the model */
	for (int k = 0; k < n_want; k++)
		if (!out[k].open &&
		    out_rows(&out[k], &sinks[k], m, NULL, li_model_row_shape(m, want[k]), 0, total))
			goto done;
	cli_progress_end(common);
	for (int k = 0; k < n_want; k++) {
		if (out[k].w) {
			int rc = li_npy_writer_close(out[k].w, &err);
			out[k].w = NULL;
			if (rc) {
				cli_fail(cli_name(sinks[k].path), &err);
				goto done;
			}
		}
	}
	for (int k = 0; k < n_want; k++)
		if (cli_out_commit(&out[k].out))
			goto done;
	status = 0;
done:
	for (int k = 0; out && k < n_want; k++) {
		li_npy_writer_free(out[k].w);
		cli_out_abort(&out[k].out);
		free(out[k].idx);
	}
	for (int k = 0; in && k < n_feed; k++)
		src_close(&in[k]);
	li_run_free(run);
	if (prep->carry_state)
		li_model_carry_state(m, 0, &err);
	free(in);
	free(out);
	free(vals);
	free(shapes);
	return status;
}
