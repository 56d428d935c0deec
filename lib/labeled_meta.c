/*
 * meta.json of a new generation of a labeled data set: its counts, the per-sample
 * probability a probe gave (null where none), and the history (one entry per append or
 * edit, carried over from the generation before). Built before the generation is written.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "labeled_internal.h"

static json_t *shape_json(int rank, const int64_t *shape)
{
	json_t *a = json_array();
	for (int i = 0; i < rank; i++)
		json_array_append_new(a, json_integer(shape[i]));
	return a;
}

/* The time now as meta.json gives it: UTC, ISO 8601. */
static void utc_now(char when[32])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* meta.json's class_counts: how many of the n labels name each class. */
static json_t *class_counts_json(const int64_t *labels, int64_t n, int n_classes)
{
	json_t *counts = json_array();
	int64_t *k = calloc((size_t)n_classes + 1, sizeof *k);
	for (int64_t i = 0; k && i < n; i++)
		if (labels[i] >= 0 && labels[i] < n_classes)
			k[labels[i]]++;
	for (int i = 0; i < n_classes; i++)
		json_array_append_new(counts, json_integer(k ? k[i] : 0));
	free(k);
	return counts;
}

/* One entry of meta.json's probability: the number, or null where there is none (NaN). */
static void append_prob(json_t *a, double v)
{
	json_array_append_new(a, isfinite(v) ? json_real(v) : json_null());
}

json_t *li_labeled_append_meta(const li_labeled *d, const li_labeled_append_req *q, long long gen,
			       int64_t total, int64_t rows, const int64_t *labels_all,
			       const li_class_list *c, const double *prob, int rank,
			       const int64_t *shape, li_dtype dtype, int64_t kdim)
{
	char when[32];
	utc_now(when);
	json_t *m = json_object();
	json_object_set_new(m, "format", json_string("li-labeled"));
	json_object_set_new(m, "version", json_integer(1));
	json_object_set_new(m, "generation", json_integer(gen));
	json_object_set_new(m, "count", json_integer(total));
	json_object_set_new(m, "classes", json_integer(c->n));
	json_object_set_new(m, "class_counts", class_counts_json(labels_all, total, c->n));
	json_object_set_new(m, "row_shape", shape_json(rank - 1, shape + 1));
	json_object_set_new(m, "dtype", json_string(li_dtype_name(dtype)));
	json_object_set_new(m, "origin_dim", json_integer(kdim));
	json_object_set_new(m, "time", json_string(when));
	json_object_set_new(m, "made_by", json_string(q->made_by ? q->made_by : "li-labeled"));

	/* per-sample probability of the label a probe gave (null: not from a probe) */
	json_t *old = d->meta ? json_object_get(d->meta, "probability") : NULL;
	json_t *p = json_array();
	for (int64_t i = 0; i < total; i++) {
		double v = NAN;
		if (i < d->info.count) {
			json_t *e = json_is_array(old) ? json_array_get(old, (size_t)i) : NULL;
			v = json_is_number(e) ? json_number_value(e) : NAN;
		} else {
			v = prob[i - d->info.count];
		}
		append_prob(p, v);
	}
	json_object_set_new(m, "probability", p);

	json_t *hist = d->meta ? json_object_get(d->meta, "appends") : NULL;
	hist = json_is_array(hist) ? json_deep_copy(hist) : json_array();
	json_t *h = json_object();
	json_object_set_new(h, "time", json_string(when));
	json_object_set_new(h, "rows", json_integer(rows));
	json_object_set_new(h, "labels", json_string(q->source ? q->source : ""));
	json_object_set_new(h, "relabeled", json_integer(q->n_set));
	json_object_set_new(h, "made_by", json_string(q->made_by ? q->made_by : "li-labeled"));
	json_array_append_new(hist, h);
	json_object_set_new(m, "appends", hist);
	return m;
}

json_t *li_labeled_edit_meta(const li_labeled *d, const li_labeled_edit_req *e,
			     const li_class_list *c, const int64_t *labels, const double *prob,
			     int64_t kept)
{
	json_t *meta = d->meta ? json_deep_copy(d->meta) : json_object();
	char when[32];
	utc_now(when);
	json_t *pa = json_array(), *h = json_object();
	for (int64_t i = 0; i < kept; i++)
		append_prob(pa, prob[i]);
	json_object_set_new(meta, "generation", json_integer(d->info.generation + 1));
	json_object_set_new(meta, "count", json_integer(kept));
	json_object_set_new(meta, "classes", json_integer(c->n));
	json_object_set_new(meta, "class_counts", class_counts_json(labels, kept, c->n));
	json_object_set_new(meta, "probability", pa);
	json_object_set_new(meta, "time", json_string(when));
	json_object_set_new(h, "time", json_string(when));
	json_object_set_new(h, "removed", json_integer(d->info.count - kept));
	json_object_set_new(h, "relabeled", json_integer(e->n_relabel));
	json_object_set_new(h, "made_by", json_string(e->made_by ? e->made_by : "li-labeled"));
	json_t *hist = json_object_get(meta, "edits");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(meta, "edits", hist);
	}
	json_array_append_new(hist, h);
	return meta;
}
