/*
 * Writing Keras whole-model .h5 files laid out as tf.keras 2.4 writes them (see
 * ../shared/fixtures/keras/README.md): root attributes model_config (variable-length
 * ASCII), keras_version and backend (variable-length UTF-8); group model_weights with
 * backend, keras_version (variable-length ASCII) and layer_names (fixed-length, NULLPAD,
 * chunked into layer_names0, layer_names1, ... past 64512 bytes as Keras does); one group
 * per layer with weight_names (fixed-length NULLPAD, or an empty float64 array for a
 * layer without weights) and each weight at model_weights/<layer>/<weight name>.
 *
 * Files are byte-identical for identical input: HDF5 object time tracking is off and
 * nothing else varies. The file is written under a temporary name beside path and
 * renamed into place, so path never holds a partial file.
 */
#ifndef LI_H5SAVE_H
#define LI_H5SAVE_H

#include "array.h"
#include "err.h"

typedef struct li_h5_layer_weights {
	const char *layer;          /* layer name: its group under model_weights */
	int n;                      /* number of weights; 0 for a weightless layer */
	const char *const *names;   /* full weight names as Keras writes them: "dense/kernel:0" */
	const li_array *arrays;     /* the weights; written as little-endian float32 */
} li_h5_layer_weights;

typedef struct li_h5_model_desc {
	const char *model_config;       /* the model's JSON config text */
	const char *keras_version;      /* kept from the source, e.g. "2.4.0" */
	const char *backend;            /* e.g. "tensorflow" */
	const char *class_names_json;   /* li_class_names root attribute (JSON array), or NULL */
	const li_h5_layer_weights *layers; /* in layer_names order */
	int n_layers;
} li_h5_model_desc;

/* Writes the model to path (atomically, see above). 0 or negative with err set. */
int li_h5_save_model(const char *path, const li_h5_model_desc *m, li_err *err) LI_RESULT_USED;

#endif
