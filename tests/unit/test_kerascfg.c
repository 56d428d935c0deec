/*
 * Unit tests for kerascfg.c: version parsing, weight short names in every saving
 * convention, both config dialects (inbound nodes, input/output lists, Sequential forms,
 * Keras 1 renames), and the weight fixes for Keras 1 / Theano kernels. Expected values
 * are worked out by hand from the Keras file layouts in tests/fixtures/keras/README.md.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model_internal.h"

static void check_short(const char *full, const char *layer, int strict, const char *want)
{
	char *s = li_kc_weight_short(full, layer, strict);
	CHECK((s == NULL && want == NULL) || (s && want && !strcmp(s, want)),
	      "short name of '%s' for '%s': got '%s', expected '%s'", full, layer,
	      s ? s : "(null)", want ? want : "(null)");
	free(s);
}

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fprintf(stderr, "bad test JSON: %s\n", je.text);
	return j;
}

int main(void)
{
	li_origin o;
	li_kc_origin(NULL, &o);
	CHECK_INT(o.keras_major, 1, "no keras_version means Keras 1");
	li_kc_origin("2.2.4-tf", &o);
	CHECK(o.keras_major == 2 && o.keras_minor == 2 && o.keras_patch == 4 && !o.tfjs,
	      "2.2.4-tf parses as 2.2.4");
	li_kc_origin("3.11.3", &o);
	CHECK(o.keras_major == 3 && o.keras_minor == 11 && !strcmp(o.version, "3.11.3"),
	      "3.11.3 parses, version kept");
	li_kc_origin("tfjs-layers 4.22.0", &o);
	CHECK(o.tfjs == 1 && o.keras_major == 2, "tfjs-layers is TF.js with Keras 2 semantics");

	check_short("dense_1/kernel:0", "dense_1", 0, "kernel");
	check_short("sequential_1/dense_2/bias", "dense_2", 0, "bias");
	check_short("dense_1_W:0", "dense_1", 0, "W");
	check_short("lstm_1_W_i", "lstm_1", 0, "W_i");
	check_short("bidirectional/forward_lstm/kernel:0", "bidirectional", 0,
		    "forward_lstm/kernel");
	check_short("inner_a/kernel:0", "inner_b", 1, NULL);
	check_short("weird/name:0", "dense", 0, "name");

	/* Keras 3 nodes: one tensor, a list of tensors (merge), flat output_layers */
	json_t *k3 = parse(
		"{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": ["
		"{\"class_name\": \"InputLayer\", \"name\": \"x\", \"config\": {\"name\": \"x\","
		" \"batch_shape\": [null, 28, null]}, \"inbound_nodes\": []},"
		"{\"class_name\": \"Dense\", \"name\": \"d\", \"config\": {\"name\": \"d\"},"
		" \"inbound_nodes\": [{\"args\": [{\"class_name\": \"__keras_tensor__\", \"config\":"
		" {\"shape\": [null, 3], \"keras_history\": [\"x\", 0, 0]}}], \"kwargs\": {}}]},"
		"{\"class_name\": \"Add\", \"name\": \"a\", \"config\": {\"name\": \"a\"},"
		" \"inbound_nodes\": [{\"args\": [[{\"class_name\": \"__keras_tensor__\", \"config\":"
		" {\"keras_history\": [\"d\", 0, 0]}}, {\"class_name\": \"__keras_tensor__\","
		" \"config\": {\"keras_history\": [\"x\", 0, 0]}}]], \"kwargs\": {}}]}],"
		" \"input_layers\": [\"x\", 0, 0], \"output_layers\": [\"a\", 0, 0]}}");
	kc_model m;
	li_err err = {0};
	li_kc_origin("3.11.3", &o);
	CHECK(k3 && li_kc_model_parse_top(k3, &o, &m, &err) == 0, "Keras 3 config parses (%s)",
	      err.msg);
	CHECK_INT(m.n_layers, 3, "Keras 3 layers");
	CHECK(m.n_inputs == 1 && !strcmp(m.inputs[0].layer, "x"), "flat input_layers");
	CHECK(m.layers[2].n_calls == 1 && m.layers[2].calls[0].n_in == 2 &&
	      !strcmp(m.layers[2].calls[0].in[0].layer, "d") &&
	      !strcmp(m.layers[2].calls[0].in[1].layer, "x"), "merge args in order");
	li_shape s;
	CHECK(li_kc_input_shape(m.layers[0].config, &s, &err) == 0 && s.rank == 2 &&
	      s.dim[0] == 28 && s.dim[1] == -1, "batch_shape [null, 28, null] is (28, None)");
	li_kc_model_release(&m);
	json_decref(k3);

	/* Keras 1: a bare list, no InputLayer, renamed options */
	json_t *k1 = parse(
		"[{\"class_name\": \"Convolution2D\", \"config\": {\"name\": \"c\", \"nb_filter\": 4,"
		" \"nb_row\": 3, \"nb_col\": 2, \"border_mode\": \"valid\", \"subsample\": [1, 1],"
		" \"dim_ordering\": \"th\", \"batch_input_shape\": [null, 3, 8, 8]}},"
		"{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"output_dim\": 5,"
		" \"bias\": true, \"init\": \"glorot_uniform\"}}]");
	li_kc_origin(NULL, &o);
	CHECK(k1 && li_kc_model_parse_top(k1, &o, &m, &err) == 0, "Keras 1 list parses (%s)",
	      err.msg);
	CHECK(m.n_layers == 3 && !strcmp(m.layers[0].class_name, "InputLayer") &&
	      !strcmp(m.layers[0].name, "c_input"), "InputLayer synthesized as c_input");
	CHECK(li_kc_input_shape(m.layers[0].config, &s, &err) == 0 && s.rank == 3 && s.dim[0] == 3,
	      "synthesized input shape (3, 8, 8)");
	const json_t *c = m.layers[1].config;
	CHECK(!strcmp(m.layers[1].class_name, "Conv2D"), "Convolution2D becomes Conv2D");
	CHECK(json_integer_value(json_object_get(c, "filters")) == 4, "nb_filter -> filters");
	CHECK(json_integer_value(json_array_get(json_object_get(c, "kernel_size"), 1)) == 2,
	      "nb_row, nb_col -> kernel_size");
	CHECK(!strcmp(json_string_value(json_object_get(c, "padding")), "valid") &&
	      json_is_array(json_object_get(c, "strides")), "border_mode, subsample renamed");
	CHECK(!strcmp(json_string_value(json_object_get(c, "data_format")), "channels_first"),
	      "dim_ordering th -> channels_first");
	c = m.layers[2].config;
	CHECK(json_integer_value(json_object_get(c, "units")) == 5 &&
	      json_is_true(json_object_get(c, "use_bias")), "output_dim -> units, bias -> use_bias");
	CHECK(m.layers[2].calls[0].n_in == 1 && !strcmp(m.layers[2].calls[0].in[0].layer, "c"),
	      "Sequential chain");

	/* Keras 1 channels_first kernel (filters=2, stack=1, rows=1, cols=2) -> (1, 2, 1, 2),
	 * then Theano's flip reverses the (rows, cols) positions. */
	li_weight w = {0};
	int64_t shape[4] = {2, 1, 1, 2};
	CHECK(li_array_alloc(&w.a, LI_DTYPE_F32, 4, shape, &err) == 0, "alloc");
	float *k = w.a.data;
	k[0] = 1, k[1] = 2, k[2] = 3, k[3] = 4;   /* [f][0][0][col] */
	CHECK(li_kc_fix_weights("Conv2D", m.layers[1].config, &w, 1, &o, NULL, &err) == 0,
	      "Keras 1 transpose");
	CHECK(w.a.shape[0] == 1 && w.a.shape[1] == 2 && w.a.shape[2] == 1 && w.a.shape[3] == 2,
	      "kernel is (rows, cols, stack, filters)");
	k = w.a.data;
	CHECK(k[0] == 1 && k[1] == 3 && k[2] == 2 && k[3] == 4,
	      "transposed values: got %g %g %g %g", k[0], k[1], k[2], k[3]);
	li_kc_origin("2.1.0", &o);
	CHECK(li_kc_fix_weights("Conv2D", m.layers[1].config, &w, 1, &o, "theano", &err) == 0,
	      "Theano flip");
	k = w.a.data;
	CHECK(k[0] == 2 && k[1] == 4 && k[2] == 1 && k[3] == 3,
	      "flipped values: got %g %g %g %g", k[0], k[1], k[2], k[3]);
	li_array_release(&w.a);
	li_kc_model_release(&m);
	json_decref(k1);

	/* Keras 1 functional: triples, merge(mode="concat"), TimeDistributed(Dense(output_dim)) */
	json_t *k1f = parse(
		"{\"class_name\": \"Model\", \"config\": {\"name\": \"m\", \"layers\": ["
		"{\"class_name\": \"InputLayer\", \"name\": \"i\", \"config\": {\"name\": \"i\","
		" \"batch_input_shape\": [null, 3, 2]}, \"inbound_nodes\": []},"
		"{\"class_name\": \"TimeDistributed\", \"name\": \"t\", \"config\": {\"name\": \"t\","
		" \"layer\": {\"class_name\": \"Dense\", \"config\": {\"output_dim\": 2}}},"
		" \"inbound_nodes\": [[[\"i\", 0, 0]]]},"
		"{\"class_name\": \"Merge\", \"name\": \"g\", \"config\": {\"name\": \"g\","
		" \"mode\": \"concat\", \"concat_axis\": -1}, \"inbound_nodes\": [[[\"i\", 0, 0],"
		" [\"t\", 0, 0]]]}], \"input_layers\": [[\"i\", 0, 0]],"
		" \"output_layers\": [[\"g\", 0, 0]]}}");
	li_kc_origin(NULL, &o);
	CHECK(k1f && li_kc_model_parse_top(k1f, &o, &m, &err) == 0, "Keras 1 functional parses (%s)",
	      err.msg);
	CHECK(!strcmp(m.layers[2].class_name, "Concatenate") &&
	      json_integer_value(json_object_get(m.layers[2].config, "axis")) == -1,
	      "Merge(mode=concat, concat_axis) -> Concatenate(axis)");
	CHECK(m.layers[2].calls[0].n_in == 2, "a merge call of two tensors");
	json_t *inner = json_object_get(json_object_get(m.layers[1].config, "layer"), "config");
	CHECK(json_integer_value(json_object_get(inner, "units")) == 2,
	      "output_dim renamed inside TimeDistributed");
	li_kc_model_release(&m);
	json_decref(k1f);

	/* a Sequential without InputLayer or input shape, but with build_input_shape */
	json_t *bis = parse("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\","
			    " \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\","
			    " \"units\": 2}}], \"build_input_shape\": [null, 7]}}");
	li_kc_origin("3.1.0", &o);
	CHECK(bis && li_kc_model_parse_top(bis, &o, &m, &err) == 0 &&
	      li_kc_input_shape(m.layers[0].config, &s, &err) == 0 && s.rank == 1 && s.dim[0] == 7,
	      "build_input_shape gives the synthesized input (7,)");
	li_kc_model_release(&m);
	json_decref(bis);

	/* Keras 3.4+: input_layers as a dict (taken in sorted key order, as tree.flatten
	 * orders it), output_layers as a bare triple; custom classes are marked */
	json_t *k34 = parse("{\"class_name\": \"Functional\", \"config\": {\"name\": \"f\","
			   " \"layers\": [{\"class_name\": \"InputLayer\", \"name\": \"b\","
			   " \"module\": \"keras.layers\", \"registered_name\": null,"
			   " \"config\": {\"name\": \"b\", \"batch_shape\": [null, 2]}, \"inbound_nodes\": []},"
			   "{\"class_name\": \"InputLayer\", \"name\": \"a\", \"module\": \"keras.layers\","
			   " \"registered_name\": null, \"config\": {\"name\": \"a\","
			   " \"batch_shape\": [null, 2]}, \"inbound_nodes\": []},"
			   "{\"class_name\": \"Norm\", \"name\": \"n\", \"module\": \"my.layers\","
			   " \"registered_name\": \"Custom>Norm\", \"config\": {\"name\": \"n\"},"
			   " \"inbound_nodes\": [{\"args\": [[{\"class_name\": \"__keras_tensor__\","
			   " \"config\": {\"keras_history\": [\"a\", 0, 0]}}, {\"class_name\":"
			   " \"__keras_tensor__\", \"config\": {\"keras_history\": [\"b\", 0, 0]}}]],"
			   " \"kwargs\": {}}]}],"
			   " \"input_layers\": {\"zeta\": [\"b\", 0, 0], \"alpha\": [\"a\", 0, 0]},"
			   " \"output_layers\": [\"n\", 0, 0]}}");
	li_kc_origin("3.5.0", &o);
	CHECK(k34 && li_kc_model_parse_top(k34, &o, &m, &err) == 0, "Keras 3.4+ dict inputs parse (%s)",
	      err.msg);
	CHECK(m.n_inputs == 2 && !strcmp(m.inputs[0].layer, "a") && !strcmp(m.inputs[1].layer, "b"),
	      "dict inputs in sorted key order: alpha -> a, zeta -> b");
	CHECK(m.n_outputs == 1 && !strcmp(m.outputs[0].layer, "n"), "a bare output triple");
	CHECK(m.layers[2].custom && !m.layers[0].custom && m.layers[2].module &&
	      !strcmp(m.layers[2].module, "my.layers") && !strcmp(m.layers[2].registered,
	      "Custom>Norm"), "the custom class is marked, with module and registered name");
	CHECK(m.layers[2].calls[0].n_in == 2, "one list argument of two tensors");
	li_kc_model_release(&m);
	json_decref(k34);
	return check_done();
}
