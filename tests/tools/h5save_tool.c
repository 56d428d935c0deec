/*
 * Test driver for lib/h5save.c: writes a small Keras model whose contents the shell test
 * checks with h5py. `h5save_tool OUT.h5 [N_EXTRA_LAYERS]`: a Sequential model (InputLayer,
 * Dense 3->2 with kernel 0.5*(i*2+j) and bias [1, -1], softmax Activation) followed by
 * N extra weightless layers with long names (to exercise chunked layer_names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "li.h"
#include "h5save.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int extra = argc > 2 ? atoi(argv[2]) : 0;
	float kernel[6], bias[2] = {1, -1};
	for (int i = 0; i < 6; i++)
		kernel[i] = 0.5f * (float)i;
	li_array w[2] = {
		{.dtype = LI_DTYPE_F32, .rank = 2, .shape = {3, 2}, .data = kernel},
		{.dtype = LI_DTYPE_F32, .rank = 1, .shape = {2}, .data = bias},
	};
	const char *wn[2] = {"dense/kernel:0", "dense/bias:0"};
	int n = 2 + extra;
	li_h5_layer_weights *L = calloc((size_t)n, sizeof *L);
	char **names = calloc((size_t)n, sizeof *names);
	L[0] = (li_h5_layer_weights){"dense", 2, wn, w};
	L[1] = (li_h5_layer_weights){"activation", 0, NULL, NULL};
	for (int i = 2; i < n; i++) {
		names[i] = malloc(200);
		snprintf(names[i], 200, "dropout_with_a_deliberately_long_name_to_fill_the_header_%06d", i);
		L[i] = (li_h5_layer_weights){names[i], 0, NULL, NULL};
	}
	li_h5_model_desc m = {
		.model_config = "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", "
				"\"layers\": [{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": "
				"[null, 3], \"dtype\": \"float32\", \"name\": \"dense_input\"}}, {\"class_name\": "
				"\"Dense\", \"config\": {\"name\": \"dense\", \"units\": 2, \"activation\": "
				"\"linear\", \"use_bias\": true}}, {\"class_name\": \"Activation\", \"config\": "
				"{\"name\": \"activation\", \"activation\": \"softmax\"}}]}}",
		.keras_version = "2.4.0",
		.backend = "tensorflow",
		.class_names_json = "[\"zero\", \"eins \\u00fc\"]",
		.layers = L,
		.n_layers = n,
	};
	li_err err = {0};
	int rc = li_h5_save_model(argv[1], &m, &err);
	if (rc)
		fprintf(stderr, "h5save_tool: %s\n", err.msg);
	for (int i = 2; i < n; i++)
		free(names[i]);
	free(names);
	free(L);
	return rc ? 1 : 0;
}
