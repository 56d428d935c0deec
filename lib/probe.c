/*
 * Probe split and probe model files (see probe.h). The model config is written in the
 * tf.keras 2.4 dialect with every setting that affects the output stated explicitly.
 */
#include "probe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "h5save.h"
#include "h5util.h"
#include "model.h"
#include "modelsave.h"
#include "rng.h"

int li_probe_split(const int64_t *y, int64_t n, int n_classes, double frac, uint64_t seed,
		   unsigned char *is_val, li_err *err)
{
	int64_t *rows = malloc((size_t)(n ? n : 1) * sizeof *rows);
	if (!rows)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	memset(is_val, 0, (size_t)n);
	for (int c = 0; c < n_classes; c++) {
		int64_t m = 0;
		for (int64_t i = 0; i < n; i++)
			if (y[i] == c)
				rows[m++] = i;
		int64_t k = (int64_t)(frac * (double)m + 0.5);
		if (k >= m)
			k = m - 1;
		/* a partial Fisher-Yates shuffle of this class's rows; one stream per class */
		li_rng r = li_rng_stream(seed, (uint64_t)c);
		for (int64_t j = 0; j < k; j++) {
			int64_t pick = j + (int64_t)li_rng_below(&r, (uint64_t)(m - j));
			int64_t t = rows[j];
			rows[j] = rows[pick];
			rows[pick] = t;
			is_val[rows[j]] = 1;
		}
	}
	free(rows);
	return 0;
}

static json_t *shape_json(int rank, const int64_t *shape)
{
	json_t *a = json_array();
	json_array_append_new(a, json_null());
	for (int i = 0; i < rank; i++)
		json_array_append_new(a, json_integer(shape[i]));
	return a;
}

static json_t *layer_json(const char *cls, json_t *config)
{
	json_t *l = json_object();
	json_object_set_new(l, "class_name", json_string(cls));
	json_object_set_new(l, "config", config);
	return l;
}

static json_t *initializer(const char *cls)
{
	json_t *i = json_object();
	json_object_set_new(i, "class_name", json_string(cls));
	json_object_set_new(i, "config", json_object());
	return i;
}

/* The Sequential config: InputLayer [-> Flatten] -> Dense(n_out, softmax). */
static char *probe_config(int rank, const int64_t *row_shape, int n_out)
{
	json_t *layers = json_array();
	json_t *in = json_object();
	json_object_set_new(in, "batch_input_shape", shape_json(rank, row_shape));
	json_object_set_new(in, "dtype", json_string("float32"));
	json_object_set_new(in, "sparse", json_false());
	json_object_set_new(in, "ragged", json_false());
	json_object_set_new(in, "name", json_string("probe_input"));
	json_array_append_new(layers, layer_json("InputLayer", in));
	if (rank > 1) {
		json_t *fl = json_object();
		json_object_set_new(fl, "name", json_string("probe_flatten"));
		json_object_set_new(fl, "trainable", json_true());
		json_object_set_new(fl, "dtype", json_string("float32"));
		json_object_set_new(fl, "batch_input_shape", shape_json(rank, row_shape));
		json_object_set_new(fl, "data_format", json_string("channels_last"));
		json_array_append_new(layers, layer_json("Flatten", fl));
	}
	json_t *d = json_object();
	json_object_set_new(d, "name", json_string("probe"));
	json_object_set_new(d, "trainable", json_true());
	json_object_set_new(d, "dtype", json_string("float32"));
	if (rank <= 1) /* tf.keras 2.4 repeats the input shape on the first real layer */
		json_object_set_new(d, "batch_input_shape", shape_json(rank, row_shape));
	json_object_set_new(d, "units", json_integer(n_out));
	json_object_set_new(d, "activation", json_string("softmax"));
	json_object_set_new(d, "use_bias", json_true());
	json_object_set_new(d, "kernel_initializer", initializer("GlorotUniform"));
	json_object_set_new(d, "bias_initializer", initializer("Zeros"));
	json_object_set_new(d, "kernel_regularizer", json_null());
	json_object_set_new(d, "bias_regularizer", json_null());
	json_object_set_new(d, "activity_regularizer", json_null());
	json_object_set_new(d, "kernel_constraint", json_null());
	json_object_set_new(d, "bias_constraint", json_null());
	json_array_append_new(layers, layer_json("Dense", d));
	json_t *cfg = json_object();
	json_object_set_new(cfg, "name", json_string("probe"));
	json_object_set_new(cfg, "layers", layers);
	json_t *model = layer_json("Sequential", cfg);
	char *text = json_dumps(model, JSON_PRESERVE_ORDER);
	json_decref(model);
	return text;
}

