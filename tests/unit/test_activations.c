/*
 * Unit tests for lib/nn/activations.c. Every expected value is worked out by hand (or on a
 * pocket calculator) from the Keras definitions, never from the code under test.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "li.h"
#include "activations.h"

static float act1(const char *name, const li_origin *o, float x)
{
	li_act a;
	li_err err;
	li_err_clear(&err);
	if (li_act_from_name(name, o, &a, &err) < 0)
		return NAN;
	li_act_apply_elems(&a, &x, 1);
	return x;
}

int main(void)
{
	li_origin k2 = { .keras_major = 2, .keras_minor = 4 }, k3 = { .keras_major = 3 };
	li_origin tfjs = { .tfjs = 1 };
	const double t = 1e-6;

	CHECK_NEAR(act1("relu", &k2, -1), 0, t, "relu(-1)");
	CHECK_NEAR(act1("relu", &k2, 2), 2, t, "relu(2)");
	CHECK_NEAR(act1("relu6", &k2, 7), 6, t, "relu6(7)");
	CHECK_NEAR(act1("elu", &k2, -1), -0.6321205588, t, "elu(-1) = e^-1 - 1");
	CHECK_NEAR(act1("selu", &k2, 1), 1.0507009874, t, "selu(1) = scale");
	CHECK_NEAR(act1("selu", &k2, -1), -1.1113307378, t, "selu(-1) = scale*alpha*(e^-1 - 1)");
	CHECK_NEAR(act1("gelu", &k2, 1), 0.8413447461, t, "gelu(1) = 0.5(1+erf(1/sqrt2))");
	CHECK_NEAR(act1("gelu_new", &k2, 1), 0.8411919906, t, "gelu tanh form at 1");
	CHECK_NEAR(act1("sigmoid", &k2, 0), 0.5, t, "sigmoid(0)");
	CHECK_NEAR(act1("tanh", &k2, 0.5), 0.4621171573, t, "tanh(0.5)");
	CHECK_NEAR(act1("softplus", &k2, 0), 0.6931471806, t, "softplus(0) = ln 2");
	CHECK_NEAR(act1("softplus", &k2, 100), 100, t, "softplus(100) does not overflow");
	CHECK_NEAR(act1("softplus", &k2, -100), 0, t, "softplus(-100)");
	CHECK_NEAR(act1("softsign", &k2, -3), -0.75, t, "softsign(-3) = -3/4");
	CHECK_NEAR(act1("swish", &k2, 1), 0.7310585786, t, "swish(1) = sigmoid(1)");
	CHECK_NEAR(act1("silu", &k3, 1), 0.7310585786, t, "silu(1)");
	CHECK_NEAR(act1("exponential", &k3, 1), 2.7182818285, t, "exponential(1) = e");
	CHECK_NEAR(act1("mish", &k3, 1), 0.8650983882, t, "mish(1) = tanh(ln(1+e))");
	CHECK_NEAR(act1("leaky_relu", &k3, -1), -0.2, t, "leaky_relu string slope is 0.2");
	CHECK_NEAR(act1("linear", &k3, -1.5), -1.5, t, "linear");

	/* hard_sigmoid by version: Keras 2 / TF.js 0.2x+0.5, Keras 3 relu6(x+3)/6 */
	CHECK_NEAR(act1("hard_sigmoid", &k2, 1), 0.7, t, "keras 2 hard_sigmoid(1)");
	CHECK_NEAR(act1("hard_sigmoid", &k2, 2.8), 1, t, "keras 2 hard_sigmoid(2.8) clips");
	CHECK_NEAR(act1("hard_sigmoid", &tfjs, 1), 0.7, t, "tfjs hard_sigmoid(1)");
	CHECK_NEAR(act1("hard_sigmoid", &k3, 1), 4.0 / 6, t, "keras 3 hard_sigmoid(1) = 4/6");
	CHECK_NEAR(act1("hard_sigmoid", &k3, 2.8), 5.8 / 6, t, "keras 3 hard_sigmoid(2.8)");
	CHECK_NEAR(act1("hard_sigmoid", &k3, -3.5), 0, t, "keras 3 hard_sigmoid(-3.5)");
	CHECK_NEAR(act1("hard_sigmoid", NULL, 1), 0.7, t, "no origin: Keras 2 semantics");
	CHECK_NEAR(act1("hardSigmoid", &tfjs, -1), 0.3, t, "TF.js camel-case spelling");

	/* relu with Keras' options: slope 0.1, max 2, threshold 0.5 */
	li_act a;
	li_act_init(&a, LI_ACT_RELU);
	a.alpha = 0.1f, a.max_value = 2, a.threshold = 0.5f;
	float v[4] = { 3, 0.2f, -1, 1 };
	li_act_apply_elems(&a, v, 4);
	CHECK_NEAR(v[0], 2, t, "relu(3; max 2)");
	CHECK_NEAR(v[1], -0.03, t, "relu(0.2; thr 0.5, slope 0.1) = -0.1*0.3");
	CHECK_NEAR(v[2], -0.15, t, "relu(-1; thr 0.5, slope 0.1) = -0.1*1.5");
	CHECK_NEAR(v[3], 1, t, "relu(1)");

	/* softmax and log_softmax along the last axis of [1, 2, 3] */
	li_shape s3 = { 1, { 3 } };
	float sm[3] = { 1, 2, 3 }, ls[3] = { 1, 2, 3 };
	li_err err;
	li_err_clear(&err);
	li_act_init(&a, LI_ACT_SOFTMAX);
	CHECK(li_act_apply(&a, sm, 1, &s3, &err) == 0, "softmax applies");
	CHECK_NEAR(sm[0], 0.0900305732, t, "softmax[0]");
	CHECK_NEAR(sm[2], 0.6652409558, t, "softmax[2]");
	li_act_init(&a, LI_ACT_LOG_SOFTMAX);
	CHECK(li_act_apply(&a, ls, 1, &s3, &err) == 0, "log_softmax applies");
	CHECK_NEAR(ls[0], -2.4076059644, t, "log_softmax[0]");
	CHECK_NEAR(ls[2], -0.4076059644, t, "log_softmax[2]");

	/* softmax along axis 1 (the first row axis) of a 2x2 row [[1, 2], [3, 5]] */
	li_shape s22 = { 2, { 2, 2 } };
	float m[4] = { 1, 2, 3, 5 };
	li_act_init(&a, LI_ACT_SOFTMAX);
	a.axis = 1;
	CHECK(li_act_apply(&a, m, 1, &s22, &err) == 0, "softmax axis 1 applies");
	CHECK_NEAR(m[0], 0.1192029220, t, "softmax over (1, 3): first");
	CHECK_NEAR(m[2], 0.8807970780, t, "softmax over (1, 3): second");
	CHECK_NEAR(m[1], 0.0474258732, t, "softmax over (2, 5): first");
	a.axis = 3;
	CHECK(li_act_apply(&a, m, 1, &s22, &err) == LI_EDATA, "softmax axis 3 of rank 3 fails");
	CHECK(strstr(err.msg, "axis 3") != NULL, "message names the axis: %s", err.msg);

	/* names: Keras 3 serialized objects, unknown names */
	json_t *obj = json_pack("{s:s, s:s, s:s}", "module", "keras.activations", "class_name",
				"function", "config", "tanh");
	li_err_clear(&err);
	CHECK(li_act_parse(obj, &k3, &a, &err) == 0 && a.kind == LI_ACT_TANH,
	      "keras 3 serialized function object gives tanh");
	json_decref(obj);
	CHECK(li_act_parse(NULL, &k3, &a, &err) == 0 && a.kind == LI_ACT_LINEAR,
	      "absent activation is linear");
	json_t *bad = json_string("swishy");
	CHECK(li_act_parse(bad, &k3, &a, &err) == LI_EDATA, "unknown activation fails");
	CHECK(!strcmp(err.msg, "unknown activation 'swishy'"), "message: %s", err.msg);
	json_decref(bad);
	obj = json_pack("{s:s, s:{}}", "class_name", "MyAct", "config");
	li_err_clear(&err);
	CHECK(li_act_parse(obj, &k3, &a, &err) == LI_EDATA &&
	      !strcmp(err.msg, "unsupported activation object 'MyAct'"), "custom object: %s",
	      err.msg);
	json_decref(obj);
	li_act_from_name("gelu_new", &k2, &a, &err);
	CHECK(a.approximate == 1, "gelu_new is the tanh approximation");
	return check_done();
}
