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
		cli_error(path, "%s", err.msg);
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
	if (c == CM_OPT_CARRY) {
		p->carry_state = 1;
		return 1;
	}
	return 0;
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

/* Gives the batch's rows the shape the model takes (li-embed(1): --reshape, or the automatic reshape). */
static int prep_batch(src *s, const cm_prep *p, const li_shape *want, li_shape *got)
{
	li_array *b = &s->batch;
	int64_t per = li_shape_row_elems(b->rank, b->shape);
	got->rank = b->rank - 1;
	memcpy(got->dim, b->shape + 1, sizeof(int64_t) * (size_t)got->rank);
	if (p->data.pre.reshape_rank > 0) {
		li_err err = {0};
		li_shape r;
		r.rank = li_preprocess_row_shape(&p->data.pre, got->rank, got->dim, r.dim, &err);
		if (r.rank < 0) {
			char a[256], c[256];
			r.rank = p->data.pre.reshape_rank;
			memcpy(r.dim, p->data.pre.reshape, sizeof(int64_t) * (size_t)r.rank);
			li_shape_str(&r, a, sizeof a);
			li_shape_str(got, c, sizeof c);
			cli_error(cli_name(s->path), "--reshape %s does not fit rows of shape %s", a, c);
			return -1;
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

/* With several inputs, names the file whose rows do not fit (the library's own check
 * names only the row). */
static int check_fit(const li_model *m, int row, const li_shape *got, const char *path)
{
	const li_shape *want = li_model_row_shape(m, row);
	int ok = want->rank < 0 || want->rank == got->rank;
	for (int i = 0; ok && want->rank >= 0 && i < got->rank; i++)
		ok = want->dim[i] < 0 || want->dim[i] == got->dim[i];
	if (!ok) {
		char a[256], b[256];
		li_shape_str(want, a, sizeof a);
		li_shape_str(got, b, sizeof b);
		cli_error(cli_name(path), "'%s' takes rows of shape %s, the data has %s",
			  li_model_row_name(m, row), a, b);
	}
	return !ok;
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

static int dst_write(dst *d, const cm_sink *s, const li_model *m, const float *y,
		     const li_shape *shape, int64_t n, int64_t total, li_err *err)
{
	int64_t per = li_shape_elems(shape);
	if (!d->open) {
		d->shape = *shape;
		if (!cli_out_open(&d->out, s->path, s->kind != CM_SINK_NAMES))
			return -2;
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
		cli_error(model_path, "%s", err.msg);
		goto done;
	}
	if (prep->carry_state && li_model_carry_state(m, 1, &err) < 0) {
		cli_error(model_path, "%s", err.msg);
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
	/*
	 * A selection [lo, hi) is computed in the batches of the whole run: from the batch
	 * boundary at or before lo to the one at or after hi, every batch the same rows in the
	 * same places as when all rows go through, and only the selected rows are written.
	 * So a shard's bytes are the whole run's bytes whatever a GEMM does with the batch
	 * size (OpenBLAS picks kernels, and so summation orders, by matrix size), at the cost
	 * of up to two extra batches per shard.
	 */
	int64_t B = prep->batch, base = 0, end_read = INT64_MAX;
	if (prep->sel.kind) {
		/* an unknown count (csv) serves a range from the start, not a shard */
		const li_rowsel *sel = &prep->sel;
		if (total < 0 && (sel->kind == 2 || (sel->has_a && sel->a < 0) ||
				  (sel->has_b && sel->b < 0)))
			cli_usage_error("--shard and negative --rows need a known row count; "
					"convert the input to .npy first");
		if (prep->carry_state)
			cli_usage_error("--carry-state carries recurrent state from the first row on: "
					"it cannot go with --rows or --shard");
		li_rowsel_resolve(sel, total < 0 ? INT64_MAX : total, &lo, &hi);
		if (total >= 0)
			total = hi - lo;
		base = lo / B * B;
		if (hi < INT64_MAX - B)
			end_read = (hi + B - 1) / B * B;
		/* the rows before: a .npy file seeks, a pipe reads and drops them */
		for (int k = 0; k < n_feed; k++)
			if (base > 0 && li_data_skip_rows(in[k].d, base, &err) < 0) {
				cli_error(cli_name(in[k].path), "%s", err.msg);
				goto done;
			}
	}
	int64_t done_rows = 0, pos = base;
	for (;;) {
		int64_t n = -1;
		for (int k = 0; k < n_feed; k++) {
			int64_t want_n = end_read - pos;
			if (want_n > B)
				want_n = B;
			int64_t got = want_n > 0 ? li_data_read_batch(in[k].d, &in[k].batch,
									 LI_DTYPE_F32, want_n, &err) : 0;
			if (got < 0) {
				cli_error(cli_name(in[k].path), "%s", err.msg);
				goto done;
			}
			if (n >= 0 && got != n) {
				cli_error(cli_name(in[k].path), "inputs differ in row count");
				goto done;
			}
			n = got;
			if (got > 0) {
				if (prep_batch(&in[k], prep, li_model_row_shape(m, feed[k]), &shapes[k]))
					goto done;
				if (n_feed > 1 && check_fit(m, feed[k], &shapes[k], in[k].path))
					goto done;
				vals[k] = in[k].batch.data;
			}
		}
		if (n <= 0 && pos > base)
			break;
		if (n > 0 && li_run_batch(run, n, vals, shapes, &err)) {
			cli_error(cli_name(in[0].path), "%s", err.msg);
			goto done;
		}
		/* the selected rows of this batch: [off, off + cnt) */
		int64_t off = lo > pos ? lo - pos : 0, last = pos + (n > 0 ? n : 0);
		int64_t cnt = (last < hi ? last : hi) - pos - off;
		if (cnt < 0)
			cnt = 0;
		for (int k = 0; k < n_want; k++) {
			li_shape s = *li_model_row_shape(m, want[k]);
			const float *y = NULL;
			if (n > 0) {
				y = li_run_output(run, k, &s);
				int64_t e = 1;
				for (int r = 0; r < s.rank; r++)
					e *= s.dim[r];
				y += off * e;
			}
			int rc = dst_write(&out[k], &sinks[k], m, y, &s, cnt, total, &err);
			if (rc == -2)
				goto done;
			if (rc) {
				cli_error(cli_name(sinks[k].path), "%s", err.msg);
				goto done;
			}
		}
		if (n <= 0)
			break;
		pos += n;
		done_rows += cnt;
		cli_progress(common, "rows", done_rows, total);
	}
	cli_progress_end(common);
	for (int k = 0; k < n_want; k++) {
		if (out[k].w) {
			int rc = li_npy_writer_close(out[k].w, &err);
			out[k].w = NULL;
			if (rc) {
				cli_error(cli_name(sinks[k].path), "%s", err.msg);
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
