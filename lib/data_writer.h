/*
 * A data set written in batches of rows, in the format asked: .npy, .csv/.tsv, .json or
 * .mat (li-convert's output side). .npy, CSV and JSON stream; .mat gathers the rows and
 * writes them at the end (matio writes a variable whole). Labels that come with the rows
 * go into CSV's last column, and are gathered on request for a labels file.
 */
#ifndef LI_DATA_WRITER_H
#define LI_DATA_WRITER_H

#include <stdint.h>
#include <stdio.h>

#include "data.h"

typedef struct li_data_writer_opts {
	li_format to;            /* LI_FORMAT_NPY, _CSV, _TSV, _JSON or _MAT */
	li_dtype dtype;          /* of the rows handed in */
	int rank;                /* of the array; 0: one value (a .npy of shape ()) */
	const int64_t *shape;    /* rank entries (borrowed during open); shape[0]: the rows,
				  * -1 when not known before the end */
	int labeled;             /* rows come with labels: CSV gets a header and a label column */
	int keep_labels;         /* gather the labels for li_data_writer_labels */
	const char *var;         /* .mat: the variable's name (borrowed until close) */
	int mat_version;         /* .mat: 4, 5 or 73 */
	const char *mat_path;    /* .mat: the file to write by name (borrowed until close);
				  * NULL: written to a temporary file and copied into f */
} li_data_writer_opts;

typedef struct li_data_writer li_data_writer;

/*
 * Starts writing to f (borrowed: the caller closes it after li_data_writer_close): a .npy
 * header, or a CSV header for labeled rows. Returns the writer, or NULL with err set
 * (LI_EIO for a write error). Free with li_data_writer_free().
 */
li_data_writer *li_data_writer_open(FILE *f, const li_data_writer_opts *o, li_err *err);

/*
 * Writes the rows of batch (dtype and row shape as opened). labels: one per row or NULL;
 * names: n_names class names for CSV's label column (NULL: the numbers). 0, or negative
 * with err set: LI_EIO for a write error, LI_EDATA for a value the format cannot hold
 * (NaN or infinity in JSON), LI_ENOMEM.
 */
int li_data_writer_rows(li_data_writer *w, const li_array *batch, const int64_t *labels,
			char *const *names, int64_t n_names, li_err *err) LI_RESULT_USED;

/* Finishes the output (the .npy row count, JSON's closing bracket, the .mat file). 0 or
 * negative with err set. The writer stays valid for li_data_writer_labels. */
int li_data_writer_close(li_data_writer *w, li_err *err) LI_RESULT_USED;

/* The rows written so far. */
int64_t li_data_writer_count(const li_data_writer *w);
/* The labels gathered (keep_labels) as an int64 vector (borrowed until free). */
li_array li_data_writer_labels(const li_data_writer *w);

/* Frees the writer (unfinished or not). NULL allowed. */
void li_data_writer_free(li_data_writer *w);

#endif
