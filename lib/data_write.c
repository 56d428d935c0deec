/*
 * Text writers for li-convert: CSV (through libcsv's quoting for class names) and JSON
 * (nested arrays), both written a batch of rows at a time so memory stays flat. Numbers
 * are printed with enough digits to read back exactly: %.9g for float32 and float16,
 * %.17g for float64, integers as integers, bool as 0 and 1.
 */
#include "data_internal.h"

#include <csv.h>
#include <math.h>
#include <string.h>

/* Prints element i of a (any dtype) into buf; -1 for NaN or Inf. */
static int format_elem(char *buf, size_t n, const void *data, li_dtype t, size_t i)
{
	switch (t) {
	case LI_DTYPE_BOOL: snprintf(buf, n, "%d", ((const uint8_t *)data)[i] != 0); return 0;
	case LI_DTYPE_I8: snprintf(buf, n, "%d", ((const int8_t *)data)[i]); return 0;
	case LI_DTYPE_I16: snprintf(buf, n, "%d", ((const int16_t *)data)[i]); return 0;
	case LI_DTYPE_I32: snprintf(buf, n, "%d", ((const int32_t *)data)[i]); return 0;
	case LI_DTYPE_I64: snprintf(buf, n, "%lld", (long long)((const int64_t *)data)[i]); return 0;
	case LI_DTYPE_U8: snprintf(buf, n, "%u", ((const uint8_t *)data)[i]); return 0;
	case LI_DTYPE_U16: snprintf(buf, n, "%u", ((const uint16_t *)data)[i]); return 0;
	case LI_DTYPE_U32: snprintf(buf, n, "%u", ((const uint32_t *)data)[i]); return 0;
	case LI_DTYPE_U64:
		snprintf(buf, n, "%llu", (unsigned long long)((const uint64_t *)data)[i]);
		return 0;
	default: break;
	}
	double v;
	const char *fmt = "%.9g";
	if (t == LI_DTYPE_F16)
		v = li_half_to_float(((const uint16_t *)data)[i]);
	else if (t == LI_DTYPE_F32)
		v = ((const float *)data)[i];
	else {
		v = ((const double *)data)[i];
		fmt = "%.17g";
	}
	if (isnan(v)) {
		snprintf(buf, n, "nan");
		return -1;
	}
	if (isinf(v)) {
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
		return -1;
	}
	snprintf(buf, n, fmt, v);
	return 0;
}

static int64_t row_elems_of(const li_array *a)
{
	return li_shape_row_elems(a->rank, a->shape);
}

int li_csv_write_header(FILE *f, int64_t row_elems, int with_label, char delim, li_err *err)
{
	for (int64_t j = 0; j < row_elems; j++)
		fprintf(f, "%sc%lld", j ? (char[]){delim, 0} : "", (long long)j);
	if (with_label)
		fprintf(f, "%slabel", row_elems ? (char[]){delim, 0} : "");
	if (fputc('\n', f) == EOF)
		return li_err_set(err, LI_EIO, "write error");
	return 0;
}

int li_csv_write_rows(FILE *f, const li_array *batch, const int64_t *labels, char *const *names,
		      int64_t n_names, char delim, li_err *err)
{
	int64_t rows = batch->rank ? batch->shape[0] : 1, w = row_elems_of(batch);
	char num[64];
	for (int64_t r = 0; r < rows; r++) {
		for (int64_t j = 0; j < w; j++) {
			/* CSV readers (numpy, Python's float) take nan and inf */
			format_elem(num, sizeof num, batch->data, batch->dtype, (size_t)(r * w + j));
			if (j)
				fputc(delim, f);
			fputs(num, f);
		}
		if (labels) {
			if (w)
				fputc(delim, f);
			int64_t y = labels[r];
			if (names && y >= 0 && y < n_names) {
				const char *s = names[y];
				if (strpbrk(s, "\",\t\r\n") || *s == ' ')
					csv_fwrite(f, s, strlen(s));
				else
					fputs(s, f);
			} else {
				fprintf(f, "%lld", (long long)y);
			}
		}
		if (fputc('\n', f) == EOF)
			return li_err_set(err, LI_EIO, "write error");
	}
	return 0;
}

/* Writes the elements of one row (rank-r block) as nested arrays. */
static int json_block(FILE *f, const li_array *a, int axis, size_t *at, li_err *err)
{
	if (axis == a->rank) {
		char num[64];
		if (format_elem(num, sizeof num, a->data, a->dtype, (*at)++))
			return li_err_set(err, LI_EDATA, "%s cannot be written as JSON", num);
		fputs(num, f);
		return 0;
	}
	fputc('[', f);
	for (int64_t i = 0; i < a->shape[axis]; i++) {
		if (i)
			fputs(", ", f);
		if (json_block(f, a, axis + 1, at, err))
			return err->code;
	}
	fputc(']', f);
	return 0;
}

int li_json_write_rows(FILE *f, const li_array *batch, int64_t first_row, li_err *err)
{
	int64_t rows = batch->shape[0];
	size_t at = 0;
	for (int64_t r = 0; r < rows; r++) {
		fputs(first_row + r == 0 ? "[" : ",\n ", f);
		if (json_block(f, batch, 1, &at, err)) {
			li_err_prefix(err, "row %lld", (long long)(first_row + r));
			return err->code;
		}
	}
	if (ferror(f))
		return li_err_set(err, LI_EIO, "write error");
	return 0;
}

int li_json_write_end(FILE *f, int64_t rows, li_err *err)
{
	fputs(rows ? "]\n" : "[]\n", f);
	if (ferror(f))
		return li_err_set(err, LI_EIO, "write error");
	return 0;
}
