/*
 * What the model modules share inside lib/ (h5model.c, tfjs.c, kerascfg.c, graph.c):
 * the parsed Keras config, the weight source a file format provides, and the model's
 * node table. cmd/ never includes this; it uses model.h.
 */
#ifndef LI_MODEL_INTERNAL_H
#define LI_MODEL_INTERNAL_H

#include <jansson.h>

#include "layer.h"
#include "model.h"

/* ---- kerascfg.c: a Keras model config, both dialects, as plain data ---- */

/* A tensor reference: output `tensor` of call `node` of the layer called `layer`. */
typedef struct kc_ref {
	char *layer;
	int node, tensor;
} kc_ref;

typedef struct kc_call {
	int n_in;
	kc_ref *in;
} kc_call;

typedef struct kc_layer {
	char *class_name;  /* after Keras 1 renames (Convolution2D -> Conv2D) */
	char *name;
	json_t *config;    /* owned: the layer's config, Keras 1 keys renamed */
	int n_calls;
	kc_call *calls;    /* InputLayer: one call without inputs */
	int is_model;      /* a nested Sequential / Functional / Model */
	/* Keras 3 serialization: the Python module and registered name as saved (NULL
	 * when absent); custom != 0 for a class whose code is not Keras' (a registered
	 * "Package>Class", or a module outside keras), which no family runs. */
	char *module, *registered;
	int custom;
} kc_layer;

typedef struct kc_model {
	char *name;
	int n_layers;
	kc_layer *layers;  /* in config order; a Sequential's synthesized InputLayer first */
	int n_inputs, n_outputs;
	kc_ref *inputs, *outputs;
} kc_model;

/*
 * Parses a model config: {"class_name": "Sequential" | "Functional" | "Model", "config":
 * ...} or, from Keras <= 2.2.2, a bare list of layers (Sequential). A Sequential becomes a
 * chain with its InputLayer (synthesized from the first layer's batch_input_shape /
 * batch_shape / input_shape / input_dim when the file has none). o decides the dialect
 * (Keras 1 renames). Free with li_kc_model_release.
 */
int li_kc_model_parse(const char *class_name, const json_t *config, const li_origin *o,
		      kc_model *m, li_err *err) LI_RESULT_USED;
int li_kc_model_parse_top(const json_t *root, const li_origin *o, kc_model *m, li_err *err)
	LI_RESULT_USED;
void li_kc_model_release(kc_model *m);
/* 1 for Sequential, Functional, Model. */
int li_kc_is_model_class(const char *class_name);
/*
 * 1 when a Keras 3 serialized object {"module", "class_name", "registered_name", ...}
 * names a class whose code is not Keras' own: a registered_name "Package>Class" or a
 * module that is present and not keras (null included). Keras 1/2 entries (no module,
 * no registered_name) are never custom.
 */
int li_kc_is_custom(const json_t *entry);
/* An InputLayer's per-row shape from its config (batch axis dropped, null as -1). */
int li_kc_input_shape(const json_t *config, li_shape *s, li_err *err) LI_RESULT_USED;

/*
 * The short name of a weight for a layer: "dense_1/kernel:0" -> "kernel",
 * "sequential_1/dense_2/bias" -> "bias", Keras 1 "dense_1_W:0" -> "W". Looks for the
 * layer's name as a path component (or, Keras 1, as a "name_" prefix). Returns a
 * malloc'd string, or NULL (no match, or out of memory when strict is 0: then the last
 * component is used).
 */
char *li_kc_weight_short(const char *full, const char *layer, int strict);

/*
 * File-level fixes to weights before a layer parses them (Keras' own loader does the
 * same): Keras 1 channels_first convolution kernels transposed to Keras 2 order, and
 * kernels trained with Theano flipped spatially. backend may be NULL.
 */
int li_kc_fix_weights(const char *class_name, const json_t *config, li_weight *w, int n_w,
		      const li_origin *o, const char *backend, li_err *err) LI_RESULT_USED;

/* Fills o from a keras_version string (NULL: Keras 1, as Keras' loader assumes). */
void li_kc_origin(const char *keras_version, li_origin *o);

/* ---- weight sources (h5model.c, tfjs.c) ---- */

