/*
 * JSON data through jansson: a rectangular nest of arrays of numbers, at the top level
 * or as a member of a top-level object (opts.var, or the only member that is an array or
 * a number). The shape is read off the first element at each depth; every other element
 * must agree, and an error names the JSON path of the first one that does not, as
 * x[3][1]. All integers give int64 (as numpy's np.array would), otherwise float64.
 * Loaded whole: jansson holds the document in memory, which is the input's size anyway.
 */
#include "data_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct walk {
	int rank;
	int64_t shape[LI_MAX_RANK];
	int all_int;
	char path[512];
	size_t root_len;              /* the member's name at the start of path */
	li_err *err;
} walk;

static const char *kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Checks v against the shape from depth k on, appending indices to w->path. */
static int check(walk *w, const json_t *v, int k)
{
	size_t plen = strlen(w->path);
	if (k == w->rank) {
		if (!json_is_number(v))
			return li_err_set(w->err, LI_EDATA, "'%s' is %s, expected a number", w->path, kind(v));
		if (!json_is_integer(v))
			w->all_int = 0;
		return 0;
	}
	if (!json_is_array(v))
		return li_err_set(w->err, LI_EDATA, "'%s' is %s, expected an array of %lld", w->path,
				  kind(v), (long long)w->shape[k]);
	if ((int64_t)json_array_size(v) != w->shape[k]) {
		/* the element the shape was read from: the same depth, all indices 0 */
		char first[512];
		snprintf(first, sizeof first, "%.*s", (int)w->root_len, w->path);
		for (int i = 0; i < k; i++)
			strncat(first, "[0]", sizeof first - strlen(first) - 1);
		size_t n = json_array_size(v);
		return li_err_set(w->err, LI_EDATA, "not rectangular: '%s' has %zu element%s, '%s' %lld",
				  w->path, n, n == 1 ? "" : "s", first, (long long)w->shape[k]);
	}
	for (size_t i = 0; i < json_array_size(v); i++) {
		snprintf(w->path + plen, sizeof w->path - plen, "[%zu]", i);
		if (check(w, json_array_get(v, i), k + 1))
			return w->err->code;
	}
	w->path[plen] = '\0';
	return 0;
}

static void fill(const walk *w, const json_t *v, int k, li_array *a, size_t *at)
{
	if (k == w->rank) {
		if (a->dtype == LI_DTYPE_I64)
			((int64_t *)a->data)[(*at)++] = json_integer_value(v);
		else
			((double *)a->data)[(*at)++] = json_number_value(v);
		return;
	}
	for (size_t i = 0; i < json_array_size(v); i++)
		fill(w, json_array_get(v, i), k + 1, a, at);
}

/* The member to read from an object: var, or the only array/number member. */
static const json_t *member(li_data *d, const json_t *root, const char **name, li_err *err)
{
	if (d->opts.var) {
		const json_t *v = json_object_get(root, d->opts.var);
		if (!v)
			li_err_set(err, LI_EDATA, "no member '%.100s'", d->opts.var);
		*name = d->opts.var;
		return v;
	}
	const char *key, *found = NULL;
	json_t *v, *found_v = NULL;
	char list[300] = "";
	int n = 0;
	json_object_foreach((json_t *)root, key, v) {
		if (!json_is_array(v) && !json_is_number(v))
			continue;
		if (n++)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
		strncat(list, key, sizeof list - strlen(list) - 1);
		found = key;
		found_v = v;
	}
	if (n == 0)
		li_err_set(err, LI_EDATA, "no member holds an array");
	else if (n > 1)
		li_err_set(err, LI_EDATA, "several members hold arrays (%s): choose one with --var", list);
	*name = found;
	return n == 1 ? found_v : NULL;
}

int li_data_open_json(li_data *d, li_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadf(d->file, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (ferror(d->file))
			return li_err_set(err, LI_EIO, "read error");
		return li_err_set(err, LI_EDATA, "bad JSON at line %d, column %d: %s", jerr.line,
				  jerr.column, jerr.text);
	}
	int rc = 0;
	walk w = {.all_int = 1, .err = err};
	const json_t *v = root;
	const char *name = NULL;
	if (json_is_object(root)) {
		v = member(d, root, &name, err);
		if (!v) {
			rc = err->code;
			goto out;
		}
		if (!(d->var = strdup(name))) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		snprintf(w.path, sizeof w.path, "%.400s", name);
		w.root_len = strlen(w.path);
	} else if (d->opts.var) {
		rc = li_err_set(err, LI_EUSAGE, "--var '%.100s' given, but the JSON is not an object",
				d->opts.var);
		goto out;
	}
	for (const json_t *e = v; json_is_array(e); e = json_array_get(e, 0)) {
		if (w.rank == LI_MAX_RANK) {
			rc = li_err_set(err, LI_EDATA, "arrays nested deeper than %d levels", LI_MAX_RANK);
			goto out;
		}
		w.shape[w.rank++] = (int64_t)json_array_size(e);
		if (!json_array_size(e))
			break;
	}
	if (check(&w, v, 0)) {
		rc = err->code;
		goto out;
	}
	rc = li_array_alloc(&d->whole, w.all_int ? LI_DTYPE_I64 : LI_DTYPE_F64, w.rank, w.shape, err);
	if (rc)
		goto out;
	size_t at = 0;
	fill(&w, v, 0, &d->whole, &at);
	d->dtype = d->whole.dtype;
	li_data_set_shape(d, w.rank, w.shape);
out:
	json_decref(root);
	return rc;
}
