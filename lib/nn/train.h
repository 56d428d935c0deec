/*
 * Fine-tuning the layers after a cut (li-finetune): the tail of a model, a chain of
 * trainable layers, trained by gradient descent on rows at the cut while the head stays
 * frozen. Supported after the cut: Dense, Conv1D/2D, Conv1D/2DTranspose (channels_last,
 * groups 1), Max/AveragePooling1D/2D and the global poolings, UpSampling1D/2D (nearest)
 * (train_spatial.c), BatchNormalization on the last axis and Embedding as the first layer
 * (train_norm.c), Activation, Dropout, Flatten, Reshape, with the activations train_act.c
 * differentiates; any other layer is refused by name and class before any work.
 *
 * Losses and optimizers follow Keras: losses are means over the batch (sum_over_batch_size),
 * cross-entropy after softmax/sigmoid is computed from the logits (as Keras does when the
 * output comes from a softmax), SGD is Keras' v = momentum v - lr g, w += v, Adam Keras'
 * with epsilon outside the bias-corrected square root, and weight decay Keras 3's
 * decoupled w -= w * wd * lr applied to every variable before the update.
 *
 * The tuner trains the model's tail weights in place, in the arrays the model writer
 * saves (li_model_save_part writes them): a tuned model is saved with it, but li_run on
 * the same model still computes the tail with the weights as loaded.
 */
#ifndef LI_TRAIN_H
#define LI_TRAIN_H

#include <stdint.h>

#include <jansson.h>

#include "data.h"
#include "model.h"

enum { LI_OPT_SGD, LI_OPT_ADAM };
enum { LI_LOSS_AUTO, LI_LOSS_SPARSE_CE, LI_LOSS_BCE, LI_LOSS_MSE };

typedef struct li_train_opts {
	int optimizer;          /* LI_OPT_* [ADAM] */
	double lr;              /* learning rate [0.001] */
	double momentum;        /* SGD [0] */
	double beta1, beta2, epsilon; /* Adam [0.9, 0.999, 1e-7] (Keras' defaults) */
	double weight_decay;    /* decoupled, per step [0] */
	int loss;               /* LI_LOSS_* [AUTO: from the last activation] */
	uint64_t seed;          /* Dropout masks [0] */
	int bn_train;           /* BatchNormalization: batch statistics in training, the
				 * moving ones updated (Keras 3); 0: frozen [0] */
} li_train_opts;

/* Keras' defaults as above. */
void li_train_opts_init(li_train_opts *o);
/* "sparse_categorical_crossentropy" | "binary_crossentropy" | "mse"; -1 if unknown. */
int li_train_loss_parse(const char *name);
const char *li_train_loss_name(int loss);

typedef struct li_tuner li_tuner;

/*
 * Prepares training of every row after cut (which must be a split point) up to the
 * model's single output. LI_EDATA naming the row and class when a row cannot be trained,
 * or when the loss does not fit the output. Borrows m (which must outlive the tuner and
 * is changed by li_tuner_step). Free with li_tuner_free.
 */
li_tuner *li_tuner_new(li_model *m, int cut, const li_train_opts *o, li_err *err);
void li_tuner_free(li_tuner *t);
/* The loss chosen (LI_LOSS_*, never AUTO) and the output's element count per row. */
int li_tuner_loss(const li_tuner *t);
int64_t li_tuner_out_elems(const li_tuner *t);

/*
 * One optimizer step on n rows x (each the cut row's shape) with targets: int64 class
 * indices y (cross-entropies; BCE takes 0/1) or float rows target of the output's shape
 * (MSE); the other NULL. Dropout: the k-th layer after the cut keeps element j of row r
 * (0-based in the batch) where the j-th li_rng_uniform of li_rng_stream(seed +
 * 0x9e3779b97f4a7c15 (k + 1), step << 32 ^ r) is >= rate, scaled by 1 / (1 - rate), so
 * masks do not depend on threads. *loss gets the batch's mean loss before the step,
 * *correct the rows whose argmax (BCE: logit > 0) matches y. A loss or gradient that is not
 * finite is LI_EDATA "training diverged at step K" before the update; weights that
 * overflow in the update give the same error after it (the model is then spoiled: the
 * caller writes nothing).
 */
int li_tuner_step(li_tuner *t, int64_t n, const float *x, const int64_t *y,
		  const float *target, double *loss, int64_t *correct, li_err *err)
	LI_RESULT_USED;
