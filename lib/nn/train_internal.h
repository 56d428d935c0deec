/*
 * What the tail trainer's files share (lib/ only): the layer record of a trained tail
 * (train.c builds the chain and runs the optimizer), the families' forward and backward
 * passes (train_spatial.c: convolutions, pooling, upsampling; train_norm.c:
 * BatchNormalization, Embedding), activation backward passes and losses (train_act.c).
 */
#ifndef LI_TRAIN_INTERNAL_H
#define LI_TRAIN_INTERNAL_H

#include "activations.h"
#include "layers_spatial.h"
#include "model_internal.h"
#include "train.h"

enum { T_DENSE, T_ACT, T_DROPOUT, T_SHAPE, T_CONV, T_TCONV, T_POOL, T_UPSAMPLE, T_BN,
       T_EMBED };

/* One trainable variable: the model's own array (trained in place), its gradient and
 * the optimizer's slots. */
typedef struct tvar {
	float *w;
	int64_t n;
	float *g, *s1, *s2;
} tvar;

typedef struct tl {
	int kind;
	const li_node *node;
	const li_layer *layer;        /* the model's layer (NULL for non-layer rows) */
	const li_origin *origin;      /* the model's */
	li_shape in_shape;            /* per row */
	int64_t in_elems, out_elems;  /* per row */
	int64_t width;                /* last axis of the output (activations) */
	li_act act;                   /* Dense, Activation, convolutions (applied here) */
	int n_var;
	tvar var[2];                  /* Dense, convolutions: kernel, bias; BN: gamma, beta;
				       * Embedding: embeddings */
	int64_t n_in, units;          /* Dense */
	double rate;                  /* Dropout */
	float *z, *y, *mask;          /* per batch: pre-activation, output, Dropout mask */
	/* spatial: channels-last grids of the input and output, window geometry */
	li_grid gi, go;
	int64_t k[3], s[3], d[3], before[3];
	int avg;                      /* pooling: average (else max) */
	li_layer own;                 /* convolutions: a linear copy, rebuilt from the
				       * current weights for each forward */
	json_t *own_cfg;
	float *col;                   /* one row's im2col scratch */
	/* BatchNormalization: the moving statistics, epsilon, momentum; batch statistics */
	float *mmean, *mvar, *bmean, *bvar, *binv;
	int ig, ib;                   /* var[] index of gamma, beta; -1 when absent */
	double eps, momentum;
	int batch_stats;              /* this forward used batch statistics */
	int64_t vocab;                /* Embedding */
} tl;

/* Sets up the spatial families (Conv1D/2D, Conv1D/2DTranspose, Max/AveragePooling1D/2D,
 * Global pooling, UpSampling1D/2D nearest) for row r; 1 when r is not of these classes. */
int li_tl_spatial_setup(li_model *m, int r, tl *t, li_err *err);
/* The forward of n rows of x into t->z (conv: pre-activation) and t->y. */
int li_tl_spatial_forward(tl *t, int64_t n, const float *x, li_err *err);
/* From dL/dz in g: the variables' gradients (t->var[].g) and, when dx is not NULL, dL/dx. */
void li_tl_spatial_backward(tl *t, int64_t n, const float *x, const float *g, float *dx);
void li_tl_spatial_free(tl *t);

/* BatchNormalization (the last axis) and Embedding; 1 when r is neither. */
int li_tl_norm_setup(li_model *m, int r, tl *t, li_err *err);
/* train and bn_train: batch statistics (and the moving ones updated, Keras 3's rule). */
int li_tl_norm_forward(tl *t, int64_t n, const float *x, int batch_stats, li_err *err);
void li_tl_norm_backward(tl *t, int64_t n, const float *x, const float *g, float *dx);
/* After a step: the moving statistics follow the batch's (BN with batch statistics). */
void li_tl_norm_after_step(tl *t);
void li_tl_norm_free(tl *t);

/* Fails naming the row's layer and class: "layer 'x' (Conv2D) WHAT". */
int li_tl_fail(const li_node *d, li_err *err, const char *what);

/* Whether a's backward pass exists here (softmax: on the last axis only). */
int li_train_act_ok(const li_act *a);
/* g (rows x width, dL/dy on entry) becomes dL/dz, from z and y = act(z). */
void li_train_act_backward(const li_act *a, int64_t rows, int64_t width, const float *z,
			   const float *y, float *g);
/*
 * The mean loss of rows outputs (rows x width): for the cross-entropies out holds logits,
 * for MSE the outputs and target the targets. g (may be NULL) gets dL/dout. *correct:
 * rows classified right (cross-entropies). -1 when a label is out of range.
 */
int li_train_loss_eval(int loss, int64_t rows, int64_t width, const float *out,
		       const int64_t *y, const float *target, float *g, double *l,
		       int64_t *correct);
/* The class each row of logits (rows x width) says, as the cross-entropies' *correct
 * counts them: the argmax among the first `among` (0: all), or for one unit (binary
 * cross-entropy) logit > 0. */
void li_train_loss_classes(int64_t rows, int64_t width, int64_t among, const float *out,
			   int64_t *cls);

#endif
