/*
 * Text lists and label files (see textlist.h). A label stream is told apart by its
 * first byte: 0x93 starts every .npy file and can never start UTF-8 text, so one
 * getc/ungetc decides without seeking, and pipes work.
 */
#include "textlist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

#include <jansson.h>

int li_textlist_add(li_textlist *l, const char *s, li_err *err)
{
	if (l->n == l->m) {
		int64_t m = l->m ? 2 * l->m : 16;
		char **p = realloc(l->s, (size_t)m * sizeof *p);
		if (!p)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		l->s = p;
		l->m = m;
	}
	char *c = strdup(s);
	if (!c)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->s[l->n++] = c;
	return 0;
}

int li_textlist_read(FILE *f, li_textlist *l, li_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t k;
	int rc = 0;
	while ((k = getline(&line, &cap, f)) >= 0) {
		if (k > 0 && line[k - 1] == '\n')
			line[--k] = 0;
		if (k > 0 && line[k - 1] == '\r')
			line[--k] = 0;
		if (memchr(line, 0, (size_t)k)) {
			rc = li_err_set(err, LI_EDATA, "line %lld holds a NUL byte; not a text file",
					(long long)l->n + 1);
			break;
		}
		if ((rc = li_textlist_add(l, line, err)))
			break;
	}
	if (!rc && ferror(f))
		rc = li_err_set(err, LI_EIO, "read failed: %s", strerror(errno));
	free(line);
	return rc;
}

int li_textlist_from_json(const char *json, li_textlist *l, li_err *err)
{
	json_error_t je;
	json_t *a = json_loads(json, JSON_DECODE_ANY, &je);
	int rc = 0;
	if (!json_is_array(a)) {
		rc = li_err_set(err, LI_EDATA, "not a JSON array of strings");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(a) && !rc; i++) {
		json_t *v = json_array_get(a, i);
		if (!json_is_string(v))
			rc = li_err_set(err, LI_EDATA, "element %zu of the JSON array is not a string", i);
		else
			rc = li_textlist_add(l, json_string_value(v), err);
	}
out:
	json_decref(a);
	return rc;
}

int64_t li_textlist_find(const li_textlist *l, const char *s)
{
	for (int64_t i = 0; i < l->n; i++)
		if (!strcmp(l->s[i], s))
			return i;
	return -1;
}

void li_textlist_release(li_textlist *l)
{
	for (int64_t i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	memset(l, 0, sizeof *l);
}

/* Trims spaces and tabs at both ends, in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t k = strlen(s);
	while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		s[--k] = 0;
	return s;
}

static int parse_int(const char *s, int64_t *v)
{
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return -1;
	*v = x;
	return 0;
}

static int npy_labels(FILE *f, int64_t **labels, int64_t *n, li_err *err)
{
	li_array a = {0};
	int rc = li_npy_load(f, &a, -1, err);
	if (rc)
		return li_err_empty_file(err);
	int64_t count = li_array_count(&a);
	if (a.rank > 2 || (a.rank == 2 && a.shape[1] != 1)) {
		char shape[64];
		li_shape_format(a.rank, a.shape, shape, sizeof shape);
		rc = li_err_set(err, LI_EDATA, "labels of shape %s; expected one label per row",
				shape);
		goto out;
	}
	int64_t *out = malloc((size_t)(count ? count : 1) * sizeof *out);
	double *tmp = malloc((size_t)(count ? count : 1) * sizeof *tmp);
	if (!out || !tmp) {
		free(out);
		free(tmp);
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (li_dtype_is_float(a.dtype)) {
		li_convert(tmp, LI_DTYPE_F64, a.data, a.dtype, (size_t)count);
		for (int64_t i = 0; i < count; i++) {
			if (!(tmp[i] == floor(tmp[i]) && fabs(tmp[i]) < 9e15)) {
				rc = li_err_set(err, LI_EDATA, "label %.9g at row %lld is not an integer",
						tmp[i], (long long)i);
				free(out);
				free(tmp);
				goto out;
			}
			out[i] = (int64_t)tmp[i];
		}
	} else {
		li_convert(out, LI_DTYPE_I64, a.data, a.dtype, (size_t)count);
	}
	free(tmp);
	*labels = out;
	*n = count;
out:
	li_array_release(&a);
	return rc;
}

int li_textlist_labels(FILE *f, li_textlist *classes, int64_t **labels, int64_t *n,
		       li_err *err)
{
	int c = getc(f);
	if (c == EOF) {
		if (ferror(f))
			return li_err_set(err, LI_EIO, "read failed: %s", strerror(errno));
		return li_err_set(err, LI_EDATA, "empty file");
	}
	ungetc(c, f);
	if (c == 0x93)
		return npy_labels(f, labels, n, err);

	li_textlist lines = {0};
	int64_t *out = NULL;
	int rc = li_textlist_read(f, &lines, err);
	if (rc)
		goto out;
	/* integers throughout (a header line allowed), or names */
	int64_t v, first = 0;
	int ints = 1;
	for (int64_t i = 0; i < lines.n && ints; i++) {
		char *s = trim(lines.s[i]);
		if (parse_int(s, &v)) {
			if (i == 0 && lines.n > 1)
				first = 1;
			else
				ints = 0;
		}
	}
	if (first && !ints)
		first = 0;
	if (lines.n - first <= 0) {
		rc = li_err_set(err, LI_EDATA, "no labels");
		goto out;
	}
	out = malloc((size_t)(lines.n - first) * sizeof *out);
	if (!out) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t i = first; i < lines.n; i++) {
		char *s = trim(lines.s[i]);
		if (ints) {
			parse_int(s, &out[i - first]);
			continue;
		}
		size_t k = strlen(s);
		if (k >= 2 && s[0] == '"' && s[k - 1] == '"') {
			s[k - 1] = 0;
			s++;
		}
		if (!*s) {
			rc = li_err_set(err, LI_EDATA, "line %lld: empty label", (long long)i + 1);
			goto out;
		}
		if (!classes) {
			rc = li_err_set(err, LI_EDATA, "line %lld: '%s' is not an integer",
					(long long)i + 1, s);
			goto out;
		}
		int64_t idx = li_textlist_find(classes, s);
		if (idx < 0) {
			if ((rc = li_textlist_add(classes, s, err)))
				goto out;
			idx = classes->n - 1;
		}
		out[i - first] = idx;
	}
	*labels = out;
	*n = lines.n - first;
	out = NULL;
out:
	free(out);
	li_textlist_release(&lines);
	return rc;
}
