/*
 * Unit tests for train.c / train_act.c without model files: a model x(3) -> h Dense(4,
 * activation A) -> o Dense(k, output activation) built from a JSON config and weights in
 * memory, trained from the cut at x. The gradient one SGD step (lr 1) applies to every
 * parameter equals central finite differences of the loss li_tuner_eval reports, for
 * each activation and each loss.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model_internal.h"
#include "train.h"

static int g_units;   /* units of o */

static int get(void *ctx, int depth, const char *const *path, li_weight **w, int *n,
	       li_err *err)
{
	(void)ctx;
	const char *name = path[depth - 1];
	int in = !strcmp(name, "h") ? 3 : 4, units = !strcmp(name, "h") ? 4 : g_units;
	*w = NULL;
	*n = 0;
	if (strcmp(name, "h") && strcmp(name, "o"))
		return 0;
	li_weight *v = calloc(2, sizeof *v);
	int64_t ks[2] = {in, units}, bs[1] = {units};
	if (!v || li_array_alloc(&v[0].a, LI_DTYPE_F32, 2, ks, err) ||
	    li_array_alloc(&v[1].a, LI_DTYPE_F32, 1, bs, err))
		return LI_ENOMEM;
	v[0].name = strdup("kernel");
	v[1].name = strdup("bias");
	float *k = v[0].a.data, *b = v[1].a.data;
	for (int i = 0; i < in * units; i++)
		k[i] = (float)(((i * 37 + in * 11) % 19) - 9) / 10.0f;
	for (int j = 0; j < units; j++)
		b[j] = (float)((j * 7 % 5) - 2) / 8.0f;
	*w = v;
	*n = 2;
	return 0;
}

static li_model *build(const char *act, const char *out_act)
{
	li_model *m = calloc(1, sizeof *m);
	li_err err = {0};
	json_t *root = json_pack(
		"{s:s, s:{s:s, s:[{s:s,s:s,s:{s:s,s:[n,i]},s:[]},"
		"{s:s,s:s,s:{s:s,s:i,s:s},s:[[[s,i,i,{}]]]},"
		"{s:s,s:s,s:{s:s,s:i,s:s},s:[[[s,i,i,{}]]]}], s:[[s,i,i]], s:[[s,i,i]]}}",
		"class_name", "Functional", "config", "name", "m", "layers",
		"name", "x", "class_name", "InputLayer", "config", "name", "x", "batch_input_shape", 3,
		"inbound_nodes",
		"name", "h", "class_name", "Dense", "config", "name", "h", "units", 4, "activation", act,
		"inbound_nodes", "x", 0, 0,
		"name", "o", "class_name", "Dense", "config", "name", "o", "units", g_units,
		"activation", out_act, "inbound_nodes", "h", 0, 0,
		"input_layers", "x", 0, 0, "output_layers", "o", 0, 0);
	li_wsource ws = {get, NULL};
	li_kc_origin("2.4.0", &m->origin);
	int rc = li_graph_build(m, root, &ws, &err);
	json_decref(root);
	CHECK(rc == 0, "build %s/%s (%s)", act, out_act, err.msg);
	return m;
}

static const float X[5 * 3] = { 0.5f, -1.2f, 0.3f, 1.1f, 0.2f, -0.7f, -0.4f, 0.9f, 1.3f,
				0.0f, -0.6f, -1.0f, 0.8f, 0.8f, 0.1f };
static const int64_t Y3[5] = { 0, 2, 1, 2, 0 }, Y2[5] = { 1, 0, 0, 1, 1 };

static void case_fd(const char *act, const char *out_act, int units, int loss)
{
	g_units = units;
	li_model *m = build(act, out_act);
	li_err err = {0};
	li_train_opts o;
	li_train_opts_init(&o);
	o.optimizer = LI_OPT_SGD;
	o.lr = 1;
	o.loss = loss;
	li_tuner *t = li_tuner_new(m, 0, &o, &err);
	CHECK(t != NULL, "tuner %s/%s (%s)", act, out_act, err.msg);
	if (!t) {
		li_model_free(m);
		return;
	}
	float target[5 * 4];
	for (int i = 0; i < 5 * units; i++)
		target[i] = (float)((i * 5 % 7) - 3) / 4.0f;
	const int64_t *y = loss == LI_LOSS_MSE ? NULL : units == 1 ? Y2 : Y3;
	const float *tg = loss == LI_LOSS_MSE ? target : NULL;
	/* the parameters: kernel and bias of h (row 1) and o (row 2) */
	float *p[4];
	int64_t np[4];
	for (int k = 0; k < 4; k++) {
		li_weight *w = &m->nodes[1 + k / 2].raw[k % 2];
		p[k] = w->a.data;
		np[k] = li_shape_count(w->a.rank, w->a.shape);
	}
	double fd[4][16], l1, l2;
	int64_t c;
	int bad = 0;
	const double h = 1e-2;
	for (int k = 0; k < 4; k++)
		for (int64_t i = 0; i < np[k]; i++) {
			float keep = p[k][i];
			p[k][i] = (float)(keep + h);
			bad |= li_tuner_eval(t, 5, X, y, tg, &l1, &c, &err);
			p[k][i] = (float)(keep - h);
			bad |= li_tuner_eval(t, 5, X, y, tg, &l2, &c, &err);
			p[k][i] = keep;
			fd[k][i] = (l1 - l2) / (2 * h);
		}
	CHECK(!bad, "%s/%s: evaluations (%s)", act, out_act, err.msg);
	float before[4][16];
	for (int k = 0; k < 4; k++)
		memcpy(before[k], p[k], sizeof(float) * (size_t)np[k]);
	double loss_v;
	if (li_tuner_step(t, 5, X, y, tg, &loss_v, &c, &err))
		CHECK(0, "%s/%s: step (%s)", act, out_act, err.msg);
	double worst = 0;
	for (int k = 0; k < 4; k++)
		for (int64_t i = 0; i < np[k]; i++) {
			double g = (double)before[k][i] - p[k][i];
			double e = fabs(g - fd[k][i]) / (1e-2 + fabs(fd[k][i]));
			worst = e > worst ? e : worst;
		}
	CHECK(worst < 2e-3, "%s tail, %s output, loss %s: gradient = finite differences "
	      "(worst relative error %.2g)", act, out_act, li_train_loss_name(li_tuner_loss(t)),
	      worst);
	li_tuner_free(t);
	li_model_free(m);
}

int main(void)
{
	static const char *const acts[] = { "linear", "relu", "sigmoid", "tanh", "elu", "selu",
		"softplus", "gelu", "softsign", "swish", "softmax" };
	for (size_t i = 0; i < sizeof acts / sizeof *acts; i++)
		case_fd(acts[i], "softmax", 3, LI_LOSS_AUTO);
	case_fd("tanh", "linear", 3, LI_LOSS_SPARSE_CE);
	case_fd("tanh", "sigmoid", 1, LI_LOSS_AUTO);
	case_fd("elu", "linear", 1, LI_LOSS_BCE);
	case_fd("tanh", "linear", 4, LI_LOSS_MSE);
	case_fd("relu", "sigmoid", 4, LI_LOSS_MSE);
	/* the loss names */
	CHECK_INT(li_train_loss_parse("mse"), LI_LOSS_MSE, "parse mse");
	CHECK_INT(li_train_loss_parse("hinge"), -1, "parse an unknown loss");
	return check_done();
}
