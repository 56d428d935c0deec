/*
 * The logistic-regression probe as a model file, and the pieces li-train-lr needs
 * around the fit: a seeded stratified validation split, and saving the fitted probe as a
 * Keras .h5 model (InputLayer [-> Flatten] -> Dense + softmax) with the standardization
 * folded into the Dense kernel and bias and the class names in li_class_names, so that
 * li-propagate gives class probabilities and Keras loads it.
 *
 * A two-class probe (one sigmoid logit z) is saved as a two-unit softmax with logits
 * (-z/2, z/2), which gives exactly (1 - sigmoid(z), sigmoid(z)): every probe then has one
 * probability column per class, so --argmax, --names and li-label --prob work alike.
 */
#ifndef LI_PROBE_H
#define LI_PROBE_H

#include <stdint.h>

#include "err.h"
#include "logreg.h"

/*
 * Marks about frac of each class's rows as validation rows (is_val[i] = 1), chosen by a
 * seeded shuffle within each class: round(frac * count), kept below count so that every
 * class keeps a training row. Deterministic for a seed. 0, or LI_ENOMEM.
 */
int li_probe_split(const int64_t *y, int64_t n, int n_classes, double frac, uint64_t seed,
		   unsigned char *is_val, li_err *err) LI_RESULT_USED;

/*
 * Saves m as a Keras whole-model file at path (atomically, byte-identical for the same
 * probe): format LI_SAVE_H5 or LI_SAVE_KERAS (modelsave.h), or -1 for the one path's
 * extension names (.keras; else .h5). row_shape (rank entries) is the latent's per-row
 * shape: a Flatten layer is added when rank > 1. names: m->n_classes class names (NULL:
 * "0", "1", ...). 0 or negative.
 */
int li_probe_save(const char *path, int format, const li_logreg *m, int rank,
		  const int64_t *row_shape, char *const *names, li_err *err) LI_RESULT_USED;

#endif
