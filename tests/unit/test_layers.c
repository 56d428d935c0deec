/*
 * Unit tests for the layer table (lib/nn/layers.c) and the families' handling of bad
 * configs and weights: each bad input gives one clear message naming the layer (and the
 * weight and both shapes, the option, ...). Forward values are checked by
 * test_layer_cases against TF.js, numpy and real Keras; here only small hand-worked ones.
 */
#include <string.h>

#include "check.h"
#include "li.h"
#include "layer.h"

static li_origin k2 = { .keras_major = 2 };

/* Builds layer (class, name) from a JSON config text and weights; returns the code and
 * leaves the message in err. The layer is released unless keep is given. */
static int build(const char *cls, const char *name, const char *config, const li_weight *w,
		 int n_w, li_err *err, li_layer *keep)
{
	li_layer l;
	json_t *c = config ? json_loads(config, 0, NULL) : NULL;
	li_err_clear(err);
	int rc = li_layer_init(&l, cls, name, c, w, n_w, &k2, err);
	json_decref(c);
	if (rc == 0 && keep)
		*keep = l;
	else if (rc == 0)
		li_layer_release(&l);
	return rc;
}

static li_weight weight(const char *name, int rank, int64_t d0, int64_t d1, float fill)
{
	li_weight w = { name, { 0 } };
	int64_t shape[2] = { d0, d1 };
	if (li_array_alloc(&w.a, LI_DTYPE_F32, rank, shape, NULL) == 0)
		for (int64_t i = 0; i < li_array_count(&w.a); i++)
			((float *)w.a.data)[i] = fill;
	return w;
}

#define EXPECT_MSG(rc, err, text) \
	CHECK((rc) == LI_EDATA && !strcmp((err).msg, text), "%s (got: %s)", text, (err).msg)

static int out_shape(li_layer *l, int n_in, const li_shape *in, li_shape *out, li_err *err)
{
	li_err_clear(err);
	return l->ops->out_shape(l, n_in, in, out, err);
}

