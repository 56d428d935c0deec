/*
 * Logistic regression with an L2 penalty, fitted by liblbfgs (L-BFGS with the
 * More-Thuente line search, which meets the strong Wolfe conditions), as scikit-learn's
 * LogisticRegression(solver="lbfgs") fits it: the same objective, so the same optimum.
 *
 * We minimize the objective divided by the row count n,
 *     f(W, b) = (1/n) sum_i loss_i + 0.5 * ||W||^2 / (C n),
 * which has scikit-learn's minimizer and makes the gradient tolerance independent of n.
 * Binary: loss_i = log(1 + exp(-s_i z_i)), z_i = w.x_i + b, s_i = +-1. Multinomial:
 * loss_i = logsumexp(z_i) - z_i[y_i] with one row of W per class. Logits and gradients
 * are GEMMs over the standardized rows (kept in double).
 */
#include "logreg.h"

#include <cblas.h>
#include <lbfgs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct problem {
	const double *xs;   /* n x d standardized */
	const int64_t *y;
	int64_t n;
	int d, k, n_out;
	double C;
	double *z;          /* n x n_out scratch */
	int iters;          /* iterations done, from the progress callback */
} problem;

li_logreg_params li_logreg_defaults(void)
{
	return (li_logreg_params){.C = 1.0, .max_iter = 1000, .tol = 1e-10};
}

void li_logreg_release(li_logreg *m)
{
	if (!m)
		return;
	free(m->mean);
	free(m->scale);
	free(m->coef);
	free(m->intercept);
	memset(m, 0, sizeof *m);
}

/* log(1 + exp(v)) without overflow */
static double softplus(double v)
{
	return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v));
}

static lbfgsfloatval_t evaluate(void *inst, const lbfgsfloatval_t *w, lbfgsfloatval_t *g,
				const int nvar, const lbfgsfloatval_t step)
{
	(void)nvar;
	(void)step;
	problem *p = inst;
	int d = p->d, no = p->n_out;
	const double *W = w, *b = w + (size_t)no * d;
	double *z = p->z, loss = 0;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)p->n, no, d, 1.0, p->xs, d, W, d,
		    0.0, z, no);
	for (int64_t i = 0; i < p->n; i++) {
		double *zi = z + i * no;
		for (int k = 0; k < no; k++)
			zi[k] += b[k];
		if (no == 1) {
			double t = p->y[i] == 1 ? 1.0 : 0.0;
			loss += softplus(zi[0]) - t * zi[0];
			zi[0] = 1.0 / (1.0 + exp(-zi[0])) - t;
		} else {
			double mx = zi[0], s = 0;
			for (int k = 1; k < no; k++)
				mx = zi[k] > mx ? zi[k] : mx;
			double zy = zi[p->y[i]];
			for (int k = 0; k < no; k++)
				s += (zi[k] = exp(zi[k] - mx));
			loss += mx + log(s) - zy;
			double inv_s = 1.0 / s;
			for (int k = 0; k < no; k++)
				zi[k] *= inv_s;
			zi[p->y[i]] -= 1.0;
		}
	}
	/* gradient: residuals^T X / n + W / (C n); intercept: column sums / n */
	double inv = 1.0 / (double)p->n, reg = 1.0 / (p->C * (double)p->n), ww = 0;
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, d, (int)p->n, inv, z, no, p->xs, d,
		    0.0, g, d);
	for (size_t j = 0; j < (size_t)no * d; j++) {
		g[j] += reg * W[j];
		ww += W[j] * W[j];
	}
	double *gb = g + (size_t)no * d;
	for (int k = 0; k < no; k++)
		gb[k] = 0;
	for (int64_t i = 0; i < p->n; i++)
		for (int k = 0; k < no; k++)
			gb[k] += z[i * no + k];
	for (int k = 0; k < no; k++)
		gb[k] *= inv;
	return loss * inv + 0.5 * reg * ww;
}

static int progress(void *inst, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g,
		    const lbfgsfloatval_t fx, const lbfgsfloatval_t xnorm,
		    const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k, int ls)
{
	(void)x, (void)g, (void)fx, (void)xnorm, (void)gnorm, (void)step, (void)n, (void)ls;
	((problem *)inst)->iters = k;
	return 0;
}

static const char *lbfgs_word(int rc)
{
	switch (rc) {
	case LBFGS_SUCCESS: return "converged";
	case LBFGS_ALREADY_MINIMIZED: return "already at the minimum";
	case LBFGSERR_MAXIMUMITERATION: return "iteration limit reached";
	case LBFGSERR_ROUNDING_ERROR: return "line search stopped by rounding";
	case LBFGSERR_MAXIMUMLINESEARCH: return "line search limit reached";
	case LBFGSERR_MINIMUMSTEP: return "line search step too small";
	case LBFGSERR_MAXIMUMSTEP: return "line search step too large";
	case LBFGSERR_WIDTHTOOSMALL: return "line search interval too small";
	case LBFGSERR_OUTOFMEMORY: return "out of memory";
	default: return "optimizer failed";
	}
}

