/*
 * Models: Keras HDF5 files (Keras 1.x, 2.x / tf.keras, 3.x whole models; a weights-only
 * .h5 with its JSON architecture) and TensorFlow.js layers models (model.json + weight
 * shards), read into one graph of layers that can be described, cut and run in parts.
 *
 * Rows: every function below addresses the graph by ROW, a 0-based index as li-layers
 * prints it. Rows list each model input first (an InputLayer, synthesized when the file
 * has none), then every layer call in an order where a row's inputs come before it.
 * A nested model's inner layers appear as "outer/inner" followed by a row "outer" for the
 * nested model's output; a layer called more than once has rows "name", "name@1", ...
 * Each row has exactly one output tensor.
 *
 * Ownership: a model owns everything it returns (names, shapes); borrowed values stay
 * valid until li_model_free. A model is read-only after loading: several li_run states
 * may use it from different threads.
 */
#ifndef LI_MODEL_H
#define LI_MODEL_H

#include <stdint.h>

#include "array.h"
#include "err.h"

/* A per-row shape (no batch axis). dim[i] == -1: not known until data arrives. */
typedef struct li_shape {
	int rank;
	int64_t dim[LI_MAX_RANK];
} li_shape;

/* Which framework saved the model: its semantics decide where Keras versions differ
 * (hard_sigmoid, recurrent_activation defaults, GRU reset_after, bilinear sampling ...). */
typedef struct li_origin {
	int keras_major, keras_minor, keras_patch; /* from keras_version; Keras 1 files: 1 */
	int tfjs;                                  /* saved by TensorFlow.js layers */
	char version[64];                          /* the keras_version string as saved */
} li_origin;

/* Element count of a shape (all dims known), -1 on overflow or unknown dims. */
int64_t li_shape_elems(const li_shape *s);

typedef struct li_model li_model;

/*
 * Loads a model. path is a Keras .h5 file or a TF.js model.json (shards beside it).
 * config_path: a JSON architecture for a weights-only .h5 (model.to_json() output, or a
 * file whose member "model_config"/"modelTopology" holds it); NULL for whole models.
 * Returns NULL with err set (LI_EDATA for a bad model, naming the layer and class).
 * Layers this build cannot run do not fail the load (see li_model_row_problem).
 * Caller frees with li_model_free().
 */
li_model *li_model_load(const char *path, const char *config_path, li_err *err);
void li_model_free(li_model *m);

/* Rows and their description (i in [0, li_model_rows)). */
int li_model_rows(const li_model *m);
const char *li_model_row_name(const li_model *m, int i);
const char *li_model_row_class(const li_model *m, int i);
/* The output shape per sample (no batch axis); dims of -1 are not known. */
const li_shape *li_model_row_shape(const li_model *m, int i);
/* Parameters of the row's layer (0 for a second call of a shared layer). */
int64_t li_model_row_params(const li_model *m, int i);
/* NULL when row i can run, else why not ("layer 'x' (Lambda) cannot be run: ...",
 * "layer 'c' (ConvLSTM2D) is not yet supported"). Such rows keep their place in the graph
 * (their shapes and those after them may be unknown); a run that needs one fails. */
const char *li_model_row_problem(const li_model *m, int i);
/* Rows that feed row i (borrowed). */
int li_model_row_inputs(const li_model *m, int i, const int **rows);

/* A row by name (exact, or "outer/inner") or 0-based index; -1 when there is none. */
int li_model_find(const li_model *m, const char *spec);

int li_model_n_inputs(const li_model *m);
int li_model_n_outputs(const li_model *m);
int li_model_input_row(const li_model *m, int k);
int li_model_output_row(const li_model *m, int k);
int64_t li_model_params(const li_model *m);

/* Who saved it: keras_version and backend as stored (backend may be NULL), and the file
 * format ("keras-h5", "keras-h5+json", "tfjs"). */
const li_origin *li_model_origin(const li_model *m);
const char *li_model_backend(const li_model *m);
const char *li_model_format(const li_model *m);

/* Class names from the root attribute li_class_names (borrowed); 0 when absent. */
int li_model_class_names(const li_model *m, const char *const **names);

/*
 * Split analysis (SPEC 4.1). The head of a cut at row i is i and every row it depends on;
 * the crossing tensors are those the head produces that the rest of the graph (or the
 * model's outputs) needs, plus model inputs the rest needs. Row i is a split point when
 * its own output is the only crossing tensor. Writes up to max crossing rows to rows
 * (may be NULL) and returns their count (1 with rows[0] == i for a split point), or -1
 * when out of memory.
 */
int li_model_crossing(const li_model *m, int i, int *rows, int max);
/* 1 when row i is a split point, else 0 (also when out of memory: where that must not
 * read as "not a split point", use li_model_split_point). */
int li_model_is_split(const li_model *m, int i);
/* 1 when row i is a split point, 0 when not, LI_ENOMEM with err set. */
int li_model_split_point(const li_model *m, int i, li_err *err);

/*
 * Running parts of a model. A run feeds some rows' outputs (the model inputs, or a cut
 * row) and computes wanted rows (a cut row, or the model outputs), executing exactly the
 * layers in between. li_run_new fails (LI_EDATA, naming the missing row) when the wanted
 * rows need a model input that is not fed. A run holds the buffers of one batch and is
 * reused across batches. Free with li_run_free().
 */
typedef struct li_run li_run;

li_run *li_run_new(const li_model *m, int n_feed, const int *feed, int n_want,
		   const int *want, li_err *err);
/*
 * Runs n samples: in[k] holds n rows of shape shapes[k] for feed row k (float32, batch
 * first). The shapes must fit the model (a clear error names the row and both shapes).
 */
int li_run_batch(li_run *r, int64_t n, const float *const *in, const li_shape *shapes,
		 li_err *err) LI_RESULT_USED;
/* Output k of the last batch (borrowed until the next batch) and its per-row shape. */
const float *li_run_output(const li_run *r, int k, li_shape *shape);
void li_run_free(li_run *r);

/*
 * Recurrent state across batches (--carry-state): carry != 0 makes every layer that can
 * keep state (recurrent layers, and Bidirectional / TimeDistributed around them) start
 * each batch from the state its previous batch ended with, row i continuing row i, as
 * Keras stateful layers do across predict() calls; carry == 0 (the default) starts every
 * batch from zero. Either call drops kept state. This changes the model: no run may use
 * it concurrently while carrying. Returns the number of layers that keep state (0 when
 * the model has none), or negative with err set.
 */
int li_model_carry_state(li_model *m, int carry, li_err *err);

/* Formats a shape as "(28, 28, 1)" ("None" for unknown dims) into buf. */
void li_shape_str(const li_shape *s, char *buf, size_t n);

#endif
