/*
 * What li-embed and li-propagate share (cmd/ only): loading a model with the error line,
 * OpenBLAS threads and the slow-kernel note, reading input rows in batches through
 * lib/data.h (every loader format; memory stays flat for the streaming ones), preprocessing
 * (scale, offset, reshape, the automatic reshape to the model's row shape), row selections
 * (--rows, --shard), carried recurrent state, and streaming rows through a part of the
 * model into output files.
 */
#ifndef LI_CLIMODEL_H
#define LI_CLIMODEL_H

#include "cli.h"
#include "cli_data.h"

typedef struct cm_prep {
	li_data_opts data;         /* format options, --scale/--offset/--reshape */
	int64_t batch;             /* rows per batch */
	li_rowsel sel;             /* --rows / --shard */
	int carry_state;           /* --carry-state */
	const char *at;            /* --at LAYER (each program says what it cuts there) */
	const char *config;        /* --config FILE: the architecture of a weights-only .h5 */
} cm_prep;

/* Defaults: batch 256, all rows, no preprocessing. */
void cm_prep_init(cm_prep *p);
/* Handles the options every model program shares (data, preprocessing, --rows/--shard,
 * --batch, --carry-state, --at, --config): 1 when c was one (exits 2 on a bad value),
 * else 0. */
int cm_option(int c, const char *arg, cm_prep *p);

enum { CM_OPT_BATCH = CLI_OPT_FIRST_FREE + 400, CM_OPT_CARRY, CM_OPT_AT, CM_OPT_CONFIG };
#define CM_LONGOPTS \
	CLI_DATA_LONGOPTS, CLI_PREPROCESS_LONGOPTS, CLI_ROWS_LONGOPTS, \
	{"batch", required_argument, NULL, CM_OPT_BATCH}, \
	{"carry-state", no_argument, NULL, CM_OPT_CARRY}, \
	{"at", required_argument, NULL, CM_OPT_AT}, \
	{"config", required_argument, NULL, CM_OPT_CONFIG}
/* the usage lines of the options above and of the common ones, from --config on */
#define CM_USAGE \
	"      --config FILE    the JSON architecture of a weights-only .h5\n" \
	"      --threads N      OpenBLAS threads [OpenBLAS' default]\n" \
	"  -q, --quiet          no progress or notes\n" \
	"  -h, --help           show this help and exit\n" \
	"      --version        show the version and exit\n" \
	"      --batch N      rows per batch [256]\n" \
	"      --carry-state  recurrent layers keep their state from one batch to the\n" \
	"                     next (Keras stateful layers across predict calls) [each\n" \
	"                     batch starts from zero state]\n" \
	CLI_ROWS_HELP \
	"data (any format li-convert reads):\n" \
	CLI_DATA_USAGE \
	CLI_PREPROCESS_USAGE \
	"                     [automatic when the element count equals the model\n" \
	"                     input's: 784 -> 28,28,1]\n"

enum { CM_SINK_ARRAY, CM_SINK_ARGMAX, CM_SINK_NAMES };

typedef struct cm_sink {
	int kind;                  /* CM_SINK_* */
	const char *path;          /* NULL or "-": standard output */
} cm_sink;

/* Loads the model or prints the error line and returns NULL. With carry != 0, every
 * layer that can keep recurrent state keeps it across batches (see li_model_carry_state). */
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
int cm_stream(li_model *m, const char *model_path, int n_feed, const int *feed, const char *const *in_paths,
	      int n_want, const int *want, const cm_sink *sinks, const cm_prep *prep,
	      const cli_common *common);

#endif
