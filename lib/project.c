/*
 * Reading a project's manifest (project.json, see project.h). Each key is checked for
 * its type and value here, so that a program using a project fails at once with the key
 * named, not later with a confusing message about a file.
 */
#include "project.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"numbers", "image", "curves", "command"};

const char *li_render_kind_name(li_render_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "?";
}

/* dir/rel, or rel itself when it is absolute. NULL when out of memory. */
static char *resolve(const char *dir, const char *rel)
{
	if (rel[0] == '/')
		return strdup(rel);
	size_t a = strlen(dir), b = strlen(rel);
	char *s = malloc(a + b + 2);
	if (!s)
		return NULL;
	memcpy(s, dir, a);
	s[a] = '/';
	memcpy(s + a + 1, rel, b + 1);
	return s;
}

/*
 * A path member of obj (key spelled for messages as where): absent or null gives NULL
 * and 0; a non-empty string gives the resolved path; anything else is an error.
 */
static int get_path(const char *dir, const json_t *obj, const char *key, const char *where,
		    int required, char **out, li_err *err)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return li_err_set(err, LI_EDATA, "'%s' is missing", where);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0)
		return li_err_set(err, LI_EDATA, "'%s' is not a file name", where);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return li_err_set(err, LI_EDATA, "'%s' holds a NUL character", where);
	*out = resolve(dir, json_string_value(v));
	return *out ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
}

static int get_string(const json_t *obj, const char *key, const char *where, char **out,
		      li_err *err)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		/* "at": 3 means the layer of index 3 */
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		*out = strdup(buf);
	} else if (json_is_string(v) && json_string_length(v) > 0 &&
		   strlen(json_string_value(v)) == json_string_length(v)) {
		*out = strdup(json_string_value(v));
	} else {
		return li_err_set(err, LI_EDATA, "'%s' is not a non-empty string", where);
	}
	return *out ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
}

static int get_number(const json_t *obj, const char *key, const char *where, double *out,
		      li_err *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return li_err_set(err, LI_EDATA, "'%s' is not a number", where);
	*out = json_number_value(v);
	return 0;
}

/* An array of positive integers (a shape), at most max entries; one -1 allowed when
 * minus_one. */
static int get_shape(const json_t *v, const char *where, int max, int minus_one, int64_t *dims,
		     int *rank, li_err *err)
{
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > (size_t)max)
		return li_err_set(err, LI_EDATA, "'%s' is not a list of 1 to %d sizes", where, max);
	int n_neg = 0;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		json_int_t d = json_is_integer(e) ? json_integer_value(e) : 0;
		if (d == -1 && minus_one && !n_neg++)
			;
		else if (d < 1 || d > ((json_int_t)1 << 40))
			return li_err_set(err, LI_EDATA, "'%s[%zu]' is not a positive size", where, i);
		dims[i] = d;
	}
	*rank = (int)json_array_size(v);
	return 0;
}

static int read_preprocess(li_project *p, const json_t *v, li_err *err)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return li_err_set(err, LI_EDATA, "'preprocess' is not an object");
	p->has_preprocess = 1;
	if (get_number(v, "scale", "preprocess.scale", &p->pre.scale, err) ||
	    get_number(v, "offset", "preprocess.offset", &p->pre.offset, err) ||
	    get_path(p->dir, v, "run", "preprocess.run", 0, &p->preprocess_run, err))
		return -1;
	json_t *r = json_object_get(v, "reshape");
	if (r && !json_is_null(r) &&
	    get_shape(r, "preprocess.reshape", LI_MAX_RANK - 1, 1, p->pre.reshape,
		      &p->pre.reshape_rank, err))
		return -1;
	return 0;
}

