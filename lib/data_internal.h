/*
 * Inside lib/ only: how the format back ends of data.c plug in, and the gzip-transparent
 * input stream. The class-name map and number parsing the readers share: classmap.h.
 */
#ifndef LI_DATA_INTERNAL_H
#define LI_DATA_INTERNAL_H

#include "classmap.h"
#include "data.h"

/* -- stream.c: gzip-transparent input with the first bytes peeked ---------- */

typedef struct li_stream li_stream;
/* Wraps f (borrowed). Reads ahead the first bytes of the content (after gunzip when f is
 * gzip) without consuming them. NULL with err set on failure. */
li_stream *li_stream_open(FILE *f, li_err *err);
/* The FILE to read the content from (owned by the stream). */
FILE *li_stream_file(li_stream *s);
/* The first n (<= 16) bytes of the content; fewer at a short stream. */
const unsigned char *li_stream_magic(const li_stream *s, size_t *n);
int li_stream_gzipped(const li_stream *s);
/* The decompression error seen, or NULL. */
const char *li_stream_error(const li_stream *s);
void li_stream_close(li_stream *s);

/* -- back ends ------------------------------------------------------------ */

typedef struct li_data_ops {
	/* Reads up to max rows into batch (via li_data_reserve); same contract as
	 * li_data_read_batch without preprocessing. Labels go to d->batch_labels. */
	int64_t (*read)(li_data *d, li_array *batch, li_dtype want, int64_t max, li_err *err);
	void (*close)(li_data *d);
} li_data_ops;

struct li_data {
	const li_data_ops *ops;
	li_format format;
	li_data_opts opts;            /* strings cleared after open */
	FILE *file;                   /* the content stream */
	FILE *own_file;               /* opened here */
	li_stream *stream;
	char *spool;                  /* a temporary copy of standard input (.mat) */
	li_dtype dtype;
	int row_rank;                 /* as the format delivers rows */
	int64_t row_shape[LI_MAX_RANK];
	int64_t row_elems;
	int out_rank;                 /* after reshape */
	int64_t out_shape[LI_MAX_RANK];
	int64_t rows;                 /* -1 unknown */
	int scalar;                   /* a 0-d array */
	int64_t done;
	char *var;
	/* whole-array formats: the array, C order, rows along axis 0 */
	li_array whole;
	/* labels */
	int has_labels;
	li_array labels;              /* whole-array labels (folder), int64 */
	int64_t *batch_labels;
	size_t m_batch_labels;
	li_classmap classes;
	void *impl;                   /* the back end's state */
};

/* Sets batch to dtype want, shape (rows, d's row shape) and room for rows rows, keeping
 * the first keep rows' data. 0 or negative (LI_ENOMEM, LI_EDATA on overflow). */
int li_data_reserve(li_data *d, li_array *batch, li_dtype want, int64_t rows, li_err *err)
	LI_RESULT_USED;
/* Room for n batch labels. 0 or negative. */
int li_data_reserve_labels(li_data *d, int64_t n, li_err *err) LI_RESULT_USED;
/* Serves rows from d->whole (and d->labels when set); the read op of whole formats. */
int64_t li_data_read_whole(li_data *d, li_array *batch, li_dtype want, int64_t max,
			   li_err *err);
/* Sets the row shape from a full shape (rank >= 1; rank 0 becomes one row). */
void li_data_set_shape(li_data *d, int rank, const int64_t *shape);
/* Moves axis k of a (C order) to the front. 0 or negative. */
int li_array_moveaxis0(li_array *a, int k, li_err *err) LI_RESULT_USED;

/* Back-end openers: fill d (shape, dtype, ops, impl) from d->file or path. 0 or negative. */
int li_data_open_npy(li_data *d, li_err *err);
int li_data_open_json(li_data *d, li_err *err);
int li_data_open_mat(li_data *d, const char *path, li_err *err);
/* delim 0: comma or tab, as the first line says */
int li_data_open_csv(li_data *d, char delim, li_err *err);
int li_data_open_idx(li_data *d, li_err *err);
int li_data_open_folder(li_data *d, const char *path, li_err *err);

#endif
