/*
 * Data sets in any format, read row by row: .npy, .json, .mat (v4, v5, v7.3), .csv/.tsv,
 * IDX (MNIST's format), and labeled data-set folders (DATASET/current/...). Any file
 * may be gzip-compressed. A reader hands out batches of rows converted to the
 * dtype the caller asks for; streaming formats (.npy, csv, IDX) keep memory flat, the
 * others (.json, .mat) are loaded whole first. "-" is standard input (any format: .mat is
 * spooled to a temporary file for matio).
 *
 * Format: by the extension (".gz" looked through), else by content: "\x93NUMPY",
 * "MATLAB" (v5/v7.3 header), IDX magic (0, 0, type, rank), '[' or '{' for JSON, else
 * text read as CSV (tab-separated when the first line has tabs and no commas).
 * .mat v4 files have no magic: name them .mat or pass the format.
 *
 * Sample axis: "row" always means an index along the first axis of the array as the
 * reader delivers it. A .mat variable of MATLAB size d0 x d1 x ... is delivered with
 * shape (d0, d1, ...) holding x(i0+1, i1+1, ...) at [i0, i1, ...] (as scipy.io.loadmat
 * does), so MATLAB's first dimension is the sample axis; a 1 x N or N x 1 variable is
 * delivered as N rows of scalars. sample_axis = k moves axis k to the front (numpy's
 * moveaxis(x, k, 0)) for the whole-array formats (.json, .mat): MATLAB users who store
 * samples as columns pass 1.
 *
 * Strings in li_data_opts are borrowed only during li_data_open.
 */
#ifndef LI_DATA_H
#define LI_DATA_H

#include <stdio.h>

#include "array.h"
#include "npy.h"

typedef enum li_format {
	LI_FORMAT_AUTO = 0,
	LI_FORMAT_NPY, LI_FORMAT_JSON, LI_FORMAT_MAT, LI_FORMAT_CSV, LI_FORMAT_TSV,
	LI_FORMAT_IDX, LI_FORMAT_FOLDER,
	LI_FORMAT_COUNT
} li_format;

/* "npy", "json", "mat", "csv", "tsv", "idx", "folder" ("auto" for AUTO). */
const char *li_format_name(li_format f);
/* Parses a name as above; 0 or -1. */
int li_format_parse(const char *name, li_format *out);
/* The format a path names by its extension (".gz" looked through; "...-idx3-ubyte" is
 * IDX); LI_FORMAT_AUTO when the name does not say. Does not look at the file. */
li_format li_format_from_path(const char *path);

/* Preprocessing, as li-embed's --scale/--offset/--reshape spell it. */
typedef struct li_preprocess {
	double scale, offset;         /* x * scale + offset, after conversion to float [1, 0] */
	int reshape_rank;             /* 0: keep the row shape */
	int64_t reshape[LI_MAX_RANK - 1];  /* the per-row shape; one entry may be -1 */
} li_preprocess;

typedef struct li_data_opts {
	li_format format;             /* AUTO: by extension, then by content */
	const char *var;              /* .json member / .mat variable; NULL: the only numeric one */
	const char *cols;             /* csv: "name,3,5-9" (names, 0-based indices, inclusive
				       * ranges); NULL: every column but the label column */
	const char *label_col;        /* csv: the label column, name or index; NULL: none */
	int header;                   /* csv: -1 detect, 0 no header row, 1 a header row */
	int sample_axis;              /* .json/.mat: axis moved to the front [0]; -1 the last */
	const char *classes;          /* file of class names, one a line: string labels map to
				       * their line; NULL: order of first appearance */
	li_preprocess pre;
} li_data_opts;

/* Defaults: AUTO, header -1, sample_axis 0, scale 1, offset 0, no reshape. */
void li_data_opts_init(li_data_opts *o);

typedef struct li_data li_data;

/*
 * Opens a data set. path "-" (or NULL) is standard input. Returns a reader, or NULL with
 * err set (LI_EDATA bad contents, LI_EIO cannot read, LI_EUSAGE impossible options).
 * Close with li_data_close().
 */
li_data *li_data_open(const char *path, const li_data_opts *opts, li_err *err);
/* The same on an open stream f (borrowed: close it after the reader). name is used
 * for the format by extension (may be NULL); a .mat or folder needs a path. */
li_data *li_data_open_file(FILE *f, const char *name, const li_data_opts *opts, li_err *err);

/* The format found; the data's own element type; the variable read (.json/.mat: borrowed,
 * NULL for other formats); whether the input was gzip-compressed. */
li_format li_data_format(const li_data *d);
li_dtype li_data_dtype(const li_data *d);
const char *li_data_var(const li_data *d);
int li_data_gzipped(const li_data *d);
/* Whether the data is one 0-d value (a .npy of shape ()): one row of rank 0. */
int li_data_scalar(const li_data *d);
/* .npy input: the header as parsed (borrowed), else NULL. */
const li_npy_info *li_data_npy_info(const li_data *d);
/* The content stream (after gunzip). For a stream of several .npy arrays, once the rows
 * of the first are read, li_npy_open() on it reads the next. Borrowed until close. */
FILE *li_data_file(const li_data *d);
/* Rank of a row (after reshape) and its shape in shape[0..rank-1] (room for
 * LI_MAX_RANK - 1). */
