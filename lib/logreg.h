/*
 * Logistic regression probes: binary (sigmoid) and multinomial (softmax) with an L2
 * penalty, fitted by L-BFGS (liblbfgs, More-Thuente line search) on standardized
 * features, and the metrics a probe is judged by.
 *
 * The objective is scikit-learn's LogisticRegression(penalty="l2", C) with the lbfgs
 * solver: summed log-loss + 0.5 * ||W||^2 / C, intercept not penalized; two classes use
 * one sigmoid output (P(class 1)), more use one softmax output per class. Features are
 * standardized first (x' = (x - mean) / scale, scale = population std, 1 where it is 0,
 * as StandardScaler does), and the coefficients apply to x'. Fitting is deterministic.
 */
#ifndef LI_LOGREG_H
#define LI_LOGREG_H

#include <stdint.h>

#include "err.h"

typedef struct li_logreg {
	int n_features;    /* d */
	int n_classes;     /* K >= 2 */
	int n_out;         /* 1 when K == 2 (sigmoid), else K (softmax) */
	double *mean;      /* d */
	double *scale;     /* d */
	double *coef;      /* n_out x d, row-major, on standardized features */
	double *intercept; /* n_out */
	/* how the fit went */
	int iterations;
	int converged;     /* 1 when the gradient test was met */
	double loss;       /* final objective divided by the row count */
	double grad_norm;  /* of that objective, at the end */
	const char *status; /* the optimizer's last word ("converged", ...); static */
} li_logreg;

typedef struct li_logreg_params {
	double C;          /* inverse penalty strength [1.0] */
	int max_iter;      /* L-BFGS iterations [1000] */
	double tol;        /* stop when ||grad|| <= tol * max(1, ||w||) [1e-10] (mean loss) */
} li_logreg_params;

/* Default parameters. */
li_logreg_params li_logreg_defaults(void);

/*
 * Fits m on n rows of d features (x, row-major float) with labels y in [0, n_classes).
 * Refuses non-finite features, labels out of range, a class without samples and fewer
 * than two classes (LI_EDATA). Not converging within max_iter is not an error: see
 * m->converged. m is overwritten (call li_logreg_release() first when reusing it);
 * on failure it holds nothing to free. 0 or negative.
 */
int li_logreg_fit(li_logreg *m, const float *x, int64_t n, int d, const int64_t *y, int n_classes,
		  const li_logreg_params *p, li_err *err) LI_RESULT_USED;

/* Frees m's arrays and zeroes it (NULL and zeroed structs allowed). */
void li_logreg_release(li_logreg *m);

/* Class probabilities, n x n_classes (for two classes: 1 - p, p). */
void li_logreg_predict_proba(const li_logreg *m, const float *x, int64_t n, double *prob);
/* Most probable class of each row. */
void li_logreg_predict(const li_logreg *m, const float *x, int64_t n, int64_t *pred);

/*
 * Folds the standardization into a Dense layer on raw features, Keras layout:
 * kernel d x n_out (row-major), bias n_out, so that kernel^T x + bias equals the
 * logits of the standardized model: kernel[j][k] = coef[k][j] / scale[j],
 * bias[k] = intercept[k] - sum_j coef[k][j] * mean[j] / scale[j].
 */
void li_logreg_fold(const li_logreg *m, float *kernel, float *bias);

/* ----- metrics ----- */

/* cm (k x k, row = true class, column = predicted) from n label pairs; labels outside
 * [0, k) are skipped. */
void li_logreg_confusion(const int64_t *truth, const int64_t *pred, int64_t n, int k, int64_t *cm);

/* From a confusion matrix: accuracy, and per class precision, recall and F1 (each k
 * entries; 0 where undefined, as scikit-learn's zero_division=0). Returns the accuracy. */
double li_logreg_scores(const int64_t *cm, int k, double *precision, double *recall, double *f1);

#endif