int li_logreg_fit(li_logreg *m, const float *x, int64_t n, int d, const int64_t *y, int n_classes,
		  const li_logreg_params *par, li_err *err)
{
	li_logreg_params p = par ? *par : li_logreg_defaults();
	problem pb = {0};
	double *xs = NULL;
	lbfgsfloatval_t *w = NULL;
	int64_t *count = NULL;
	memset(m, 0, sizeof *m);
	if (n_classes < 2)
		return li_err_set(err, LI_EDATA, "one class only: a probe needs two or more");
	if (n < 1 || d < 1)
		return li_err_set(err, LI_EDATA, "no training rows or features");
	if (!(p.C > 0) || !isfinite(p.C) || p.max_iter < 1 || !(p.tol > 0))
		return li_err_set(err, LI_EUSAGE, "C and tol must be positive, max_iter at least 1");
	int no = n_classes == 2 ? 1 : n_classes;
	size_t nd, nz, nv = (size_t)no * d + no;
	if (li_mul_size((size_t)n, (size_t)d, &nd) || li_mul_size(nd, sizeof *xs, &nd) ||
	    li_mul_size((size_t)n, (size_t)no * sizeof(double), &nz) || n > INT32_MAX)
		return li_err_set(err, LI_EDATA, "too many rows");

	m->n_features = d;
	m->n_classes = n_classes;
	m->n_out = no;
	m->mean = calloc((size_t)d, sizeof *m->mean);
	m->scale = calloc((size_t)d, sizeof *m->scale);
	m->coef = calloc((size_t)no * d, sizeof *m->coef);
	m->intercept = calloc((size_t)no, sizeof *m->intercept);
	count = calloc((size_t)n_classes, sizeof *count);
	xs = malloc(nd);
	pb.z = malloc(nz);
	w = lbfgs_malloc((int)nv);
	if (!m->mean || !m->scale || !m->coef || !m->intercept || !count || !xs || !pb.z || !w) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	for (int64_t i = 0; i < n; i++) {
		if (y[i] < 0 || y[i] >= n_classes) {
			li_err_set(err, LI_EDATA, "label %lld of row %lld is not a class (%d classes)",
				   (long long)y[i], (long long)i, n_classes);
			goto fail;
		}
		count[y[i]]++;
	}
	for (int c = 0; c < n_classes; c++)
		if (!count[c]) {
			li_err_set(err, LI_EDATA, "class %d has no training rows", c);
			goto fail;
		}
	/* standardize: mean, then the population standard deviation (two passes) */
	for (int64_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++) {
			float v = x[i * d + j];
			if (!isfinite(v)) {
				li_err_set(err, LI_EDATA, "feature %d of row %lld is not finite", j, (long long)i);
				goto fail;
			}
			m->mean[j] += v;
		}
	for (int j = 0; j < d; j++)
		m->mean[j] /= (double)n;
	for (int64_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++) {
			double t = x[i * d + j] - m->mean[j];
			xs[i * d + j] = t;
			m->scale[j] += t * t;
		}
	for (int j = 0; j < d; j++) {
		double s = sqrt(m->scale[j] / (double)n);
		/* StandardScaler: a constant feature keeps scale 1 (up to rounding noise) */
		m->scale[j] = s > 10 * 2.220446049250313e-16 * (fabs(m->mean[j]) + 1) ? s : 1.0;
	}
	for (int64_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			xs[i * d + j] /= m->scale[j];

	pb.xs = xs;
	pb.y = y;
	pb.n = n;
	pb.d = d;
	pb.k = n_classes;
	pb.n_out = no;
	pb.C = p.C;
	for (size_t j = 0; j < nv; j++)
		w[j] = 0;
	lbfgs_parameter_t lp;
	lbfgs_parameter_init(&lp);
	lp.m = 10; /* scipy's L-BFGS-B default, which scikit-learn uses */
	lp.epsilon = p.tol;
	lp.max_iterations = p.max_iter;
	lp.max_linesearch = 50;
	lbfgsfloatval_t fx = 0;
	int rc = lbfgs((int)nv, w, &fx, evaluate, progress, &pb, &lp);
	if (rc == LBFGSERR_OUTOFMEMORY) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	/* the final state: gradient norm and iterations, whatever the optimizer said */
	lbfgsfloatval_t *g = malloc(nv * sizeof *g);
	if (!g) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	m->loss = evaluate(&pb, w, g, (int)nv, 0);
	double gn = 0, wn = 0;
	for (size_t j = 0; j < nv; j++) {
		gn += g[j] * g[j];
		wn += w[j] * w[j];
	}
	free(g);
	m->grad_norm = sqrt(gn);
	/* a line search that fails at the optimum's rounding floor has still converged */
	m->converged = rc == LBFGS_SUCCESS || rc == LBFGS_ALREADY_MINIMIZED ||
		       (rc != LBFGSERR_MAXIMUMITERATION && m->grad_norm <= 1e3 * p.tol * fmax(1, sqrt(wn)));
	m->status = lbfgs_word(rc);
	m->iterations = pb.iters;
	memcpy(m->coef, w, (size_t)no * d * sizeof *w);
	memcpy(m->intercept, w + (size_t)no * d, (size_t)no * sizeof *w);
	lbfgs_free(w);
	free(xs);
	free(pb.z);
	free(count);
	return 0;
fail:
	lbfgs_free(w);
	free(xs);
	free(pb.z);
	free(count);
	li_logreg_release(m);
	return err->code;
}

/* Logits of one row on raw features: standardize, then coef and intercept. */
static void logits(const li_logreg *m, const float *x, double *z)
{
	for (int k = 0; k < m->n_out; k++) {
		const double *c = m->coef + (size_t)k * m->n_features;
		double s = m->intercept[k];
		for (int j = 0; j < m->n_features; j++)
			s += c[j] * ((x[j] - m->mean[j]) / m->scale[j]);
		z[k] = s;
	}
}

void li_logreg_predict_proba(const li_logreg *m, const float *x, int64_t n, double *prob)
{
	int K = m->n_classes;
	for (int64_t i = 0; i < n; i++) {
		double *pr = prob + i * K;
		const float *xi = x + i * m->n_features;
		if (m->n_out == 1) {
			double z;
			logits(m, xi, &z);
			pr[1] = 1.0 / (1.0 + exp(-z));
			pr[0] = 1.0 - pr[1];
			continue;
		}
		logits(m, xi, pr);
		double mx = pr[0], s = 0;
		for (int k = 1; k < K; k++)
			mx = pr[k] > mx ? pr[k] : mx;
		for (int k = 0; k < K; k++)
			s += (pr[k] = exp(pr[k] - mx));
		for (int k = 0; k < K; k++)
			pr[k] /= s;
	}
}

void li_logreg_predict(const li_logreg *m, const float *x, int64_t n, int64_t *pred)
{
	double zb[64], *z = m->n_out <= 64 ? zb : malloc((size_t)m->n_out * sizeof *z);
	for (int64_t i = 0; i < n; i++) {
		int64_t best = 0;
		if (z) {
			logits(m, x + i * m->n_features, z);
			/* the largest logit is the most probable class; the first one wins ties */
			if (m->n_out == 1)
				best = z[0] > 0;
			else
				for (int k = 1; k < m->n_out; k++)
					if (z[k] > z[best])
						best = k;
		}
		pred[i] = best;
	}
	if (z != zb)
		free(z);
}

void li_logreg_fold(const li_logreg *m, float *kernel, float *bias)
{
	int d = m->n_features, no = m->n_out;
	for (int k = 0; k < no; k++) {
		const double *c = m->coef + (size_t)k * d;
		double b = m->intercept[k];
		for (int j = 0; j < d; j++) {
			kernel[(size_t)j * no + k] = (float)(c[j] / m->scale[j]);
			b -= c[j] * m->mean[j] / m->scale[j];
		}
		bias[k] = (float)b;
	}
}

void li_logreg_confusion(const int64_t *truth, const int64_t *pred, int64_t n, int k, int64_t *cm)
{
	memset(cm, 0, (size_t)k * k * sizeof *cm);
	for (int64_t i = 0; i < n; i++)
		if (truth[i] >= 0 && truth[i] < k && pred[i] >= 0 && pred[i] < k)
			cm[truth[i] * k + pred[i]]++;
}

double li_logreg_scores(const int64_t *cm, int k, double *precision, double *recall, double *f1)
{
	int64_t all = 0, right = 0;
	for (int a = 0; a < k; a++) {
		int64_t tp = cm[a * k + a], col = 0, row = 0;
		for (int b = 0; b < k; b++) {
			col += cm[b * k + a];
			row += cm[a * k + b];
		}
		all += row;
		right += tp;
		double pr = col ? (double)tp / col : 0, rc = row ? (double)tp / row : 0;
		if (precision)
			precision[a] = pr;
		if (recall)
			recall[a] = rc;
		if (f1)
			f1[a] = pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
	}
	return all ? (double)right / all : 0;
}
