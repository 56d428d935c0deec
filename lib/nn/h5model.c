/*
 * Keras HDF5 models: whole-model files (root attributes model_config, keras_version,
 * backend; group model_weights) as Keras 1.x, 2.x / tf.keras and Keras 3 save them, and
 * weights-only files (model.save_weights: layer_names at the root) read together with a
 * JSON architecture. Weights are found through layer_names / weight_names, never by
 * guessing dataset paths; the dataset of weight "dense/kernel:0" of layer "dense" is
 * <weights group>/dense/dense/kernel:0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "model_internal.h"

typedef struct h5src {
	hid_t group;       /* the group holding one subgroup per layer */
	char **layer_names;
	int n_layer_names;
} h5src;

static int has_layer(const h5src *s, const char *name)
{
	for (int i = 0; i < s->n_layer_names; i++)
		if (!strcmp(s->layer_names[i], name))
			return 1;
	return 0;
}

/* The weight source: the weights of top-level layer path[0]; for a layer inside a nested
 * model, those of path[0]'s weights that belong to path[depth - 1] by name. */
static int h5_get(void *ctx, int depth, const char *const *path, li_weight **out, int *n_out,
		  li_err *err)
{
	h5src *s = ctx;
	char **names = NULL;
	int n = 0, rc = 0, k = 0;
	hid_t g = -1;
	li_weight *w = NULL;
	*out = NULL;
	*n_out = 0;
	if (!has_layer(s, path[0]))
		return 0; /* no weights stored: the layer's parse says whether it needs any */
	g = H5Gopen2(s->group, path[0], H5P_DEFAULT);
	if (g < 0)
		return li_err_set(err, LI_EDATA, "layer '%s' is listed in 'layer_names' but has no "
				  "group", path[0]);
	rc = li_h5_attr_strings(g, "weight_names", &names, &n, err);
	if (rc == LI_EEND) {
		rc = 0;
		n = 0;
	}
	if (rc)
		goto out;
	w = calloc((size_t)(n ? n : 1), sizeof *w);
	if (!w) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	const char *layer = path[depth - 1];
	for (int i = 0; i < n; i++) {
		char *shortname = li_kc_weight_short(names[i], layer, depth > 1);
		if (!shortname)
			continue; /* another inner layer's weight */
		w[k].name = shortname;
		if (li_h5_read_f32(g, names[i], &w[k].a, err)) {
			k++;
			rc = err->code;
			li_err_prefix(err, "layer '%s'", path[0]);
			goto out;
		}
		k++;
	}
out:
	li_h5_strings_free(names, n);
	if (g >= 0)
		H5Gclose(g);
	if (rc) {
		li_weights_free(w, k);
		return rc;
	}
	*out = w;
	*n_out = k;
	return 0;
}

/* Reads a JSON architecture file: a model config, or a file holding one under
 * "model_config" or "modelTopology" (a TF.js model.json). */
static json_t *read_config_file(const char *path, li_err *err)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (!j) {
		li_err_set(err, LI_EDATA, "%s: malformed JSON at line %d: %s", path, je.line, je.text);
		return NULL;
	}
	json_t *inner = json_object_get(j, "modelTopology");
	if (!inner)
		inner = json_object_get(j, "model_config");
	if (json_is_object(inner) && json_object_get(inner, "model_config"))
		inner = json_object_get(inner, "model_config");
	if (inner) {
		json_incref(inner);
		json_decref(j);
		j = inner;
	}
	return j;
}

int li_h5model_load(li_model *m, const char *path, const char *config_path, li_err *err)
{
	hid_t f = -1;
	h5src src = {-1, NULL, 0};
	char *cfg_text = NULL, *version = NULL, *names = NULL;
	json_t *root = NULL;
	int rc;
	li_h5_quiet();
	f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0) {
		rc = li_err_set(err, LI_EDATA, "cannot open as HDF5 (damaged file?)");
		goto out;
	}
	int has_mw = H5Lexists(f, "model_weights", H5P_DEFAULT) > 0;
	if (config_path || !has_mw)
		src.group = H5Gopen2(f, li_h5_has_attr(f, "layer_names") || !has_mw ? "/" :
				     "model_weights", H5P_DEFAULT);
	else
		src.group = H5Gopen2(f, "model_weights", H5P_DEFAULT);
	if (config_path) {
		root = read_config_file(config_path, err);
		if (!root) {
			rc = err->code;
			goto out;
		}
		m->format = strdup("keras-h5+json");
	} else {
		rc = li_h5_attr_string(f, "model_config", &cfg_text, err);
		if (rc == LI_EEND) {
			rc = li_err_set(err, LI_EDATA, "no 'model_config' attribute (a weights-only "
					"file? give its architecture with --config)");
			goto out;
		}
		if (rc)
			goto out;
		json_error_t je;
		root = json_loads(cfg_text, 0, &je);
		if (!root) {
			rc = li_err_set(err, LI_EDATA, "'model_config' is malformed JSON at line %d: %s",
					je.line, je.text);
			goto out;
		}
		m->format = strdup("keras-h5");
		if (!has_mw) {
			rc = li_err_set(err, LI_EDATA, "no 'model_weights' group");
			goto out;
		}
	}
	if (src.group < 0) {
		rc = li_err_set(err, LI_EDATA, "cannot open the weights group");
		goto out;
	}
	rc = li_h5_attr_string(f, "keras_version", &version, err);
	if (rc == LI_EEND)
		rc = li_h5_attr_string(src.group, "keras_version", &version, err);
	if (rc && rc != LI_EEND)
		goto out;
	li_kc_origin(rc == LI_EEND ? NULL : version, &m->origin);
	rc = li_h5_attr_string(f, "backend", &m->backend, err);
	if (rc == LI_EEND)
		rc = li_h5_attr_string(src.group, "backend", &m->backend, err);
	if (rc && rc != LI_EEND)
		goto out;
	rc = li_h5_attr_string(f, "li_class_names", &names, err);
	if (rc == 0)
		rc = li_model_set_class_names(m, names, err);
	if (rc && rc != LI_EEND)
		goto out;
	rc = li_h5_attr_strings(src.group, "layer_names", &src.layer_names, &src.n_layer_names,
				err);
	if (rc == LI_EEND)
		rc = li_err_set(err, LI_EDATA, "no 'layer_names' attribute in the weights group");
	if (rc)
		goto out;
	if (!m->format) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_wsource ws = {h5_get, &src};
	rc = li_graph_build(m, root, &ws, err);
out:
	li_h5_strings_free(src.layer_names, src.n_layer_names);
	if (src.group >= 0)
		H5Gclose(src.group);
	if (f >= 0)
		H5Fclose(f);
	json_decref(root);
	free(cfg_text);
	free(version);
	free(names);
	return rc;
}
