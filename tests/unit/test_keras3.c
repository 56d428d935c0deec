/*
 * Unit tests of the .keras key rule (lib/nn/keras3.h): Keras' naming.to_snake_case, whose
 * expected values below are what Python's re module gives for Keras' three substitutions
 * (worked out with /usr/bin/python3, not with this code), and the per-class counters of
 * saving_lib._save_container_state.
 */
#include <string.h>

#include "check.h"
#include "keras3.h"

int main(void)
{
	static const struct { const char *cls, *want; } t[] = {
		{"Conv2D", "conv2d"}, {"MaxPooling2D", "max_pooling2d"},
		{"BatchNormalization", "batch_normalization"}, {"L2NormLayer", "l2_norm_layer"},
		{"MultiHeadAttention", "multi_head_attention"}, {"GRU", "gru"}, {"LSTM", "lstm"},
		{"PReLU", "p_re_lu"}, {"Conv2DTranspose", "conv2d_transpose"},
		{"GlobalAveragePooling1D", "global_average_pooling1d"}, {"ABCDef", "abc_def"},
		{"My-Layer!x", "my_layerx"}, {"UpSampling2D", "up_sampling2d"},
		{"TimeDistributed", "time_distributed"},
	};
	char out[128];
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		int rc = k3_snake(t[i].cls, out, sizeof out);
		CHECK(rc == 0 && !strcmp(out, t[i].want), "snake(%s): got '%s', expected '%s'",
		      t[i].cls, rc ? "(error)" : out, t[i].want);
	}
	CHECK(k3_snake("BatchNormalization", out, 8) < 0, "a short buffer is an error");

	/* Sequential(Dense, Dense, Conv2D, Dense, MaxPooling2D) as Keras stores it */
	static const char *const cls[] = {"Dense", "Dense", "Conv2D", "Dense", "MaxPooling2D"};
	static const char *const key[] = {"dense", "dense_1", "conv2d", "dense_2", "max_pooling2d"};
	k3_keys k;
	k3_keys_init(&k);
	for (int i = 0; i < 5; i++) {
		int rc = k3_keys_next(&k, cls[i], out, sizeof out);
		CHECK(rc == 0 && !strcmp(out, key[i]), "key %d (%s): got '%s', expected '%s'", i,
		      cls[i], out, key[i]);
	}
	k3_keys_release(&k);

	const k3_sub_table *s = k3_subs("Bidirectional");
	CHECK(s && s->n == 2 && !strcmp(s->sub[0].attr, "forward_layer") &&
	      !strcmp(s->sub[1].attr, "backward_layer"), "Bidirectional's sub-layers");
	s = k3_subs("MultiHeadAttention");
	CHECK(s && s->n == 4 && !strcmp(s->sub[0].attr, "query_dense") &&
	      !strcmp(s->sub[3].attr, "output_dense"), "MultiHeadAttention's sub-layers");
	CHECK(k3_subs("Dense") == NULL, "Dense keeps its own variables");
	return check_done();
}
