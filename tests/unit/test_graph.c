/*
 * Unit tests for graph.c without any model file: Keras 2 style configs in JSON and a
 * weight source in memory. Split points and crossing tensors of a chain, a residual
 * block and a U-Net-like model, and partial runs with values worked out by hand.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "model_internal.h"

/* Dense weights by layer name: kernel in x units (row-major), then bias. */
typedef struct wdef {
	const char *layer;
	int in, units;
	float k[8], b[4];
} wdef;

static const wdef weights[] = {
	{"s", 2, 2, {1, 0, 0, 1}, {1, 1}},        /* s = x + 1 */
	{"r1", 2, 2, {2, 0, 0, 2}, {0, 0}},       /* r1 = 2 s */
	{"r2", 2, 2, {1, 0, 0, 1}, {-1, -1}},     /* r2 = r1 - 1 */
	{"out", 2, 1, {1, 1}, {0}},               /* out = sum */
	{"e1", 2, 2, {1, 0, 0, 1}, {0, 0}},
	{"e2", 2, 2, {1, 0, 0, 1}, {0, 0}},
	{"mid", 2, 2, {1, 0, 0, 1}, {0, 0}},
	{"u", 2, 2, {1, 0, 0, 1}, {0, 0}},
	{"d", 2, 2, {1, 0, 0, 1}, {0, 0}},
};

static int get(void *ctx, int depth, const char *const *path, li_weight **w, int *n,
	       li_err *err)
{
	(void)ctx;
	const char *name = path[depth - 1];
	*w = NULL;
	*n = 0;
	for (size_t i = 0; i < sizeof weights / sizeof *weights; i++) {
		const wdef *d = &weights[i];
		if (strcmp(d->layer, name))
			continue;
		li_weight *v = calloc(2, sizeof *v);
		int64_t ks[2] = {d->in, d->units}, bs[1] = {d->units};
		if (!v || li_array_alloc(&v[0].a, LI_DTYPE_F32, 2, ks, err) ||
		    li_array_alloc(&v[1].a, LI_DTYPE_F32, 1, bs, err))
			return LI_ENOMEM;
		v[0].name = strdup("kernel");
		v[1].name = strdup("bias");
		memcpy(v[0].a.data, d->k, sizeof(float) * (size_t)(d->in * d->units));
		memcpy(v[1].a.data, d->b, sizeof(float) * (size_t)d->units);
		*w = v;
		*n = 2;
	}
	return 0;
}

/* A Keras 2 Functional config from "name:Class:in1,in2;..." (x is the InputLayer). */
static json_t *config(const char *spec, const char *out)
{
	json_t *layers = json_array();
	json_array_append_new(layers, json_pack("{s:s, s:s, s:{s:s, s:[n,i]}, s:[]}", "name", "x",
						"class_name", "InputLayer", "config", "name", "x",
						"batch_input_shape", 2, "inbound_nodes"));
	char *copy = strdup(spec), *save = NULL;
	for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		char *name = item, *cls = strchr(name, ':');
		*cls++ = 0;
		char *ins = strchr(cls, ':');
		*ins++ = 0;
		json_t *call = json_array(), *cfg = json_pack("{s:s}", "name", name);
		if (!strcmp(cls, "Dense")) {
			json_object_set_new(cfg, "units", json_integer(!strcmp(name, "out") ? 1 : 2));
			json_object_set_new(cfg, "activation", json_string("linear"));
		}
		char *s2 = NULL;
		for (char *in = strtok_r(ins, ",", &s2); in; in = strtok_r(NULL, ",", &s2))
			json_array_append_new(call, json_pack("[s,i,i,{}]", in, 0, 0));
		json_array_append_new(layers, json_pack("{s:s, s:s, s:o, s:[o]}", "name", name,
							"class_name", cls, "config", cfg,
							"inbound_nodes", call));
	}
	free(copy);
	return json_pack("{s:s, s:{s:s, s:o, s:[[s,i,i]], s:[[s,i,i]]}}", "class_name",
			 "Functional", "config", "name", "m", "layers", layers, "input_layers",
			 "x", 0, 0, "output_layers", out, 0, 0);
}

