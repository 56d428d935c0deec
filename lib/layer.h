/*
 * The layer interface every layer family implements (inference only). A family file
 * (layers_dense.c, layers_norm.c, layers_shape.c, layers_merge.c, later layers_conv.c,
 * layers_rnn.c ...) exports one li_layer_ops record; layers.c lists them all in one table
 * and finds the family for a Keras class name.
 *
 * Data is float32, batch-major: a batch of n rows, each row a tensor of the layer's
 * per-row shape (the shape WITHOUT the batch axis), C order, channels_last unless the
 * layer's config says otherwise. The graph (graph.c) owns buffers and calls forward.
 *
 * Ownership: parse copies what it needs from config and weights; nothing it is given
 * must outlive the call. A family's params live in l->p and are freed by ops->free.
 */
#ifndef LI_LAYER_H
#define LI_LAYER_H

#include <jansson.h>

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

/* One weight as the file holds it, in the layer's saving order. name is the short name
 * without layer scope and ":0" ("kernel", "bias", "gamma", "moving_mean", Keras 1 "W"). */
typedef struct li_weight {
	const char *name;
	li_array a;           /* float32 */
} li_weight;

typedef struct li_layer li_layer;

typedef struct li_layer_ops {
	/* Keras class names this family handles, NULL-terminated. */
	const char *const *classes;
	/* Reads l->class_name's config (the layer's "config" object, Keras 1/2/3 dialects) and
	 * weights into l->p. Reports every problem (unsupported option, weight shape) in err
	 * naming the option; 0 or negative. */
	int (*parse)(li_layer *l, const json_t *config, const li_weight *w, int n_w,
		     const li_origin *o, li_err *err);
	/* The output shape for n_in inputs of the given shapes; checks that they fit.
	 * InputLayer also takes n_in == 0 and then gives its declared shape. */
	int (*out_shape)(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			 li_err *err);
	/* n rows: in[i] holds n * count(in_shape[i]) floats, out n * count(out_shape).
	 * out must not overlap any in[i]. Shapes must be fully known (no -1). */
	int (*forward)(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
		       const float *const *in, const li_shape *out_shape, float *out, li_err *err);
	/* Frees l->p (may be NULL or half built). */
	void (*free)(li_layer *l);
} li_layer_ops;

struct li_layer {
	const li_layer_ops *ops;
	char *name;           /* the Keras layer name */
	char *class_name;     /* the Keras class name */
	void *p;              /* family parameters */
};

/* The family for a Keras class name, or NULL. */
const li_layer_ops *li_layer_find(const char *class_name);

/*
 * Builds a layer of the given class: finds the family and parses. Unknown classes and
 * classes that can never run (Lambda, custom) give LI_EDATA with a message naming the
 * layer and class ("layer 'x' (Lambda) cannot be run: ..."); classes of families not
 * built yet say "not yet supported". Release with li_layer_release().
 */
int li_layer_init(li_layer *l, const char *class_name, const char *name, const json_t *config,
		  const li_weight *w, int n_w, const li_origin *o, li_err *err) LI_RESULT_USED;
void li_layer_release(li_layer *l);

/* Element count of a shape (all dims known), -1 on overflow or unknown dims. */
int64_t li_shape_elems(const li_shape *s);

#endif
