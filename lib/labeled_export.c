/*
 * Labeled data sets, the text side and the way out: class-name files, label files (.npy of
 * integers, or text with one integer or name per line), and export of a generation as
 * .npy, CSV, JSON or a MAT v5 file (through matio), and the per-class counts as text.
 * Exports stream the samples in batches except MAT, which stores arrays column-major and
 * so transposes each array whole.
 */
#include <errno.h>
#include <math.h>
#include <matio.h>
#include <stdlib.h>
#include <string.h>

#include "labeled_internal.h"

/* ----- class and label files ----- */

/* Reads the next line without its "\n" (and "\r"); NULL at the end. *line is reused. */
static char *next_line(FILE *f, char **line, size_t *cap)
{
	ssize_t k = getline(line, cap, f);
	if (k < 0)
		return NULL;
	while (k > 0 && ((*line)[k - 1] == '\n' || (*line)[k - 1] == '\r'))
		(*line)[--k] = 0;
	return *line;
}

static int push_name(char ***v, int64_t *n, int64_t *m, const char *s, li_err *err)
{
	if (*n == *m) {
		int64_t nm = *m ? *m * 2 : 64;
		char **nv = realloc(*v, (size_t)nm * sizeof *nv);
		if (!nv)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		*v = nv;
		*m = nm;
	}
	if (!((*v)[*n] = strdup(s)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

int li_labeled_read_classes(FILE *f, char ***names, int *n_out, li_err *err)
{
	char *line = NULL, **v = NULL;
	size_t cap = 0;
	int64_t n = 0, m = 0, lineno = 0;
	while (next_line(f, &line, &cap)) {
		lineno++;
		size_t len = strlen(line);
		if (len == 0) {
			li_err_set(err, LI_EDATA, "line %lld: empty class name", (long long)lineno);
			goto fail;
		}
		for (const unsigned char *p = (const unsigned char *)line; *p; p++)
			if (*p < 0x20 || *p == 0x7f) {
				li_err_set(err, LI_EDATA, "line %lld: control character in a class name",
					   (long long)lineno);
				goto fail;
			}
		if (line[0] == ' ' || line[len - 1] == ' ') {
			li_err_set(err, LI_EDATA, "line %lld: class name begins or ends with a space",
				   (long long)lineno);
			goto fail;
		}
		for (int64_t i = 0; i < n; i++)
			if (!strcmp(v[i], line)) {
				li_err_set(err, LI_EDATA, "line %lld: class '%s' named twice",
					   (long long)lineno, line);
				goto fail;
			}
		if (n >= 1 << 20) {
			li_err_set(err, LI_EDATA, "more than %d classes", 1 << 20);
			goto fail;
		}
		if (push_name(&v, &n, &m, line, err))
			goto fail;
	}
	if (ferror(f)) {
		li_err_set(err, LI_EIO, "read error: %s", strerror(errno));
		goto fail;
	}
	free(line);
	*names = v;
	*n_out = (int)n;
	return 0;
fail:
	free(line);
	li_labeled_free_names(v, n);
	return err->code;
}

static int parse_int(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return -1;
	*out = v;
	return 0;
}

/* Trims blanks and unquotes a CSV field ("a ""b""" -> a "b") in place. */
static char *field(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		char *w = s;
		for (size_t i = 1; i + 1 < n; i++) {
			*w++ = s[i];
			if (s[i] == '"' && s[i + 1] == '"')
				i++;
		}
		*w = 0;
	}
	return s;
}

static int read_labels_npy(FILE *f, int64_t **index, int64_t *n, li_err *err)
{
	li_array a = {0};
	if (li_npy_load(f, &a, -1, err))
		return err->code;
	if (li_dtype_is_float(a.dtype) || a.dtype == LI_DTYPE_BOOL) {
		li_err_set(err, LI_EDATA, "labels are %s, not integers", li_dtype_name(a.dtype));
		goto fail;
	}
	if (!(a.rank == 1 || (a.rank == 2 && a.shape[1] == 1))) {
		char s[128];
		li_shape_format(a.rank, a.shape, s, sizeof s);
		li_err_set(err, LI_EDATA, "labels have shape %s, not one label per row", s);
		goto fail;
	}
	int64_t k = a.shape[0];
	int64_t *v = malloc(((size_t)k + 1) * sizeof *v);
	if (!v) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	if (a.dtype == LI_DTYPE_U64) { /* values past INT64_MAX are no class */
		for (int64_t i = 0; i < k; i++) {
			uint64_t u = ((const uint64_t *)a.data)[i];
			v[i] = u > INT64_MAX ? -1 : (int64_t)u;
		}
	} else {
		li_convert(v, LI_DTYPE_I64, a.data, a.dtype, (size_t)k);
	}
	li_array_release(&a);
	*index = v;
	*n = k;
	return 0;
fail:
	li_array_release(&a);
	return err->code;
}

int li_labeled_read_labels(FILE *f, int64_t **index, char ***names, int64_t *n_out, li_err *err)
{
	*index = NULL;
	*names = NULL;
	*n_out = 0;
	int c = getc(f);
	if (c == EOF) {
		if (ferror(f))
			return li_err_set(err, LI_EIO, "read error: %s", strerror(errno));
		return li_err_set(err, LI_EDATA, "empty file");
	}
	ungetc(c, f);
	if (c == 0x93) /* "\x93NUMPY" */
		return read_labels_npy(f, index, n_out, err);

	char *line = NULL, **v = NULL;
	size_t cap = 0;
	int64_t n = 0, m = 0, lineno = 0, blank = 0, not_int = 0, first_not_int = 0;
	while (next_line(f, &line, &cap)) {
		lineno++;
		char *s = field(line);
		if (!*s) {
			blank++;
			continue;
		}
		if (blank) {
			li_err_set(err, LI_EDATA, "line %lld: empty label", (long long)(lineno - 1));
			goto fail;
		}
		int64_t x;
		if (parse_int(s, &x)) {
			not_int++;
			if (n == 0)
				first_not_int = 1;
		}
		if (push_name(&v, &n, &m, s, err))
			goto fail;
	}
	if (ferror(f)) {
		li_err_set(err, LI_EIO, "read error: %s", strerror(errno));
		goto fail;
	}
	free(line);
	line = NULL;
	if (n == 0) {
		li_err_set(err, LI_EDATA, "no labels");
		goto fail;
	}
	/* a first line that alone is not a number is a CSV header */
	int skip = first_not_int && not_int == 1 && n > 1;
	if (not_int == 0 || skip) {
		int64_t *iv = malloc((size_t)n * sizeof *iv);
		if (!iv) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto fail;
		}
		for (int64_t i = skip; i < n; i++)
			parse_int(v[i], &iv[i - skip]);
		li_labeled_free_names(v, n);
		*index = iv;
		*n_out = n - skip;
		return 0;
	}
	*names = v;
	*n_out = n;
	return 0;
fail:
	free(line);
	li_labeled_free_names(v, n);
	return err->code;
}

/* ----- export ----- */

static int64_t batch_rows(const li_labeled *d)
{
	int64_t re = li_shape_row_elems(d->info.rank, d->info.shape);
	int64_t per = re > 0 ? (1 << 20) / re : 1 << 20;
	return per > 0 ? per : 1;
}

static int io_fail(FILE *f, li_err *err)
{
	if (ferror(f))
		return li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
	return 0;
}

int li_labeled_export_npy(li_labeled *d, FILE *f, li_err *err)
{
	li_array b = {0};
	int64_t k;
	li_npy_writer *w = li_npy_writer_open(f, LI_DTYPE_F32, d->info.rank, d->info.shape, err);
	if (!w)
		return err->code;
	while ((k = li_labeled_read_samples(d, &b, batch_rows(d), err)) > 0)
		if (li_npy_write_rows(w, b.data, k, err))
			break;
	li_array_release(&b);
	if (err->code) {
		li_npy_writer_free(w);
		return err->code;
	}
	return li_npy_writer_close(w, err);
}

static void csv_string(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r") && s[0] != ' ') {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int li_labeled_export_csv(li_labeled *d, FILE *f, li_err *err)
{
	int64_t re = li_shape_row_elems(d->info.rank, d->info.shape), k, row = 0;
	li_array b = {0};
	fputs("label,class", f);
	for (int64_t j = 0; j < re; j++)
		fprintf(f, ",x%lld", (long long)j);
	fputc('\n', f);
	while ((k = li_labeled_read_samples(d, &b, batch_rows(d), err)) > 0) {
		const float *x = b.data;
		for (int64_t i = 0; i < k; i++, row++) {
			int64_t l = d->labels[row];
			fprintf(f, "%lld,", (long long)l);
			csv_string(f, d->info.classes[l]);
			for (int64_t j = 0; j < re; j++)
				fprintf(f, ",%.9g", x[i * re + j]);
			fputc('\n', f);
		}
		if (io_fail(f, err))
			break;
	}
	li_array_release(&b);
	return err->code;
}

static void json_num(FILE *f, float v)
{
	if (isfinite(v))
		fprintf(f, "%.9g", v);
	else
		fputs("null", f);
}

/* Prints one row of the given shape as nested JSON arrays. */
static const float *json_rows(FILE *f, const float *x, int rank, const int64_t *shape)
{
	if (rank == 0) {
		json_num(f, *x);
		return x + 1;
	}
	fputc('[', f);
	for (int64_t i = 0; i < shape[0]; i++) {
		if (i)
			fputc(',', f);
		x = json_rows(f, x, rank - 1, shape + 1);
	}
	fputc(']', f);
	return x;
}

int li_labeled_export_json(li_labeled *d, FILE *f, li_err *err)
{
	li_array b = {0}, o = {0};
	int64_t k, row = 0;
	fputs("{\"classes\": [", f);
	for (int i = 0; i < d->info.n_classes; i++) {
		json_t *s = json_string(d->info.classes[i]);
		char *t = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		json_decref(s);
		if (!t)
			return li_err_set(err, LI_EDATA, "class %d is not valid UTF-8", i);
		fprintf(f, "%s%s", i ? ", " : "", t);
		free(t);
	}
	fputs("],\n \"labels\": [", f);
	for (int64_t i = 0; i < d->info.count; i++)
		fprintf(f, "%s%lld", i ? ", " : "", (long long)d->labels[i]);
	fputs("],\n \"samples\": [", f);
	while ((k = li_labeled_read_samples(d, &b, batch_rows(d), err)) > 0) {
		const float *x = b.data;
		for (int64_t i = 0; i < k; i++, row++) {
			fputs(row ? ",\n  " : "\n  ", f);
			x = json_rows(f, x, d->info.rank - 1, d->info.shape + 1);
		}
		if (io_fail(f, err))
			break;
	}
	fputs("]", f);
	if (!err->code && d->info.origin_dim > 0) {
		if (li_labeled_load_origin(d, &o, err))
			goto out;
		fputs(",\n \"origin\": [", f);
		const float *x = o.data;
		for (int64_t i = 0; i < d->info.count; i++) {
			fputs(i ? ",\n  " : "\n  ", f);
			x = json_rows(f, x, 1, &d->info.origin_dim);
		}
		fputs("]", f);
	}
	fputs("}\n", f);
	io_fail(f, err);
out:
	li_array_release(&o);
	li_array_release(&b);
	return err->code;
}

/* C order (rows of shape dims) to MATLAB's column-major order, of the same dims. */
static void to_fortran(float *dst, const float *src, int rank, const size_t *dims)
{
	size_t n = 1, idx[LI_MAX_RANK] = {0};
	for (int i = 0; i < rank; i++)
		n *= dims[i];
	for (size_t c = 0; c < n; c++) {
		size_t fo = 0, stride = 1;
		for (int i = 0; i < rank; i++) {
			fo += idx[i] * stride;
			stride *= dims[i];
		}
		dst[fo] = src[c];
		for (int i = rank - 1; i >= 0; i--) {
			if (++idx[i] < dims[i])
				break;
			idx[i] = 0;
		}
	}
}

static int mat_put(mat_t *mat, const char *name, enum matio_classes cls, enum matio_types t,
		   int rank, size_t *dims, void *data, li_err *err)
{
	matvar_t *v = Mat_VarCreate(name, cls, t, rank, dims, data, MAT_F_DONT_COPY_DATA);
	if (!v)
		return li_err_set(err, LI_ENOMEM, "cannot make MAT variable '%s'", name);
	int rc = Mat_VarWrite(mat, v, MAT_COMPRESSION_NONE);
	Mat_VarFree(v);
	if (rc)
		return li_err_set(err, LI_EIO, "cannot write MAT variable '%s'", name);
	return 0;
}

int li_labeled_export_mat(li_labeled *d, const char *path, li_err *err)
{
	li_array s = {0}, o = {0};
	float *t = NULL;
	matvar_t *cell = NULL;
	size_t dims[LI_MAX_RANK];
	int rank = d->info.rank < 2 ? 2 : d->info.rank;
	mat_t *mat = Mat_CreateVer(path, NULL, MAT_FT_MAT5);
	if (!mat)
		return li_err_set(err, LI_EIO, "cannot create the MAT file");

	/* samples: read whole, then column-major; a rank-1 set becomes N x 1 */
	int64_t total = d->info.count, re = li_shape_row_elems(d->info.rank, d->info.shape);
	size_t n, nb;
	if (li_mul_size((size_t)total, (size_t)re, &n) || li_mul_size(n + 1, sizeof(float), &nb) ||
	    !(t = malloc(nb)) || !(s.data = malloc(nb))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_array b = {0};
	int64_t k, got = 0;
	while ((k = li_labeled_read_samples(d, &b, batch_rows(d), err)) > 0) {
		memcpy((float *)s.data + got * re, b.data, (size_t)(k * re) * sizeof(float));
		got += k;
	}
	li_array_release(&b);
	if (err->code)
		goto out;
	for (int i = 0; i < rank; i++)
		dims[i] = i < d->info.rank ? (size_t)d->info.shape[i] : 1;
	to_fortran(t, s.data, rank, dims);
	if (mat_put(mat, "samples", MAT_C_SINGLE, MAT_T_SINGLE, rank, dims, t, err))
		goto out;

	size_t ld[2] = {(size_t)total, 1};
	if (mat_put(mat, "labels", MAT_C_INT64, MAT_T_INT64, 2, ld, d->labels, err))
		goto out;

	size_t cd[2] = {(size_t)d->info.n_classes, 1};
	cell = Mat_VarCreate("classes", MAT_C_CELL, MAT_T_CELL, 2, cd, NULL, 0);
	if (!cell) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < d->info.n_classes; i++) {
		size_t sd[2] = {1, strlen(d->info.classes[i])};
		matvar_t *c = Mat_VarCreate(NULL, MAT_C_CHAR, MAT_T_UINT8, 2, sd, d->info.classes[i], 0);
		if (!c) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		Mat_VarSetCell(cell, i, c); /* the cell owns c now */
	}
	if (Mat_VarWrite(mat, cell, MAT_COMPRESSION_NONE)) {
		li_err_set(err, LI_EIO, "cannot write MAT variable 'classes'");
		goto out;
	}

	if (d->info.origin_dim > 0) {
		if (li_labeled_load_origin(d, &o, err))
			goto out;
		size_t od[2] = {(size_t)total, (size_t)d->info.origin_dim};
		free(t);
		if (!(t = malloc((size_t)li_array_count(&o) * sizeof *t + 1))) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		to_fortran(t, o.data, 2, od);
		if (mat_put(mat, "origin", MAT_C_SINGLE, MAT_T_SINGLE, 2, od, t, err))
			goto out;
	}
out:
	Mat_VarFree(cell);
	if (Mat_Close(mat) != 0)
		li_err_set(err, LI_EIO, "write error");
	li_array_release(&o);
	li_array_release(&s);
	free(t);
	return err->code;
}

int li_labeled_export_format(const char *path)
{
	const char *ext = strrchr(path, '.');
	ext = ext ? ext : "";
	return !strcmp(path, "-") || !strcmp(ext, ".npy") ? LI_LABELED_NPY
	       : !strcmp(ext, ".csv") ? LI_LABELED_CSV : !strcmp(ext, ".json") ? LI_LABELED_JSON
	       : !strcmp(ext, ".mat") ? LI_LABELED_MAT : -1;
}

int li_labeled_export(li_labeled *d, int format, FILE *f, const char *path, li_err *err)
{
	switch (format) {
	case LI_LABELED_NPY: return li_labeled_export_npy(d, f, err);
	case LI_LABELED_CSV: return li_labeled_export_csv(d, f, err);
	case LI_LABELED_JSON: return li_labeled_export_json(d, f, err);
	case LI_LABELED_MAT: return li_labeled_export_mat(d, path, err);
	case LI_LABELED_STATS: return li_labeled_write_stats(d, f, err);
	}
	return li_err_set(err, LI_EUSAGE, "unknown export format");
}

/* ----- the counts ----- */

int li_labeled_write_stats(const li_labeled *d, FILE *f, li_err *err)
{
	const li_labeled_info *in = &d->info;
	int64_t *n = calloc((size_t)in->n_classes + 1, sizeof *n);
	if (!n)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t i = 0; i < in->count; i++)
		n[d->labels[i]]++;
	char shape[256];
	li_shape_format(in->rank - 1, in->shape + 1, shape, sizeof shape);
	fprintf(f, "generation %lld\nsamples %lld\nrow shape %s\nsource dtype %s\norigin %lld\n"
		"classes %d\n", in->generation, (long long)in->count, shape,
		(int)in->source_dtype >= 0 ? li_dtype_name(in->source_dtype) : "unknown",
		(long long)in->origin_dim, in->n_classes);
	for (int i = 0; i < in->n_classes; i++)
		fprintf(f, "%6d %8lld  %s\n", i, (long long)n[i], in->classes[i]);
	free(n);
	return 0;
}
