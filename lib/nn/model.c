/*
 * li_model: loading by file type, freeing, and the read-only accessors of model.h.
 * The graph itself is built in graph.c; the formats are read in h5model.c and tfjs.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* 1 when the file starts with the HDF5 signature (at 0; user blocks are not used by
 * Keras), 0 when not, -1 when it cannot be read. */
static int is_hdf5(const char *path)
{
	static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
	unsigned char b[8];
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(b, 1, 8, f);
	fclose(f);
	return n == 8 && !memcmp(b, sig, 8);
}

li_model *li_model_load(const char *path, const char *config_path, li_err *err)
{
	li_model *m = calloc(1, sizeof *m);
	if (!m) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	int h = is_hdf5(path);
	int rc;
	if (h < 0)
		rc = li_err_set(err, LI_EIO, "cannot open the model");
	else if (h)
		rc = li_h5model_load(m, path, config_path, err);
	else if (config_path)
		rc = li_err_set(err, LI_EDATA, "not an HDF5 file (--config goes with a weights .h5)");
	else
		rc = li_tfjs_load(m, path, err);
	if (rc) {
		li_model_free(m);
		return NULL;
	}
	return m;
}

void li_model_free(li_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n_layers; i++)
		li_layer_release(&m->layers[i]);
	free(m->layers);
	for (int i = 0; i < m->n_nodes; i++) {
		free(m->nodes[i].name);
		free(m->nodes[i].class_name);
		free(m->nodes[i].in);
		free(m->nodes[i].problem);
		json_decref(m->nodes[i].config);
		li_weights_free(m->nodes[i].raw, m->nodes[i].n_raw);
	}
	free(m->nodes);
	free(m->inputs);
	free(m->outputs);
	for (int i = 0; i < m->n_class_names; i++)
		free(m->class_names[i]);
	free(m->class_names);
	free(m->backend);
	free(m->format);
	free(m->name);
	free(m);
}

int li_model_set_class_names(li_model *m, const char *text, li_err *err)
{
	json_error_t je;
	json_t *a = json_loads(text, 0, &je);
	if (!json_is_array(a)) {
		json_decref(a);
		return li_err_set(err, LI_EDATA, "'li_class_names' is not a JSON array of strings");
	}
	size_t n = json_array_size(a);
	m->class_names = calloc(n ? n : 1, sizeof(char *));
	if (!m->class_names) {
		json_decref(a);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s) {
			json_decref(a);
			return li_err_set(err, LI_EDATA, "'li_class_names' is not a JSON array of "
					  "strings");
		}
		if (!(m->class_names[i] = strdup(s))) {
			json_decref(a);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		m->n_class_names = (int)i + 1;
	}
	json_decref(a);
	return 0;
}

int li_model_rows(const li_model *m)
{
	return m->n_nodes;
}

const char *li_model_row_name(const li_model *m, int i)
{
	return m->nodes[i].name;
}

const char *li_model_row_class(const li_model *m, int i)
{
	return m->nodes[i].class_name;
}

const li_shape *li_model_row_shape(const li_model *m, int i)
{
	return &m->nodes[i].shape;
}

int64_t li_model_row_params(const li_model *m, int i)
{
	return m->nodes[i].params;
}

const char *li_model_row_problem(const li_model *m, int i)
{
	return m->nodes[i].problem;
}

int li_model_row_inputs(const li_model *m, int i, const int **rows)
{
	*rows = m->nodes[i].in;
	return m->nodes[i].n_in;
}

int li_model_find(const li_model *m, const char *spec)
{
	for (int i = 0; i < m->n_nodes; i++)
		if (!strcmp(m->nodes[i].name, spec))
			return i;
	char *end;
	long v = strtol(spec, &end, 10);
	if (*spec && !*end && v >= 0 && v < m->n_nodes)
		return (int)v;
	return -1;
}

int li_model_n_inputs(const li_model *m)
{
	return m->n_inputs;
}

int li_model_n_outputs(const li_model *m)
{
	return m->n_outputs;
}

int li_model_input_row(const li_model *m, int k)
{
	return m->inputs[k];
}

int li_model_output_row(const li_model *m, int k)
{
	return m->outputs[k];
}

int64_t li_model_params(const li_model *m)
{
	int64_t t = 0;
	for (int i = 0; i < m->n_nodes; i++)
		t += m->nodes[i].params;
	return t;
}

const li_origin *li_model_origin(const li_model *m)
{
	return &m->origin;
}

const char *li_model_backend(const li_model *m)
{
	return m->backend;
}

const char *li_model_format(const li_model *m)
{
	return m->format;
}

int li_model_class_names(const li_model *m, const char *const **names)
{
	*names = (const char *const *)m->class_names;
	return m->n_class_names;
}
