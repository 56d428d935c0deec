/*
 * Fitting a probe on the training rows of a split and scoring it (probe.h): accuracy,
 * per-class precision, recall and F1 and the confusion matrix, as JSON for the report
 * file and as text for a terminal.
 */
#include "probe.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int li_probe_fit(li_logreg *m, const li_probe_rows *r, const unsigned char *is_val, int k,
		 const li_logreg_params *p, int64_t *n_train, li_err *err)
{
	int64_t n = r->x.shape[0], d = li_shape_row_elems(r->x.rank, r->x.shape), t = 0;
	const float *x = r->x.data;
	int64_t *y = malloc((size_t)(n ? n : 1) * sizeof *y);
	float *xt = malloc((size_t)(n ? n : 1) * (size_t)d * sizeof *xt);
	int rc;
	if (!y || !xt) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	/* the training rows, compacted */
	for (int64_t i = 0; i < n; i++)
		if (!is_val || !is_val[i]) {
			memcpy(xt + t * d, x + i * d, (size_t)d * sizeof *xt);
			y[t++] = r->y[i];
		}
	*n_train = t;
	rc = li_logreg_fit(m, xt, t, (int)d, y, k, p, err);
out:
	free(y);
	free(xt);
	return rc;
}

static const char *class_name(const li_probe_rows *r, int c, char *buf, size_t n)
{
	if (c < r->n_names)
		return r->names[c];
	snprintf(buf, n, "%d", c);
	return buf;
}

/* The per-class lines and the confusion matrix on report, and both into out. */
static void detail(const li_probe_rows *r, int64_t k, const int64_t *cm, const double *prec,
		   const double *rec, const double *f1, FILE *report, json_t *out)
{
	json_t *per = json_array(), *conf = json_array();
	char buf[24];
	size_t w = 5;
	for (int c = 0; c < k; c++)
		if (strlen(class_name(r, c, buf, sizeof buf)) > w)
			w = strlen(class_name(r, c, buf, sizeof buf));
	if (w > 24)
		w = 24;
	if (report)
		fprintf(report, "  %-*s  precision  recall     f1  support\n", (int)w, "class");
	for (int c = 0; c < k; c++) {
		int64_t support = 0;
		json_t *row = json_array();
		for (int p = 0; p < k; p++) {
			support += cm[c * k + p];
			json_array_append_new(row, json_integer(cm[c * k + p]));
		}
		json_array_append_new(conf, row);
		json_t *o = json_object();
		json_object_set_new(o, "class", json_string(class_name(r, c, buf, sizeof buf)));
		json_object_set_new(o, "precision", json_real(prec[c]));
		json_object_set_new(o, "recall", json_real(rec[c]));
		json_object_set_new(o, "f1", json_real(f1[c]));
		json_object_set_new(o, "support", json_integer(support));
		json_array_append_new(per, o);
		if (report)
			fprintf(report, "  %-*.*s  %9.4f  %6.4f  %6.4f  %7lld\n", (int)w, (int)w,
				class_name(r, c, buf, sizeof buf), prec[c], rec[c], f1[c],
				(long long)support);
	}
	json_object_set_new(out, "classes", per);
	json_object_set_new(out, "confusion", conf);
	if (!report)
		return;
	fprintf(report, "  confusion (rows: true class, columns: predicted)\n");
	for (int c = 0; c < k; c++) {
		fprintf(report, "  %-*.*s", (int)w, (int)w, class_name(r, c, buf, sizeof buf));
		for (int p = 0; p < k; p++)
			fprintf(report, " %6lld", (long long)cm[c * k + p]);
		fputc('\n', report);
	}
}

struct json_t *li_probe_evaluate(const li_logreg *m, const li_probe_rows *r,
				 const unsigned char *sel, int want, const char *what,
				 FILE *report, int with_detail)
{
	int64_t n = r->x.shape[0], d = m->n_features, k = m->n_classes, count = 0;
	int64_t *pred = NULL, *truth = NULL, *cm = calloc((size_t)(k * k), sizeof *cm);
	float *xs = NULL;
	double *prec = calloc((size_t)k, sizeof *prec), *rec = calloc((size_t)k, sizeof *rec),
	       *f1 = calloc((size_t)k, sizeof *f1);
	for (int64_t i = 0; i < n; i++)
		count += !sel || sel[i] == want;
	pred = malloc((size_t)(count ? count : 1) * sizeof *pred);
	truth = malloc((size_t)(count ? count : 1) * sizeof *truth);
	xs = malloc((size_t)(count ? count : 1) * (size_t)d * sizeof *xs);
	json_t *out = json_object();
	if (!pred || !truth || !xs || !cm || !prec || !rec || !f1)
		goto done;
	for (int64_t i = 0, j = 0; i < n; i++)
		if (!sel || sel[i] == want) {
			memcpy(xs + j * d, (float *)r->x.data + i * d, (size_t)d * sizeof *xs);
			truth[j++] = r->y[i];
		}
	li_logreg_predict(m, xs, count, pred);
	li_logreg_confusion(truth, pred, count, (int)k, cm);
	double acc = li_logreg_scores(cm, (int)k, prec, rec, f1);
	json_object_set_new(out, "rows", json_integer(count));
	json_object_set_new(out, "accuracy", json_real(acc));
	if (report)
		fprintf(report, "%s accuracy: %.4f (%lld rows)\n", what, acc, (long long)count);
	if (with_detail)
		detail(r, k, cm, prec, rec, f1, report, out);
done:
	free(pred);
	free(truth);
	free(xs);
	free(cm);
	free(prec);
	free(rec);
	free(f1);
	return out;
}
