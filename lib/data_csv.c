/*
 * CSV and TSV data through libcsv (strict mode: quotes must be well formed; CR, LF and
 * CRLF all end a row; blank lines are skipped). Rows stream: the input is parsed a chunk
 * at a time and each completed row is turned into numbers in the row callback, so
 * memory holds one chunk's rows at most.
 *
 * Header rule (opts.header = -1): the first row is a header when some field of it is not
 * a number while the same field of the second row is; a file of one row is a header when
 * any field is not a number (and then holds no data, which is an error). Columns are
 * chosen by --cols (names need a header; indices are 0-based; "a-b" is an inclusive range
 * of indices) and every other column is ignored; --label-col names the label column,
 * whose values are integers (when the first data row's label is one) or names mapped to
 * indices (order of first appearance, or a class-name file). Every row must have as many
 * fields as the first. Errors name the line as the record number, the header included
 * (blank lines, which libcsv skips, and quoted line breaks are not counted).
 */
#include "data_internal.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1 << 16)

typedef struct field {
	size_t off, len;
} field;

typedef struct csv_state {
	struct csv_parser p;
	char delim;
	int eof, resolved, header;
	/* the current row's fields */
	char *text;
	size_t n_text, m_text;
	field *fields;
	size_t n_fields, m_fields;
	/* the first row, kept until the header question is settled */
	char **first;
	size_t n_first;
	int have_first;
	/* columns */
	size_t n_cols;                /* fields per row */
	int64_t *sel;                 /* selected column indices */
	int64_t n_sel;
	int64_t label;                /* label column or -1 */
	int label_mode;               /* 0 undecided, 1 integers, 2 names */
	/* converted rows waiting to be read */
	double *pend;
	int64_t *pend_labels;
	size_t n_pend, m_pend;        /* rows */
	int64_t row_no;               /* data rows seen */
	int64_t line;                 /* records seen, the header included */
	li_err err;
	const char *cols_spec, *label_spec;
} csv_state;

static int is_space(unsigned char c)
{
	return c == ' ';
}

static void on_field(void *s, size_t len, void *data)
{
	csv_state *st = ((li_data *)data)->impl;
	if (st->err.code)
		return;
	if (len && memchr(s, 0, len)) { /* a NUL would cut the field's text short */
		li_err_set(&st->err, LI_EDATA, "line %lld, field %zu holds a NUL byte; not a "
			   "text file", (long long)st->line + 1, st->n_fields);
		return;
	}
	if (st->n_fields == st->m_fields) {
		size_t m = st->m_fields ? st->m_fields * 2 : 64;
		field *p = realloc(st->fields, m * sizeof *p);
		if (!p) {
			li_err_set(&st->err, LI_ENOMEM, "out of memory");
			return;
		}
		st->fields = p;
		st->m_fields = m;
	}
	if (st->n_text + len + 1 > st->m_text) {
		size_t m = st->m_text ? st->m_text : 1024;
		while (m < st->n_text + len + 1)
			m *= 2;
		char *p = realloc(st->text, m);
		if (!p) {
			li_err_set(&st->err, LI_ENOMEM, "out of memory");
			return;
		}
		st->text = p;
		st->m_text = m;
	}
	if (len)
		memcpy(st->text + st->n_text, s, len);
	st->text[st->n_text + len] = '\0';
	st->fields[st->n_fields++] = (field){st->n_text, len};
	st->n_text += len + 1;
}

static const char *fstr(const csv_state *st, size_t i)
{
	return st->text + st->fields[i].off;
}

