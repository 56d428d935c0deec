/*
 * Labels to classes, for a new generation of a labeled data set: the class list (the data
 * set's names, then new ones at the end, each a name classes.txt and text label files can
 * hold) and the labels an append (by index, by name, one name for all, relabeled rows) or
 * an edit (removed and relabeled samples) leaves. Kept apart from the writing: everything
 * here can refuse, and does so before a byte is written.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labeled_internal.h"

/* A class name must survive classes.txt (one per line) and text label files (trimmed). */
static int check_name(const char *s, li_err *err)
{
	size_t n = strlen(s);
	if (n == 0)
		return li_err_set(err, LI_EDATA, "empty class name");
	if (n > 1024)
		return li_err_set(err, LI_EDATA, "class name longer than 1024 bytes");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return li_err_set(err, LI_EDATA, "class name '%.40s' holds a control character", s);
	if (s[0] == ' ' || s[n - 1] == ' ')
		return li_err_set(err, LI_EDATA, "class name '%s' begins or ends with a space", s);
	return 0;
}

static int class_add(li_class_list *c, const char *name, li_err *err)
{
	if (check_name(name, err))
		return -1;
	if (c->n == INT_MAX / 2)
		return li_err_set(err, LI_EDATA, "too many classes");
	if (c->n == c->m) {
		int m = c->m ? c->m * 2 : 16;
		char **v = realloc(c->v, (size_t)m * sizeof *v);
		if (!v)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		c->v = v;
		c->m = m;
	}
	if (!(c->v[c->n] = strdup(name)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return c->n++;
}

/* The index of name, added at the end when new. Negative on error. */
static int64_t class_find(li_class_list *c, const char *name, li_err *err)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], name))
			return i;
	return class_add(c, name, err);
}

int li_labeled_resolve_append(const li_labeled *d, const li_labeled_append_req *q, int64_t rows,
			      li_class_list *c, int64_t *labels, double *prob, li_err *err)
{
	for (int i = 0; i < d->info.n_classes; i++)
		if (class_add(c, d->info.classes[i], err) < 0)
			return -1;
	for (int i = 0; i < q->n_classes; i++) {
		if (i < c->n) {
			if (strcmp(c->v[i], q->classes[i]))
				return li_err_set(err, LI_EDATA,
						  "class %d is '%s' in the data set but '%s' in the class list",
						  i, c->v[i], q->classes[i]);
		} else if (class_add(c, q->classes[i], err) < 0) {
			return -1;
		} else {
			for (int j = 0; j < i; j++)
				if (!strcmp(c->v[j], q->classes[i]))
					return li_err_set(err, LI_EDATA, "class list names '%s' twice",
							  q->classes[i]);
		}
	}
	int sources = !!q->index + !!q->names + !!q->name;
	if (sources != 1)
		return li_err_set(err, LI_EUSAGE, "give exactly one source of labels");
	if ((q->index || q->names) && q->n_labels != rows)
		return li_err_set(err, LI_EDATA, "%lld labels for %lld samples",
				  (long long)q->n_labels, (long long)rows);
	if (q->index) {
		if (c->n == 0) { /* no names yet: the classes are called by their numbers */
			char num[32];
			for (int64_t i = 0; i < q->index_bound; i++) {
				snprintf(num, sizeof num, "%lld", (long long)i);
				if (class_add(c, num, err) < 0)
					return -1;
			}
		}
		for (int64_t i = 0; i < rows; i++) {
			if (q->index[i] < 0 || q->index[i] >= c->n)
				return li_err_set(err, LI_EDATA, "label %lld of sample %lld is not a class (%d classes)",
						  (long long)q->index[i], (long long)i, c->n);
			labels[i] = q->index[i];
		}
		if (q->index_bound > c->n)
			return li_err_set(err, LI_EDATA, "labels imply %lld classes but the data set has %d",
					  (long long)q->index_bound, c->n);
	} else if (q->names) {
		for (int64_t i = 0; i < rows; i++)
			if ((labels[i] = class_find(c, q->names[i], err)) < 0)
				return -1;
	} else {
		int64_t k = class_find(c, q->name, err);
		if (k < 0)
			return -1;
		for (int64_t i = 0; i < rows; i++)
			labels[i] = k;
	}
	for (int64_t i = 0; i < rows; i++)
		prob[i] = q->prob ? q->prob[i] : NAN;
	for (int i = 0; i < q->n_set; i++) {
		int64_t s = q->set_index[i];
		if (s < 0 || s >= rows)
			return li_err_set(err, LI_EDATA, "no sample %lld to relabel (%lld samples)",
					  (long long)s, (long long)rows);
		if ((labels[s] = class_find(c, q->set_name[i], err)) < 0)
			return -1;
		prob[s] = NAN; /* labeled by hand now */
	}
	return 0;
}

int64_t li_labeled_resolve_edit(const li_labeled *d, const li_labeled_edit_req *e,
				li_class_list *c, char *keep, int64_t *labels, double *prob,
				li_err *err)
{
	int64_t n = d->info.count, kept = 0;
	memset(keep, 1, (size_t)n + 1);
	memcpy(labels, d->labels, (size_t)n * sizeof *labels);
	li_labeled_probabilities(d, prob);
	for (int i = 0; i < d->info.n_classes; i++)
		if (class_add(c, d->info.classes[i], err) < 0)
			return -1;
	for (int64_t i = 0; i < e->n_remove; i++) {
		int64_t k = e->remove[i];
		if (k < 0 || k >= n)
			return li_err_set(err, LI_EDATA, "no sample %lld to remove (%lld samples)",
					  (long long)k, (long long)n);
		keep[k] = 0;
	}
	for (int64_t i = 0; i < e->n_relabel; i++) {
		int64_t k = e->relabel_index[i];
		if (k < 0 || k >= n || !keep[k])
			return li_err_set(err, LI_EDATA, "no sample %lld to relabel (%lld samples%s)",
					  (long long)k, (long long)n,
					  k >= 0 && k < n ? "; it is removed" : "");
		int64_t cls = class_find(c, e->relabel_name[i], err);
		if (cls < 0)
			return -1;
		labels[k] = cls;
		prob[k] = NAN; /* labeled by hand now */
	}
	for (int64_t i = 0; i < n; i++)
		if (keep[i]) {
			labels[kept] = labels[i];
			prob[kept] = prob[i];
			kept++;
		}
	return kept;
}
