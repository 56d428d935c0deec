/*
 * Unit tests of lib/logreg.c: metrics on a confusion matrix worked by hand, a binary fit
 * whose optimum is solved here independently, folding, and refused inputs.
 *
 * With LI_LOGREG_DIR set it is instead a tool for tests/cli/t0710-logreg.sh: it fits
 * DIR/x.npy (float32) and DIR/y.npy (int64) with C from LI_LOGREG_C (and tol from
 * LI_LOGREG_TOL, for timing against scikit-learn by hand) and writes coef.npy,
 * intercept.npy, mean.npy, scale.npy, proba.npy (float64) and pred.npy (int64) into DIR,
 * for comparison with scikit-learn.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"

static int load(const char *dir, const char *name, li_array *a, int dtype)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	li_err err = {0};
	int rc = f ? li_npy_load(f, a, dtype, &err) : -1;
	if (f)
		fclose(f);
	if (rc)
		fprintf(stderr, "%s: %s\n", path, f ? err.msg : "cannot open");
	return rc;
}

static int save(const char *dir, const char *name, li_dtype t, int rank, int64_t r, int64_t c,
		void *data)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	li_array a = {.dtype = t, .rank = rank, .shape = {r, c}, .data = data};
	li_err err = {0};
	FILE *f = fopen(path, "wb");
	int rc = f ? li_npy_save(f, &a, &err) : -1;
	if (f && fclose(f))
		rc = -1;
	return rc;
}

static int tool(const char *dir)
{
	li_array x = {0}, y = {0};
	li_logreg m = {0};
	li_err err = {0};
	if (load(dir, "x.npy", &x, LI_DTYPE_F32) || load(dir, "y.npy", &y, LI_DTYPE_I64))
		return 1;
	li_logreg_params p = li_logreg_defaults();
	const char *c = getenv("LI_LOGREG_C");
	if (c)
		p.C = strtod(c, NULL);
	const char *tol = getenv("LI_LOGREG_TOL");
	if (tol)
		p.tol = strtod(tol, NULL);
	int64_t n = x.shape[0], k = 0;
	const int64_t *yy = y.data;
	for (int64_t i = 0; i < n; i++)
		k = yy[i] + 1 > k ? yy[i] + 1 : k;
	if (li_logreg_fit(&m, x.data, n, (int)x.shape[1], yy, (int)k, &p, &err)) {
		fprintf(stderr, "fit: %s\n", err.msg);
		return 1;
	}
	fprintf(stderr, "iterations %d, converged %d (%s), loss %.12g, |g| %.3g\n", m.iterations,
		m.converged, m.status, m.loss, m.grad_norm);
	double *proba = malloc((size_t)(n * k) * sizeof *proba);
	int64_t *pred = malloc((size_t)n * sizeof *pred);
	li_logreg_predict_proba(&m, x.data, n, proba);
	li_logreg_predict(&m, x.data, n, pred);
	int rc = save(dir, "coef.npy", LI_DTYPE_F64, 2, m.n_out, m.n_features, m.coef) ||
		 save(dir, "intercept.npy", LI_DTYPE_F64, 1, m.n_out, 0, m.intercept) ||
		 save(dir, "mean.npy", LI_DTYPE_F64, 1, m.n_features, 0, m.mean) ||
		 save(dir, "scale.npy", LI_DTYPE_F64, 1, m.n_features, 0, m.scale) ||
		 save(dir, "proba.npy", LI_DTYPE_F64, 2, n, k, proba) ||
		 save(dir, "pred.npy", LI_DTYPE_I64, 1, n, 0, pred);
	free(proba);
	free(pred);
	rc |= !m.converged;
	li_logreg_release(&m);
	li_array_release(&x);
	li_array_release(&y);
	return rc ? 1 : 0;
}

static void metrics(void)
{
	int64_t truth[] = {0, 0, 1, 1, 2, 2}, pred[] = {0, 1, 1, 1, 2, 0}, cm[9];
	li_logreg_confusion(truth, pred, 6, 3, cm);
	int64_t want[9] = {1, 1, 0, 0, 2, 0, 1, 0, 1};
	CHECK(!memcmp(cm, want, sizeof cm), "confusion matrix");
	double p[3], r[3], f[3];
	double acc = li_logreg_scores(cm, 3, p, r, f);
	CHECK_NEAR(acc, 4.0 / 6, 1e-12, "accuracy");
	CHECK_NEAR(p[0], 0.5, 1e-12, "precision 0");
	CHECK_NEAR(p[1], 2.0 / 3, 1e-12, "precision 1");
	CHECK_NEAR(p[2], 1.0, 1e-12, "precision 2");
	CHECK_NEAR(r[0], 0.5, 1e-12, "recall 0");
	CHECK_NEAR(r[1], 1.0, 1e-12, "recall 1");
	CHECK_NEAR(r[2], 0.5, 1e-12, "recall 2");
	CHECK_NEAR(f[1], 0.8, 1e-12, "f1 1");
	CHECK_NEAR(f[2], 2.0 / 3, 1e-12, "f1 2");
	int64_t none[4] = {0, 0, 0, 0};
	CHECK_NEAR(li_logreg_scores(none, 2, p, r, f), 0, 0, "no rows: accuracy 0");
	CHECK(p[0] == 0 && r[0] == 0 && f[0] == 0, "no rows: scores 0 (zero_division)");
}

/*
 * x = {-1, 1} (already standardized: mean 0, std 1), y = {0, 1}, C = 1. By symmetry b = 0
 * and the objective 2 log(1 + exp(-w)) + w^2 / 2 has w = 2 / (1 + exp(w)): solved here
 * by bisection.
 */
