/*
 * Unit tests for train.c / train_act.c without model files: a model x(3) -> h Dense(4,
 * activation A) -> o Dense(k, output activation) built from a JSON config and weights in
 * memory, trained from the cut at x. The gradient one SGD step (lr 1) applies to every
 * parameter equals central finite differences of the loss li_tuner_eval reports, for
 * each activation and each loss; and for the other families (Conv1D/2D, Conv2DTranspose,
 * pooling, UpSampling, BatchNormalization with moving and with batch statistics,
 * Embedding), small Sequential models built from config text.
 */
#include <math.h>
#include <stdio.h>
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

/* ---- the layer families beyond Dense: finite differences through a Sequential config ---- */

typedef struct wspec {
	const char *layer, *name;
	int rank;
	int64_t shape[4];
} wspec;

static const wspec *g_specs;

/* Deterministic weights of the shapes g_specs lists (variances positive). */
static int get_spec(void *ctx, int depth, const char *const *path, li_weight **w, int *n,
		    li_err *err)
{
	(void)ctx;
	const char *name = path[depth - 1];
	int k = 0;
	*w = NULL;
	*n = 0;
	for (const wspec *s = g_specs; s->layer; s++)
		k += !strcmp(s->layer, name);
	if (!k)
		return 0;
	li_weight *v = calloc((size_t)k, sizeof *v);
	if (!v)
		return LI_ENOMEM;
	k = 0;
	for (const wspec *s = g_specs; s->layer; s++) {
		if (strcmp(s->layer, name))
			continue;
		if (li_array_alloc(&v[k].a, LI_DTYPE_F32, s->rank, s->shape, err))
			return LI_ENOMEM;
		v[k].name = strdup(s->name);
		float *d = v[k].a.data;
		int64_t cnt = li_shape_count(s->rank, s->shape);
		for (int64_t i = 0; i < cnt; i++) {
			double u = sin((double)(i + 1) * 12.9898 + (double)strlen(s->layer) * 78.233);
			d[i] = !strcmp(s->name, "moving_variance") ? (float)(1.0 + 0.5 * u) :
			       (float)(u * 1.5 / sqrt((double)(cnt / s->shape[s->rank - 1]) + 1));
		}
		k++;
	}
	*w = v;
	*n = k;
	return 0;
}

static li_model *build_seq(const char *layers_json, const wspec *specs)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", "
		 "\"layers\": %s}}", layers_json);
	json_error_t je;
	json_t *root = json_loads(buf, 0, &je);
	CHECK(root != NULL, "config parses (%s)", je.text);
	li_model *m = calloc(1, sizeof *m);
	li_err err = {0};
	li_wsource ws = {get_spec, NULL};
	g_specs = specs;
	li_kc_origin("2.11.0", &m->origin);
	int rc = root ? li_graph_build(m, root, &ws, &err) : -1;
	json_decref(root);
	CHECK(rc == 0, "build (%s)", err.msg);
	if (rc) {
		li_model_free(m);
		return NULL;
	}
	return m;
}

/*
 * The gradient one SGD step (lr 1) applies to every trained variable (every weight after
 * the input but the moving statistics) equals central differences of the loss; with
 * bn_train the loss is the training one (batch statistics), read from steps of a tuner
 * whose learning rate is 0.
 */
