/*
 * The format-dispatching data writer (see data_writer.h): each batch goes to the .npy
 * writer, the CSV or JSON text writers (data_write.c), or into memory for .mat, whose
 * file is written at close by li_mat_write (by name; through a temporary file when the
 * output is a stream).
 */
#include "data_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct li_data_writer {
	FILE *f;
	li_data_writer_opts o;
	int64_t shape[LI_MAX_RANK];
	int64_t row_elems, n_rows;
	li_npy_writer *npy;
	/* labels gathered for li_data_writer_labels */
	int64_t *y;
	size_t n_y, m_y;
	/* .mat: the rows gathered */
	li_array all;
	size_t n_all, m_all;
};

li_data_writer *li_data_writer_open(FILE *f, const li_data_writer_opts *o, li_err *err)
{
	li_data_writer *w = calloc(1, sizeof *w);
	if (!w) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	w->f = f;
	w->o = *o;
	memcpy(w->shape, o->shape, (size_t)o->rank * sizeof *o->shape);
	w->o.shape = w->shape;
	w->row_elems = o->rank ? li_shape_row_elems(o->rank, w->shape) : 1;
	if (o->to == LI_FORMAT_NPY) {
		if (!(w->npy = li_npy_writer_open(f, o->dtype, o->rank, w->shape, err)))
			goto fail;
	} else if ((o->to == LI_FORMAT_CSV || o->to == LI_FORMAT_TSV) && o->labeled) {
		if (li_csv_write_header(f, w->row_elems, 1, o->to == LI_FORMAT_TSV ? '\t' : ',', err))
			goto fail;
	}
	return w;
fail:
	li_data_writer_free(w);
	return NULL;
}

/* Appends n bytes of src to a growing buffer (*buf, *len, *cap); -1 when out of memory. */
static int append(void **buf, size_t *len, size_t *cap, const void *src, size_t n, size_t first)
{
	if (*len + n > *cap) {
		size_t m = *cap ? *cap : first;
		while (m < *len + n)
			m *= 2;
		void *p = realloc(*buf, m);
		if (!p)
			return -1;
		*buf = p;
		*cap = m;
	}
	memcpy((char *)*buf + *len, src, n);
	*len += n;
	return 0;
}

int li_data_writer_rows(li_data_writer *w, const li_array *batch, const int64_t *labels,
			char *const *names, int64_t n_names, li_err *err)
{
	int64_t k = batch->rank ? batch->shape[0] : 1;
	int rc = 0;
	switch (w->o.to) {
	case LI_FORMAT_NPY: rc = li_npy_write_rows(w->npy, batch->data, k, err); break;
	case LI_FORMAT_CSV:
	case LI_FORMAT_TSV:
		rc = li_csv_write_rows(w->f, batch, labels, names, n_names,
				       w->o.to == LI_FORMAT_TSV ? '\t' : ',', err);
		break;
	case LI_FORMAT_JSON:
		/* a 0-d array is a bare number (the csv writer prints exactly that) */
		rc = !w->o.rank ? li_csv_write_rows(w->f, batch, NULL, NULL, 0, ',', err)
				: li_json_write_rows(w->f, batch, w->n_rows, err);
		break;
	default: {
		size_t bytes = (size_t)(k * w->row_elems) * li_dtype_size(batch->dtype);
		if (append(&w->all.data, &w->n_all, &w->m_all, batch->data, bytes, 1 << 16))
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
		break;
	}
	}
	if (!rc && labels && w->o.keep_labels) {
		size_t len = w->n_y * sizeof *w->y, cap = w->m_y * sizeof *w->y;
		void *y = w->y;
		if (append(&y, &len, &cap, labels, (size_t)k * sizeof *labels, 1024 * sizeof *labels))
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
		w->y = y;
		w->n_y = len / sizeof *w->y;
		w->m_y = cap / sizeof *w->y;
	}
	if (!rc)
		w->n_rows += k;
	return rc;
}

/* Writes the gathered rows as a .mat file at mat_path, or through a temporary file into f. */
static int write_mat(li_data_writer *w, li_err *err)
{
	if (w->o.mat_path)
		return li_mat_write(w->o.mat_path, w->o.var, &w->all, w->o.mat_version, err);
	const char *dir = getenv("TMPDIR");
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s/li-convert.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(tmp);
	if (fd < 0)
		return li_err_set(err, LI_EIO, "cannot make a temporary file: %s", strerror(errno));
	close(fd);
	int rc = li_mat_write(tmp, w->o.var, &w->all, w->o.mat_version, err);
	FILE *f = rc ? NULL : fopen(tmp, "rb");
	if (!rc && f) {
		char buf[1 << 16];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			if (fwrite(buf, 1, n, w->f) != n)
				break;
		if (ferror(f) || ferror(w->f))
			rc = li_err_set(err, LI_EIO, "write error");
	}
	if (f)
		fclose(f);
	unlink(tmp);
	return rc;
}

int li_data_writer_close(li_data_writer *w, li_err *err)
{
	if (w->o.to == LI_FORMAT_NPY) {
		int rc = li_npy_writer_close(w->npy, err);
		w->npy = NULL;
		return rc;
	}
	if (w->o.to == LI_FORMAT_JSON && w->o.rank)
		return li_json_write_end(w->f, w->n_rows, err);
	if (w->o.to == LI_FORMAT_MAT) {
		w->all.dtype = w->o.dtype;
		w->all.rank = w->o.rank;
		memcpy(w->all.shape, w->shape, (size_t)w->o.rank * sizeof *w->shape);
		if (w->o.rank)
			w->all.shape[0] = w->n_rows;
		if (!w->all.data && !(w->all.data = malloc(1)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
		return write_mat(w, err);
	}
	return 0;
}

int64_t li_data_writer_count(const li_data_writer *w)
{
	return w->n_rows;
}

li_array li_data_writer_labels(const li_data_writer *w)
{
	return (li_array){.dtype = LI_DTYPE_I64, .rank = 1, .shape = {(int64_t)w->n_y},
			  .data = w->y};
}

void li_data_writer_free(li_data_writer *w)
{
	if (!w)
		return;
	li_npy_writer_free(w->npy);
	free(w->y);
	li_array_release(&w->all);
	free(w);
}
