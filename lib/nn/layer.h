/*
 * The layer interface every layer family implements (inference only; inside lib/ and the
 * tests, never cmd/). A family file (layers_dense.c, layers_norm.c, layers_conv.c,
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
#include "model.h"

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

/*
 * Optional hooks of a layer (NULL members where a family has no use for them). A family's
 * parse sets l->hooks to its static record; li_layer_ops stays as it is.
 */
typedef struct li_layer_hooks {
	/*
	 * State across calls (recurrent layers and the wrappers around them). carry != 0:
	 * each forward starts from the state the previous forward of this layer ended with
	 * (row i continues row i; rows beyond the kept state start from zero) and keeps its
	 * final state, as a Keras stateful layer does across predict() calls. carry == 0,
	 * the default: every forward starts from zero state. Either call drops the kept
	 * state. While carrying, forward updates l->p: do not run one layer concurrently.
	 */
	int (*carry_state)(li_layer *l, int carry, li_err *err);
	/*
	 * Keras masks. A layer that makes one (Embedding with mask_zero, Masking) writes for
	 * each of n rows and each step of the first per-row axis of its input 1 (kept) or 0
	 * (masked) into mask[n * in_shape->dim[0]], row-major. Returns 1 (writing nothing)
	 * when this configuration makes no mask (Embedding without mask_zero).
	 */
	int (*compute_mask)(const li_layer *l, int64_t n, const li_shape *in_shape,
			    const float *in, unsigned char *mask, li_err *err);
	/*
	 * A layer that consumes the mask of its first input (recurrent layers, Bidirectional):
	 * forward with that mask, laid out as compute_mask writes it; mask NULL is forward.
	 * The graph carries a mask along the layers Keras passes it through (Keras:
	 * supports_masking) and calls this where it arrives. Layers without this hook
	 * ignore masks, as Keras' Dense and merges do.
	 */
	int (*forward_masked)(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			      const float *const *in, const unsigned char *mask,
			      const li_shape *out_shape, float *out, li_err *err);
	/*
	 * A layer that takes the masks of several inputs (the attention layers: query,
	 * value, key): masks[k] is input k's mask, laid out as compute_mask writes it, or
	 * NULL. The graph calls this instead of forward when any input carries a mask; the
	 * output carries the mask of input 0 (Keras: the query's).
	 */
	int (*forward_masks)(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			     const float *const *in, const unsigned char *const *masks,
			     const li_shape *out_shape, float *out, li_err *err);
} li_layer_hooks;

struct li_layer {
	const li_layer_ops *ops;
	char *name;           /* the Keras layer name */
	char *class_name;     /* the Keras class name */
	void *p;              /* family parameters */
	const li_layer_hooks *hooks; /* optional hooks, or NULL (set by parse) */
};

/*
 * The call signature of a class whose call takes named tensors beyond its first
 * (MultiHeadAttention(query, value, key=None, attention_mask=None)) or a list of them
 * (Attention([query, value, key])). roles[] is the engine's input order: a layer of such
 * a class is always given roles[0..n_required-1], then the key (roles[key], defaulting
 * to roles[default_of_key] when the call leaves it out, as Keras does), then, when the
 * call gives it, each further role in order. opts[] names the non-tensor call arguments
 * the layer needs (use_causal_mask): kerascfg.c reads them from the call and the graph
 * hands them to parse as config keys of the same name. Both NULL-terminated.
 */
typedef struct li_call_sig {
	const char *const *roles;
	int n_required;        /* roles that must be given */
	int key, default_of_key; /* role index of the key, and of the role it defaults to */
	int listed;            /* 1: the tensors are one list argument (Attention([q, v])),
				* 0: the first is positional, the others by name */
	const char *const *opts;
} li_call_sig;

/* The call signature of a class, or NULL for a plain call (one tensor or a list). */
const li_call_sig *li_layer_call_sig(const char *class_name);

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

/* Sets whether l carries its state across forward calls (hooks->carry_state); a layer
 * without state accepts carry == 0 and refuses carry != 0 with its name. */
int li_layer_carry_state(li_layer *l, int carry, li_err *err);

#endif
