/*
 * libFuzzer target: Keras model configs (lib/nn/kerascfg.c) built into a layer graph
 * (lib/nn/graph.c), as a .h5 file's model_config attribute is. The input is JSON: a model
 * config, or {"model_config": ..., "keras_version": "1.2.2", "li_weights": {"dense":
 * {"kernel": [4, 2], "bias": [2]}}} to pick the Keras dialect and give layers made-up
 * weights of those shapes (a real file's weights come from its own reader).
 */
#include <jansson.h>
#include <stdlib.h>

#include "fuzz_model.h"
#include "model_internal.h"

/* Weights of at most this many floats per layer (the made-up ones). */
enum { KC_MAX_WEIGHTS = 1 << 16 };

static int kc_get(void *ctx, int depth, const char *const *path, li_weight **out, int *n_out,
		  li_err *err)
{
	const json_t *ws = json_object_get(ctx, path[depth - 1]);
	size_t n = json_object_size(ws), k = 0;
	const char *key;
	json_t *shape;
	int64_t total = 0;
	*out = NULL;
	*n_out = 0;
	if (!json_is_object(ws) || n == 0)
		return 0;
	li_weight *w = calloc(n, sizeof *w);
	if (!w)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	json_object_foreach((json_t *)ws, key, shape) {
		int64_t dims[LI_MAX_RANK];
		int rank = json_is_array(shape) ? (int)json_array_size(shape) : -1, ok = rank >= 0 &&
			   rank <= LI_MAX_RANK;
		for (int i = 0; ok && i < rank; i++) {
			json_int_t d = json_integer_value(json_array_get(shape, (size_t)i));
			ok = d >= 0 && d <= KC_MAX_WEIGHTS;
			dims[i] = d;
		}
		int64_t c = ok ? li_shape_count(rank, dims) : -1;
		if (c < 0 || (total += c) > KC_MAX_WEIGHTS) {
			li_weights_free(w, (int)k);
			return li_err_set(err, LI_EDATA, "made-up weight '%s' is too large", key);
		}
		if (!(w[k].name = strdup(key)) ||
		    li_array_alloc(&w[k].a, LI_DTYPE_F32, rank, dims, err)) {
			li_weights_free(w, (int)k + 1);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		float *v = w[k].a.data;
		for (int64_t i = 0; i < c; i++)
			v[i] = (float)((i * 5 + (int64_t)k) % 9) / 8.0f - 0.5f;
		k++;
	}
	*out = w;
	*n_out = (int)k;
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	json_error_t je;
	json_t *root = json_loadb((const char *)data, size, 0, &je);
	if (!root)
		return 0;
	const json_t *cfg = root, *weights = NULL;
	const char *version = "2.4.0";
	if (json_is_object(root) && json_object_get(root, "model_config")) {
		cfg = json_object_get(root, "model_config");
		weights = json_object_get(root, "li_weights");
		if (json_is_string(json_object_get(root, "keras_version")))
			version = json_string_value(json_object_get(root, "keras_version"));
	}
	li_model *m = calloc(1, sizeof *m);
	if (m) {
		li_err err = {0};
		li_kc_origin(version, &m->origin);
		li_wsource ws = {kc_get, (void *)weights};
		if (li_graph_build(m, cfg, &ws, &err) == 0)
			fuzz_model_use(m);
		li_model_free(m);
	}
	json_decref(root);
	return 0;
}
