/*
 * li_model: loading by file type, freeing, and the read-only accessors of model.h.
 * The graph itself is built in graph.c; the formats are read in h5model.c, keras3.c and
 * tfjs.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/*
 * The format by content, never by name: LI_FMT_HDF5 when the HDF5 signature is at offset
 * 0, 512, 1024, ... (after a user block), LI_FMT_ZIP for a zip's local header "PK\3\4"
 * (a Keras 3 .keras), LI_FMT_OTHER else (a TF.js model.json), -1 when it cannot be read.
 */
enum { LI_FMT_OTHER, LI_FMT_HDF5, LI_FMT_ZIP };
static int sniff(const char *path)
{
	static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
	unsigned char b[8];
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	int fmt = LI_FMT_OTHER;
	size_t n = fread(b, 1, 8, f);
	if (n >= 4 && !memcmp(b, "PK\3\4", 4))
		fmt = LI_FMT_ZIP;
	for (long off = 0; fmt == LI_FMT_OTHER && n == 8 && off < (1L << 30); ) {
		if (!memcmp(b, sig, 8)) {
			fmt = LI_FMT_HDF5;
			break;
		}
		off = off ? off * 2 : 512;
		if (fseek(f, off, SEEK_SET) != 0)
			break;
		n = fread(b, 1, 8, f);
	}
	fclose(f);
	return fmt;
}

li_model *li_model_load(const char *path, const char *config_path, li_err *err)
{
	li_model *m = calloc(1, sizeof *m);
	if (!m) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	int h = sniff(path);
	int rc;
	if (h < 0)
		rc = li_err_set(err, LI_EIO, "cannot open the model");
	else if (h == LI_FMT_HDF5)
		rc = li_h5model_load(m, path, config_path, err);
	else if (config_path)
		rc = li_err_set(err, LI_EDATA, "not an HDF5 file (--config goes with a weights .h5)");
	else if (h == LI_FMT_ZIP)
		rc = li_keras3_load(m, path, err);
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
		free(m->nodes[i].module);
		free(m->nodes[i].registered);
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