static li_model *build(const char *spec, const char *out)
{
	li_model *m = calloc(1, sizeof *m);
	li_err err = {0};
	json_t *root = config(spec, out);
	li_wsource ws = {get, NULL};
	li_kc_origin("2.4.0", &m->origin);
	int rc = li_graph_build(m, root, &ws, &err);
	json_decref(root);
	CHECK(rc == 0, "build %s (%s)", spec, err.msg);
	return m;
}

static void check_splits(const li_model *m, const char *want)
{
	char got[512] = "";
	for (int i = 0; i < li_model_rows(m); i++)
		if (li_model_is_split(m, i)) {
			strcat(got, got[0] ? " " : "");
			strcat(got, li_model_row_name(m, i));
		}
	CHECK(!strcmp(got, want), "split points: got '%s', expected '%s'", got, want);
}

static float run1(const li_model *m, const char *from, const char *to, const float *in,
		  li_err *err)
{
	int f = li_model_find(m, from), t = li_model_find(m, to);
	li_run *r = li_run_new(m, 1, &f, 1, &t, err);
	if (!r)
		return -1e30f;
	li_shape s = {.rank = 1, .dim = {2}}, os; /* every row here is 2 wide but out */
	float v = -1e30f;
	if (li_run_batch(r, 1, &in, &s, err) == 0)
		v = li_run_output(r, 0, &os)[0];
	li_run_free(r);
	return v;
}

int main(void)
{
	li_err err = {0};
	li_model *m = build("s:Dense:x;r1:Dense:s;r2:Dense:r1;add:Add:s,r2;out:Dense:add", "out");
	check_splits(m, "x s add out");
	int rows[8];
	int n = li_model_crossing(m, li_model_find(m, "r1"), rows, 8);
	CHECK(n == 2 && rows[0] == 2 && rows[1] == 1, "crossing after r1: r1 and s");
	float x[2] = {1, 2}, a[2] = {1, 1};
	/* out = 3 (x0 + x1) + 4 = 13 */
	CHECK_NEAR(run1(m, "x", "out", x, &err), 13, 1e-6, "whole residual model");
	/* add = 3 s - 1 with s = x + 1 = (2, 3): add = (5, 8) */
	CHECK_NEAR(run1(m, "x", "add", x, &err), 5, 1e-6, "up to add");
	CHECK_NEAR(run1(m, "add", "out", a, &err), 2, 1e-6, "from add");
	li_err e2 = {0};
	CHECK(run1(m, "r1", "out", a, &e2) == -1e30f &&
	      !strcmp(e2.msg, "model input 'x' is needed but not given"),
	      "a cut inside the block needs the input: '%s'", e2.msg);
	li_model_free(m);

	m = build("e1:Dense:x;e2:Dense:e1;mid:Dense:e2;u:Dense:mid;m2:Add:u,e2;d:Dense:m2;"
		  "m1:Add:d,e1;out:Dense:m1", "out");
	check_splits(m, "x e1 m1 out");
	n = li_model_crossing(m, li_model_find(m, "mid"), rows, 8);
	CHECK(n == 3 && !strcmp(li_model_row_name(m, rows[1]), "e1") &&
	      !strcmp(li_model_row_name(m, rows[2]), "e2"), "crossing after mid: mid, e1, e2");
	/* identity layers: m2 = 2x, m1 = 3x, out = 3 (x0 + x1) = 9 */
	CHECK_NEAR(run1(m, "x", "out", x, &err), 9, 1e-6, "whole U-Net");
	li_model_free(m);

	/* A layer this build cannot run: kept, named when a run needs it, skipped otherwise. */
	m = build("c:NoSuchLayer:x;s:Dense:c", "s");
	int c = li_model_find(m, "c");
	CHECK(c == 1 && li_model_row_problem(m, c) && !li_model_row_problem(m, 2),
	      "the unknown layer is a row with a problem");
	CHECK(li_model_row_shape(m, 2)->rank == -1, "shapes after it are unknown");
	li_err e3 = {0};
	CHECK(run1(m, "x", "s", x, &e3) == -1e30f && strstr(e3.msg, "'c' (NoSuchLayer)"),
	      "a run through it names it: '%s'", e3.msg);
	CHECK_NEAR(run1(m, "c", "s", x, &err), 2, 1e-6, "a run after it works");
	li_model_free(m);
	return check_done();
}