int main(void)
{
	li_err err;
	li_layer l;
	int rc;

	/* ---- the table ---- */
	CHECK(li_layer_find("Dense") != NULL, "Dense has a family");
	CHECK(li_layer_find("Conv2D") != NULL, "Conv2D has a family");
	CHECK(li_layer_find("LSTM") != NULL, "LSTM has a family");
	CHECK(li_layer_find("ConvLSTM2D") == NULL, "ConvLSTM2D has no family yet");
	rc = build("Lambda", "lam", "{}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'lam' (Lambda) cannot be run: it holds Python code");
	rc = build("MyBlock", "blk", "{}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'blk' (MyBlock) cannot be run: unknown or custom layer class");
	static const char *const later[] = {
		"ConvLSTM2D",
	};
	for (size_t i = 0; i < sizeof later / sizeof later[0]; i++) {
		char want[200];
		snprintf(want, sizeof want, "layer 'x' (%s) is not yet supported", later[i]);
		rc = build(later[i], "x", "{}", NULL, 0, &err, NULL);
		EXPECT_MSG(rc, err, want);
	}
	rc = build("Dense", "d", "[1]", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): config is not an object");

	li_shape unknown = { 2, { 3, -1 } }, big = { 2, { INT64_MAX, 3 } }, s34 = { 2, { 3, 4 } };
	CHECK_INT(li_shape_elems(&s34), 12, "elements of (3, 4)");
	CHECK_INT(li_shape_elems(&unknown), -1, "elements of an unknown shape");
	CHECK_INT(li_shape_elems(&big), -1, "elements that overflow");

	/* ---- Dense ---- */
	li_weight k34 = weight("kernel", 2, 3, 4, 0.5f), b4 = weight("bias", 1, 4, 0, 1);
	li_weight b5 = weight("bias", 1, 5, 0, 1), k35 = weight("kernel", 2, 3, 5, 0.5f);
	li_weight w2[2] = { k34, b5 };
	rc = build("Dense", "d", "{\"units\": 5}", w2, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): weight 'kernel' has shape (3, 4), the config needs (3, 5)");
	li_weight w3[2] = { k35, b4 };
	rc = build("Dense", "d", "{\"units\": 5}", w3, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): weight 'bias' has shape (4,), the config needs (5,)");
	rc = build("Dense", "d", "{\"units\": 5}", &k35, 1, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): weight 'bias' is missing");
	rc = build("Dense", "d", "{\"units\": 5, \"use_bias\": false}", w3, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): unexpected weight 'bias'");
	rc = build("Dense", "d", "{\"units\": 5}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): expected 2 weights, the file has 0");
	li_weight w4[2] = { k35, b5 };
	rc = build("Dense", "d", "{\"units\": 5, \"activation\": \"swishy\"}", w4, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): unknown activation 'swishy'");
	rc = build("Dense", "d", "{}", w4, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): option 'units' must be a positive integer");
	rc = build("Dense", "d", "{\"units\": \"5\"}", w4, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): option 'units' must be an integer");
	rc = build("Dense", "d", "{\"units\": 5, \"use_bias\": \"yes\"}", w4, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): option 'use_bias' must be true or false");
	rc = build("Dense", "d", "{\"units\": 5, \"lora_rank\": 4}", w4, 2, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'd' (Dense): option 'lora_rank' = 4 is not supported");

	rc = build("Dense", "d", "{\"units\": 5, \"activation\": \"relu\"}", w4, 2, &err, &l);
	CHECK(rc == 0, "Dense builds: %s", err.msg);
	if (rc == 0) {
		li_shape in = { 2, { 2, 3 } }, out, bad = { 1, { 4 } };
		CHECK(out_shape(&l, 1, &in, &out, &err) == 0 && out.rank == 2 && out.dim[0] == 2 &&
		      out.dim[1] == 5, "Dense on (None, 2, 3) gives (None, 2, 5)");
		rc = out_shape(&l, 1, &bad, &out, &err);
		EXPECT_MSG(rc, err, "layer 'd' (Dense): input shape (None, 4) does not fit the kernel's 3 inputs");
		/* x = [1, -2, 0]: x W = 0.5 - 1 = -0.5 per unit; + bias 1 = 0.5; relu 0.5 */
		float x[3] = { 1, -2, 0 }, y[5];
		const float *xs[1] = { x };
		li_shape in1 = { 1, { 3 } }, o1 = { 1, { 5 } };
		CHECK(l.ops->forward(&l, 1, 1, &in1, xs, &o1, y, &err) == 0, "Dense forward");
		CHECK_NEAR(y[4], 0.5, 1e-6, "Dense by hand: 1*0.5 - 2*0.5 + 1");
		li_layer_release(&l);
	}

	/* ---- activation layers ---- */
	rc = build("Activation", "a", "{\"activation\": \"relu\"}", &b4, 1, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'a' (Activation): expected no weights, the file has 1");
	rc = build("Activation", "a", "{}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'a' (Activation): option 'activation' is missing");
	rc = build("Activation", "a", "{\"activation\": \"nope\"}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'a' (Activation): unknown activation 'nope'");
	rc = build("ReLU", "r", "{\"max_value\": -1}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'r' (ReLU): option 'max_value' must not be negative");
	rc = build("Softmax", "s", "{\"axis\": [1, 2]}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 's' (Softmax): option 'axis' must be an integer");
	rc = build("Softmax", "s", "{\"axis\": 3}", NULL, 0, &err, &l);
	if (rc == 0) {
		li_shape out;
		rc = out_shape(&l, 1, &s34, &out, &err);
		EXPECT_MSG(rc, err, "layer 's' (Softmax): axis 3 does not fit an input of rank 3");
		li_layer_release(&l);
	}
	li_weight alpha = weight("alpha", 2, 3, 5, 0.1f);
	rc = build("PReLU", "p", "{}", &alpha, 1, &err, &l);
	if (rc == 0) {
		li_shape out;
		rc = out_shape(&l, 1, &s34, &out, &err);
		EXPECT_MSG(rc, err, "layer 'p' (PReLU): weight 'alpha' has shape (3, 5), which does not fit input (None, 3, 4)");
		li_layer_release(&l);
	}

	/* ---- shape layers ---- */
	rc = build("Flatten", "f", "{\"data_format\": \"channels_middle\"}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'f' (Flatten): option 'data_format' = 'channels_middle' is not supported");
	rc = build("Reshape", "r", "{\"target_shape\": [5]}", NULL, 0, &err, &l);
	if (rc == 0) {
		li_shape out;
		rc = out_shape(&l, 1, &s34, &out, &err);
		EXPECT_MSG(rc, err, "layer 'r' (Reshape): cannot reshape input (None, 3, 4) to (None, 5)");
		li_layer_release(&l);
	}
	rc = build("Reshape", "r", "{\"target_shape\": [-1, -1]}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'r' (Reshape): option 'target_shape' must hold positive dimensions and at most one -1");
	rc = build("Permute", "p", "{\"dims\": [1, 1]}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'p' (Permute): option 'dims' must be a permutation of 1..2");
	rc = build("InputLayer", "in", "{\"batch_input_shape\": [null, 3, 5]}", NULL, 0, &err, &l);
	if (rc == 0) {
		li_shape out;
		rc = out_shape(&l, 1, &s34, &out, &err);
		EXPECT_MSG(rc, err, "layer 'in' (InputLayer): input shape (None, 3, 4) does not fit the declared (None, 3, 5)");
		CHECK(out_shape(&l, 0, NULL, &out, &err) == 0 && out.rank == 2 && out.dim[1] == 5,
		      "InputLayer gives its declared shape");
		li_layer_release(&l);
	}

	/* ---- normalisation ---- */
	li_weight g4 = weight("gamma", 1, 4, 0, 1), be4 = weight("beta", 1, 4, 0, 0);
	li_weight m4 = weight("moving_mean", 1, 4, 0, 0), v3 = weight("moving_variance", 1, 3, 0, 1);
	li_weight bn[4] = { g4, be4, m4, v3 };
	rc = build("BatchNormalization", "bn", "{}", bn, 4, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'bn' (BatchNormalization): weight 'moving_variance' has shape (3,), the config needs (4,)");
	rc = build("BatchNormalization", "bn", "{\"renorm\": true}", bn, 4, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'bn' (BatchNormalization): option 'renorm' = true is not supported");
	rc = build("BatchNormalization", "bn", "{\"mode\": 2}", bn, 4, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'bn' (BatchNormalization): option 'mode' = 2 is not supported");
	rc = build("BatchNormalization", "bn", "{\"center\": false}", bn, 4, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'bn' (BatchNormalization): unexpected weight 'beta'");
	li_weight v4 = weight("moving_variance", 1, 4, 0, 1);
	li_weight bn2[4] = { g4, be4, m4, v4 };
	rc = build("BatchNormalization", "bn", "{\"axis\": 1}", bn2, 4, &err, &l);
	if (rc == 0) {
		li_shape out;
		rc = out_shape(&l, 1, &s34, &out, &err);
		EXPECT_MSG(rc, err, "layer 'bn' (BatchNormalization): parameters of 4 values do not fit input (None, 3, 4) on its axis");
		li_shape s2 = { 1, { 4 } };
		rc = out_shape(&l, 1, &s2, &out, &err);
		CHECK(rc == 0, "BatchNormalization axis 1 on (None, 4) fits");
		li_layer_release(&l);
	}
	rc = build("LayerNormalization", "ln", "{\"axis\": 0}", &g4, 1, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'ln' (LayerNormalization): weight 'beta' is missing");
	rc = build("Normalization", "n", "{\"mean\": 1}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'n' (Normalization): options 'mean' and 'variance' must be given together");
	rc = build("Rescaling", "r", "{\"offset\": 1}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'r' (Rescaling): option 'scale' is missing");

	/* ---- merges ---- */
	li_shape a3 = { 1, { 3 } }, a4 = { 1, { 4 } }, two[2] = { a3, a4 }, out;
	rc = build("Add", "add", "{}", NULL, 0, &err, &l);
	if (rc == 0) {
		rc = out_shape(&l, 2, two, &out, &err);
		EXPECT_MSG(rc, err, "layer 'add' (Add): input shapes (None, 3) and (None, 4) do not broadcast");
		li_layer_release(&l);
	}
	rc = build("Subtract", "sub", "{}", NULL, 0, &err, &l);
	if (rc == 0) {
		li_shape three[3] = { a3, a3, a3 };
		rc = out_shape(&l, 3, three, &out, &err);
		EXPECT_MSG(rc, err, "layer 'sub' (Subtract): expected 2 inputs, got 3");
		li_layer_release(&l);
	}
	rc = build("Concatenate", "cat", "{\"axis\": 1}", NULL, 0, &err, &l);
	if (rc == 0) {
		li_shape c2[2] = { s34, { 2, { 3, 5 } } };
		rc = out_shape(&l, 2, c2, &out, &err);
		EXPECT_MSG(rc, err, "layer 'cat' (Concatenate): input shapes (None, 3, 4) and (None, 3, 5) differ off the concatenation axis");
		li_layer_release(&l);
	}
	rc = build("Dot", "dot", "{\"axes\": 1}", NULL, 0, &err, &l);
	if (rc == 0) {
		rc = out_shape(&l, 2, two, &out, &err);
		EXPECT_MSG(rc, err, "layer 'dot' (Dot): axes (1, 1) do not fit input shapes (None, 3) and (None, 4)");
		li_layer_release(&l);
	}
	rc = build("Dot", "dot", "{}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'dot' (Dot): option 'axes' is missing");

	rc = build("Merge", "m", "{\"mode\": \"cos\"}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'm' (Merge): option 'mode' = 'cos' is not supported");
	rc = build("Merge", "m", "{\"mode\": \"x\", \"mode_type\": \"function\"}", NULL, 0, &err, NULL);
	EXPECT_MSG(rc, err, "layer 'm' (Merge) cannot be run: it holds Python code");

	/*
	 * Junk configs for every family: each either builds or fails with LI_EDATA, and what
	 * builds runs on a few shapes without a crash (ASan/UBSan watch this part).
	 */
	static const char *const classes[] = {
		"InputLayer", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
		"Activation", "ReLU", "LeakyReLU", "ELU", "ThresholdedReLU", "Softmax", "Rescaling",
		"Normalization", "LayerNormalization", "Add", "Maximum", "Concatenate", "Dot", "Merge",
	};
	static const char *const junk[] = {
		"{}", "{\"axis\": \"x\"}", "{\"axis\": 7}", "{\"axis\": -9}", "{\"axis\": [0]}",
		"{\"axis\": null, \"mean\": [1, 2], \"variance\": [1]}", "{\"target_shape\": \"a\"}",
		"{\"target_shape\": [0]}", "{\"target_shape\": [2, -1]}", "{\"dims\": [99]}",
		"{\"dims\": [2, 1]}", "{\"n\": 0}", "{\"n\": 2}", "{\"axes\": [1, 2, 3]}",
		"{\"axes\": [2, 1]}", "{\"scale\": \"x\"}", "{\"scale\": [1, 2, 3]}",
		"{\"activation\": 5}", "{\"activation\": \"softmax\"}", "{\"max_value\": \"6\"}",
		"{\"batch_input_shape\": [null, -3]}", "{\"batch_shape\": [null, 2, 3]}",
		"{\"mode\": \"concat\", \"concat_axis\": 5}", "{\"mode\": \"dot\"}",
		"{\"data_format\": \"channels_first\"}", "{\"theta\": null, \"alpha\": \"x\"}",
	};
	li_shape shapes[] = { { 1, { 6 } }, { 2, { 2, 3 } }, { 3, { 1, 2, 3 } }, { 0, { 0 } } };
	int built = 0, ran = 0;
	for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++)
		for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
			rc = build(classes[c], "j", junk[j], NULL, 0, &err, &l);
			if (rc != 0 && rc != LI_EDATA)
				CHECK(0, "%s %s: built or refused", classes[c], junk[j]);
			if (rc)
				continue;
			built++;
			for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
				li_shape ins[2] = { shapes[k], shapes[k] }, o;
				int n_in = l.ops == li_layer_find("Add") || l.ops == li_layer_find("Dot") ||
					   l.ops == li_layer_find("Concatenate") ||
					   l.ops == li_layer_find("Merge") ? 2 : 1;
				if (out_shape(&l, n_in, ins, &o, &err) < 0)
					continue;
				float x[12] = { 1, -2, 3, -4, 5, -6, 0.5f, 1, 2, 3, 4, 5 }, y[64];
				const float *xs[2] = { x, x };
				if (li_shape_elems(&o) < 0 || li_shape_elems(&o) > 32)
					continue;
				li_err_clear(&err);
				rc = l.ops->forward(&l, 2, n_in, ins, xs, &o, y, &err);
				if (rc != 0 && rc != LI_EDATA)
					CHECK(0, "%s %s forward: %s", classes[c], junk[j], err.msg);
				ran++;
			}
			li_layer_release(&l);
		}
	CHECK(built > 50 && ran > 50, "junk configs: %d built, %d ran", built, ran);

	li_array_release(&k34.a), li_array_release(&b4.a), li_array_release(&b5.a);
	li_array_release(&k35.a), li_array_release(&alpha.a), li_array_release(&g4.a);
	li_array_release(&be4.a), li_array_release(&m4.a), li_array_release(&v3.a);
	li_array_release(&v4.a);
	return check_done();
}
