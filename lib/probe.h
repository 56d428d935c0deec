/*
 * The logistic-regression probe as a model file, and the pieces li-train-lr needs
 * around the fit: the labeled rows it trains on (from a data-set folder, or rows and a
 * LABELS file paired), fitting and scoring, a seeded stratified validation split, and
 * saving the fitted probe as a Keras .h5 model (InputLayer [-> Flatten] -> Dense +
 * softmax) with the standardization folded into the Dense kernel and bias and the class
 * names in li_class_names, so that li-propagate gives class probabilities and Keras
 * loads it.
 *
 * A two-class probe (one sigmoid logit z) is saved as a two-unit softmax with logits
 * (-z/2, z/2), which gives exactly (1 - sigmoid(z), sigmoid(z)): every probe then has one
 * probability column per class, so --argmax, --names and li-label --prob work alike.
 */
#ifndef LI_PROBE_H
#define LI_PROBE_H

#include <stdint.h>
#include <stdio.h>

#include "array.h"
#include "err.h"
#include "logreg.h"

struct json_t; /* jansson's, for the report (the caller includes <jansson.h>) */

/* ----- the rows a probe trains on (probe_rows.c) ----- */

/* Rows with a class label each, and the class names. */
typedef struct li_probe_rows {
	li_array x;          /* float32, n x row shape */
	int64_t *y;          /* n labels */
	char **names;        /* class names (n_names), or NULL */
	int n_names;
} li_probe_rows;

/* Frees what r holds and zeroes it (NULL allowed). */
void li_probe_rows_release(li_probe_rows *r);
/* The samples, labels and (unless fixed_names: r->names came from elsewhere and stay)
 * class names of the labeled data-set folder dir into an empty r. 0 or negative. */
int li_probe_rows_from_dataset(li_probe_rows *r, const char *dir, int fixed_names, li_err *err)
	LI_RESULT_USED;
/*
 * Pairs r's rows (r->x read) with n labels: class indices (index), or one class name per
 * row (names), each mapped onto r->names: a name not there is added, or with fixed_names
 * refused. Takes index and names (freed or kept in r->y). 0 or negative (LI_EDATA: the
 * counts differ, an unknown name).
 */
int li_probe_rows_label(li_probe_rows *r, int64_t *index, char **names, int64_t n,
			int fixed_names, li_err *err) LI_RESULT_USED;
/* The first row holding a NaN or an infinity, or -1. */
int64_t li_probe_rows_first_bad(const li_probe_rows *r);
/* The classes the labels and names imply: max label + 1, at least the names' count, every
 * label a class index and named when names are given. The count, or negative. */
int li_probe_rows_classes(const li_probe_rows *r, li_err *err) LI_RESULT_USED;
/* 0 when every label is one of k classes, else LI_EDATA naming the first that is not. */
int li_probe_rows_within(const li_probe_rows *r, int k, li_err *err) LI_RESULT_USED;

/* ----- fitting and scoring (probe_eval.c) ----- */

/* Fits m (li_logreg_fit) on the rows of r with k classes, leaving out those marked in
 * is_val (NULL: none); *n_train gets the count fitted on. 0 or negative. */
int li_probe_fit(li_logreg *m, const li_probe_rows *r, const unsigned char *is_val, int k,
		 const li_logreg_params *p, int64_t *n_train, li_err *err) LI_RESULT_USED;
/*
 * Scores m on the rows of r where sel[i] == want (sel NULL: all): {"rows", "accuracy"}
 * and, with with_detail, per-class "classes" (precision, recall, F1, support) and the
 * "confusion" matrix. The same as text on report ("<what> accuracy: ..."), unless NULL.
 * Returns the new JSON object (caller decrefs; empty when out of memory).
 */
struct json_t *li_probe_evaluate(const li_logreg *m, const li_probe_rows *r,
				 const unsigned char *sel, int want, const char *what,
				 FILE *report, int with_detail);

/* ----- the split and the model file (probe.c) ----- */

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
