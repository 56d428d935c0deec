/*
 * The LABELS-file reader (li_labels_load) that programs taking labels use: numeric labels
 * or class names, read through the data readers of data.c; names are mapped by classmap.c.
 */
#include "data_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* -- LABELS files ---------------------------------------------------------------- */

/* Numeric labels: N or N x 1 values, each an integer. */
static int numeric_labels(li_data *d, li_labels *out, li_err *err)
{
	int64_t shape[LI_MAX_RANK];
	int rank = li_data_row_shape(d, shape);
	if (rank > 1 || (rank == 1 && shape[0] != 1))
		return li_err_set(err, LI_EDATA, "labels must be one value per row, not rows of %lld",
				  (long long)li_data_row_elems(d));
	li_array v = {0};
	if (li_data_read_all(d, &v, LI_DTYPE_F64, err))
		return err->code;
	int64_t n = v.shape[0];
	int64_t *y = malloc((size_t)(n ? n : 1) * sizeof *y);
	if (!y) {
		li_array_release(&v);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	const double *x = v.data;
	for (int64_t i = 0; i < n; i++) {
		if (!(x[i] == floor(x[i])) || fabs(x[i]) > 9.0e15) {
			li_err_set(err, LI_EDATA, "label %lld (%g) is not an integer", (long long)i, x[i]);
			free(y);
			li_array_release(&v);
			return err->code;
		}
		y[i] = (int64_t)x[i];
	}
	li_array_release(&v);
	out->y.dtype = LI_DTYPE_I64;
	out->y.rank = 1;
	out->y.shape[0] = n;
	out->y.data = y;
	return 0;
}

/* Labels delivered with rows (csv label column, folder). */
static int row_labels(li_data *d, li_labels *out, li_err *err)
{
	li_array batch = {0};
	size_t n = 0, m = 0;
	int64_t *y = NULL, k;
	while ((k = li_data_read_batch(d, &batch, LI_DTYPE_U8, 1 << 16, err)) > 0) {
		if (n + (size_t)k > m) {
			m = m ? m * 2 : 1024;
			while (m < n + (size_t)k)
				m *= 2;
			int64_t *p = realloc(y, m * sizeof *p);
			if (!p) {
				li_err_set(err, LI_ENOMEM, "out of memory");
				k = -1;
				break;
			}
			y = p;
		}
		memcpy(y + n, li_data_batch_labels(d), (size_t)k * sizeof *y);
		n += (size_t)k;
	}
	li_array_release(&batch);
	if (k < 0) {
		free(y);
		return err->code ? err->code : LI_EDATA;
	}
	out->y.dtype = LI_DTYPE_I64;
	out->y.rank = 1;
	out->y.shape[0] = (int64_t)n;
	out->y.data = y ? y : malloc(1);
	int64_t n_names;
	char *const *names = li_data_classes(d, &n_names);
	if (names) {
		out->names = li_classmap_take(&d->classes, &out->n_names);
	}
	return out->y.data ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
}

int li_labels_load(const char *path, const li_data_opts *opts, li_labels *out, li_err *err)
{
	memset(out, 0, sizeof *out);
	li_data_opts o;
	if (opts)
		o = *opts;
	else
		li_data_opts_init(&o);
	o.cols = "";                  /* csv: the label column only */
	li_data *d = li_data_open(path, &o, err);
	if (!d)
		return err->code;
	int rc = li_data_has_labels(d) ? row_labels(d, out, err) : numeric_labels(d, out, err);
	li_data_close(d);
	if (rc)
		li_labels_release(out);
	return rc;
}

void li_labels_release(li_labels *l)
{
	if (!l)
		return;
	li_array_release(&l->y);
	for (int64_t i = 0; i < l->n_names; i++)
		free(l->names[i]);
	free(l->names);
	memset(l, 0, sizeof *l);
}

int li_labels_by_name(const char *path)
{
	struct stat st;
	li_format f = li_format_from_path(path);
	return f == LI_FORMAT_JSON || f == LI_FORMAT_MAT || f == LI_FORMAT_IDX ||
	       (path && stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

int li_labels_load_rows(const char *path, int64_t **index, char ***names, int64_t *n,
			li_err *err)
{
	li_labels l;
	*index = NULL;
	*names = NULL;
	if (li_labels_load(path, NULL, &l, err))
		return err->code ? err->code : LI_EDATA;
	*n = l.y.shape[0];
	if (!l.names) {
		*index = l.y.data;
		l.y.data = NULL;
		li_labels_release(&l);
		return 0;
	}
	/* names per row, so that the caller's class list can map them */
	char **v = calloc((size_t)(*n ? *n : 1), sizeof *v);
	int64_t i = 0;
	for (; v && i < *n; i++) {
		int64_t c = ((const int64_t *)l.y.data)[i];
		if (!(v[i] = strdup(c >= 0 && c < l.n_names ? l.names[c] : "")))
			break;
	}
	li_labels_release(&l);
	if (!v || i < *n) {
		for (int64_t j = 0; v && j < i; j++)
			free(v[j]);
		free(v);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	*names = v;
	return 0;
}