static void case_layers(const char *what, const char *layers_json, const wspec *specs,
			int64_t n, const float *x, const int64_t *y, int bn_train)
{
	li_model *m = build_seq(layers_json, specs);
	if (!m)
		return;
	li_err err = {0};
	li_train_opts o;
	li_train_opts_init(&o);
	o.optimizer = LI_OPT_SGD;
	o.bn_train = bn_train;
	o.lr = 0;
	li_tuner *probe = li_tuner_new(m, 0, &o, &err);
	o.lr = 1;
	li_tuner *t = li_tuner_new(m, 0, &o, &err);
	CHECK(t && probe, "%s: tuner (%s)", what, err.msg);
	if (!t || !probe) {
		li_tuner_free(t);
		li_tuner_free(probe);
		li_model_free(m);
		return;
	}
	enum { MAXP = 16 };
	float *p[MAXP];
	int64_t np[MAXP];
	int k = 0;
	for (int r = 1; r < m->n_nodes; r++)
		for (int i = 0; i < m->nodes[r].n_raw && k < MAXP; i++) {
			li_weight *w = &m->nodes[r].raw[i];
			if (strncmp(w->name, "moving", 6)) {
				p[k] = w->a.data;
				np[k++] = li_shape_count(w->a.rank, w->a.shape);
			}
		}
	double *fd[MAXP];
	float *before[MAXP];
	double l1, l2, lv;
	int64_t c;
	int bad = 0;
	/* small: a max window or a relu must not switch sides between the two evaluations */
	const double h = 1e-3;
	for (int j = 0; j < k; j++) {
		fd[j] = malloc(sizeof(double) * (size_t)np[j]);
		before[j] = malloc(sizeof(float) * (size_t)np[j]);
		for (int64_t i = 0; i < np[j]; i++) {
			float keep = p[j][i];
			p[j][i] = (float)(keep + h);
			bad |= bn_train ? li_tuner_step(probe, n, x, y, NULL, &l1, &c, &err) :
				li_tuner_eval(t, n, x, y, NULL, &l1, &c, &err);
			p[j][i] = (float)(keep - h);
			bad |= bn_train ? li_tuner_step(probe, n, x, y, NULL, &l2, &c, &err) :
				li_tuner_eval(t, n, x, y, NULL, &l2, &c, &err);
			p[j][i] = keep;
			fd[j][i] = (l1 - l2) / (2 * h);
		}
		memcpy(before[j], p[j], sizeof(float) * (size_t)np[j]);
	}
	CHECK(!bad, "%s: evaluations (%s)", what, err.msg);
	if (li_tuner_step(t, n, x, y, NULL, &lv, &c, &err))
		CHECK(0, "%s: step (%s)", what, err.msg);
	double worst = 0, moved = 0;
	for (int j = 0; j < k; j++) {
		for (int64_t i = 0; i < np[j]; i++) {
			double g = (double)before[j][i] - p[j][i];
			double e = fabs(g - fd[j][i]) / (1e-2 + fabs(fd[j][i]));
			worst = e > worst ? e : worst;
			moved = fabs(g) > moved ? fabs(g) : moved;
		}
		free(fd[j]);
		free(before[j]);
	}
	CHECK(worst < 5e-3 && moved > 1e-3, "%s: gradient = finite differences of %d variables "
	      "(worst relative error %.2g)", what, k, worst);
	li_tuner_free(t);
	li_tuner_free(probe);
	li_model_free(m);
}