/* A column given by name (header) or index. -1 with err set when unknown. */
static int64_t find_col(csv_state *st, const char *spec, size_t n, li_err *err)
{
	if (st->header) {
		for (size_t j = 0; j < st->n_first; j++)
			if (strlen(st->first[j]) == n && !strncmp(st->first[j], spec, n))
				return (int64_t)j;
	}
	char buf[32];
	int64_t v;
	if (n < sizeof buf) {
		memcpy(buf, spec, n);
		buf[n] = '\0';
		if (!li_parse_label_int(buf, &v)) {
			if (v >= 0 && (size_t)v < st->n_cols)
				return v;
			li_err_set(err, LI_EUSAGE, "column %lld out of range (%zu columns)",
				   (long long)v, st->n_cols);
			return -1;
		}
	}
	li_err_set(err, LI_EUSAGE, st->header ? "no column named '%.*s'" :
		   "no column named '%.*s' (the file has no header row)", (int)n, spec);
	return -1;
}

static int add_sel(csv_state *st, int64_t j, li_err *err)
{
	int64_t *p = realloc(st->sel, (size_t)(st->n_sel + 1) * sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	st->sel = p;
	st->sel[st->n_sel++] = j;
	return 0;
}

/* Settles columns once the header question is settled. */
static int resolve(csv_state *st, li_err *err)
{
	st->n_cols = st->n_first;
	st->label = -1;
	if (st->label_spec) {
		st->label = find_col(st, st->label_spec, strlen(st->label_spec), err);
		if (st->label < 0)
			return err->code;
	}
	const char *c = st->cols_spec;
	if (!c) {
		for (size_t j = 0; j < st->n_cols; j++)
			if ((int64_t)j != st->label && add_sel(st, (int64_t)j, err))
				return err->code;
	} else if (!*c && !st->label_spec) {
		/* labels only, no column named: the only column */
		if (st->n_cols != 1)
			return li_err_set(err, LI_EUSAGE, "%zu columns: choose the label column", st->n_cols);
		st->label = 0;
	} else {
		while (*c) {
			const char *e = strchr(c, ',');
			size_t n = e ? (size_t)(e - c) : strlen(c);
			int64_t j = -1;
			const char *dash = memchr(c, '-', n);
			/* a name first (names may hold '-'), then a range a-b */
			li_err tmp = {0};
			j = find_col(st, c, n, &tmp);
			if (j >= 0) {
				if (add_sel(st, j, err))
					return err->code;
			} else if (dash && dash > c) {
				int64_t a = find_col(st, c, (size_t)(dash - c), err);
				int64_t b = a < 0 ? -1 : find_col(st, dash + 1, n - (size_t)(dash - c) - 1, err);
				if (b < 0)
					return err->code;
				if (b < a)
					return li_err_set(err, LI_EUSAGE, "empty column range '%.*s'", (int)n, c);
				for (int64_t k = a; k <= b; k++)
					if (add_sel(st, k, err))
						return err->code;
			} else {
				return li_err_set(err, tmp.code, "%s", tmp.msg);
			}
			c += n;
			if (*c == ',')
				c++;
		}
	}
	st->resolved = 1;
	return 0;
}

static int reserve_pend(csv_state *st, size_t width, li_err *err)
{
	if (st->n_pend < st->m_pend)
		return 0;
	size_t m = st->m_pend ? st->m_pend * 2 : 64, bytes;
	if (li_mul_size(m, width ? width : 1, &bytes) || li_mul_size(bytes, sizeof(double), &bytes))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	double *p = realloc(st->pend, bytes);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	st->pend = p;
	int64_t *q = realloc(st->pend_labels, m * sizeof *q);
	if (!q)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	st->pend_labels = q;
	st->m_pend = m;
	return 0;
}

/* Converts the fields (strings) of one data row. */
static int take_row(li_data *d, csv_state *st, char *const *f, size_t n, int64_t line,
		    li_err *err)
{
	st->row_no++;
	if (n != st->n_cols)
		return li_err_set(err, LI_EDATA, "line %lld has %zu field%s, the first line %zu",
				  (long long)line, n, n == 1 ? "" : "s", st->n_cols);
	if (reserve_pend(st, (size_t)st->n_sel, err))
		return err->code;
	double *out = st->pend + st->n_pend * (size_t)st->n_sel;
	for (int64_t k = 0; k < st->n_sel; k++) {
		const char *s = f[st->sel[k]];
		int bad = li_parse_number(s, strlen(s), &out[k]);
		if (bad)
			return li_err_set(err, LI_EDATA, "line %lld, column %lld: '%.60s' %s",
					  (long long)line, (long long)st->sel[k], s, bad == -2
					  ? "is beyond float64 (overflows to infinity)" : "is not a number");
	}
	if (st->label >= 0) {
		const char *s = f[st->label];
		int64_t v;
		if (!st->label_mode)
			st->label_mode = d->classes.fixed || li_parse_label_int(s, &v) ? 2 : 1;
		if (st->label_mode == 1) {
			if (li_parse_label_int(s, &v))
				return li_err_set(err, LI_EDATA, "line %lld: label '%.60s' is not an integer",
						  (long long)line, s);
		} else {
			while (*s == ' ')
				s++;
			v = li_classmap_get(&d->classes, s, err);
			if (v < 0) {
				li_err_prefix(err, "line %lld", (long long)line);
				return err->code;
			}
		}
		st->pend_labels[st->n_pend] = v;
	}
	st->n_pend++;
	return 0;
}

static int copy_first(csv_state *st, li_err *err)
{
	st->first = calloc(st->n_fields ? st->n_fields : 1, sizeof *st->first);
	if (!st->first)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	st->n_first = st->n_fields;
	for (size_t j = 0; j < st->n_fields; j++) {
		const char *s = fstr(st, j);
		if (j == 0 && !strncmp(s, "\xef\xbb\xbf", 3))
			s += 3;               /* a UTF-8 byte-order mark */
		while (*s == ' ')
			s++;
		if (!(st->first[j] = strdup(s)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	st->have_first = 1;
	return 0;
}

static int numeric(const char *s)
{
	double v;
	return !li_parse_number(s, strlen(s), &v);
}

/* Decides the header from the first row and (when there is one) the current row. */
static int settle(li_data *d, csv_state *st, int have_second, li_err *err)
{
	if (st->header < 0) {
		st->header = 0;
		for (size_t j = 0; j < st->n_first; j++) {
			if (numeric(st->first[j]))
				continue;
			if (!have_second || (j < st->n_fields && numeric(fstr(st, j))))
				st->header = 1;
		}
	}
	if (resolve(st, err))
		return err->code;
	if (!st->header && take_row(d, st, st->first, st->n_first, 1, err))
		return err->code;
	return 0;
}

static void on_row(int c, void *data)
{
	(void)c;
	li_data *d = data;
	csv_state *st = d->impl;
	st->line++;
	if (st->err.code)
		goto out;
	if (!st->have_first) {
		if (copy_first(st, &st->err) || (st->header >= 0 && settle(d, st, 0, &st->err)))
			goto out;
		goto out;
	}
	if (!st->resolved && settle(d, st, 1, &st->err))
		goto out;
	char **f = malloc((st->n_fields ? st->n_fields : 1) * sizeof *f);
	if (!f) {
		li_err_set(&st->err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < st->n_fields; j++)
		f[j] = st->text + st->fields[j].off;
	take_row(d, st, f, st->n_fields, st->line, &st->err);
	free(f);
out:
	st->n_fields = 0;
	st->n_text = 0;
}

/* Parses the next chunk (or finishes at the end). 0 or negative. */
static int parse_more(li_data *d, csv_state *st, li_err *err)
{
	char buf[CHUNK];
	size_t n = fread(buf, 1, sizeof buf, d->file);
	if (!st->delim) {
		/* not named by the caller: tabs without commas on the first line mean TSV */
		const char *nl = memchr(buf, '\n', n);
		size_t line = nl ? (size_t)(nl - buf) : n;
		st->delim = memchr(buf, ',', line) || !memchr(buf, '\t', line) ? ',' : '\t';
		csv_set_delim(&st->p, (unsigned char)st->delim);
		if (st->delim == '\t')
			d->format = LI_FORMAT_TSV;
	}
	if (n > 0) {
		if (csv_parse(&st->p, buf, n, on_field, on_row, d) != n && !st->err.code)
			li_err_set(&st->err, LI_EDATA, "malformed csv (%s)",
				   csv_strerror(csv_error(&st->p)));
	} else {
		if (ferror(d->file))
			return li_err_set(err, LI_EIO, "read error");
		st->eof = 1;
		if (csv_fini(&st->p, on_field, on_row, d) && !st->err.code)
			li_err_set(&st->err, LI_EDATA, "malformed csv (%s)",
				   csv_error(&st->p) == CSV_EPARSE ? "unterminated quoted field" :
				   csv_strerror(csv_error(&st->p)));
		if (!st->err.code && st->have_first && !st->resolved)
			settle(d, st, 0, &st->err);
	}
	if (st->err.code)
		return li_err_set(err, st->err.code, "%s", st->err.msg);
	return 0;
}

static int64_t csv_read(li_data *d, li_array *batch, li_dtype want, int64_t max, li_err *err)
{
	csv_state *st = d->impl;
	while (st->n_pend < (size_t)max && !st->eof)
		if (parse_more(d, st, err))
			return err->code;
	int64_t k = (int64_t)st->n_pend < max ? (int64_t)st->n_pend : max;
	if (k == 0)
		return 0;
	if (li_data_reserve(d, batch, want, k, err))
		return err->code;
	size_t w = (size_t)st->n_sel;
	if (k > 0 && w > 0)	/* no elements: src may be NULL */
		li_convert(batch->data, want, st->pend, LI_DTYPE_F64, (size_t)k * w);
	if (st->label >= 0) {
		if (li_data_reserve_labels(d, k, err))
			return err->code;
		memcpy(d->batch_labels, st->pend_labels, (size_t)k * sizeof(int64_t));
		memmove(st->pend_labels, st->pend_labels + k, (st->n_pend - (size_t)k) * sizeof(int64_t));
	}
	memmove(st->pend, st->pend + (size_t)k * w, (st->n_pend - (size_t)k) * w * sizeof(double));
	st->n_pend -= (size_t)k;
	return k;
}

static void csv_close(li_data *d)
{
	csv_state *st = d->impl;
	if (!st)
		return;
	csv_free(&st->p);
	free(st->text);
	free(st->fields);
	for (size_t j = 0; j < st->n_first; j++)
		free(st->first[j]);
	free(st->first);
	free(st->sel);
	free(st->pend);
	free(st->pend_labels);
	free(st);
}

static const li_data_ops csv_ops = {csv_read, csv_close};

int li_data_open_csv(li_data *d, char delim, li_err *err)
{
	csv_state *st = calloc(1, sizeof *st);
	if (!st)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	d->impl = st;
	d->ops = &csv_ops;
	if (csv_init(&st->p, CSV_STRICT | CSV_STRICT_FINI))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	if (delim)
		csv_set_delim(&st->p, (unsigned char)delim);
	csv_set_space_func(&st->p, is_space);
	st->delim = delim;
	st->header = d->opts.header;
	st->cols_spec = d->opts.cols;
	st->label_spec = d->opts.label_col;
	if (d->opts.classes && li_classmap_load(&d->classes, d->opts.classes, err))
		return err->code;
	while (!st->resolved && !st->eof)
		if (parse_more(d, st, err))
			return err->code;
	if (!st->have_first)
		return li_err_set(err, LI_EDATA, "no rows");
	if (!st->n_pend && st->eof)
		return li_err_set(err, LI_EDATA, st->header ? "only a header, no data rows" : "no data rows");
	d->dtype = LI_DTYPE_F64;
	d->has_labels = st->label >= 0;
	li_data_set_shape(d, 2, (int64_t[]){-1, st->n_sel});
	d->rows = -1;
	return 0;
}