static char *names_json(int k, char *const *names)
{
	json_t *a = json_array();
	for (int i = 0; i < k; i++) {
		char num[24];
		snprintf(num, sizeof num, "%d", i);
		json_array_append_new(a, json_string(names ? names[i] : num));
	}
	char *text = json_dumps(a, JSON_PRESERVE_ORDER);
	json_decref(a);
	return text;
}

/*
 * A .keras probe: the .h5 written to a private temporary file beside path (mkstemp, removed
 * at once after), read back as a model and written by the .keras writer, so both formats
 * come from one description.
 */
static int save_keras(const char *path, const li_h5_model_desc *desc, li_err *err)
{
	char *tmp;
	int rc = li_h5_tmp_beside(path, 0600, &tmp, err);
	if (rc)
		return rc;
	rc = li_h5_save_model(tmp, desc, err);
	li_model *m = rc ? NULL : li_model_load(tmp, NULL, err);
	unlink(tmp);
	free(tmp);
	if (!m)
		return err->code ? err->code : LI_EIO;
	rc = li_model_save_part_as(m, LI_PART_WHOLE, 0, path, LI_SAVE_KERAS, err);
	li_model_free(m);
	return rc;
}

int li_probe_save(const char *path, int format, const li_logreg *m, int rank,
		  const int64_t *row_shape, char *const *names, li_err *err)
{
	int d = m->n_features, k = m->n_classes;
	float *kernel = malloc((size_t)d * (size_t)k * sizeof *kernel);
	float *bias = malloc((size_t)k * sizeof *bias);
	char *config = probe_config(rank, row_shape, k), *classes = names_json(k, names);
	int rc;
	if (!kernel || !bias || !config || !classes) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_logreg_fold(m, kernel, bias);
	if (m->n_out == 1) {
		/* sigmoid logit z -> softmax logits (-z/2, z/2): kernel column j holds z's weight */
		for (int j = d - 1; j >= 0; j--) {
			float w = kernel[j];
			kernel[2 * j] = -0.5f * w;
			kernel[2 * j + 1] = 0.5f * w;
		}
		float b = bias[0];
		bias[0] = -0.5f * b;
		bias[1] = 0.5f * b;
	}
	li_array w[2] = {
		{.dtype = LI_DTYPE_F32, .rank = 2, .shape = {d, k}, .data = kernel},
		{.dtype = LI_DTYPE_F32, .rank = 1, .shape = {k}, .data = bias},
	};
	const char *wn[2] = {"probe/kernel:0", "probe/bias:0"};
	li_h5_layer_weights layers[2] = {
		{"probe_flatten", 0, NULL, NULL},
		{"probe", 2, wn, w},
	};
	li_h5_model_desc desc = {
		.model_config = config,
		.keras_version = "2.4.0",
		.backend = "tensorflow",
		.class_names_json = classes,
		.layers = rank > 1 ? layers : layers + 1,
		.n_layers = rank > 1 ? 2 : 1,
	};
	if (format < 0)
		format = li_model_save_format(path, LI_SAVE_H5);
	if (format == LI_SAVE_KERAS)
		rc = save_keras(path, &desc, err);
	else
		rc = li_h5_save_model(path, &desc, err);
out:
	free(kernel);
	free(bias);
	free(config);
	free(classes);
	return rc;
}