static void layer_cases(void)
{
	float x[4 * 144], ids[4 * 5];
	for (int i = 0; i < 4 * 144; i++)
		/* a hash, not a smooth sequence: neighbouring cells of a window must not tie */
		x[i] = (float)(fmod(fabs(sin(i * 12.9898 + 0.3)) * 43758.5453, 1.0) * 2.6 - 1.3);
	for (int i = 0; i < 4 * 5; i++)
		ids[i] = (float)((i * 7 + 3) % 6);
	static const int64_t y[4] = { 0, 2, 1, 2 };
#define IN(shape) "{\"class_name\": \"InputLayer\", \"config\": {\"name\": \"x\", " \
	"\"batch_input_shape\": [null, " shape "]}}"
#define L(cls, cfg) ", {\"class_name\": \"" cls "\", \"config\": {" cfg "}}"
#define OUT L("Dense", "\"name\": \"o\", \"units\": 3, \"activation\": \"softmax\"")
	/* the spatial families, each case its layers and the weights they take */
	static const struct { const char *what, *layers; wspec w[6]; } spatial[] = {
		{ "Conv2D same stride 2, MaxPooling2D, Flatten",
		  "[" IN("6, 6, 4") L("Conv2D", "\"name\": \"c\", \"filters\": 3, \"kernel_size\": "
		  "[3, 3], \"strides\": [2, 2], \"padding\": \"same\", \"activation\": \"tanh\"")
		  L("MaxPooling2D", "\"name\": \"p\", \"pool_size\": [2, 2], \"padding\": \"same\"")
		  L("Flatten", "\"name\": \"f\"") OUT "]",
		  { { "c", "kernel", 4, {3, 3, 4, 3} }, { "c", "bias", 1, {3} },
		    { "o", "kernel", 2, {12, 3} }, { "o", "bias", 1, {3} }, { 0 } } },
		{ "Conv2DTranspose same stride 2, AveragePooling2D, UpSampling2D",
		  "[" IN("3, 3, 4") L("Conv2DTranspose", "\"name\": \"t\", \"filters\": 2, "
		  "\"kernel_size\": [2, 3], \"strides\": [2, 2], \"padding\": \"same\", "
		  "\"activation\": \"elu\"")
		  L("AveragePooling2D", "\"name\": \"p\", \"pool_size\": [2, 2], \"strides\": "
		    "[1, 1], \"padding\": \"same\"")
		  L("UpSampling2D", "\"name\": \"u\", \"size\": [1, 1]")
		  L("Reshape", "\"name\": \"r\", \"target_shape\": [72]")
		  L("Dense", "\"name\": \"d\", \"units\": 36, \"use_bias\": false") OUT "]",
		  { { "t", "kernel", 4, {2, 3, 2, 4} }, { "t", "bias", 1, {2} },
		    { "d", "kernel", 2, {72, 36} },
		    { "o", "kernel", 2, {36, 3} }, { "o", "bias", 1, {3} }, { 0 } } },
		{ "Conv1D causal dilated, UpSampling1D, GlobalMaxPooling1D",
		  "[" IN("9, 4") L("Conv1D", "\"name\": \"c\", \"filters\": 3, \"kernel_size\": "
		  "[3], \"dilation_rate\": [2], \"padding\": \"causal\", \"activation\": \"swish\"")
		  L("UpSampling1D", "\"name\": \"u\", \"size\": 2")
		  L("GlobalMaxPooling1D", "\"name\": \"g\"") OUT "]",
		  { { "c", "kernel", 3, {3, 4, 3} }, { "c", "bias", 1, {3} },
		    { "o", "kernel", 2, {3, 3} }, { "o", "bias", 1, {3} }, { 0 } } },
	};
	for (size_t i = 0; i < sizeof spatial / sizeof *spatial; i++)
		case_layers(spatial[i].what, spatial[i].layers, spatial[i].w, 4, x, y, 0);
	static const wspec bn[] = {
		{ "d", "kernel", 2, {36, 5} }, { "d", "bias", 1, {5} },
		{ "b", "gamma", 1, {5} }, { "b", "beta", 1, {5} },
		{ "b", "moving_mean", 1, {5} }, { "b", "moving_variance", 1, {5} },
		{ "o", "kernel", 2, {5, 3} }, { "o", "bias", 1, {3} }, { 0 } };
	const char *bn_cfg = "[" IN("36") L("Dense", "\"name\": \"d\", \"units\": 5, "
		"\"activation\": \"relu\"") L("BatchNormalization", "\"name\": \"b\", \"axis\": -1, "
		"\"momentum\": 0.9, \"epsilon\": 0.01") OUT "]";
	case_layers("BatchNormalization, moving statistics", bn_cfg, bn, 4, x, y, 0);
	case_layers("BatchNormalization, batch statistics", bn_cfg, bn, 4, x, y, 1);
	static const wspec emb[] = {
		{ "e", "embeddings", 2, {6, 2} },
		{ "o", "kernel", 2, {10, 3} }, { "o", "bias", 1, {3} }, { 0 } };
	case_layers("Embedding", "[" IN("5") L("Embedding", "\"name\": \"e\", \"input_dim\": 6, "
		    "\"output_dim\": 2") L("Flatten", "\"name\": \"f\"") OUT "]", emb, 4, ids, y, 0);
#undef IN
#undef L
#undef OUT
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
	layer_cases();
	/* the loss names */
	CHECK_INT(li_train_loss_parse("mse"), LI_LOSS_MSE, "parse mse");
	CHECK_INT(li_train_loss_parse("hinge"), -1, "parse an unknown loss");
	return check_done();
}