int li_data_row_shape(const li_data *d, int64_t *shape);
int64_t li_data_row_elems(const li_data *d);
/* Row count, or -1 when not known before the end (csv). For .npy and IDX it is the
 * header's claim, checked as rows arrive: a stream that ends early is an error. */
int64_t li_data_rows(const li_data *d);

/*
 * Reads up to max_rows of the remaining rows into batch (caller-owned, reused across calls,
 * freed with li_array_release()), which gets dtype want, shape (rows read, row shape...)
 * and is (re)allocated only as data arrives. Preprocessing applies when want is float32
 * or float64 (scale/offset other than 1/0 with an integer want is LI_EUSAGE). Returns the
 * rows read, 0 at the end, negative on error.
 */
int64_t li_data_read_batch(li_data *d, li_array *batch, li_dtype want, int64_t max_rows,
			   li_err *err) LI_RESULT_USED;

/*
 * Skips up to k rows (what --rows/--shard leave out before their part): a .npy on a
 * regular file seeks past them, anything else is read and dropped, so memory stays flat.
 * Returns the rows skipped (fewer at the end of the data), or negative on error.
 */
int64_t li_data_skip_rows(li_data *d, int64_t k, li_err *err) LI_RESULT_USED;

/* Whether rows come with labels (labeled folder, csv --label-col). */
int li_data_has_labels(const li_data *d);
/* The int64 labels of the rows the last li_data_read_batch returned; borrowed until the
 * next read or close. NULL when there are none. */
const int64_t *li_data_batch_labels(const li_data *d);
/* Class names (index = label), n in *n; borrowed until close. With string labels the list
 * grows as rows are read: it is complete after the last batch. NULL and 0 when none. */
char *const *li_data_classes(const li_data *d, int64_t *n);

/* Frees the reader and closes what it opened. NULL allowed. */
void li_data_close(li_data *d);

/* Reads all remaining rows into out (dtype want). Caller frees with li_array_release(). */
int li_data_read_all(li_data *d, li_array *out, li_dtype want, li_err *err) LI_RESULT_USED;

/*
 * The row shape after p's reshape: checks the element count against row_elems and fills
 * one -1 entry. Returns the rank, or negative with err set.
 */
int li_preprocess_row_shape(const li_preprocess *p, int rank, const int64_t *row_shape,
			    int64_t *out, li_err *err) LI_RESULT_USED;
/* Applies x * scale + offset to n elements of a float32 or float64 buffer. */
void li_preprocess_apply(const li_preprocess *p, void *data, li_dtype t, size_t n);

/* Labels from a LABELS file: int64 y of rank 1, and class names when the labels were
 * strings (or a classes file was given). */
typedef struct li_labels {
	li_array y;
	char **names;                 /* n_names strings, or NULL */
	int64_t n_names;
} li_labels;

/*
 * Reads a labels file: .npy (or any numeric format) of integers, N or N x 1; a labeled
 * folder's labels; or a text/CSV column of integers or names (opts->label_col picks the
 * column of a CSV with several; opts->classes maps names to indices, else order of first
 * appearance). opts may be NULL. Caller frees with li_labels_release(). 0 or negative.
 */
int li_labels_load(const char *path, const li_data_opts *opts, li_labels *out, li_err *err)
	LI_RESULT_USED;
void li_labels_release(li_labels *l);

/*
 * 1 when li_labels_load_rows reads path by name (.json, .mat, IDX or a folder), 0 when
 * it is a stream for li_labeled_read_labels (labeled.h: .npy or text, "-" allowed).
 */
int li_labels_by_name(const char *path);
/*
 * LABELS to pair with rows, read by li_labels_load: *index gets the labels when they are
 * numbers, else *names one class name per row (for the caller to map onto its class
 * list); exactly one is set, *n the count. Caller frees (names element-wise too:
 * li_labeled_free_names). 0 or negative.
 */
int li_labels_load_rows(const char *path, int64_t **index, char ***names, int64_t *n,
			li_err *err) LI_RESULT_USED;

/*
 * Writers for li-convert. CSV: one line per row (rows of rank > 1 flattened, C order);
 * a header line c0,c1,...[,label] when asked; labels (may be NULL) as a last column,
 * the class name when names is given, else the integer. JSON: nested arrays, written a
 * batch at a time (first_row counts the rows already written), closed by
 * li_json_write_end; NaN and Inf are refused (JSON has no such numbers). Floats are
 * written with enough digits to read back exactly. 0 or negative.
 */
int li_csv_write_header(FILE *f, int64_t row_elems, int with_label, char delim, li_err *err)
	LI_RESULT_USED;
int li_csv_write_rows(FILE *f, const li_array *batch, const int64_t *labels, char *const *names,
		      int64_t n_names, char delim, li_err *err) LI_RESULT_USED;
int li_json_write_rows(FILE *f, const li_array *batch, int64_t first_row, li_err *err)
	LI_RESULT_USED;
int li_json_write_end(FILE *f, int64_t rows, li_err *err) LI_RESULT_USED;
/* A whole array as a MATLAB .mat file at path: version 4, 5 (zlib-compressed) or 73;
 * variable var; MATLAB size = a's shape (rank 1: N x 1; v4 stores doubles), so that
 * scipy.io.loadmat and this reader give back the same array. 0 or negative. */
int li_mat_write(const char *path, const char *var, const li_array *a, int version,
		 li_err *err) LI_RESULT_USED;

#endif