static int read_render(li_project *p, const json_t *v, li_err *err)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return li_err_set(err, LI_EDATA, "'render' is not an object");
	json_t *k = json_object_get(v, "kind");
	const char *kind = json_is_string(k) ? json_string_value(k) : NULL;
	if (!kind)
		return li_err_set(err, LI_EDATA, "'render.kind' is missing or not a string");
	int found = -1;
	for (int i = 0; i < 4; i++)
		if (!strcmp(kind, kind_names[i]))
			found = i;
	if (found < 0)
		return li_err_set(err, LI_EDATA,
				  "'render.kind' is '%.60s', expected image, curves, numbers or command",
				  kind);
	p->render = (li_render_kind)found;
	json_t *s = json_object_get(v, "shape");
	if (s && !json_is_null(s) &&
	    get_shape(s, "render.shape", 3, 0, p->render_shape, &p->render_rank, err))
		return -1;
	if (p->render == LI_RENDER_IMAGE && p->render_rank == 1)
		return li_err_set(err, LI_EDATA, "'render.shape' needs a height and a width");
	json_t *c = json_object_get(v, "channels");
	if (c && !json_is_null(c)) {
		if (!json_is_array(c) || json_array_size(c) > 4096)
			return li_err_set(err, LI_EDATA, "'render.channels' is not a list of names");
		p->channels = calloc(json_array_size(c) + 1, sizeof *p->channels);
		if (!p->channels)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		for (size_t i = 0; i < json_array_size(c); i++) {
			json_t *e = json_array_get(c, i);
			if (!json_is_string(e))
				return li_err_set(err, LI_EDATA, "'render.channels[%zu]' is not a string", i);
			if (!(p->channels[p->n_channels++] = strdup(json_string_value(e))))
				return li_err_set(err, LI_ENOMEM, "out of memory");
		}
	}
	if (get_path(p->dir, v, "run", "render.run", p->render == LI_RENDER_COMMAND,
		     &p->render_run, err))
		return -1;
	return 0;
}

li_project *li_project_load(const char *dir, li_err *err)
{
	json_t *root = NULL;
	li_project *p = calloc(1, sizeof *p);
	if (!p || !(p->dir = strdup(dir)) || !(p->manifest = resolve(dir, "project.json"))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	p->pre.scale = 1;
	FILE *f = fopen(p->manifest, "rb");
	if (!f) {
		li_err_set(err, LI_EIO, "cannot read: %s", strerror(errno));
		goto fail;
	}
	json_error_t je;
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	fclose(f);
	if (!root) {
		li_err_set(err, LI_EDATA, "bad JSON at line %d: %s", je.line, je.text);
		goto fail;
	}
	if (!json_is_object(root)) {
		li_err_set(err, LI_EDATA, "the manifest is not a JSON object");
		goto fail;
	}
	json_t *val = json_object_get(root, "validation");
	if (val && !json_is_null(val) && !json_is_object(val)) {
		li_err_set(err, LI_EDATA, "'validation' is not an object");
		goto fail;
	}
	if (get_path(dir, root, "model", "model", 1, &p->model, err) ||
	    get_path(dir, root, "data", "data", 1, &p->data, err) ||
	    get_path(dir, root, "labels", "labels", 0, &p->labels, err) ||
	    get_path(dir, root, "classes", "classes", 0, &p->classes, err) ||
	    (val && get_path(dir, val, "data", "validation.data", 0, &p->val_data, err)) ||
	    (val && get_path(dir, val, "labels", "validation.labels", 0, &p->val_labels, err)) ||
	    get_path(dir, root, "labeled", "labeled", 0, &p->labeled, err) ||
	    get_string(root, "at", "at", &p->at, err) ||
	    get_string(root, "method", "method", &p->method, err) ||
	    read_preprocess(p, json_object_get(root, "preprocess"), err) ||
	    read_render(p, json_object_get(root, "render"), err))
		goto fail;
	if (!p->labeled && !(p->labeled = resolve(dir, "labeled"))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	json_decref(root);
	return p;
fail:
	json_decref(root);
	li_project_free(p);
	return NULL;
}

void li_project_free(li_project *p)
{
	if (!p)
		return;
	free(p->dir);
	free(p->manifest);
	free(p->model);
	free(p->data);
	free(p->labels);
	free(p->classes);
	free(p->val_data);
	free(p->val_labels);
	free(p->labeled);
	free(p->at);
	free(p->method);
	free(p->preprocess_run);
	for (int i = 0; i < p->n_channels; i++)
		free(p->channels[i]);
	free(p->channels);
	free(p->render_run);
	free(p);
}
