/*
 * The labeled rows a probe trains on (probe.h): the samples of a labeled data-set folder,
 * or rows read elsewhere paired with a LABELS file's class indices or names, the names
 * mapped onto one class list; and the checks a fit needs (finite rows, labels that are
 * classes).
 */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "labeled.h"

void li_probe_rows_release(li_probe_rows *r)
{
	if (!r)
		return;
	li_array_release(&r->x);
	free(r->y);
	li_labeled_free_names(r->names, r->n_names);
	memset(r, 0, sizeof *r);
}

/* Finds name among r's class names (adding it at the end when add is set); the index or
 * -1 (not there, or out of memory). */
static int class_index(li_probe_rows *r, const char *name, int add)
{
	for (int i = 0; i < r->n_names; i++)
		if (!strcmp(r->names[i], name))
			return i;
	if (!add)
		return -1;
	char **grown = realloc(r->names, (size_t)(r->n_names + 1) * sizeof *grown);
	if (!grown)
		return -1;
	r->names = grown;
	r->names[r->n_names] = strdup(name);
	return r->names[r->n_names] ? r->n_names++ : -1;
}

int li_probe_rows_from_dataset(li_probe_rows *r, const char *dir, int fixed_names, li_err *err)
{
	li_labeled *d = li_labeled_open(dir, err);
	if (!d || li_labeled_load_samples(d, &r->x, err)) {
		li_labeled_close(d);
		return err->code ? err->code : LI_EIO;
	}
	const li_labeled_info *info = li_labeled_info_of(d);
	r->y = malloc((size_t)(info->count ? info->count : 1) * sizeof *r->y);
	if (r->y)
		memcpy(r->y, li_labeled_labels(d), (size_t)info->count * sizeof *r->y);
	if (!fixed_names)
		for (int i = 0; i < info->n_classes; i++)
			class_index(r, info->classes[i], 1);
	li_labeled_close(d);
	return r->y ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
}

int li_probe_rows_label(li_probe_rows *r, int64_t *index, char **names, int64_t n,
			int fixed_names, li_err *err)
{
	int rc = 0;
	if (n != r->x.shape[0]) {
		rc = li_err_set(err, LI_EDATA, "%lld labels for %lld rows", (long long)n,
				(long long)r->x.shape[0]);
		goto out;
	}
	if (names) {
		if (!(index = malloc((size_t)(n ? n : 1) * sizeof *index))) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		for (int64_t i = 0; i < n; i++) {
			int c = class_index(r, names[i], !fixed_names);
			if (c < 0) {
				rc = li_err_set(err, LI_EDATA, "label '%s' (row %lld) is not among the "
						"class names", names[i], (long long)i);
				goto out;
			}
			index[i] = c;
		}
	}
	r->y = index;
	index = NULL;
out:
	free(index);
	li_labeled_free_names(names, names ? n : 0);
	return rc;
}

int64_t li_probe_rows_first_bad(const li_probe_rows *r)
{
	int64_t n = r->x.rank ? r->x.shape[0] : 0, d = li_shape_row_elems(r->x.rank, r->x.shape);
	const float *x = r->x.data;
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < d; j++)
			if (!isfinite(x[i * d + j]))
				return i;
	return -1;
}

int li_probe_rows_classes(const li_probe_rows *r, li_err *err)
{
	int64_t k = r->n_names;
	for (int64_t i = 0; i < r->x.shape[0]; i++) {
		if (r->y[i] < 0 || r->y[i] > 1000000)
			return li_err_set(err, LI_EDATA, "label %lld (row %lld) is not a class index",
					  (long long)r->y[i], (long long)i);
		if (r->y[i] + 1 > k)
			k = r->y[i] + 1;
	}
	if (r->n_names && k > r->n_names)
		return li_err_set(err, LI_EDATA, "label %lld has no class name (%d names given)",
				  (long long)k - 1, r->n_names);
	return (int)k;
}

int li_probe_rows_within(const li_probe_rows *r, int k, li_err *err)
{
	for (int64_t i = 0; i < r->x.shape[0]; i++)
		if (r->y[i] < 0 || r->y[i] >= k)
			return li_err_set(err, LI_EDATA, "label %lld (row %lld) is not one of the %d "
					  "classes", (long long)r->y[i], (long long)i, k);
	return 0;
}
