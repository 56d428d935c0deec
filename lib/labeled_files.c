/*
 * The files of a new generation of a labeled data set, each created in the generation's
 * folder (never over an existing file) and fsynced before the generation can become
 * current: any array as .npy, classes.txt, meta.json, and an append's whole generation
 * (the old rows streamed through, then the new ones; origin and latent rows padded with
 * NaN where a side had none).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labeled_internal.h"

static FILE *create_at(int dfd, const char *name, li_err *err)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f) {
		li_err_set(err, LI_EIO, "cannot create '%s': %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

/* Flushes, fsyncs and closes f; 0 or negative. */
static int finish(FILE *f, const char *name, li_err *err)
{
	int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
	int e = errno;
	bad |= fclose(f) != 0;
	if (bad)
		return li_err_set(err, LI_EIO, "writing '%s': %s", name, strerror(e ? e : errno));
	return 0;
}

int li_labeled_save_at(int gfd, const char *name, const li_array *a, li_err *err)
{
	FILE *f = create_at(gfd, name, err);
	if (!f)
		return -1;
	if (li_npy_save(f, a, err)) {
		fclose(f);
		return -1;
	}
	return finish(f, name, err);
}

int li_labeled_write_classes(int gfd, const li_class_list *c, li_err *err)
{
	FILE *f = create_at(gfd, "classes.txt", err);
	if (!f)
		return -1;
	for (int i = 0; i < c->n; i++)
		fprintf(f, "%s\n", c->v[i]);
	return finish(f, "classes.txt", err);
}

int li_labeled_write_meta(int gfd, const json_t *meta, li_err *err)
{
	FILE *f = create_at(gfd, "meta.json", err);
	if (!f)
		return -1;
	if (json_dumpf(meta, f, JSON_INDENT(1) | JSON_REAL_PRECISION(9)) != 0 || fputc('\n', f) == EOF) {
		li_err_set(err, LI_EIO, "writing 'meta.json': %s", strerror(errno));
		fclose(f);
		return -1;
	}
	return finish(f, "meta.json", err);
}

/*
 * Writes name (origin.npy, or latent.npy when latent) of total rows x dim: the data set's
 * rows first (NaN rows where it had none or they had another width), then the new ones
 * (NaN rows when add is NULL). 0 or negative.
 */
static int write_side(int gfd, const char *name, li_labeled *d, int latent, const li_array *add,
		      int64_t total, int64_t dim, li_err *err)
{
	li_array old = {0};
	li_npy_writer *w = NULL;
	FILE *f = NULL;
	float *row = NULL;
	int rc = -1;
	int64_t shape[2] = {total, dim};
	if (latent ? li_labeled_load_latent(d, &old, err) : li_labeled_load_origin(d, &old, err))
		goto out;
	if (!(f = create_at(gfd, name, err)) ||
	    !(w = li_npy_writer_open(f, LI_DTYPE_F32, 2, shape, err)))
		goto out;
	if (!(row = malloc((size_t)(dim > 0 ? dim : 1) * sizeof *row))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < total; i++) {
		const float *src = NULL;
		int64_t sk = 0;
		if (i < d->info.count) {
			src = old.data && old.rank == 2 && old.shape[0] > i
				      ? (const float *)old.data + i * old.shape[1] : NULL;
			sk = old.rank == 2 ? old.shape[1] : 0;
		} else if (add) {
			src = (const float *)add->data + (i - d->info.count) * dim;
			sk = dim;
		}
		for (int64_t j = 0; j < dim; j++)
			row[j] = src && sk == dim ? src[j] : NAN;
		if (li_npy_write_rows(w, row, 1, err))
			goto out;
	}
	rc = li_npy_writer_close(w, err);
	w = NULL;
	if (rc)
		goto out;
	rc = finish(f, name, err);
	f = NULL;
out:
	free(row);
	li_npy_writer_free(w);
	if (f)
		fclose(f);
	li_array_release(&old);
	return rc ? -1 : 0;
}

int li_labeled_write_gen(int gfd, li_labeled *d, const li_labeled_append_req *q, int rank,
			 const int64_t *shape, int64_t rows, const int64_t *labels_all,
			 const li_class_list *c, int64_t kdim, int64_t ldim, json_t *meta,
			 li_err *err)
{
	int64_t total = shape[0];
	li_array batch = {0};
	li_npy_writer *w = NULL;
	FILE *f = NULL;
	int rc = -1;

	/* samples: the old rows, then the new ones as they stream in */
	if (!(f = create_at(gfd, "samples.npy", err)))
		goto out;
	if (!(w = li_npy_writer_open(f, LI_DTYPE_F32, rank, shape, err)))
		goto out;
	int64_t re = li_shape_row_elems(rank, shape);
	int64_t per = re > 0 ? (1 << 20) / re : 1 << 20;
	if (per < 1)
		per = 1;
	int64_t k, got = 0;
	while (d->rs && (k = li_npy_read_batch(d->rs, &batch, LI_DTYPE_F32, per, err)) > 0)
		if (li_npy_write_rows(w, batch.data, k, err))
			goto out;
	if (err->code) {
		li_err_prefix(err, "reading the current samples");
		goto out;
	}
	while ((k = li_npy_read_batch(q->samples, &batch, LI_DTYPE_F32, per, err)) > 0) {
		if (li_npy_write_rows(w, batch.data, k, err))
			goto out;
		got += k;
	}
	if (k < 0) {
		li_err_prefix(err, "samples");
		goto out;
	}
	if (got != rows) {
		li_err_set(err, LI_EDATA, "samples: %lld rows arrived of %lld", (long long)got,
			   (long long)rows);
		goto out;
	}
	rc = li_npy_writer_close(w, err);
	w = NULL;
	if (rc)
		goto out;
	rc = finish(f, "samples.npy", err);
	f = NULL;
	if (rc)
		goto out;
	rc = -1;

	/* labels, classes; origin and latent: the old rows (NaN where the data set had none),
	 * then the new; meta */
	li_array a = {.dtype = LI_DTYPE_I64, .rank = 1, .shape = {total}, .data = (void *)labels_all};
	if (li_labeled_save_at(gfd, "labels.npy", &a, err) ||
	    li_labeled_write_classes(gfd, c, err) ||
	    write_side(gfd, "origin.npy", d, 0, q->origin, total, kdim, err) ||
	    (ldim > 0 && write_side(gfd, "latent.npy", d, 1, q->latent, total, ldim, err)) ||
	    li_labeled_write_meta(gfd, meta, err))
		goto out;
	rc = 0;
out:
	li_npy_writer_free(w);
	if (f)
		fclose(f);
	li_array_release(&batch);
	return rc ? (err->code ? err->code : LI_EIO) : 0;
}