/* Loss and correct rows of n rows without training (Dropout off). */
int li_tuner_eval(li_tuner *t, int64_t n, const float *x, const int64_t *y,
		  const float *target, double *loss, int64_t *correct, li_err *err)
	LI_RESULT_USED;
/* Steps taken. */
int64_t li_tuner_steps(const li_tuner *t);
/* The class each of the n rows of the last li_tuner_step or li_tuner_eval was given, as
 * *correct counts them (cross-entropies: the argmax among the first `among` classes, 0:
 * all; binary: logit > 0). */
void li_tuner_classes(const li_tuner *t, int64_t n, int64_t among, int64_t *cls);

/* ---- train_fit.c: the rows and the epochs of li-finetune ---- */

/* Every row of the sources, at the model input (or the cut with --latent), streamed into
 * scratch files (train_fit.c). Set up with li_train_rows_init. */
typedef struct li_train_rows {
	int fd, tfd;            /* the rows' and (MSE) the target rows' scratch files, or -1 */
	int64_t *y;             /* class indices (cross-entropies) or NULL */
	int64_t n, elems, t_elems;
	char **names;           /* the longest class-name list a source gave, or NULL */
	int64_t n_names;
} li_train_rows;

/*
 * Appends the rows of data and their labels (class indices, or for mse target rows of
 * the output's shape; a labeled data-set folder is both). On failure *bad names the
 * file at fault (NULL: neither).
 */
int li_train_rows_add(li_train_rows *r, const char *data, const char *labels,
		      const li_data_opts *o, int mse, const char **bad, li_err *err)
	LI_RESULT_USED;
/*
 * Appends a labeled data-set folder's latent rows (latent.npy: the row at the cut each
 * sample came from) with its labels and class names, for training at the cut (li-finetune
 * --latent). LI_EDATA when the set has no latent rows, a sample has none (a NaN row), or
 * their width differs from the rows before.
 */
int li_train_rows_add_latent(li_train_rows *r, const char *dir, li_err *err) LI_RESULT_USED;
void li_train_rows_init(li_train_rows *r);
void li_train_rows_release(li_train_rows *r);

typedef struct li_fit_opts {
	int epochs, patience, shuffle;  /* patience 0: never stop early */
	int64_t batch;
	double val_split;       /* Keras' validation_split: the last rows, unshuffled */
	int64_t classes_before; /* the output's classes as loaded, before new ones were added
				 * (0: as now): the report's "before" picks among those, as
				 * the model as loaded did */
	uint64_t seed;          /* shuffling: epoch e's order from li_rng_stream(seed, e) */
	/* after each epoch: stats = loss, accuracy, val_loss, val_accuracy */
	void (*progress)(void *ctx, int epoch, int epochs, const double *stats, int has_val);
	void *ctx;
} li_fit_opts;

/*
 * Trains t (made for m at cut) on r, the rows fed at feed_row (the model input, or cut),
 * the frozen head run on each batch; validation on v (when it has rows) or the val_split;
 * early stopping on the validation loss. report gets "loss", "steps" and "epochs" (loss,
 * accuracy, val_loss, val_accuracy per epoch), and with validation rows and class labels
 * "validation": {"classes": names, "rows": per class, "before" and "after": {"accuracy",
 * "per_class": [accuracy, null for a class without rows]}}, before the first step and
 * after the last.
 */
int li_finetune_fit(li_model *m, li_tuner *t, int feed_row, int cut, const li_train_rows *r,
		    const li_train_rows *v, const li_fit_opts *o, json_t *report, li_err *err)
	LI_RESULT_USED;

/*
 * New classes (train_classes.c): grows the Dense layer whose units are the model's output
 * (only Activation/Softmax rows after it) to units, the new kernel columns drawn as Keras'
 * glorot_uniform would for the grown layer (seeded), new biases 0; the model's class
 * names become its own, then names[i] for the new indices (the index as text where none is
 * given). Nothing happens when units is not larger. Call before li_tuner_new.
 */
int li_model_add_classes(li_model *m, int64_t units, char *const *names, int64_t n_names,
			 uint64_t seed, li_err *err) LI_RESULT_USED;

/*
 * The tuner for rows r: t itself, or, where r's sources name more classes than t's output
 * has units (sparse cross-entropy only), t freed and a new one made after the output layer
 * grew (li_model_add_classes, seeded by o). The names the model and r share must agree.
 * NULL with err set (t freed) on failure.
 */
li_tuner *li_tuner_for_classes(li_model *m, li_tuner *t, int cut, const li_train_rows *r,
			       const li_train_opts *o, li_err *err);

#endif
