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
	const char *core = li_blas_slow_core();
	if (core && !c->quiet)
		fprintf(stderr, "%s: note: OpenBLAS runs its generic '%s' kernels on this CPU; "
			"OPENBLAS_CORETYPE=SkylakeX (or Haswell) makes it faster\n", cli_prog(),
			core);
}

int cm_row(const li_model *m, const char *spec)
{
	int r = li_model_find(m, spec);
	if (r < 0)
		cli_usage_error("--at: no layer '%s' (li-layers lists them)", spec);
	return r;
}

/* The input side: one .npy stream per fed row. */
typedef struct src {
	const char *path;
	FILE *f;
	li_npy_reader *r;
	li_array batch;
} src;

static int src_open(src *s, const char *path)
{
	li_err err = {0};
	s->path = path ? path : "-";
	s->f = cli_open_in(s->path);
	if (!s->f)
		return -1;
	s->r = li_npy_open(s->f, &err);
	if (!s->r) {
		cli_error(cli_name(s->path), "%s", err.code == LI_EEND ? "empty file" : err.msg);
		return -1;
	}
	return 0;
}

static void src_close(src *s)
{
	li_npy_close(s->r);
	cli_close_in(s->f);
	li_array_release(&s->batch);
}

/* Scales and gives the batch's rows the shape the model takes (see CONVENTIONS). */
static int prep_batch(src *s, const cm_prep *p, const li_shape *want, li_shape *got)
{
	li_array *b = &s->batch;
	int64_t n = b->shape[0], per = li_shape_row_elems(b->rank, b->shape);
	float *x = b->data;
	if (p->scale != 1.0 || p->offset != 0.0)
		for (int64_t i = 0; i < n * per; i++)
			x[i] = (float)(x[i] * p->scale + p->offset);
	got->rank = b->rank - 1;
	memcpy(got->dim, b->shape + 1, sizeof(int64_t) * (size_t)got->rank);
	if (p->reshape_rank > 0) {
		li_shape r = {.rank = p->reshape_rank};
		memcpy(r.dim, p->reshape, sizeof(int64_t) * (size_t)r.rank);
		if (li_shape_elems(&r) != per) {
			char a[256], c[256];
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

int cm_stream(const li_model *m, const char *model_path, int n_feed, const int *feed, const char *const *in_paths,
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
	int64_t total = -1;
	for (int k = 0; k < n_feed; k++) {
		if (src_open(&in[k], in_paths[k]))
			goto done;
		int64_t rows = li_npy_rows(in[k].r);
		if (total >= 0 && rows != total) {
			cli_error(cli_name(in[k].path), "%lld rows, the first input has %lld",
				  (long long)rows, (long long)total);
			goto done;
		}
		total = rows;
	}
	int64_t done_rows = 0;
	for (;;) {
		int64_t n = -1;
		for (int k = 0; k < n_feed; k++) {
			int64_t got = li_npy_read_batch(in[k].r, &in[k].batch, LI_DTYPE_F32, prep->batch,
							&err);
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
		if (n <= 0 && done_rows > 0)
			break;
		if (n > 0 && li_run_batch(run, n, vals, shapes, &err)) {
			cli_error(cli_name(in[0].path), "%s", err.msg);
			goto done;
		}
		for (int k = 0; k < n_want; k++) {
			li_shape s = *li_model_row_shape(m, want[k]);
			const float *y = NULL;
			if (n > 0)
				y = li_run_output(run, k, &s);
			int rc = dst_write(&out[k], &sinks[k], m, y, &s, n > 0 ? n : 0, total, &err);
			if (rc == -2)
				goto done;
			if (rc) {
				cli_error(cli_name(sinks[k].path), "%s", err.msg);
				goto done;
			}
		}
		if (n <= 0)
			break;
		done_rows += n;
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
	free(in);
	free(out);
	free(vals);
	free(shapes);
	return status;
}
