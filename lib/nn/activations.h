/*
 * Keras activation functions, applied in place to float32 batches. Used by the
 * Activation layer, Dense, and the convolution and recurrent families.
 * Where Keras versions disagree (hard_sigmoid) the model's li_origin decides.
 * An li_act is plain data: no resources, copy freely.
 */
#ifndef LI_ACTIVATIONS_H
#define LI_ACTIVATIONS_H

#include <jansson.h>

#include "layer.h"

typedef enum li_act_kind {
	LI_ACT_LINEAR,
	LI_ACT_RELU,        /* y = x>thr ? x : 0, clipped to max_value, - slope*max(thr-x,0) */
	LI_ACT_RELU6,       /* min(max(x, 0), 6) */
	LI_ACT_LEAKY_RELU,  /* x >= 0 ? x : slope*x */
	LI_ACT_ELU,         /* x > 0 ? x : alpha*(exp(x)-1) */
	LI_ACT_SELU,        /* scale * elu(x, alpha), Klambauer's constants */
	LI_ACT_GELU,        /* 0.5x(1+erf(x/sqrt2)); approximate: 0.5x(1+tanh(c(x+0.044715x^3))) */
	LI_ACT_SIGMOID,     /* 1/(1+exp(-x)) */
	LI_ACT_HARD_SIGMOID,/* Keras <= 2, TF.js: clip(0.2x+0.5,0,1); Keras 3: relu6(x+3)/6 */
	LI_ACT_HARD_SILU,   /* x * hard_sigmoid(x) (Keras 3 form) */
	LI_ACT_TANH,
	LI_ACT_SOFTMAX,     /* along axis */
	LI_ACT_LOG_SOFTMAX, /* along axis */
	LI_ACT_SOFTPLUS,    /* log(1+exp(x)) */
	LI_ACT_SOFTSIGN,    /* x/(1+|x|) */
	LI_ACT_SWISH,       /* x*sigmoid(x) (= silu) */
	LI_ACT_EXPONENTIAL, /* exp(x) */
	LI_ACT_MISH,        /* x*tanh(softplus(x)) */
	LI_ACT_THRESHOLDED, /* x > threshold ? x : 0 (ThresholdedReLU) */
} li_act_kind;

typedef struct li_act {
	li_act_kind kind;
	float alpha;        /* ELU alpha; leaky/relu negative slope */
	float max_value;    /* relu clip; INFINITY when none */
	float threshold;    /* relu / thresholded threshold */
	int axis;           /* softmax, log_softmax: Keras axis counting the batch (-1 = last) */
	int approximate;    /* gelu: tanh form */
	int keras3;         /* hard_sigmoid / hard_silu: Keras 3 definition */
} li_act;

/* An activation of the given kind with Keras' default parameters. */
void li_act_init(li_act *a, li_act_kind kind);

/*
 * From a Keras activation name ("relu", "hard_sigmoid", Keras 1/TF.js spellings such as
 * "gelu_new", "logsoftmax"): LI_EDATA "unknown activation 'NAME'" when unknown.
 * o (may be NULL: Keras 2 semantics) picks hard_sigmoid's definition.
 */
int li_act_from_name(const char *name, const li_origin *o, li_act *a, li_err *err);

/*
 * From a config value: a string, a Keras 3 serialized function object
 * ({"class_name": "function", "config": "relu", ...}), or JSON null / absent (linear).
 */
int li_act_parse(const json_t *v, const li_origin *o, li_act *a, li_err *err);

/* The Keras name of a's kind. */
const char *li_act_name(const li_act *a);

/* Whether a acts on each element alone (everything except the softmax kinds). */
int li_act_elementwise(const li_act *a);

/* Applies an elementwise activation to count floats in place. */
void li_act_apply_elems(const li_act *a, float *x, int64_t count);

/*
 * Applies a to n rows of per-row shape row, in place. Fails (LI_EDATA) when the softmax
 * axis does not exist in the shape.
 */
int li_act_apply(const li_act *a, float *x, int64_t n, const li_shape *row, li_err *err);

/* Softmax (log: log-softmax) over a per-row axis of n rows of shape row, in place. */
void li_softmax_axis(float *x, int64_t n, const li_shape *row, int axis, int log);

#endif
