/*
 * What li-embed and li-propagate share (cmd/ only): loading a model with the error line,
 * OpenBLAS threads and the slow-kernel note, reading input rows in batches (the one place
 * that reads data files: .npy now, every loader format once lib/data.h lands),
 * preprocessing (scale, offset, reshape), and streaming rows through a part of the model
 * into output files.
 */
#ifndef LI_CLIMODEL_H
#define LI_CLIMODEL_H

#include "cli.h"

typedef struct cm_prep {
	double scale, offset;      /* x * scale + offset (1, 0: none) */
	int reshape_rank;          /* > 0: --reshape given */
	int64_t reshape[LI_MAX_RANK];
	int64_t batch;             /* rows per batch */
} cm_prep;

enum { CM_SINK_ARRAY, CM_SINK_ARGMAX, CM_SINK_NAMES };

typedef struct cm_sink {
	int kind;                  /* CM_SINK_* */
	const char *path;          /* NULL or "-": standard output */
} cm_sink;

/* Loads the model or prints the error line and returns NULL. */
li_model *cm_load(const char *path, const char *config);
/* Applies --threads and prints the OpenBLAS note unless quiet. */
void cm_blas(const cli_common *c);
/* Parses --at: prints a usage error and exits when there is no such layer. */
int cm_row(const li_model *m, const char *spec);

/*
 * Reads rows from in_paths[k] for feed row k, runs them through the model to the want
 * rows in batches, and writes want row k to sinks[k]. Prints the error line itself
 * (naming model_path when the model cannot run that part).
 * Returns the exit status.
 */
int cm_stream(const li_model *m, const char *model_path, int n_feed, const int *feed, const char *const *in_paths,
	      int n_want, const int *want, const cm_sink *sinks, const cm_prep *prep,
	      const cli_common *common);

#endif