/*
 * Gives the weights of one layer: path[0..depth-1] are the names of the enclosing nested
 * models, outermost first, and path[depth - 1] is the layer itself. Fills *w with n
 * float32 weights in the file's order for that layer, short names (caller frees with
 * li_weights_free). 0 or negative.
 */
typedef struct li_wsource {
	int (*get)(void *ctx, int depth, const char *const *path, li_weight **w, int *n,
		   li_err *err);
	void *ctx;
} li_wsource;

void li_weights_free(li_weight *w, int n);

/* ---- graph.c: the model ---- */

/* OPAQUE: a layer this build cannot run (a family not built yet, Lambda, a custom
 * class); kept so the model can be described and its other parts run. */
enum { LI_NODE_INPUT, LI_NODE_LAYER, LI_NODE_IDENTITY, LI_NODE_OPAQUE };

typedef struct li_node {
	char *name;        /* row name: "dense", "outer/inner", "shared@1" for a second call */
	char *class_name;
	int kind;          /* LI_NODE_* (IDENTITY: a nested model's output) */
	int layer;         /* index into m->layers for LI_NODE_LAYER, else -1 */
	int n_in;
	int *in;           /* producing rows */
	li_shape shape;    /* output shape per row */
	int64_t params;    /* counted at a layer's first call */
	char *problem;     /* OPAQUE: why it cannot run (owned) */
	/* For the model writer (modelsave.c): the layer's config as read (Keras 1 names
	 * renamed; owned reference, NULL for INPUT and IDENTITY rows) and, on the row of a
	 * layer's first call, its weights as the file holds them, before li_kc_fix_weights
	 * (owned; the writer keeps keras_version/backend, so the reader fixes them again). */
	json_t *config;
	li_weight *raw;
	int n_raw;
	int custom;        /* a custom class (kc_layer.custom): kept, never run */
	char *module, *registered; /* Keras 3 serialization as read (owned), or NULL */
} li_node;

struct li_model {
	li_origin origin;
	char *backend;     /* "tensorflow", "theano", "tensor_flow.js", ... or NULL */
	char *format;      /* "keras-h5", "keras-h5+json", "tfjs" */
	char *name;
	int n_layers, m_layers;
	li_layer *layers;
	int n_nodes, m_nodes;
	li_node *nodes;
	int n_inputs, n_outputs;
	int *inputs, *outputs;
	char **class_names;
	int n_class_names;
};

/* ---- graph_state.c: Keras masks along a run (the rules are there) ---- */
typedef struct li_masks li_masks;
/*
 * Plans the masks of a run (need: rows computed; fed_at: row -> feed index or -1).
 * Returns NULL with err untouched when no row of the run carries a mask (the run then
 * ignores masks), NULL with err set when a mask would reach a layer that cannot take it
 * or a cut loses a mask used after it, else the plan. Free with li_masks_free.
 */
li_masks *li_masks_new(const li_model *m, const char *need, const int *fed_at, li_err *err);
/* Row i (a layer) of a batch: forward, with its input's mask where the layer uses one,
 * and the mask of its output recorded. */
int li_masks_forward(li_masks *k, int i, int64_t n, const li_shape *ish, const float *const *in,
		     const li_shape *osh, float *out, li_err *err);
/* Row i is an identity row (a nested model's output): its mask is its input's. */
void li_masks_identity(li_masks *k, int i);
void li_masks_free(li_masks *k);

/* Builds m's layers and nodes from a parsed root config and a weight source. */
int li_graph_build(li_model *m, const json_t *root, const li_wsource *ws, li_err *err)
	LI_RESULT_USED;
/* Loaders (h5model.c, tfjs.c); both fill a zeroed model. */
int li_h5model_load(li_model *m, const char *path, const char *config_path, li_err *err)
	LI_RESULT_USED;
int li_tfjs_load(li_model *m, const char *path, li_err *err) LI_RESULT_USED;
/* Keras 3 .keras zips (keras3.c): from a file, or from memory (data, n: borrowed). */
int li_keras3_load(li_model *m, const char *path, li_err *err) LI_RESULT_USED;
int li_keras3_load_mem(li_model *m, const void *data, size_t n, li_err *err) LI_RESULT_USED;
/* Parses li_class_names JSON into m. */
int li_model_set_class_names(li_model *m, const char *json, li_err *err) LI_RESULT_USED;

#endif