static void binary_by_hand(void)
{
	float x[] = {-1, 1, 3, 5};  /* second test: x scaled by 2 and shifted by 4 */
	int64_t y[] = {0, 1};
	double lo = 0, hi = 2;
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;
		if (mid - 2 / (1 + exp(mid)) < 0)
			lo = mid;
		else
			hi = mid;
	}
	li_logreg m = {0};
	li_err err = {0};
	li_logreg_params p = li_logreg_defaults();
	CHECK_INT(li_logreg_fit(&m, x, 2, 1, y, 2, &p, &err), 0, "binary fit");
	CHECK_INT(m.n_out, 1, "binary: one output");
	CHECK_NEAR(m.coef[0], lo, 1e-7, "binary weight");
	CHECK_NEAR(m.intercept[0], 0, 1e-7, "binary intercept");
	CHECK(m.converged, "binary converged (%s, %d iterations)", m.status, m.iterations);
	double pr[4];
	li_logreg_predict_proba(&m, x, 2, pr);
	CHECK_NEAR(pr[3], 1 / (1 + exp(-lo)), 1e-7, "P(class 1 | x = 1)");
	CHECK_NEAR(pr[0] + pr[1], 1, 1e-12, "probabilities sum to 1");
	li_logreg_release(&m);

	/* standardization makes the fit invariant to scale and offset of the features */
	CHECK_INT(li_logreg_fit(&m, x + 2, 2, 1, y, 2, &p, &err), 0, "shifted fit");
	CHECK_NEAR(m.mean[0], 4, 1e-12, "mean");
	CHECK_NEAR(m.scale[0], 1, 1e-12, "scale");
	CHECK_NEAR(m.coef[0], lo, 1e-7, "shifted weight");
	/* folded: kernel * x + bias is the logit on raw features */
	float kern, bias;
	li_logreg_fold(&m, &kern, &bias);
	CHECK_NEAR(kern * 5 + bias, lo, 1e-6, "folded logit at x = 5");
	CHECK_NEAR(kern * 3 + bias, -lo, 1e-6, "folded logit at x = 3");
	int64_t pred[2];
	li_logreg_predict(&m, x + 2, 2, pred);
	CHECK(pred[0] == 0 && pred[1] == 1, "binary predictions");
	li_logreg_release(&m);
}

static void refused(void)
{
	float x[] = {0, 1, 2, NAN};
	int64_t y1[] = {0, 0, 0, 0}, y2[] = {0, 2, 0, 2}, y3[] = {0, 1, 0, 1}, y4[] = {0, 5, 0, 1};
	li_logreg m = {0};
	li_err err = {0};
	CHECK(li_logreg_fit(&m, x, 3, 1, y1, 1, NULL, &err) == LI_EDATA, "one class: %s", err.msg);
	li_err_clear(&err);
	CHECK(li_logreg_fit(&m, x, 4, 1, y2, 3, NULL, &err) == LI_EDATA, "empty class: %s", err.msg);
	li_err_clear(&err);
	CHECK(li_logreg_fit(&m, x, 4, 1, y3, 2, NULL, &err) == LI_EDATA, "NaN feature: %s", err.msg);
	li_err_clear(&err);
	CHECK(li_logreg_fit(&m, x, 3, 1, y4, 2, NULL, &err) == LI_EDATA, "bad label: %s", err.msg);
	CHECK(m.coef == NULL, "nothing kept after a failure");
}

int main(void)
{
	const char *dir = getenv("LI_LOGREG_DIR");
	if (dir)
		return tool(dir);
	metrics();
	binary_by_hand();
	refused();
	return check_done();
}
